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


def _scale(low: int, high: int) -> tuple[Setting, ...]:
    return (
        Setting(
            name="scale_min",
            kind="int",
            default=low,
            description="lowest value of the scale (and of a blank)",
            minimum=-_SCALE_BOUND,
            maximum=_SCALE_BOUND,
        ),
        Setting(
            name="scale_max",
            kind="int",
            default=high,
            description="highest value of the scale",
            minimum=-_SCALE_BOUND,
            maximum=_SCALE_BOUND,
        ),
    )


def _share(name: str, default: Fraction, description: str) -> Setting:
    return Setting(
        name=name,
        kind="fraction",
        default=default,
        description=description,
        minimum=Fraction(0),
        maximum=Fraction(1),
    )


COMMON_SETTINGS: tuple[Setting, ...] = (
    Setting(
        name="seed",
        kind="int",
        default=0,
        description="tie-break seed, chosen when voting opens and published at close",
        minimum=Fraction(0),
    ),
    Setting(
        name="weighting",
        kind="choice",
        default=Weighting.NONE.value,
        description="territory weighting",
        choices=tuple(w.value for w in Weighting),
    ),
    Setting(
        name="populations",
        kind="populations",
        default=MappingProxyType({}),
        description="declared population per territory (sqrt_population, double majority)",
    ),
    Setting(
        name="min_territory_ballots",
        kind="int",
        default=0,
        description="ballots below which a territory is flagged (and scaled when weighted)",
        minimum=Fraction(0),
    ),
    Setting(
        name="quorum_ballots",
        kind="int",
        default=0,
        description="minimum number of ballots cast",
        minimum=Fraction(0),
    ),
    _share("quorum_share", Fraction(0), "minimum share of the electorate casting a ballot"),
    Setting(
        name="electorate",
        kind="int",
        default=None,
        description="number of people entitled to vote",
        minimum=Fraction(1),
        optional=True,
    ),
)

_METHODS = (
    MethodSpec(
        name="plurality",
        ballot=BallotKind.RANKED,
        description="Most first preferences wins.",
        own_settings=(),
        count=count_plurality,
    ),
    MethodSpec(
        name="approval",
        ballot=BallotKind.APPROVAL,
        description="Most approved option wins.",
        own_settings=(),
        count=count_approval,
    ),
    MethodSpec(
        name="score",
        ballot=BallotKind.SCORE,
        description="Highest total score wins (a blank is the lowest).",
        own_settings=_scale(0, 5),
        count=count_score,
    ),
    MethodSpec(
        name="star",
        ballot=BallotKind.SCORE,
        description="Score then automatic runoff between the two highest totals.",
        own_settings=_scale(0, 5),
        count=count_star,
    ),
    MethodSpec(
        name="majority_judgment",
        ballot=BallotKind.SCORE,
        description="Best majority value wins: highest median grade, then Balinski-Laraki order.",
        own_settings=_scale(0, 5),
        count=count_majority_judgment,
    ),
    MethodSpec(
        name="schulze",
        ballot=BallotKind.RANKED,
        description="Beatpath winner: strongest paths of majorities.",
        own_settings=(
            Setting(
                name="strength",
                kind="choice",
                default="margin",
                description="link strength",
                choices=("margin", "winning_votes"),
            ),
        ),
        count=count_schulze,
    ),
    MethodSpec(
        name="ranked_pairs",
        ballot=BallotKind.RANKED,
        description="Lock majorities from largest to smallest, skipping cycles.",
        own_settings=(),
        count=count_ranked_pairs,
    ),
    MethodSpec(
        name="copeland",
        ballot=BallotKind.RANKED,
        description="Most pairwise wins minus losses.",
        own_settings=(),
        count=count_copeland,
    ),
    MethodSpec(
        name="borda",
        ballot=BallotKind.RANKED,
        description="Symmetric Borda: options below minus options above, summed.",
        own_settings=(),
        count=count_borda,
    ),
    MethodSpec(
        name="instant_runoff",
        ballot=BallotKind.RANKED,
        description="Eliminate the fewest first preferences until one has a majority.",
        own_settings=(),
        count=count_instant_runoff,
    ),
    MethodSpec(
        name="consent",
        ballot=BallotKind.STANCE,
        description="Passes without any block when the agree share meets the threshold.",
        own_settings=(
            _share("threshold", Fraction(1, 2), "required agree share"),
            Setting(
                name="strict",
                kind="bool",
                default=True,
                description="shares must exceed (not just reach) their thresholds",
            ),
            Setting(
                name="double_majority",
                kind="bool",
                default=False,
                description="also require a share of the territories in favour",
            ),
            _share("territory_threshold", Fraction(1, 2), "required share of territories"),
        ),
        count=count_consent,
    ),
)

REGISTRY: Mapping[str, MethodSpec] = MappingProxyType({m.name: m for m in _METHODS})
