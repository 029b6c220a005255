"""The seeded tie-break order and the bulk rank array's validation."""

import hashlib

import numpy as np
import pytest

from voting.methods import Ballot, MethodError, RankedProfile, tally
from voting.methods.tiebreak import tiebreak_order


def test_tiebreak_order_is_recomputable_from_the_seed() -> None:
    names = ("Parc", "Piscine", "Bibliothèque", "Stade")

    def digest(name: str) -> str:
        return hashlib.sha256(f"42:{name}".encode()).hexdigest()

    expected = sorted(names, key=digest)
    assert [names[i] for i in tiebreak_order(names, 42)] == expected
    reordered = tuple(reversed(names))
    assert [reordered[i] for i in tiebreak_order(reordered, 42)] == expected


def test_seed_decides_a_perfect_tie_and_is_reported() -> None:
    ballots = [Ballot([["A"]]), Ballot([["B"]])]
    winners = {tally("plurality", ["A", "B"], ballots, seed=s).winner for s in range(20)}
    assert winners == {"A", "B"}
    result = tally("plurality", ["A", "B"], ballots, seed=3)
    assert result.tie_break is not None
    assert result.tie_break.among == ("A", "B")
    assert result.tie_break.rule == "seeded_order"
    first = tiebreak_order(("A", "B"), 3)[0]
    assert result.winner == "AB"[first]
    assert any(w.code == "tie_broken" for w in result.warnings)


@pytest.mark.parametrize(
    ("ranks", "message"),
    [
        (np.array([1, 2]), "2-D integer array"),
        (np.array([[1.0, 2.0]]), "2-D integer array"),
        (np.array([[1, -1]]), "0 \\(unranked\\) or positive"),
    ],
)
def test_rank_array_validation(ranks: np.ndarray, message: str) -> None:
    with pytest.raises(MethodError, match=message):
        RankedProfile(ranks)


def test_rank_array_shape_counts_and_ballot_type() -> None:
    with pytest.raises(MethodError, match="3 columns for 2 candidates"):
        tally("borda", ["A", "B"], RankedProfile(np.array([[1, 2, 3]])))
    with pytest.raises(MethodError, match="counts must be positive"):
        RankedProfile(np.array([[1, 2]]), counts=np.array([0]))
    with pytest.raises(MethodError, match="one entry per row"):
        RankedProfile(np.array([[1, 2]]), territories=("n", "s"))
    with pytest.raises(MethodError, match="holds ranked ballots"):
        tally("approval", ["A", "B"], RankedProfile(np.array([[1, 2]])))
