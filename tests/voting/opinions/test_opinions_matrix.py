import numpy as np
import pytest

from voting.opinions import Parameters, Votes
from voting.opinions.matrix import build_matrix, first_appearance_codes


def test_last_vote_wins_and_order_of_first_appearance() -> None:
    votes = Votes.from_lists([30, 10, 30, 10, 30], [7, 7, 5, 7, 7], [1, -1, 0, 1, -1])
    m = build_matrix(votes, Parameters())
    assert m.participant_ids.tolist() == [30, 10]
    assert m.statement_ids.tolist() == [7, 5]
    cells = {(int(r), int(c)): int(v) for r, c, v in zip(m.row, m.col, m.value, strict=True)}
    assert cells == {(0, 0): -1, (0, 1): 0, (1, 0): 1}
    assert m.indptr.tolist() == [0, 2, 3]
    assert m.first_event.tolist() == [0, 2, 1]
    assert m.statement_first_event.tolist() == [0, 2]


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
def test_first_appearance_codes(ids: list[int]) -> None:
    codes, unique, first = first_appearance_codes(np.array(ids, dtype=np.int64))
    assert codes.tolist() == [0, 1, 0, 2]
    assert unique.tolist() == [ids[0], ids[1], ids[3]]
    assert first.tolist() == [0, 1, 3]


def test_invalid_votes_are_refused() -> None:
    with pytest.raises(ValueError, match="vote values"):
        Votes.from_lists([1], [1], [2])
    with pytest.raises(ValueError, match="one length"):
        Votes(np.zeros(2, np.int64), np.zeros(1, np.int64), np.zeros(2, np.int8))
