"""Worked examples from the social-choice literature, numbers checked by hand."""

from fractions import Fraction

import pytest

from voting.methods import Ballot, tally

# Schulze's classic example (Schulze 2011, section 3.1; Wikipedia "Schulze method"): 45 voters.
SCHULZE_GROUPS = [
    (5, "ACBED"),
    (5, "ADECB"),
    (8, "BEDAC"),
    (3, "CABED"),
    (7, "CAEBD"),
    (2, "CBADE"),
    (7, "DCEBA"),
    (8, "EBADC"),
]


def ranked(groups: list[tuple[int, str]]) -> list[Ballot]:
    return [Ballot([[c] for c in order]) for n, order in groups for _ in range(n)]


def test_schulze_classic_example_winning_votes() -> None:
    result = tally("schulze", list("ABCDE"), ranked(SCHULZE_GROUPS), strength="winning_votes")
    d = result.explanation["pairwise"]
    assert d["A"] == {"B": 20, "C": 26, "D": 30, "E": 22}
    assert d["E"] == {"A": 23, "B": 27, "C": 21, "D": 31}
    paths = result.explanation["strongest_paths"]
    assert paths["E"] == {"A": 25, "B": 28, "C": 28, "D": 31}
    assert paths["A"] == {"B": 28, "C": 28, "D": 30, "E": 24}
    assert result.winners == ("E",)
    assert result.ranking == (("E",), ("A",), ("C",), ("B",), ("D",))


def test_schulze_and_ranked_pairs_differ_on_the_classic_example() -> None:
    ballots = ranked(SCHULZE_GROUPS)
    assert tally("schulze", list("ABCDE"), ballots).winner == "E"
    pairs = tally("ranked_pairs", list("ABCDE"), ballots)
    assert pairs.winners == ("A",)
    assert pairs.explanation["pairs_skipped"] == [["D", "C", 11], ["B", "A", 5], ["E", "A", 1]]
    assert pairs.explanation["pairs_locked"][0] == ["B", "D", 21]
    assert pairs.explanation["smith_set"] == ["A", "B", "C", "D", "E"]
    assert pairs.explanation["condorcet_winner"] is None


@pytest.mark.parametrize("method", ["schulze", "ranked_pairs", "copeland", "borda"])
def test_condorcet_paradox_ties_every_option(method: str) -> None:
    ballots = ranked([(1, "ABC"), (1, "BCA"), (1, "CAB")])
    result = tally(method, list("ABC"), ballots, seed=7)
    assert result.winners == ("A", "B", "C")
    assert result.winner in result.winners
    assert result.tie_break is not None
    assert result.tie_break.seed == 7
    assert result.explanation["smith_set"] == ["A", "B", "C"]
    assert result.explanation["condorcet_winner"] is None


def test_ranked_pairs_reports_its_tie_and_every_parallel_universe() -> None:
    result = tally("ranked_pairs", list("ABC"), ranked([(1, "ABC"), (1, "BCA"), (1, "CAB")]))
    (tie,) = result.explanation["ties"]
    assert sorted(tuple(pair) for pair in tie) == [("A", "B", 1), ("B", "C", 1), ("C", "A", 1)]
    assert len(result.explanation["pairs_locked"]) == 2
    assert len(result.explanation["pairs_skipped"]) == 1
    assert result.explanation["winners_complete"] is True


def test_centre_squeeze_under_instant_runoff() -> None:
    # C is everyone's second choice and beats both L and R head to head, but has the fewest
    # first preferences.
    ballots = ranked([(35, "LCR"), (33, "RCL"), (16, "CLR"), (16, "CRL")])
    irv = tally("instant_runoff", list("LCR"), ballots)
    assert irv.winners == ("L",)
    assert irv.explanation["condorcet_winner"] == "C"
    assert [w.code for w in irv.warnings] == ["condorcet_winner_not_elected"]
    rounds = irv.explanation["rounds"]
    assert rounds[0]["eliminated"] == "C"
    assert rounds[1]["counts"] == {"L": 51, "R": 49}
    assert rounds[1]["elected"] == "L"
    assert tally("schulze", list("LCR"), ballots).winners == ("C",)


