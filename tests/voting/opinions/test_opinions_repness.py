import numpy as np
import pytest

from voting.opinions import Tallies
from voting.opinions.consensus import consensus_statements, group_informed_consensus
from voting.opinions.priorities import priorities
from voting.opinions.repness import representative_statements

Z = 1.2816


def tallies(agree: list[list[int]], disagree: list[list[int]], seen: list[list[int]]) -> Tallies:
    return Tallies(*(np.array(x, dtype=np.int64) for x in (agree, disagree, seen)))


def test_repness_worked_example() -> None:
    t = tallies([[8], [1]], [[1], [8]], [[10], [10]])
    reps = representative_statements(t, np.array([42]), np.zeros(1, bool), Z, 5)
    (mine,) = reps[0]
    assert mine.statement == 42
    assert mine.direction == "agree"
    assert mine.p_success == pytest.approx(9 / 12)
    assert mine.repness == pytest.approx((9 / 12) / (2 / 12))
    assert mine.p_test == pytest.approx(2 * np.sqrt(11) * (9 / 11 - 0.5))
    assert mine.repness_test == pytest.approx((7 / 11) / np.sqrt(0.25 * 2 / 11))
    assert (mine.n_success, mine.n_trials, mine.best_agree) == (8, 10, True)
    (theirs,) = reps[1]
    assert theirs.direction == "disagree"
    assert theirs.n_success == 8


def test_selection_keeps_five_agrees_first_and_skips_mod_out() -> None:
    n = 9
    agree = [[9, 9, 0, 0, 9, 9, 9, 9, 9], [0] * n]
    disagree = [[0, 0, 9, 9, 0, 0, 0, 0, 0], [9] * 2 + [0] * 2 + [9] * 5]
    seen = [[10] * n, [10] * n]
    t = tallies(agree, disagree, seen)
    mod_out = np.zeros(n, bool)
    mod_out[0] = True
    ids = np.arange(100, 100 + n)
    reps = representative_statements(t, ids, mod_out, Z, 5)[0]
    assert len(reps) == 5
    assert 100 not in [r.statement for r in reps]
    directions = [r.direction for r in reps]
    assert directions == sorted(directions)  # "agree" < "disagree"
    assert reps[0].best_agree


def test_no_passing_statement_falls_back_to_the_best_agree() -> None:
    t = tallies([[1, 3], [1, 3]], [[1, 1], [1, 1]], [[3, 4], [3, 4]])
    reps = representative_statements(t, np.array([5, 6]), np.zeros(2, bool), Z, 5)
    assert [(r[0].statement, r[0].best_agree) for r in reps] == [(6, True), (6, True)]


def test_nothing_agreed_falls_back_to_the_best_test() -> None:
    t = tallies([[1, 2], [1, 2]], [[1, 1], [1, 1]], [[3, 4], [3, 4]])
    reps = representative_statements(t, np.array([5, 6]), np.zeros(2, bool), Z, 5)
    assert [(r[0].statement, r[0].best_agree) for r in reps] == [(5, False), (5, False)]


def test_group_informed_consensus_worked_example() -> None:
    t = tallies([[3, 0]], [[0, 0]], [[4, 0]])
    t2 = tallies([[3, 0], [0, 0]], [[0, 0], [2, 0]], [[4, 0], [2, 0]])
    assert group_informed_consensus(t).tolist() == pytest.approx([4 / 6, 1 / 2])
    assert group_informed_consensus(t2).tolist() == pytest.approx([4 / 6 * 1 / 4, 1 / 4])


def test_consensus_lists() -> None:
    everyone = tallies([[30, 2, 20, 29]], [[1, 28, 1, 0]], [[31, 30, 40, 30]])
    mod_out = np.array([False, False, False, True])
    result = consensus_statements(everyone, np.array([1, 2, 3, 4]), mod_out, Z, 5)
    assert [c.statement for c in result.agree] == [1]
    assert [c.statement for c in result.disagree] == [2]
    assert result.agree[0].p_success == pytest.approx(31 / 33)


def test_priorities_formula() -> None:
    totals = tallies([[3, 0]], [[1, 0]], [[5, 0]])
    extremity = np.array([0.5, 2.0])
    result = priorities(totals, extremity, np.array([False, True]), 7.0)
    importance = (1 - 2 / 7) * 1.5 * 4 / 7
    assert result.tolist() == pytest.approx([(importance * (1 + 8 * 2 ** (-1))) ** 2, 49.0])
