"""One contract, checked for every registered method."""

import json
from fractions import Fraction

import pytest

from voting.methods import REGISTRY, Ballot, Block, MethodError, Result, Stance, tally
from voting.methods.profile import BallotKind

CANDIDATES = ["Parc", "Piscine", "Bibliothèque"]

SAMPLES: dict[BallotKind, list[Ballot]] = {
    BallotKind.RANKED: [
        Ballot([["Parc"], ["Piscine"]], territory="nord"),
        Ballot([["Piscine", "Bibliothèque"], ["Parc"]], territory="sud"),
        Ballot([["Bibliothèque"]], weight=Fraction(3, 2), territory="sud"),
        Ballot([], territory="nord"),
    ],
    BallotKind.APPROVAL: [
        Ballot({"Parc", "Piscine"}, territory="nord"),
        Ballot({"Bibliothèque"}, weight=2, territory="sud"),
        Ballot(set(), territory="sud"),
    ],
    BallotKind.SCORE: [
        Ballot({"Parc": 5, "Piscine": 2}, territory="nord"),
        Ballot({"Bibliothèque": 4, "Parc": 1}, territory="sud"),
        Ballot({}, territory="sud"),
    ],
    BallotKind.STANCE: [
        Ballot(Stance.AGREE, territory="nord"),
        Ballot("disagree", territory="sud"),
        Ballot("abstain", territory="sud"),
        Ballot("agree", weight=3, territory="sud"),
    ],
}


def run(method: str, **settings: object) -> Result:
    spec = REGISTRY[method]
    candidates = CANDIDATES[:1] if spec.ballot is BallotKind.STANCE else CANDIDATES
    return tally(method, candidates, SAMPLES[spec.ballot], **settings)


@pytest.mark.parametrize("method", sorted(REGISTRY))
def test_every_method_honours_the_result_contract(method: str) -> None:
    result = run(method, seed=5, weighting="equal_territory")
    assert result.method == method
    assert set(result.winners) <= set(result.candidates)
    assert (result.winner is None) == (not result.winners)
    assert result.winner is None or result.winner in result.winners
    ranked = [name for tier in result.ranking for name in tier]
    assert sorted(ranked) == sorted(result.candidates)
    summary = result.ballots
    invalid = sum(group.ballots for group in summary.invalid)
    assert summary.valid + summary.abstaining + invalid == summary.cast
    assert len(result.ballots_sha256) == 64
    assert result.unweighted is not None
    assert result.unweighted.ballots_sha256 == result.ballots_sha256
    assert set(result.territories) == {"nord", "sud"}
    assert result.settings["seed"] == 5
    for setting in REGISTRY[method].settings:
        assert setting.name in result.settings
    stored = json.loads(json.dumps(result.to_dict()))
    assert stored["method"] == method
    assert stored["territories"]["nord"]["territories"] == {}


@pytest.mark.parametrize("method", sorted(REGISTRY))
def test_every_method_is_described_in_the_registry(method: str) -> None:
    spec = REGISTRY[method]
    assert spec.description.endswith(".")
    assert "\n" not in spec.description
    names = [s.name for s in spec.settings]
    assert len(names) == len(set(names))
    for setting in spec.settings:
        assert setting.description
        assert setting.resolve(setting.default) == setting.default
    described = json.loads(json.dumps(spec.describe()))
    assert described["ballot"] == spec.ballot.value
    assert [s["name"] for s in described["settings"]] == names


@pytest.mark.parametrize("method", sorted(REGISTRY))
def test_every_method_refuses_bad_requests(method: str) -> None:
    with pytest.raises(MethodError, match="unknown setting"):
        run(method, colour="blue")
    with pytest.raises(MethodError, match="out of bounds"):
        run(method, seed=-1)
    with pytest.raises(MethodError, match="must be an integer"):
        run(method, seed=True)
    with pytest.raises(MethodError, match="needs the electorate"):
        run(method, quorum_share="1/2")


