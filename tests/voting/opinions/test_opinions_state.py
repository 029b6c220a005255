import io
from dataclasses import replace

import numpy as np
import pytest
from opinion_grids import grid_votes, planted_grid

from voting.opinions import Conversation, OpinionState, Parameters, Votes, compute
from voting.opinions.kmeans import Membership


def prefix(votes: Votes, n: int) -> Votes:
    return Votes(votes.participant[:n], votes.statement[:n], votes.value[:n])


def shuffled_votes(seed: int = 0) -> Votes:
    votes = grid_votes(planted_grid(300, 60, groups=3, seed=seed))
    order = np.random.default_rng(seed).permutation(votes.participant.size)
    return Votes(votes.participant[order], votes.statement[order], votes.value[order])


def test_state_round_trips_through_bytes() -> None:
    _, state = compute(Conversation(shuffled_votes()))
    again = OpinionState.from_bytes(state.to_bytes())
    assert again.clustered.tolist() == state.clustered.tolist()
    assert again.components.tolist() == state.components.tolist()
    assert again.base.cluster_ids.tolist() == state.base.cluster_ids.tolist()
    assert sorted(again.groups) == sorted(state.groups)
    for k, m in state.groups.items():
        assert again.groups[k].point_ids.tolist() == m.point_ids.tolist()
        assert again.groups[k].cluster_ids.tolist() == m.cluster_ids.tolist()
    assert again.smoother == state.smoother
    assert again.group_votes.seen.tolist() == state.group_votes.seen.tolist()


def test_foreign_bytes_are_refused() -> None:
    with pytest.raises(ValueError, match="opinion state"):
        OpinionState.from_bytes(b"not an archive")


def test_warm_updates_are_deterministic_and_sticky() -> None:
    votes = shuffled_votes(1)
    n = votes.participant.size
    _, state = compute(Conversation(prefix(votes, n // 2)))
    first, next_state = compute(Conversation(votes), state)
    second, _ = compute(Conversation(votes), OpinionState.from_bytes(state.to_bytes()))
    assert first.group.tolist() == second.group.tolist()
    assert first.projection.tolist() == second.projection.tolist()
    clustered = set(first.participant_ids[first.clustered].tolist())
    assert set(state.clustered.tolist()) <= clustered
    assert set(next_state.clustered.tolist()) == clustered


def test_warm_components_keep_their_orientation() -> None:
    votes = shuffled_votes(2)
    _, state = compute(Conversation(prefix(votes, votes.participant.size * 9 // 10)))
    result, _ = compute(Conversation(votes), state)
    previous = state.aligned_components(result.statement_ids)
    assert (np.sum(previous * result.components, axis=1) > 0).all()


def test_sticky_set_survives_a_shrinking_stream() -> None:
    votes = shuffled_votes(3)
    _, state = compute(Conversation(votes))
    result, _ = compute(Conversation(prefix(votes, 200)), state)
    assert set(result.participant_ids.tolist()) <= set(state.clustered.tolist())
    assert result.clustered.all()


def test_priorities_use_the_previous_groups() -> None:
    votes = shuffled_votes(4)
    _, state = compute(Conversation(prefix(votes, 100)))
    result, _ = compute(Conversation(votes), state)
    cold, _ = compute(Conversation(votes))
    assert not np.allclose(result.priority, cold.priority)


def test_k_smoother_holds_the_shown_k() -> None:
    votes = shuffled_votes(5)
    state = OpinionState()
    shown = []
    for _ in range(5):
        result, state = compute(Conversation(votes), state)
        shown.append(result.k)
    assert len(set(shown)) == 1
    assert state.smoother.last_k_count == 5


def test_shown_labels_and_fresh_count_round_trip() -> None:
    votes = shuffled_votes(6)
    _, state = compute(Conversation(prefix(votes, votes.participant.size // 2)))
    _, state = compute(Conversation(votes), state, params=Parameters(fresh_below=0))
    again = OpinionState.from_bytes(state.to_bytes())
    assert state.since_fresh == again.since_fresh == 1
    assert again.shown.point_ids.tolist() == state.shown.point_ids.tolist()
    assert again.shown.cluster_ids.tolist() == state.shown.cluster_ids.tolist()


def test_a_state_stored_before_the_shown_labels_still_reads() -> None:
    _, state = compute(Conversation(shuffled_votes(7)))
    with np.load(io.BytesIO(state.to_bytes())) as archive:
        older = {
            name: archive[name]
            for name in archive.files
            if name not in ("shown_points", "shown_groups", "since_fresh", "shared_points")
        }
    older["base_points"] = state.base.point_ids  # written out in full before ``shared_points``
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **older)
    again = OpinionState.from_bytes(buffer.getvalue())
    assert again.shown.point_ids.size == again.shown.cluster_ids.size == 0
    assert again.since_fresh == 0
    assert again.clustered.tolist() == state.clustered.tolist()
    assert again.base.point_ids.tolist() == state.base.point_ids.tolist()


def test_ids_are_stored_once_when_shared_and_in_full_otherwise() -> None:
    _, state = compute(Conversation(shuffled_votes(8)))
    with np.load(io.BytesIO(state.to_bytes())) as archive:
        assert "base_points" not in archive.files
        assert "shown_points" not in archive.files
        assert archive["clustered"].dtype == np.int16, "ids under 2**15 take two bytes"
        assert archive["shown_groups"].dtype == np.int8, "group labels take one byte"
    other = replace(
        state,
        base=Membership(state.base.point_ids[::-1].copy(), state.base.cluster_ids[::-1].copy()),
        clustered=state.clustered + 2**40,
    )
    again = OpinionState.from_bytes(other.to_bytes())
    assert again.clustered.tolist() == other.clustered.tolist()
    assert again.base.point_ids.tolist() == other.base.point_ids.tolist()
    assert again.shown.point_ids.tolist() == other.shown.point_ids.tolist()
    shared = OpinionState.from_bytes(state.to_bytes())
    assert shared.base.point_ids.tolist() == state.base.point_ids.tolist()
    assert shared.base.point_ids is not shared.clustered, "one array each, not one shared"
