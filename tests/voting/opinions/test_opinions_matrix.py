import dataclasses

import numpy as np
import pytest

from voting.opinions import Parameters, Votes
from voting.opinions import matrix as matrix_module
from voting.opinions.matrix import MatrixMemo, VoteMatrix, build_matrix, extend_matrix


def test_last_vote_wins_and_order_of_first_appearance() -> None:
    votes = Votes.from_lists([30, 10, 30, 10, 30], [7, 7, 5, 7, 7], [1, -1, 0, 1, -1])
    m = build_matrix(votes, Parameters())
    assert m.participant_ids.tolist() == [30, 10]
    assert m.statement_ids.tolist() == [7, 5]
    cells = {(int(r), int(c)): int(v) for r, c, v in zip(m.row, m.col, m.value, strict=True)}
    assert cells == {(0, 0): -1, (0, 1): 0, (1, 0): 1}
    assert m.indptr.tolist() == [0, 2, 3]
    assert m.statement_first_event.tolist() == [0, 2]
    # Fewer statements than min_votes: the opening is the whole stream.
    assert m.opening_row.tolist() == [0, 0, 1]
    assert m.opening_event.tolist() == [0, 2, 1]


def test_opening_ends_at_the_first_vote_on_the_min_votes_th_statement() -> None:
    votes = Votes.from_lists([1, 1, 2, 1, 2, 2], [5, 5, 6, 7, 5, 8], [1, 1, 1, 1, 1, 1])
    m = build_matrix(votes, Parameters(min_votes=3))
    assert m.opening_row.tolist() == [0, 1]
    assert m.opening_event.tolist() == [0, 2]


def test_caps_drop_late_participants_and_statements() -> None:
    votes = Votes.from_lists([1, 2, 3, 1, 1], [1, 1, 1, 2, 3], [1, 1, 1, 1, 1])
    m = build_matrix(votes, Parameters(max_participants=2, max_statements=2))
    assert m.participant_ids.tolist() == [1, 2]
    assert m.statement_ids.tolist() == [1, 2]
    assert m.value.size == 3


def test_empty_stream() -> None:
    m = build_matrix(Votes.from_lists([], [], []), Parameters())
    assert m.shape == (0, 0)
    assert m.indptr.tolist() == [0]


@pytest.mark.parametrize("ids", [[5, 3, 5, 9], [10**15, -4, 10**15, 7]])
def test_any_integer_ids(ids: list[int]) -> None:
    votes = Votes.from_lists(ids, ids, [1, 0, -1, 1])
    m = build_matrix(votes, Parameters())
    assert m.participant_ids.tolist() == [ids[0], ids[1], ids[3]]
    assert m.statement_ids.tolist() == [ids[0], ids[1], ids[3]]
    assert sorted(zip(m.row.tolist(), m.col.tolist(), m.value.tolist(), strict=False)) == [
        (0, 0, -1),
        (1, 1, 0),
        (2, 2, 1),
    ]


def test_random_streams_match_a_dictionary() -> None:
    rng = np.random.default_rng(0)
    for _ in range(20):
        n = int(rng.integers(1, 300))
        p, s = rng.integers(0, 30, n), rng.integers(0, 15, n) * 1000
        v = rng.integers(-1, 2, n).astype(np.int8)
        m = build_matrix(Votes(p, s, v), Parameters())
        last = {(int(a), int(b)): int(c) for a, b, c in zip(p, s, v, strict=True)}
        got = {
            (int(m.participant_ids[r]), int(m.statement_ids[c])): int(x)
            for r, c, x in zip(m.row, m.col, m.value, strict=True)
        }
        assert got == last
        assert m.participant_ids.tolist() == list(dict.fromkeys(p.tolist()))
        assert m.statement_ids.tolist() == list(dict.fromkeys(s.tolist()))
        assert np.diff(m.indptr).tolist() == np.bincount(m.row, minlength=m.shape[0]).tolist()


def test_invalid_votes_are_refused() -> None:
    with pytest.raises(ValueError, match="vote values"):
        Votes.from_lists([1], [1], [2])
    with pytest.raises(ValueError, match="one length"):
        Votes(np.zeros(2, np.int64), np.zeros(1, np.int64), np.zeros(2, np.int8))


def _same_matrix(a: VoteMatrix, b: VoteMatrix) -> bool:
    return all(
        getattr(a, f.name).dtype == getattr(b, f.name).dtype
        and np.array_equal(getattr(a, f.name), getattr(b, f.name))
        for f in dataclasses.fields(VoteMatrix)
    )


def test_extending_a_matrix_equals_building_it() -> None:
    rng = np.random.default_rng(1)
    extended = 0
    for _ in range(400):
        n = int(rng.integers(2, 400))
        p = rng.integers(0, int(rng.integers(1, 40)), n)
        s = rng.integers(0, int(rng.integers(1, 20)), n) * 7
        v = rng.integers(-1, 2, n).astype(np.int8)
        params = Parameters(
            min_votes=int(rng.integers(1, 8)),
            max_participants=int(rng.integers(1, 50)),
            max_statements=int(rng.integers(1, 25)),
        )
        start = int(rng.integers(1, n + 1))
        before = build_matrix(Votes(p[:start], s[:start], v[:start]), params)
        matrix = extend_matrix(before, Votes(p, s, v), start, params)
        if matrix is not None:
            extended += 1
            assert _same_matrix(matrix, build_matrix(Votes(p, s, v), params))
    assert extended > 100


def test_extending_refuses_what_the_earlier_events_cannot_decide() -> None:
    votes = Votes.from_lists([1, 2, 3, 1], [1, 1, 1, 2], [1, 1, 1, 1])
    params = Parameters(min_votes=1, max_participants=2)
    before = build_matrix(Votes.from_lists([1, 2], [1, 1], [1, 1]), params)
    assert extend_matrix(before, votes, 2, params) is None  # a third participant: over the cap
    opening = Parameters(min_votes=3)
    before = build_matrix(Votes.from_lists([1, 2], [1, 2], [1, 1]), opening)
    assert extend_matrix(before, votes, 2, opening) is None  # two statements: opening not over


def test_the_memo_extends_appended_streams_and_rebuilds_others(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built: list[int] = []

    def counted(votes: Votes, params: Parameters) -> VoteMatrix:
        built.append(votes.value.size)
        return build_matrix(votes, params)

    monkeypatch.setattr(matrix_module, "build_matrix", counted)
    memo = MatrixMemo()
    params = Parameters(min_votes=1)
    first = Votes.from_lists([1, 2, 1], [5, 5, 6], [1, -1, 0])
    appended = Votes.from_lists([1, 2, 1, 3, 2], [5, 5, 6, 6, 5], [1, -1, 0, 1, 1])
    retracted = Votes.from_lists([1, 1, 3, 2], [5, 6, 6, 5], [1, 0, 1, 1])
    for votes in (first, appended, retracted, first):
        assert _same_matrix(memo.build(votes, params), build_matrix(votes, params))
    assert built == [3, 4, 3]  # the appended stream was extended, not built
