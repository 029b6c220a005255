"""Ballots as plain data, and two bulk forms.

A ballot is a :class:`Ballot` wrapping a *choice* whose shape depends on the method's ballot type:

- ranked: a sequence of groups, each a sequence of option names; earlier groups are preferred,
  names in one group are tied, options left out are tied below every ranked option
  (truncation). An empty sequence (or only empty groups) is an abstention.
- approval: a set of option names; the empty set is an abstention.
- score (also grades): a mapping from option name to an integer on the declared scale; an option
  left out is blank and counts as the lowest value of the scale; an empty mapping is an
  abstention.
- stance: one of ``"agree"``, ``"abstain"``, ``"disagree"`` (or the :class:`Stance` members), or a
  :class:`Block` carrying its required reason.

Option names are opaque strings compared exactly as given: never trimmed, case-folded or
Unicode-normalised.

Bulk forms avoid one Python object per voter: :class:`BallotProfile` holds unique ballots with
counts, :class:`RankedProfile` holds an integer rank array.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from voting.methods.errors import MethodError


class Stance(StrEnum):
    """A position on one proposal. ``BLOCK`` is only valid wrapped in :class:`Block`."""

    AGREE = "agree"
    ABSTAIN = "abstain"
    DISAGREE = "disagree"
    BLOCK = "block"


@dataclass(frozen=True)
class Block:
    """A block (a principled objection that stops a consent decision), with its reason.

    Raises:
        MethodError: if the reason is empty or only whitespace.
    """

    reason: str

    def __post_init__(self) -> None:
        if not isinstance(self.reason, str) or not self.reason.strip():
            raise MethodError("a block needs a reason")


RankedChoice = Sequence[Sequence[str]]
ApprovalChoice = Set[str]
ScoreChoice = Mapping[str, int]
StanceChoice = Stance | str | Block
Choice = RankedChoice | ApprovalChoice | ScoreChoice | StanceChoice


def exact_weight(value: Fraction | int) -> Fraction:
    """Return ``value`` as a positive exact rational.

    Raises:
        MethodError: for floats, booleans, non-numbers and values that are not positive.
    """
    if isinstance(value, bool) or not isinstance(value, int | Fraction):
        raise MethodError(f"a weight must be an int or a Fraction, not {value!r}")
    weight = Fraction(value)
    if weight <= 0:
        raise MethodError(f"a weight must be positive, not {weight}")
    return weight


@dataclass(frozen=True)
class Ballot:
    """One voter's choice with its weight (exact, default 1) and optional territory label.

    Raises:
        MethodError: if the weight is not a positive int or Fraction, or the territory is not a
            string.
    """

    choice: Choice
    weight: Fraction = Fraction(1)
    territory: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "weight", exact_weight(self.weight))
        if self.territory is not None and not isinstance(self.territory, str):
            raise MethodError(f"a territory label must be a string, not {self.territory!r}")


@dataclass(frozen=True)
class BallotProfile:
    """Unique ballots with counts: ``counts[i]`` voters cast ``ballots[i]`` (each with its weight).

    Raises:
        MethodError: if the lengths differ or a count is not a positive integer.
    """

    ballots: tuple[Ballot, ...]
    counts: tuple[int, ...]

    def __post_init__(self) -> None:
        if len(self.ballots) != len(self.counts):
            raise MethodError("a profile needs one count per ballot")
        for count in self.counts:
            if isinstance(count, bool) or not isinstance(count, int) or count < 1:
                raise MethodError(f"a ballot count must be a positive integer, not {count!r}")


@dataclass(frozen=True, eq=False)
class RankedProfile:
    """Ranked ballots as an integer array, one row per ballot (or group of identical ballots).

    ``ranks[b, j]`` is the rank ballot ``b`` gives to the ``j``-th candidate of the ``tally``
    call: 1 is the top, equal values are tied, larger values are lower, and 0 means unranked.
    Only the order of the values matters (ranks 1, 5, 5 equal ranks 1, 2, 2). Optional per-row
    ``counts`` (identical ballots, default 1), ``weights`` (exact, per ballot, default 1) and
    ``territories`` (labels or None).

    Raises:
        MethodError: for a non-integer or non-2-D array, negative ranks, or per-row sequences
            whose length differs from the number of rows.
    """

    ranks: npt.NDArray[np.integer]
    counts: npt.NDArray[np.integer] | None = None
    weights: tuple[Fraction, ...] | None = None
    territories: tuple[str | None, ...] | None = field(default=None)

    def __post_init__(self) -> None:
        ranks = np.asarray(self.ranks)
        if ranks.ndim != 2 or not np.issubdtype(ranks.dtype, np.integer):
            raise MethodError("ranks must be a 2-D integer array (ballots by candidates)")
        if ranks.size and int(ranks.min()) < 0:
            raise MethodError("ranks must be 0 (unranked) or positive")
        rows = ranks.shape[0]
        if self.counts is not None:
            counts = np.asarray(self.counts)
            if counts.shape != (rows,) or not np.issubdtype(counts.dtype, np.integer):
                raise MethodError("counts must be one integer per row")
            if rows and int(counts.min()) < 1:
                raise MethodError("counts must be positive")
        for name, values in (("weights", self.weights), ("territories", self.territories)):
            if values is not None and len(values) != rows:
                raise MethodError(f"{name} must have one entry per row")
