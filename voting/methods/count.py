"""What a method receives (:class:`Context`) and returns (:class:`Count`) inside ``tally``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

from voting.methods.profile import BoolArray, MassArray, Profile
from voting.methods.result import Explained, Notice
from voting.methods.tiebreak import first_in_order

SettingValue = int | bool | str | Fraction | Mapping[str, int] | None


@dataclass(frozen=True, eq=False)
class Context:
    """One count's input: the weighted profile, its exact masses, the resolved settings and the
    seeded tie-break order (candidate indices, most favoured first)."""

    profile: Profile
    settings: Mapping[str, SettingValue]
    order: tuple[int, ...]
    mass: MassArray
    denominator: int

    def weight(self, units: int) -> Fraction:
        """Integer weight ``units`` (summed from :attr:`mass`) as an exact Fraction."""
        return Fraction(units, self.denominator)

    def integer(self, setting: str) -> int:
        """A resolved integer setting."""
        value = self.settings[setting]
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"setting {setting} is not an integer")
        return value

    def fraction(self, setting: str) -> Fraction:
        """A resolved rational setting."""
        value = self.settings[setting]
        if isinstance(value, bool) or not isinstance(value, int | Fraction):
            raise TypeError(f"setting {setting} is not a number")
        return Fraction(value)

    def flag(self, setting: str) -> bool:
        """A resolved boolean setting."""
        value = self.settings[setting]
        if not isinstance(value, bool):
            raise TypeError(f"setting {setting} is not a boolean")
        return value

    def name(self, index: int) -> str:
        """Candidate name at ``index``."""
        return self.profile.candidates[index]

    def names(self, indices: Iterable[int]) -> list[str]:
        """Candidate names at ``indices``, in the order given."""
        return [self.profile.candidates[i] for i in indices]


@dataclass(frozen=True, eq=False)
class Count:
    """A method's verdict, in candidate indices.

    ``winners`` is the exact co-winner set; ``winner`` is picked by the method's own secondary
    rule (named in ``tie_rule``) and then the seeded order; ``invalid`` lists, per reason, the
    rows the method's rules set aside (for the ballot summary).
    """

    winners: tuple[int, ...]
    winner: int | None
    tie_rule: str
    ranking: tuple[tuple[int, ...], ...]
    counts: Mapping[str, Fraction]
    count_kind: str
    explanation: Mapping[str, Explained]
    invalid: tuple[tuple[str, BoolArray], ...] = ()
    notices: tuple[Notice, ...] = ()
    passed: bool | None = None


def seeded_winner(winners: tuple[int, ...], order: tuple[int, ...]) -> int | None:
    """The only winner, the first co-winner in the seeded order, or None without winners."""
    return first_in_order(winners, order) if winners else None


def tiers_by_score(scores: list[Fraction]) -> tuple[tuple[int, ...], ...]:
    """Candidate indices grouped by equal score, highest score first."""
    levels = sorted(set(scores), reverse=True)
    return tuple(tuple(i for i, s in enumerate(scores) if s == level) for level in levels)


def tiers_from_beats(beats: list[list[bool]]) -> tuple[tuple[int, ...], ...]:
    """Tiers of an acyclic strict relation: each tier holds the options no remaining option
    beats; ``beats[x][y]`` means x is above y."""
    remaining = set(range(len(beats)))
    tiers: list[tuple[int, ...]] = []
    while remaining:
        tier = tuple(
            sorted(x for x in remaining if not any(beats[y][x] for y in remaining if y != x))
        )
        tiers.append(tier)
        remaining -= set(tier)
    return tuple(tiers)


def top(values: list[Fraction]) -> tuple[int, ...]:
    """Indices holding the maximum of ``values``."""
    best = max(values)
    return tuple(i for i, v in enumerate(values) if v == best)