@pytest.mark.parametrize("method", sorted(REGISTRY))
def test_every_method_applies_the_quorum(method: str) -> None:
    result = run(method, quorum_ballots=100)
    assert not result.quorum.met
    assert result.winners == ()
    assert result.winner is None
    assert any(w.code == "quorum_not_met" for w in result.warnings)
    assert run(method, quorum_share="1/2", electorate=6).quorum.met


@pytest.mark.parametrize("method", sorted(REGISTRY))
def test_every_method_decides_nothing_without_ballots(method: str) -> None:
    spec = REGISTRY[method]
    candidates = CANDIDATES[:1] if spec.ballot is BallotKind.STANCE else CANDIDATES
    result = tally(method, candidates, [])
    assert result.winners == ()
    assert result.winner is None
    assert result.ballots.cast == 0
    assert any(w.code == "no_valid_ballots" for w in result.warnings)


def test_unknown_method() -> None:
    with pytest.raises(MethodError, match="unknown method"):
        tally("dictator", CANDIDATES, [])


def test_unknown_candidate_and_off_scale_values() -> None:
    with pytest.raises(MethodError, match="unknown candidate"):
        tally("schulze", CANDIDATES, [Ballot([["Stade"]])])
    with pytest.raises(MethodError, match="unknown candidate"):
        tally("approval", CANDIDATES, [Ballot({"parc"})])
    with pytest.raises(MethodError, match="off the scale"):
        tally("score", CANDIDATES, [Ballot({"Parc": 6})])
    with pytest.raises(MethodError, match="off the scale"):
        tally("majority_judgment", CANDIDATES, [Ballot({"Parc": 3})], scale_max=2)
    with pytest.raises(MethodError, match="scale_min must be below"):
        tally("score", CANDIDATES, [], scale_min=3, scale_max=3)


def test_malformed_ballots_and_candidates() -> None:
    with pytest.raises(MethodError, match="list of names"):
        tally("borda", CANDIDATES, [Ballot(["Parc", "Piscine"])])
    with pytest.raises(MethodError, match="twice"):
        tally("borda", CANDIDATES, [Ballot([["Parc"], ["Parc"]])])
    with pytest.raises(MethodError, match="a block needs a reason"):
        tally("consent", ["P"], [Ballot("block")])
    with pytest.raises(MethodError, match="a block needs a reason"):
        Block("  ")
    with pytest.raises(MethodError, match="distinct"):
        tally("borda", ["A", "A"], [])
    with pytest.raises(MethodError, match="exactly one proposal"):
        tally("consent", ["A", "B"], [])
    with pytest.raises(MethodError, match="positive"):
        Ballot([["A"]], weight=0)
    with pytest.raises(MethodError, match="int or a Fraction"):
        Ballot([["A"]], weight=0.5)  # type: ignore[arg-type]


def test_text_that_is_not_unicode_is_refused() -> None:
    with pytest.raises(MethodError, match="not valid Unicode"):
        tally("plurality", ["A\udc80"], [Ballot([["A\udc80"]])])


def test_names_are_never_normalised() -> None:
    composed, decomposed = "Caf\u00e9", "Cafe\u0301"
    result = tally("plurality", [composed, decomposed], [Ballot([[decomposed]])])
    assert result.winners == (decomposed,)


@pytest.mark.parametrize("method", sorted(REGISTRY))
def test_huge_exact_weights_change_nothing_but_scale(method: str) -> None:
    spec = REGISTRY[method]
    candidates = CANDIDATES[:1] if spec.ballot is BallotKind.STANCE else CANDIDATES
    plain = SAMPLES[spec.ballot]
    huge = [Ballot(b.choice, weight=b.weight * 10**40, territory=b.territory) for b in plain]
    small, big = tally(method, candidates, plain), tally(method, candidates, huge)
    assert big.winners == small.winners
    assert big.ranking == small.ranking
    assert big.ballots.total_weight == small.ballots.total_weight * 10**40
    json.dumps(big.to_dict())
