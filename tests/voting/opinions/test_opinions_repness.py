import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


def literal_selection(t: Tallies, mod_out: np.ndarray) -> list[list[tuple[int, str, bool]]]:
    """Pol.is ``select-rep-comments`` transcribed statement by statement."""
    out = []
    groups, n = t.agree.shape
    for g in range(groups):
        rows = [i for i in range(groups) if i != g]
        stats = []
        for c in range(n):
            na, nd, ns = (float(x[g, c]) for x in (t.agree, t.disagree, t.seen))
            ra_, rd_, rs_ = (
                float(sum(x[i, c] for i in rows)) for x in (t.agree, t.disagree, t.seen)
            )
            pa, pd = (na + 1) / (ns + 2), (nd + 1) / (ns + 2)
            pat = 2 * np.sqrt(ns + 1) * ((na + 1) / (ns + 1) - 0.5)
            pdt = 2 * np.sqrt(ns + 1) * ((nd + 1) / (ns + 1) - 0.5)

            def two(a: float, b: float, ns: float = ns, rs_: float = rs_) -> float:
                p1, p2 = (a + 1) / (ns + 1), (b + 1) / (rs_ + 1)
                p = (a + b + 2) / (ns + rs_ + 2)
                v = p * (1 - p) * (1 / (ns + 1) + 1 / (rs_ + 1))
                return 0.0 if v <= 0 else (p1 - p2) / np.sqrt(v)

            stats.append(
                {
                    "c": c, "na": na, "nd": nd, "pa": pa, "pd": pd, "pat": pat, "pdt": pdt,
                    "ra": pa / ((ra_ + 1) / (rs_ + 2)), "rd": pd / ((rd_ + 1) / (rs_ + 2)),
                    "rat": two(na, ra_), "rdt": two(nd, rd_),
                }
            )  # fmt: skip

        def fin(s: dict, best_agree: bool = False) -> tuple[int, str, bool, float]:
            agree = s["rat"] > s["rdt"]
            if agree:
                m = s["ra"] * s["rat"] * s["pa"] * s["pat"]
            else:
                m = s["rd"] * s["rdt"] * s["pd"] * s["pdt"]
            return (s["c"], "agree" if agree else "disagree", best_agree, m)

        sufficient, best, best_agree = [], None, None
        for s in stats:
            if mod_out[s["c"]]:
                continue
            if (s["rat"] > Z and s["pat"] > Z) or (s["rdt"] > Z and s["pdt"] > Z):
                sufficient.append(fin(s))
            if not sufficient and (best is None or max(s["rat"], s["rdt"]) > best[1]):
                best = (s, max(s["rat"], s["rdt"]))
            if s["na"] == 0 and s["nd"] == 0:
                beats = False
            elif best_agree is not None and best_agree["ra"] > 1:
                b = best_agree
                beats = (
                    s["ra"] * s["rat"] * s["pa"] * s["pat"]
                    > b["ra"] * b["rat"] * b["pa"] * b["pat"]
                )
            elif best_agree is not None:
                beats = s["pa"] * s["pat"] > best_agree["pa"] * best_agree["pat"]
            else:
                beats = s["pat"] > Z or (s["ra"] > 1 and s["pa"] > 0.5)
            if beats:
                best_agree = s
        head = [fin(best_agree, True)] if best_agree else ([fin(best[0])] if best else [])
        if not sufficient:
            chosen = head
        else:
            rest = [x for x in sufficient if not best_agree or x[0] != best_agree["c"]]
            rest.sort(key=lambda x: -x[3])
            top = ([head[0]] if best_agree else []) + rest
            top = top[:5]
            chosen = [x for x in top if x[1] == "agree"] + [x for x in top if x[1] == "disagree"]
        out.append([(x[0], x[1], x[2]) for x in chosen])
    return out


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 100_000), groups=st.integers(2, 4), n=st.integers(1, 40))
def test_selection_equals_a_literal_transcription(seed: int, groups: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    seen = rng.integers(0, 30, (groups, n))
    agree = rng.binomial(seen, rng.random((groups, n)))
    disagree = rng.binomial(seen - agree, rng.random((groups, n)))
    t = tallies(agree.tolist(), disagree.tolist(), seen.tolist())
    mod_out = rng.random(n) < 0.1
    got = representative_statements(t, np.arange(n), mod_out, Z, 5)
    mine = [[(r.statement, r.direction, r.best_agree) for r in reps] for reps in got]
    assert mine == literal_selection(t, mod_out)
