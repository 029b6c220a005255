"""The decision methods as the app shows them: translated names and setting labels, and the
settings form generated from the registry's setting types, defaults and bounds.

The registry (``voting.methods.REGISTRY``) stays the single source of truth for what a method
accepts; this module only translates it and reads form input into the registry's values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from voting.methods import REGISTRY, MethodError, MethodSpec, Setting, Weighting
from voting.methods.result import to_json

METHOD_NAMES: dict[str, LazyString] = {
    "plurality": _l("Plurality"),
    "approval": _l("Approval voting"),
    "score": _l("Score voting"),
    "star": _l("STAR voting"),
    "majority_judgment": _l("Majority judgment"),
    "schulze": _l("Schulze method"),
    "ranked_pairs": _l("Ranked pairs"),
    "copeland": _l("Copeland method"),
    "borda": _l("Borda count"),
    "instant_runoff": _l("Instant-runoff voting"),
    "consent": _l("Consent (stance on one proposal)"),
}
METHOD_DESCRIPTIONS: dict[str, LazyString] = {
    "plurality": _l("The option ranked first by the most people wins."),
    "approval": _l("Approve as many options as you like; the most approved option wins."),
    "score": _l("Give each option a score; the highest total wins (a blank is the lowest)."),
    "star": _l("Scores, then an automatic runoff between the two highest totals."),
    "majority_judgment": _l(
        "Grade each option; the best majority grade wins, then the Balinski-Laraki order."
    ),
    "schulze": _l("Rank the options; the option with the strongest paths of majorities wins."),
    "ranked_pairs": _l(
        "Rank the options; majorities are locked in from the largest, skipping cycles."
    ),
    "copeland": _l("Rank the options; the most head-to-head wins minus losses wins."),
    "borda": _l("Rank the options; points for every option ranked below, minus those above."),
    "instant_runoff": _l(
        "Rank the options; the fewest first preferences are eliminated until one has a majority."
    ),
    "consent": _l("Agree, abstain, disagree or block; any block stops the proposal."),
}
SETTING_LABELS: dict[str, LazyString] = {
    "scale_min": _l("Lowest value of the scale"),
    "scale_max": _l("Highest value of the scale"),
    "strength": _l("Strength of a majority"),
    "threshold": _l("Share of agreement required"),
    "strict": _l("The share must exceed the threshold (not just reach it)"),
    "double_majority": _l("Double majority: also require a share of the territories in favour"),
    "territory_threshold": _l("Share of territories in favour required"),
    "weighting": _l("Weighting of territories"),
    "min_territory_ballots": _l("Minimum ballots per territory"),
    "quorum_ballots": _l("Quorum: minimum number of ballots"),
    "quorum_share": _l("Quorum: minimum share of eligible participants"),
}
SETTING_HINTS: dict[str, LazyString] = {
    "min_territory_ballots": _l(
        "A territory with fewer ballots is flagged, and its weight is scaled down when territories "
        "are weighted."
    ),
    "quorum_share": _l("A fraction such as 1/4 or 0.25; 0 for none."),
    "threshold": _l("A fraction such as 1/2 or 0.5."),
    "territory_threshold": _l("A fraction such as 1/2 or 0.5."),
}
CHOICE_LABELS: dict[str, LazyString] = {
    Weighting.NONE.value: _l("One person, one vote"),
    Weighting.EQUAL_TERRITORY.value: _l("Equal weight for every territory"),
    Weighting.SQRT_POPULATION.value: _l("Square root of each territory's population"),
    "margin": _l("Margin (votes for minus votes against)"),
    "winning_votes": _l("Winning votes"),
}
# Filled in by the count, never by the facilitator: the seed is drawn at opening, populations
# come from the territories and the electorate from the eligible participants at close.
AUTOMATIC_SETTINGS = frozenset({"seed", "populations", "electorate"})


@dataclass(frozen=True)
class SettingField:
    """One input of the settings form: the registry's setting, its label and hint, and the
    value to show (the form's, else the stored one, else the default)."""

    setting: Setting
    label: LazyString
    hint: LazyString | None
    value: str
    error: str | None = None

    @property
    def name(self) -> str:
        return f"setting_{self.setting.name}"

    @property
    def choices(self) -> list[tuple[str, LazyString]]:
        return [(c, CHOICE_LABELS[c]) for c in self.setting.choices]


def method_spec(name: str) -> MethodSpec | None:
    return REGISTRY.get(name)


def editable_settings(spec: MethodSpec) -> tuple[Setting, ...]:
    """The settings a facilitator chooses for ``spec``, in the registry's order."""
    return tuple(s for s in spec.settings if s.name not in AUTOMATIC_SETTINGS)


def default_settings(spec: MethodSpec) -> dict[str, Any]:
    """The registry's defaults of ``spec``'s editable settings, as stored JSON."""
    return {s.name: to_json(s.default) for s in editable_settings(spec)}


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else ""
    data = to_json(value)
    return "" if data is None else str(data)


def setting_fields(
    spec: MethodSpec,
    stored: Mapping[str, Any] | None = None,
    form: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
) -> list[SettingField]:
    """The form's fields for ``spec``'s editable settings."""
    fields = []
    for setting in editable_settings(spec):
        key = f"setting_{setting.name}"
        if form is not None:
            value = form.get(key, "")
        elif stored is not None and setting.name in stored:
            value = _shown(stored[setting.name])
        else:
            value = _shown(setting.default)
        fields.append(
            SettingField(
                setting=setting,
                label=SETTING_LABELS[setting.name],
                hint=SETTING_HINTS.get(setting.name),
                value=value,
                error=(errors or {}).get(setting.name),
            )
        )
    return fields


def _bounds_message(setting: Setting) -> LazyString:
    low, high = setting.minimum, setting.maximum
    if low is not None and high is not None:
        return _l("Enter a number from %(low)s to %(high)s.", low=str(low), high=str(high))
    if low is not None:
        return _l("Enter a number of at least %(low)s.", low=str(low))
    return _l("Enter a number.")


def read_settings(
    spec: MethodSpec, form: Mapping[str, str]
) -> tuple[dict[str, Any], dict[str, LazyString]]:
    """Read the settings form: ``(settings as stored JSON, errors by setting name)``.

    Integers are whole numbers, fractions accept ``2/3`` or ``0.55``, booleans are checkboxes,
    choices must be among the registry's. Each value is checked by the registry's own
    ``Setting.resolve`` (types and bounds), then the whole by ``MethodSpec.resolve`` (a scale's
    lowest value below its highest). Errors are translated here; nothing is stored by this.
    """
    given: dict[str, object] = {}
    errors: dict[str, LazyString] = {}
    for setting in editable_settings(spec):
        raw = form.get(f"setting_{setting.name}", "").strip()
        value: object
        if setting.kind == "bool":
            value = raw in {"true", "on", "1", "y"}
        elif setting.kind == "int":
            try:
                value = int(raw)
            except ValueError:
                errors[setting.name] = _bounds_message(setting)
                continue
        elif setting.kind == "fraction":
            value = raw
        else:
            value = raw
        try:
            given[setting.name] = setting.resolve(value)
        except MethodError:
            errors[setting.name] = (
                _l("Choose one of the options offered.")
                if setting.kind == "choice"
                else _bounds_message(setting)
            )
    if errors:
        return {}, errors
    share = given.get("quorum_share")
    check = dict(given)
    if isinstance(share, Fraction) and share > 0:
        check["electorate"] = 1  # the real electorate is counted at close
    try:
        spec.resolve(check)
    except MethodError:
        errors["scale_max"] = _l("The highest value must be above the lowest.")
        return {}, errors
    stored = {name: to_json(value) for name, value in given.items()}
    return stored, errors
