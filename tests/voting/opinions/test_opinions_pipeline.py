import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from opinion_grids import grid_votes, planted_grid

from voting.opinions import Conversation, OpinionResult, Votes, adjusted_rand_index, compute


def by_participant(result: OpinionResult) -> dict[int, tuple[int, tuple[float, float]]]:
    return {
        int(p): (int(g), (float(x), float(y)))
        for p, g, (x, y) in zip(
            result.participant_ids, result.group, result.projection, strict=True
        )
    }


def by_statement(result: OpinionResult) -> dict[int, tuple[float, ...]]:
    return {
        int(s): (
            float(result.group_informed_consensus[i]),
            float(result.priority[i]),
            float(result.extremity[i]),
            *result.components[:, i].tolist(),
            *result.group_votes.agree[:, i].tolist(),
            *result.group_votes.seen[:, i].tolist(),
        )
        for i, s in enumerate(result.statement_ids)
    }


def test_planted_groups_are_found() -> None:
    grid = planted_grid(200, 40, groups=2, seed=1)
    result, _ = compute(Conversation(grid_votes(grid)))
    assert result.k == 2
    truth = result.participant_ids % 2
    assert adjusted_rand_index(result.group, truth) == 1.0
    assert result.clustered.all()
    assert len(result.repness) == 2
    assert all(len(r) >= 1 for r in result.repness)
    assert set(result.timings) >= {"matrix", "pca", "base_clusters", "groups", "repness"}


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(1, 60),
    m=st.integers(1, 25),
    relabel=st.sampled_from(["participants", "statements"]),
)
def test_relabelling_permutes_the_result(seed: int, n: int, m: int, relabel: str) -> None:
    """Renaming participants (or statements) by a random bijection renames the result and
    changes nothing else. Row and column order follow the vote stream, which stays the same:
    Pol.is' k-means initialisation depends on that order, not on the names."""
    rng = np.random.default_rng(seed)
    grid = planted_grid(n, m, groups=int(rng.integers(1, 4)), density=0.7, seed=seed)
    votes = grid_votes(grid)
    order = rng.permutation(votes.participant.size)
    votes = Votes(votes.participant[order], votes.statement[order], votes.value[order])
    names = rng.permutation(10 * max(n, m)) * 7 - 30
    if relabel == "participants":
        renamed = Votes(names[votes.participant], votes.statement, votes.value)
    else:
        renamed = Votes(votes.participant, names[votes.statement], votes.value)
    meta = frozenset({0})
    base, _ = compute(Conversation(votes, meta=meta))
    other, _ = compute(
        Conversation(renamed, meta=frozenset({int(names[0])}) if relabel == "statements" else meta)
    )
    assert other.k == base.k
    if relabel == "participants":
        expected = {int(names[p]): v for p, v in by_participant(base).items()}
        assert by_participant(other) == expected
        assert by_statement(other) == by_statement(base)
    else:
        expected_s = {int(names[s]): v for s, v in by_statement(base).items()}
        assert by_statement(other) == expected_s
        assert by_participant(other) == by_participant(base)
        rename = {int(s): int(names[s]) for s in base.statement_ids}
        assert [rename[c.statement] for c in base.consensus.agree] == [
            c.statement for c in other.consensus.agree
        ]
        for mine, theirs in zip(base.repness, other.repness, strict=True):
            assert [rename[r.statement] for r in mine] == [r.statement for r in theirs]


def test_empty_conversation() -> None:
    result, state = compute(Conversation(Votes.from_lists([], [], [])))
    assert result.k == 0
    assert result.participant_ids.size == 0
    assert result.repness == ()
    assert result.consensus.agree == ()
    assert state.clustered.size == 0


def test_one_participant() -> None:
    result, _ = compute(Conversation(Votes.from_lists([3, 3, 3], [1, 2, 3], [1, -1, 0])))
    assert result.clustered.tolist() == [True]
    assert result.k == 1
    assert result.group.tolist() == [0]
    assert not result.components.any()
    assert result.projection.tolist() == [[0.0, 0.0]]


def test_one_statement() -> None:
    result, _ = compute(Conversation(Votes.from_lists([1, 2, 3, 4], [9, 9, 9, 9], [1, 1, -1, 0])))
    assert result.statement_ids.tolist() == [9]
    assert result.components.tolist() == [[1.0], [0.0]]
    assert result.k == 2
    # Positions 0.75, 0.75, -1.25, -0.25 (times the scale): the pass is equally far from both
    # group seeds and the tie goes to the first.
    assert result.group.tolist() == [0, 0, 1, 0]


def test_mod_out_statements_are_zeroed_but_still_tallied() -> None:
    grid = planted_grid(80, 10, seed=4)
    votes = grid_votes(grid)
    result, _ = compute(Conversation(votes, rejected=frozenset({3}), meta=frozenset({5})))
    column = {int(s): i for i, s in enumerate(result.statement_ids)}
    assert result.components[:, column[3]].tolist() == [0.0, 0.0]
    assert result.priority[column[5]] == 49.0
    assert result.group_votes.seen[:, column[3]].sum() > 0
    listed = [r.statement for reps in result.repness for r in reps]
    listed += [c.statement for c in result.consensus.agree + result.consensus.disagree]
    assert 3 not in listed
    assert 5 not in listed


def test_participant_stats_shapes() -> None:
    result, _ = compute(Conversation(grid_votes(planted_grid(50, 12, seed=2))))
    stats = result.participant_stats
    inside = result.group >= 0
    assert np.isfinite(stats.coreness[inside]).all()
    assert np.isnan(stats.coreness[~inside]).all()
    assert stats.centricness.shape == result.group.shape


@pytest.mark.parametrize("seed", [0, 1])
def test_same_seed_same_result(seed: int) -> None:
    conversation = Conversation(grid_votes(planted_grid(120, 30, groups=3, seed=7)))
    a, _ = compute(conversation, seed=seed)
    b, _ = compute(conversation, seed=seed)
    assert a.group.tolist() == b.group.tolist()
    assert a.projection.tolist() == b.projection.tolist()
