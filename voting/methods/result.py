"""The result of a count: frozen, explained, and serialisable to JSON.

Exact rationals (:class:`fractions.Fraction`) stay exact in the dataclasses. :meth:`Result.to_dict`
turns them into strings in Python's ``str(Fraction)`` notation, ``"p"`` or ``"p/q"`` in lowest
terms (``"3"``, ``"7/2"``), so a stored result loses nothing; everything else maps to plain JSON.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, is_dataclass
from enum import Enum
from fractions import Fraction
from typing import TypeAlias

from voting.methods.weighting import WeightingReport

Explained: TypeAlias = (
    str | int | bool | Fraction | Sequence["Explained"] | Mapping[str, "Explained"] | None
)
JSON: TypeAlias = str | int | bool | list["JSON"] | dict[str, "JSON"] | None


@dataclass(frozen=True)
class Notice:
    """A warning attached to a result: a stable ``code``, an English ``message`` and the
    ``details`` a translated message needs."""

    code: str
    message: str
    details: Mapping[str, Explained] = field(default_factory=dict)


@dataclass(frozen=True)
class InvalidBallots:
    """Ballots a method's rules set aside, for one reason."""

    reason: str
    ballots: int
    weight: Fraction


@dataclass(frozen=True)
class BallotSummary:
    """Ballots cast, split into valid, abstaining and invalid (people and weight).

    ``total_weight`` is the weight of every ballot cast, after territory weighting.
    """

    cast: int
    total_weight: Fraction
    valid: int
    valid_weight: Fraction
    abstaining: int
    abstaining_weight: Fraction
    invalid: tuple[InvalidBallots, ...]


@dataclass(frozen=True)
class Quorum:
    """Quorum settings and status. ``met`` is True when no quorum is required.

    Ballots cast (abstentions and invalid ballots included) must reach ``min_ballots`` and
    ``min_share`` of ``electorate``.
    """

    min_ballots: int
    min_share: Fraction
    electorate: int | None
    ballots: int
    met: bool


@dataclass(frozen=True)
class TieBreak:
    """How ``winner`` was picked among ``among`` (the co-winners): ``rule`` names the method's
    own secondary rule that decided, or ``"seeded_order"`` when the seeded order did."""

    among: tuple[str, ...]
    rule: str
    seed: int


@dataclass(frozen=True)
class Result:
    """Everything a council needs to trust and publish a count.

    Attributes:
        method: registered method name.
        settings: every setting, defaults included.
        candidates: the options, in the order given.
        ballots: the ballot summary.
        quorum: quorum status; when not met, ``winners`` is empty and ``winner`` is None.
        winners: the exact set of co-winners before any tie-breaking (in candidate order);
            empty when nothing is decided (no valid ballot, quorum not met, consent not given).
        winner: the single winner after the documented tie-break, or None.
        tie_break: how ``winner`` was picked when ``winners`` has several options.
        ranking: the social ranking, best first, as tiers of options tied at that level.
        counts: the method's headline number per option (see ``count_kind``); for consent the
            weight of each stance.
        count_kind: what ``counts`` measures (for example ``first_preferences``).
        passed: for consent, whether the proposal passes; None for other methods.
        explanation: method-specific detail (see each method's docstring).
        warnings: notices for the reader.
        ballots_sha256: SHA-256 of the canonical ballots (:mod:`voting.methods.canonical`).
        weighting: the territory weighting applied.
        unweighted: the same count with weighting ``none`` when another mode was used.
        territories: the same count restricted to each territory's ballots, by label.
    """

    method: str
    settings: Mapping[str, Explained]
    candidates: tuple[str, ...]
    ballots: BallotSummary
    quorum: Quorum
    winners: tuple[str, ...]
    winner: str | None
    tie_break: TieBreak | None
    ranking: tuple[tuple[str, ...], ...]
    counts: Mapping[str, Fraction]
    count_kind: str
    passed: bool | None
    explanation: Mapping[str, Explained]
    warnings: tuple[Notice, ...]
    ballots_sha256: str
    weighting: WeightingReport
    unweighted: Result | None = None
    territories: Mapping[str, Result] = field(default_factory=dict)

    def to_dict(self) -> dict[str, JSON]:
        """A JSON-ready dict: Fractions as ``"p/q"`` strings, tuples as lists, enums as values."""
        return {f.name: to_json(getattr(self, f.name)) for f in fields(self)}


def to_json(value: object) -> JSON:
    """``value`` as plain JSON data: Fractions as ``"p/q"`` strings, dataclasses and mappings as
    objects, sequences as lists, enums as their values.

    Raises:
        TypeError: for anything else.
    """
    if isinstance(value, bool | int | None):
        return value
    if isinstance(value, Enum):
        return to_json(value.value)
    if isinstance(value, str | Fraction):
        return str(value)
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, Sequence):
        return [to_json(v) for v in value]
    raise TypeError(f"cannot serialise {type(value).__name__}")
