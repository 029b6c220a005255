"""The registry of decision methods: ballot type, settings with types, defaults and bounds, and
a one-line description for each.

Every method also takes the :data:`COMMON_SETTINGS` (tie-break seed, territory weighting,
quorum).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from types import MappingProxyType

from voting.methods.approval import count_approval
from voting.methods.borda import count_borda
from voting.methods.cardinal import count_score, count_star
from voting.methods.consent import count_consent
from voting.methods.copeland import count_copeland
from voting.methods.count import Context, Count, SettingValue
from voting.methods.errors import MethodError
from voting.methods.irv import count_instant_runoff
from voting.methods.majority_judgment import count_majority_judgment
from voting.methods.plurality import count_plurality
from voting.methods.profile import BallotKind
from voting.methods.ranked_pairs import count_ranked_pairs
from voting.methods.result import JSON, to_json
from voting.methods.schulze import count_schulze
from voting.methods.weighting import Weighting


@dataclass(frozen=True)
class Setting:
    """One setting: ``kind`` is ``int``, ``fraction``, ``bool``, ``choice`` or ``populations``
    (a mapping from territory label to a positive integer). Numbers must lie within
    ``minimum``..``maximum`` (inclusive, None for unbounded); a choice within ``choices``.
    ``optional`` settings also accept None."""

    name: str
    kind: str
    default: SettingValue
    description: str
    minimum: Fraction | None = None
    maximum: Fraction | None = None
    choices: tuple[str, ...] = ()
    optional: bool = False

    def resolve(self, value: object) -> SettingValue:
        """Check ``value`` and return it in canonical form (fractions as Fraction).

        Fractions accept an int, a Fraction, a string such as ``"2/3"`` or ``"0.55"``, or a float
        (read through its shortest decimal representation, so ``0.55`` is exactly 11/20).

        Raises:
            MethodError: wrong type, out of bounds or not among the choices.
        """
        if value is None and self.optional:
            return None
        if self.kind == "bool":
            if not isinstance(value, bool):
                raise MethodError(f"setting {self.name} must be true or false, not {value!r}")
            return value
        if self.kind == "choice":
            if value not in self.choices:
                raise MethodError(f"setting {self.name} must be one of {', '.join(self.choices)}")
            return str(value)
        if self.kind == "populations":
            return _populations(self.name, value)
        number = _integer(self.name, value) if self.kind == "int" else _fraction(self.name, value)
        if (self.minimum is not None and number < self.minimum) or (
            self.maximum is not None and number > self.maximum
        ):
            raise MethodError(
                f"setting {self.name} = {number} is out of bounds "
                f"[{self.minimum if self.minimum is not None else '-inf'}, "
                f"{self.maximum if self.maximum is not None else 'inf'}]"
            )
        return number


def _integer(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise MethodError(f"setting {name} must be an integer, not {value!r}")
    return value


def _fraction(name: str, value: object) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, int | Fraction | str | float):
        raise MethodError(f"setting {name} must be a number, not {value!r}")
    try:
        return Fraction(repr(value)) if isinstance(value, float) else Fraction(value)
    except (ValueError, ZeroDivisionError) as error:
        raise MethodError(f"setting {name} must be a number, not {value!r}") from error


def _populations(name: str, value: object) -> dict[str, int]:
    if not isinstance(value, Mapping):
        raise MethodError(f"setting {name} must map territory labels to populations")
    result: dict[str, int] = {}
    for label, population in value.items():
        if not isinstance(label, str):
            raise MethodError(f"setting {name}: territory labels are strings, not {label!r}")
        if isinstance(population, bool) or not isinstance(population, int) or population < 1:
            raise MethodError(f"setting {name}: population of {label!r} must be positive")
        result[label] = population
    return result


@dataclass(frozen=True)
class MethodSpec:
    """A registered method: name, ballot type, one-line description, its own settings, and the
    function counting a :class:`~voting.methods.count.Context`."""

    name: str
    ballot: BallotKind
    description: str
    own_settings: tuple[Setting, ...]
    count: Callable[[Context], Count]

    def describe(self) -> dict[str, JSON]:
        """The method as JSON (for forms and the API): name, ballot type, description and every
        setting with its kind, default, bounds and choices (fractions as ``"p/q"`` strings)."""
        return {
            "name": self.name,
            "ballot": self.ballot.value,
            "description": self.description,
            "settings": [
                {
                    "name": s.name,
                    "kind": s.kind,
                    "default": to_json(s.default),
                    "minimum": to_json(s.minimum),
                    "maximum": to_json(s.maximum),
                    "choices": list(s.choices),
                    "optional": s.optional,
                    "description": s.description,
                }
                for s in self.settings
            ],
        }

    @property
    def settings(self) -> tuple[Setting, ...]:
        """Own settings followed by the common ones."""
        return self.own_settings + COMMON_SETTINGS

    def resolve(self, given: Mapping[str, object]) -> dict[str, SettingValue]:
        """Every setting, given or default, checked.

        Raises:
            MethodError: an unknown setting, a value the setting refuses, a scale whose lowest
                value is not below its highest, or a quorum share without an electorate.
        """
        known = {s.name: s for s in self.settings}
        unknown = sorted(set(given) - set(known))
        if unknown:
            raise MethodError(f"unknown setting(s) for {self.name}: {', '.join(unknown)}")
        resolved = {
            name: setting.resolve(given[name]) if name in given else setting.default
            for name, setting in known.items()
        }
        low, high = resolved.get("scale_min"), resolved.get("scale_max")
        if isinstance(low, int) and isinstance(high, int) and low >= high:
            raise MethodError("scale_min must be below scale_max")
        if resolved["quorum_share"] and resolved["electorate"] is None:
            raise MethodError("quorum_share needs the electorate size")
        return resolved


_SCALE_BOUND = Fraction(100)
_UNIT = (Fraction(0), Fraction(1))


def _scale(low: int, high: int) -> tuple[Setting, ...]:
    return (
        Setting(
            "scale_min",
            "int",
            low,
            "lowest value of the scale (and of a blank)",
            -_SCALE_BOUND,
            _SCALE_BOUND,
        ),
        Setting(
            "scale_max", "int", high, "highest value of the scale", -_SCALE_BOUND, _SCALE_BOUND
        ),
    )


COMMON_SETTINGS: tuple[Setting, ...] = (
    Setting(
        "seed",
        "int",
        0,
        "tie-break seed, chosen when voting opens and published at close",
        Fraction(0),
    ),
    Setting(
        "weighting",
        "choice",
        Weighting.NONE.value,
        "territory weighting",
        choices=tuple(w.value for w in Weighting),
    ),
    Setting(
        "populations",
        "populations",
        MappingProxyType({}),
        "declared population per territory (for sqrt_population and double majority)",
    ),
    Setting(
        "min_territory_ballots",
        "int",
        0,
        "ballots below which a territory is flagged (and scaled under territory weighting)",
        Fraction(0),
    ),
    Setting("quorum_ballots", "int", 0, "minimum number of ballots cast", Fraction(0)),
    Setting(
        "quorum_share",
        "fraction",
        Fraction(0),
        "minimum share of the electorate casting a ballot",
        *_UNIT,
    ),
    Setting(
        "electorate", "int", None, "number of people entitled to vote", Fraction(1), optional=True
    ),
)

_METHODS = (
    MethodSpec("plurality", BallotKind.RANKED, "Most first preferences wins.", (), count_plurality),
    MethodSpec("approval", BallotKind.APPROVAL, "Most approved option wins.", (), count_approval),
    MethodSpec(
        "score",
        BallotKind.SCORE,
        "Highest total score wins (a blank is the lowest).",
        _scale(0, 5),
        count_score,
    ),
    MethodSpec(
        "star",
        BallotKind.SCORE,
        "Score then automatic runoff between the two highest totals.",
        _scale(0, 5),
        count_star,
    ),
    MethodSpec(
        "majority_judgment",
        BallotKind.SCORE,
        "Highest median grade wins; ties by Balinski-Laraki majority value.",
        _scale(0, 5),
        count_majority_judgment,
    ),
    MethodSpec(
        "schulze",
        BallotKind.RANKED,
        "Beatpath winner: strongest paths of majorities.",
        (
            Setting(
                "strength", "choice", "margin", "link strength", choices=("margin", "winning_votes")
            ),
        ),
        count_schulze,
    ),
    MethodSpec(
        "ranked_pairs",
        BallotKind.RANKED,
        "Lock majorities from largest to smallest, skipping cycles.",
        (),
        count_ranked_pairs,
    ),
    MethodSpec(
        "copeland", BallotKind.RANKED, "Most pairwise wins minus losses.", (), count_copeland
    ),
    MethodSpec(
        "borda",
        BallotKind.RANKED,
        "Symmetric Borda: options below minus options above, summed.",
        (),
        count_borda,
    ),
    MethodSpec(
        "instant_runoff",
        BallotKind.RANKED,
        "Eliminate the fewest first preferences until one has a majority.",
        (),
        count_instant_runoff,
    ),
    MethodSpec(
        "consent",
        BallotKind.STANCE,
        "Passes without any block when the agree share meets the threshold.",
        (
            Setting("threshold", "fraction", Fraction(1, 2), "required agree share", *_UNIT),
            Setting("strict", "bool", True, "shares must exceed (not just reach) thresholds"),
            Setting(
                "double_majority",
                "bool",
                False,
                "also require a share of the territories in favour",
            ),
            Setting(
                "territory_threshold",
                "fraction",
                Fraction(1, 2),
                "required share of territories in favour",
                *_UNIT,
            ),
        ),
        count_consent,
    ),
)

REGISTRY: Mapping[str, MethodSpec] = MappingProxyType({m.name: m for m in _METHODS})
