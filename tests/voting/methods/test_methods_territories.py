"""Weighting across territories, per-territory outcomes, and consent with double majority."""

from fractions import Fraction

import pytest

from voting.methods import Ballot, Block, MethodError, penrose_weight, tally

PLURALITY = [
    *[Ballot([["A"]], territory="nord")] * 3,
    Ballot([["B"]], territory="sud"),
]


def test_penrose_weights_round_to_six_significant_digits() -> None:
    assert penrose_weight(2) == Fraction(141421, 100000)
    assert penrose_weight(10**6) == 1000
    assert penrose_weight(123456789) == Fraction(111111, 10)  # 11111.11106...
    with pytest.raises(MethodError, match="positive"):
        penrose_weight(0)


def test_equal_weight_per_territory() -> None:
    result = tally("plurality", ["A", "B"], PLURALITY, weighting="equal_territory", seed=1)
    assert result.counts == {"A": 1, "B": 1}
    assert result.winners == ("A", "B")
    assert result.ballots.total_weight == 2
    assert [(t.territory, t.weight) for t in result.weighting.territories] == [
        ("nord", 1),
        ("sud", 1),
    ]
    assert result.unweighted is not None
    assert result.unweighted.counts == {"A": 3, "B": 1}
    assert result.unweighted.winners == ("A",)
    assert result.territories["nord"].winners == ("A",)
    assert result.territories["sud"].winners == ("B",)


def test_square_root_weights_from_declared_populations() -> None:
    result = tally(
        "plurality",
        ["A", "B"],
        PLURALITY,
        weighting="sqrt_population",
        populations={"nord": 2, "sud": 10_000},
    )
    assert result.counts == {"A": Fraction(141421, 100000), "B": 100}
    assert result.winners == ("B",)
    assert result.settings["populations"] == {"nord": 2, "sud": 10_000}


def test_territory_below_the_minimum_is_flagged_and_scaled() -> None:
    result = tally(
        "plurality", ["A", "B"], PLURALITY, weighting="equal_territory", min_territory_ballots=2
    )
    sud = next(t for t in result.weighting.territories if t.territory == "sud")
    assert sud.below_minimum
    assert sud.scale == Fraction(1, 2)
    assert result.counts == {"A": 1, "B": Fraction(1, 2)}
    flagged = [w for w in result.warnings if w.code == "territory_below_minimum"]
    assert [w.details["territory"] for w in flagged] == ["sud"]


def test_one_person_one_vote_still_flags_small_territories() -> None:
    result = tally("plurality", ["A", "B"], PLURALITY, min_territory_ballots=2)
    assert result.counts == {"A": 3, "B": 1}
    assert any(w.code == "territory_below_minimum" for w in result.warnings)
    assert result.unweighted is None


def test_territory_weighting_needs_territories_and_populations() -> None:
    with pytest.raises(MethodError, match="territory on every ballot"):
        tally("plurality", ["A"], [Ballot([["A"]])], weighting="equal_territory")
    with pytest.raises(MethodError, match="no population"):
        tally("plurality", ["A"], PLURALITY[:1], weighting="sqrt_population")
    with pytest.raises(MethodError, match="must be one of"):
        tally("plurality", ["A"], PLURALITY[:1], weighting="by_area")


def test_any_block_stops_consent() -> None:
    ballots = [Ballot("agree")] * 5 + [Ballot(Block("Floods the school yard."))] * 2
    result = tally("consent", ["Dam"], ballots)
    assert result.passed is False
    assert result.winners == ()
    assert result.explanation["blocked"] is True
    assert result.explanation["block_reasons"] == [
        {"reason": "Floods the school yard.", "ballots": 2}
    ]
    assert result.counts["block"] == 2


def test_consent_share_excludes_abstentions() -> None:
    ballots = [Ballot("agree")] * 2 + [Ballot("disagree")] + [Ballot("abstain")] * 5
    result = tally("consent", ["Dam"], ballots)
    assert result.explanation["share"] == Fraction(2, 3)
    assert result.passed is True
    assert result.winner == "Dam"
    assert tally("consent", ["Dam"], ballots, threshold="2/3").passed is False
    assert tally("consent", ["Dam"], ballots, threshold="2/3", strict=False).passed is True


def test_consent_quorum_as_a_share_of_the_electorate() -> None:
    ballots = [Ballot("agree")] * 8
    short = tally("consent", ["Dam"], ballots, quorum_share=Fraction(1, 10), electorate=100)
    assert short.quorum.met is False
    assert short.passed is False
    assert tally("consent", ["Dam"], ballots, quorum_share=0.08, electorate=100).passed is True
    assert tally("consent", ["Dam"], ballots, quorum_ballots=9).passed is False


def test_double_majority_needs_the_territories_too() -> None:
    ballots = [
        *[Ballot("agree", territory="nord")] * 5,
        Ballot("disagree", territory="sud"),
        *[Ballot("disagree", territory="est")] * 2,
        Ballot("agree", territory="est"),
    ]
    simple = tally("consent", ["Dam"], ballots)
    assert simple.explanation["share"] == Fraction(6, 9)
    assert simple.passed is True
    assert simple.explanation["territories_in_favour"] == Fraction(1, 3)
    double = tally("consent", ["Dam"], ballots, double_majority=True)
    assert double.passed is False
    assert double.explanation["territories"]["nord"]["in_favour"] is True
    assert double.territories["est"].passed is False
    lenient = tally("consent", ["Dam"], ballots, double_majority=True, territory_threshold="1/3")
    assert lenient.passed is False  # strict: 1/3 must be exceeded
    reached = tally(
        "consent",
        ["Dam"],
        ballots,
        double_majority=True,
        territory_threshold="1/3",
        strict=False,
    )
    assert reached.passed is True


def test_double_majority_counts_declared_territories_without_ballots() -> None:
    ballots = [Ballot("agree", territory="nord")]
    result = tally(
        "consent",
        ["Dam"],
        ballots,
        double_majority=True,
        populations={"nord": 100, "sud": 100},
    )
    assert result.explanation["territories_in_favour"] == Fraction(1, 2)
    assert result.passed is False


def test_weighted_consent_uses_territory_weights() -> None:
    ballots = [
        *[Ballot("agree", territory="nord")] * 9,
        Ballot("disagree", territory="sud"),
    ]
    result = tally("consent", ["Dam"], ballots, weighting="equal_territory")
    assert result.explanation["share"] == Fraction(1, 2)
    assert result.passed is False
    assert result.unweighted is not None
    assert result.unweighted.passed is True


def test_abstentions_do_not_dilute_a_territory() -> None:
    ballots = [
        Ballot("agree", territory="nord"),
        *[Ballot("abstain", territory="nord")] * 9,
        Ballot("disagree", territory="sud"),
    ]
    result = tally("consent", ["Dam"], ballots, weighting="equal_territory", strict=False)
    # Each ballot of "nord" weighs 1: its one expressed opinion carries the territory's weight.
    assert result.explanation["stances"] == {
        "agree": 1,
        "abstain": 9,
        "disagree": 1,
        "block": 0,
    }
    assert result.explanation["share"] == Fraction(1, 2)
    assert result.passed is True