def test_instant_runoff_parallel_universes() -> None:
    # B and C tie for last; eliminating B elects C... eliminating C elects A.
    ballots = ranked([(4, "ABC"), (3, "BCA"), (3, "CAB"), (1, "ACB")])
    result = tally("instant_runoff", list("ABC"), ballots)
    # First round A 5, B 3, C 3: either B goes (C gets 3 -> A 5, C 6: C wins) or C goes
    # (A gets 3 -> A 8: A wins).
    assert result.winners == ("A", "C")
    assert result.explanation["rounds"][0]["tied"] == ["B", "C"]
    assert result.tie_break is not None
    assert result.tie_break.rule == "seeded_order"


def test_instant_runoff_counts_exhausted_and_tied_ballots() -> None:
    ballots = [
        Ballot([["A"]]),
        Ballot([["A"]]),
        Ballot([["B"], ["A"]]),
        Ballot([["C"]]),
        Ballot([["C"]]),
        Ballot([["B", "C"]]),
    ]
    result = tally("instant_runoff", list("ABC"), ballots)
    assert result.ballots.invalid[0].reason == "tied_top_group"
    assert result.ballots.invalid[0].ballots == 1
    first = result.explanation["rounds"][0]
    assert first["counts"] == {"A": 2, "B": 1, "C": 2}
    assert first["invalid"] == 1
    assert first["eliminated"] == "B"
    second = result.explanation["rounds"][1]
    # The tied ballot now counts for C, its only continuing option in the top group.
    assert second["counts"] == {"A": 3, "C": 3}


def test_plurality_sets_aside_a_tied_top_group() -> None:
    ballots = [Ballot([["A"]]), Ballot([["A", "B"]]), Ballot([["B"], ["A"]]), Ballot([])]
    result = tally("plurality", ["A", "B"], ballots)
    assert result.counts == {"A": 1, "B": 1}
    assert result.ballots.valid == 2
    assert result.ballots.abstaining == 1
    assert [(i.reason, i.ballots) for i in result.ballots.invalid] == [("tied_top_group", 1)]


def test_symmetric_borda_does_not_reward_truncation() -> None:
    # A truncated ballot "A" scores A +2, B and C -1 each, like "A > {B, C}".
    result = tally("borda", list("ABC"), [Ballot([["A"]]), Ballot([["B"], ["C"], ["A"]])])
    assert result.counts == {"A": Fraction(0), "B": Fraction(1), "C": Fraction(-1)}
    assert result.winners == ("B",)


def test_copeland_scores_wins_minus_losses() -> None:
    ballots = [*ranked([(2, "ABC"), (1, "BCA")]), Ballot([["C"], ["B"], ["A"]])]
    result = tally("copeland", list("ABC"), ballots)
    # A vs B 2:2 tie, A vs C 2:2 tie, B vs C 3:1 win.
    assert result.counts == {"A": 0, "B": 1, "C": -1}
    assert result.explanation["copeland"]["A"] == {"wins": 0, "losses": 0, "ties": 2}


def test_score_blank_counts_as_lowest() -> None:
    ballots = [Ballot({"A": 5}), Ballot({"A": 0, "B": 4}), Ballot({"B": 4})]
    result = tally("score", ["A", "B"], ballots)
    assert result.counts == {"A": 5, "B": 8}
    assert result.explanation["scores"]["A"]["mean"] == Fraction(5, 3)
    assert result.explanation["scores"]["A"]["blank"] == 1


def test_star_runoff_can_overturn_the_score_leader() -> None:
    ballots = [Ballot({"A": 5, "B": 4}) for _ in range(3)] + [
        Ballot({"A": 0, "B": 5, "C": 5}) for _ in range(2)
    ]
    # Totals A 15, B 22, C 10: finalists B and A; A is preferred by 3, B by 2.
    result = tally("star", list("ABC"), ballots)
    assert result.explanation["finalists"] == ["B", "A"]
    assert result.explanation["runoff"] == {"preferring": {"B": 2, "A": 3}, "no_preference": 0}
    assert result.winners == ("A",)


