"""The canonical JSON of ballots and its SHA-256, recomputed from the documentation."""

import hashlib
import json
from collections import Counter
from fractions import Fraction

import numpy as np
import pytest

from voting.methods import REGISTRY, Ballot, BallotProfile, Block, MethodError, RankedProfile, tally
from voting.methods.canonical import canonical_json, parse_canonical
from voting.methods.profile import BallotKind, Scale, build_profile


def documented(kind: str, candidates: list[str], ballots: list[Ballot], low: int = 0) -> bytes:
    """The canonical form written straight from the canonical module's docstring."""
    names = sorted(candidates)

    def encode(choice: object) -> object:
        if kind == "ranked":
            ranks = {}
            for depth, group in enumerate([g for g in choice if g], start=1):  # type: ignore[attr-defined]
                ranks.update(dict.fromkeys(group, depth))
            return [ranks.get(n, 0) for n in names]
        if kind == "approval":
            return [int(n in choice) for n in names]  # type: ignore[operator]
        if kind == "score":
            return [choice.get(n) for n in names]  # type: ignore[attr-defined]
        if isinstance(choice, Block):
            return ["block", choice.reason]
        return str(choice)

    counts = Counter(
        json.dumps([encode(b.choice), b.territory, str(b.weight)], ensure_ascii=False)
        for b in ballots
    )
    entries = [[*json.loads(key), n] for key, n in counts.items()]
    entries.sort(key=lambda e: json.dumps(e, ensure_ascii=False, separators=(",", ":")).encode())
    document = {"ballot_type": kind, "ballots": entries, "candidates": names}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


REGISTRY_KIND = {name: spec.ballot.value for name, spec in REGISTRY.items()}
CANDIDATES = ["Zoé", "Anne", "Ōta", "b", 'quote"d', "A\\B"] + [f"x{i}" for i in range(6)]


def test_ranked_canonical_form_matches_the_documentation() -> None:
    ballots = [
        Ballot([["Zoé"], ["Anne", "b"], [], ["Ōta"]], territory="Île-de-France"),
        Ballot([["x5"], ["x4"], ["x3"], ["x2"], ["x1"], ["x0"], ["b"], ["A\\B"], ["Anne"]]),
        Ballot([['quote"d']], weight=Fraction(2, 3)),
        Ballot([["Zoé"], ["Anne", "b"], ["Ōta"]], territory="Île-de-France"),
        Ballot([]),
    ]
    profile = build_profile(BallotKind.RANKED, tuple(CANDIDATES), ballots)
    assert canonical_json(profile) == documented("ranked", CANDIDATES, ballots)


def test_other_ballot_types_match_the_documentation() -> None:
    approval = [Ballot({"Zoé", "b"}), Ballot(set(), territory="t"), Ballot({"b", "Zoé"})]
    profile = build_profile(BallotKind.APPROVAL, tuple(CANDIDATES), approval)
    assert canonical_json(profile) == documented("approval", CANDIDATES, approval)
    scores = [Ballot({"Zoé": -2, "b": 3}), Ballot({}), Ballot({"Anne": 10}, weight=7)]
    profile = build_profile(BallotKind.SCORE, tuple(CANDIDATES), scores, Scale(-3, 10))
    assert canonical_json(profile) == documented("score", CANDIDATES, scores)
    stances = [Ballot("agree"), Ballot(Block("trop cher")), Ballot("abstain"), Ballot("agree")]
    profile = build_profile(BallotKind.STANCE, ("P",), stances)
    assert canonical_json(profile) == documented("stance", ["P"], stances)


