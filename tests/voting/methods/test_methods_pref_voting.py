"""Cross-checks against pref_voting, an independent implementation (skipped without it)."""

import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voting.methods import Ballot, tally

# pref_voting imports numba without declaring it; without either the cross-checks are skipped.
# Its sources hold invalid escape sequences, which warnings-as-errors would make fatal.
pytest.importorskip("numba")
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    c1 = pytest.importorskip("pref_voting.c1_methods")
    iterative = pytest.importorskip("pref_voting.iterative_methods")
    margin_based = pytest.importorskip("pref_voting.margin_based_methods")
    profiles = pytest.importorskip("pref_voting.profiles")
    with_ties = pytest.importorskip("pref_voting.profiles_with_ties")
    scoring = pytest.importorskip("pref_voting.scoring_methods")

NAMES = ["a", "b", "c", "d", "e"]
CHECKS = settings(max_examples=25, deadline=None)

weak_orders = st.integers(3, 5).flatmap(
    lambda m: st.lists(
        st.lists(st.integers(0, m), min_size=m, max_size=m), min_size=1, max_size=9
    ).filter(lambda rows: any(any(row) for row in rows))
)
# Strict orders from an odd number of voters: no zero margins, so pref_voting's ranked pairs
# (which also locks zero margins) agrees with ours. At most four options: pref_voting tries
# every permutation of tied pairs.
linear_orders = st.integers(3, 4).flatmap(
    lambda m: st.lists(st.permutations(range(m)), min_size=1, max_size=9).filter(
        lambda p: len(p) % 2 == 1
    )
)


def as_ballot(ranks: list[int]) -> Ballot:
    depth = sorted({r for r in ranks if r})
    return Ballot([[NAMES[j] for j, r in enumerate(ranks) if r == level] for level in depth])


def names(indices: list[int]) -> tuple[str, ...]:
    return tuple(NAMES[i] for i in sorted(indices))


@CHECKS
@given(weak_orders)
def test_margin_methods_agree_on_truncated_orders_with_ties(rows: list[list[int]]) -> None:
    m = len(rows[0])
    candidates = NAMES[:m]
    ballots = [as_ballot(r) for r in rows]
    profile = with_ties.ProfileWithTies(
        [{j: r for j, r in enumerate(row) if r} for row in rows], candidates=list(range(m))
    )
    profile.use_extended_strict_preference()
    schulze = tally("schulze", candidates, ballots)
    assert schulze.winners == names(margin_based.beat_path(profile))
    assert tally("copeland", candidates, ballots).winners == names(c1.copeland(profile))
    assert schulze.explanation["smith_set"] == list(names(c1.smith_set(profile)))
    scores = scoring.symmetric_borda_scores(profile)
    assert tally("borda", candidates, ballots).counts == {NAMES[j]: scores[j] for j in range(m)}


@CHECKS
@given(linear_orders)
def test_methods_agree_on_linear_orders(orders: list[tuple[int, ...]]) -> None:
    m = len(orders[0])
    candidates = NAMES[:m]
    ballots = [Ballot([[NAMES[j]] for j in order]) for order in orders]
    profile = profiles.Profile([list(o) for o in orders])
    assert tally("ranked_pairs", candidates, ballots).winners == names(
        margin_based.ranked_pairs(profile)
    )
    assert tally("instant_runoff", candidates, ballots).winners == names(
        iterative.instant_runoff_put(profile)
    )
    assert tally("borda", candidates, ballots).winners == names(scoring.borda(profile))
    assert tally("plurality", candidates, ballots).winners == names(scoring.plurality(profile))
    winner = profile.condorcet_winner()
    expected = None if winner is None else NAMES[winner]
    assert tally("schulze", candidates, ballots).explanation["condorcet_winner"] == expected