def test_star_runoff_tie_goes_to_the_higher_score() -> None:
    ballots = [Ballot({"A": 5, "B": 0}), Ballot({"A": 1, "B": 2}), Ballot({"A": 3, "B": 3})]
    result = tally("star", ["A", "B"], ballots)
    assert result.winners == ("A", "B")
    assert result.winner == "A"
    assert result.explanation["tie_breaks"] == [{"step": "runoff_tie_higher_score", "winner": "A"}]
    assert result.tie_break is not None
    assert result.tie_break.rule == "star_protocol"


def test_star_scoring_tie_uses_head_to_head_among_the_tied() -> None:
    ballots = [
        Ballot({"A": 5, "B": 3, "C": 2}),
        Ballot({"A": 5, "B": 2, "C": 3}),
        Ballot({"A": 5, "B": 3, "C": 2}),
        Ballot({"A": 0, "B": 0, "C": 1}),
    ]
    # Totals A 15, B 8, C 8: B is scored above C by 2 ballots, C above B by 2; tie; seeded.
    result = tally("star", list("ABC"), ballots)
    assert result.explanation["tie_breaks"][0]["step"] == "scoring_tie_head_to_head"
    assert result.explanation["finalists"][0] == "A"
    assert result.winners == ("A",)


def test_majority_judgment_majority_value_decides_not_a_tie_break() -> None:
    # Same lower median 3; majority values (3, 3, 1, 5) and (3, 3, 2, 4): B is better, and
    # that is the rule itself, so B is the only winner and no tie is reported.
    a = [1, 3, 3, 5]
    b = [2, 3, 3, 4]
    ballots = [Ballot({"A": x, "B": y}) for x, y in zip(a, b, strict=True)]
    result = tally("majority_judgment", ["A", "B"], ballots)
    assert result.explanation["majority_grades"] == {"A": 3, "B": 3}
    assert result.winners == ("B",)
    assert result.winner == "B"
    assert result.tie_break is None
    assert "tie_broken" not in {notice.code for notice in result.warnings}
    assert result.ranking == (("B",), ("A",))


def test_majority_judgment_identical_profiles_fall_back_to_the_seed() -> None:
    ballots = [Ballot({"A": 2, "B": 4}), Ballot({"A": 4, "B": 2})]
    result = tally("majority_judgment", ["A", "B"], ballots, seed=11)
    assert result.ranking == (("A", "B"),)
    assert result.winners == ("A", "B")
    assert result.tie_break is not None
    assert result.tie_break.rule == "seeded_order"


def test_majority_judgment_lower_median_of_an_even_count() -> None:
    ballots = [Ballot({"A": g}) for g in (0, 1, 4, 5)]
    result = tally("majority_judgment", ["A"], ballots)
    assert result.explanation["majority_grades"] == {"A": 1}
    assert result.explanation["majority_gauge"]["A"] == {"above": 2, "below": 1}


def test_approval_counts_and_shares() -> None:
    ballots = [Ballot({"A", "B"}), Ballot({"B"}), Ballot(set())]
    result = tally("approval", ["A", "B"], ballots)
    assert result.counts == {"A": 1, "B": 2}
    assert result.explanation["approval_share"] == {"A": Fraction(1, 2), "B": 1}
    assert result.ballots.abstaining == 1


# Wikipedia's Tennessee capital example: 100 voters, four cities.
TENNESSEE = [(42, "MNCK"), (26, "NCKM"), (15, "CKNM"), (17, "KCNM")]


def test_tennessee_capital_example() -> None:
    ballots = ranked(TENNESSEE)
    cities = list("MNCK")
    assert tally("plurality", cities, ballots).winners == ("M",)
    irv = tally("instant_runoff", cities, ballots)
    assert irv.winners == ("K",)
    assert [r.get("eliminated") for r in irv.explanation["rounds"]] == ["C", "N", None]
    assert irv.explanation["rounds"][-1]["counts"] == {"M": 42, "K": 58}
    for method in ("schulze", "ranked_pairs", "copeland"):
        result = tally(method, cities, ballots)
        assert result.winners == ("N",)
        assert result.explanation["condorcet_winner"] == "N"
    borda = tally("borda", cities, ballots)
    assert borda.counts == {"M": -48, "N": 88, "C": 46, "K": -86}