def test_hash_ignores_casting_order_and_bulk_form() -> None:
    orders = ["ABC", "BCA", "CAB", "ABC", "ACB"]
    one_by_one = [Ballot([[c] for c in order]) for order in orders]
    digest = tally("borda", list("ABC"), one_by_one).ballots_sha256
    assert tally("borda", list("ABC"), one_by_one[::-1]).ballots_sha256 == digest
    grouped = BallotProfile(
        ballots=tuple(Ballot([[c] for c in order]) for order in ["ABC", "BCA", "CAB", "ACB"]),
        counts=(2, 1, 1, 1),
    )
    assert tally("borda", list("ABC"), grouped).ballots_sha256 == digest
    ranks = np.array([[o.index(c) * 10 + 5 for c in "ABC"] for o in orders])
    assert tally("borda", list("ABC"), RankedProfile(ranks)).ballots_sha256 == digest
    expected = hashlib.sha256(documented("ranked", list("ABC"), one_by_one)).hexdigest()
    assert digest == expected


def test_rank_array_profile_with_ties_truncation_and_labels() -> None:
    ranks = np.array([[1, 0, 3], [2, 2, 0], [0, 0, 0], [7, 7, 9]])
    bulk = RankedProfile(
        ranks,
        counts=np.array([2, 1, 4, 1]),
        weights=(Fraction(1), Fraction(1, 2), Fraction(1), Fraction(1, 2)),
        territories=("n", "s", None, "s"),
    )
    objects = [
        *[Ballot([["A"], ["C"]], territory="n")] * 2,
        Ballot([["A", "B"]], weight=Fraction(1, 2), territory="s"),
        *[Ballot([])] * 4,
        Ballot([["A", "B"], ["C"]], weight=Fraction(1, 2), territory="s"),
    ]
    from_array = tally("schulze", list("ABC"), bulk)
    from_objects = tally("schulze", list("ABC"), objects)
    assert from_array.to_dict() == from_objects.to_dict()
    assert from_array.ballots.abstaining == 4


def test_parsing_the_canonical_form_gives_back_the_same_ballots() -> None:
    cases = [
        (
            "schulze",
            [
                Ballot([["Zoé"], ["Anne", "b"]], territory="nord"),
                Ballot([["b"]], weight=Fraction(2, 3)),
            ],
        ),
        ("approval", [Ballot({"Zoé", "b"}, weight=Fraction(2, 3)), Ballot(set())]),
        ("majority_judgment", [Ballot({"Zoé": 4}), Ballot({"Anne": 0, "b": 5}, territory="t")]),
    ]
    for method, ballots in cases:
        result = tally(method, ["Zoé", "Anne", "b"], ballots, seed=3)
        profile = build_profile(
            BallotKind(REGISTRY_KIND[method]),
            ("Zoé", "Anne", "b"),
            ballots,
            Scale(0, 5),
        )
        kind, candidates, parsed = parse_canonical(canonical_json(profile))
        assert kind.value == REGISTRY_KIND[method]
        again = tally(method, candidates, parsed, seed=3)
        assert again.ballots_sha256 == result.ballots_sha256
        assert set(again.winners) == set(result.winners)
    stances = [Ballot(Block("trop cher"), territory="sud"), Ballot("agree"), Ballot("abstain")]
    result = tally("consent", ["Parc"], stances)
    kind, candidates, parsed = parse_canonical(
        canonical_json(build_profile(BallotKind.STANCE, ("Parc",), stances))
    )
    assert tally("consent", candidates, parsed).to_dict() == result.to_dict()


def test_parsing_refuses_what_is_not_a_ballots_document() -> None:
    for data in (
        b'{"ballot_type":"ranked","ballots":[[[1.5],null,"1",1]],"candidates":["A"]}',
        b'{"ballot_type":"ranked","ballots":[[[1],null,"1",1.5]],"candidates":["A"]}',
        b'{"ballot_type":"ranked","ballots":[[[1],7,"1",1]],"candidates":["A"]}',
        b'{"ballot_type":"ranked","ballots":[[[1,2],null,"1",1]],"candidates":["A"]}',
        b'{"ballot_type":"ranked","ballots":[[[-1],null,"1",1]],"candidates":["A"]}',
        b"[]",
        b"{}",
        b'{"ballot_type":"ranked","ballots":[[[1],null,"1"]],"candidates":["A"]}',
        b"\xff",
    ):
        with pytest.raises(MethodError):
            parse_canonical(data)
