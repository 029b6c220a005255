"""The demo's texts, read from ``data/`` (packaged with the code): the territories, and one
file per round (``rounds/<phase>.json``) with its framing and statements.

Statement stances are letters, one of ``A a . d D`` (strongly agree ... strongly disagree):
``groups`` gives one per latent opinion group (0: urban transition, 1: cost of living,
2: countryside and nature) and ``territories`` one per territory, in the order of
``territories.json``. These texts are demo *data*, not interface strings: they are not
translated through Babel.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

from deliberation.models import (
    ModerationMode,
    Phase,
    StatementStatus,
    TerritoryKind,
    TranslationOrigin,
)

ROUND_PHASES = (Phase.OPEN, Phase.DRAFTING, Phase.DECIDING, Phase.REPORTED)
"""The phases the demo has a round in, one round each, in the order they are written."""

NEUTRAL = "..."


@dataclass(frozen=True)
class TerritorySpec:
    """A demo territory: its row, its share of participants, their groups and languages."""

    fields: Mapping[str, Any]
    share: float
    group_mix: tuple[float, ...]
    languages: Mapping[str, float]

    @property
    def slug(self) -> str:
        return str(self.fields["slug"])


@dataclass(frozen=True)
class TranslationSpec:
    """A demo translation of a statement: a facilitator's (reviewed), a participant's
    (reviewed or awaiting review) or a machine's."""

    language: str
    text: str
    origin: TranslationOrigin
    reviewed: bool


@dataclass(frozen=True)
class StatementSpec:
    """A demo statement: its text and language, and its stances (see the module docstring).
    ``status`` is ACCEPTED for seed statements; participant statements have an author in
    ``author_territory`` (a territory slug) and may be pending or rejected with a reason."""

    text: str
    language: str
    groups: str
    territories: str = NEUTRAL
    status: StatementStatus = StatementStatus.ACCEPTED
    author_territory: str | None = None
    is_meta: bool = False
    rejection_reason: str | None = None
    translations: tuple[TranslationSpec, ...] = ()

    @property
    def is_seed(self) -> bool:
        return self.author_territory is None


@dataclass(frozen=True)
class RoundSpec:
    """A demo round: its ``Round`` fields (``fields``), its phase, its schedule in days from
    today (``opened_days_ago`` and ``closes_in_days``, negative when it closed already), and
    its statements, seeds first."""

    phase: Phase
    fields: Mapping[str, Any]
    opened_days_ago: int
    closes_in_days: int
    statements: tuple[StatementSpec, ...]

    @property
    def slug(self) -> str:
        return str(self.fields["slug"])


def _read(*parts: str) -> Any:
    resource = files("deliberation.demo").joinpath("data", *parts)
    return json.loads(resource.read_text(encoding="utf-8"))


@cache
def territories() -> tuple[TerritorySpec, ...]:
    """The demo territories, in the order statement stances name them."""
    return tuple(
        TerritorySpec(
            fields={**item["fields"], "kind": TerritoryKind(item["fields"]["kind"])},
            share=float(item["share"]),
            group_mix=tuple(float(x) for x in item["group_mix"]),
            languages=dict(item["languages"]),
        )
        for item in _read("territories.json")["territories"]
    )


@cache
def twins() -> tuple[tuple[str, str], ...]:
    """Pairs of twinned territory slugs."""
    return tuple((first, second) for first, second in _read("territories.json")["twins"])


def _translations(item: Mapping[str, Any]) -> tuple[TranslationSpec, ...]:
    return tuple(
        TranslationSpec(
            language=language,
            text=entry["text"],
            origin=TranslationOrigin(entry["origin"]),
            reviewed=bool(entry["reviewed"]),
        )
        for language, entry in item.get("translations", {}).items()
    )


@cache
def round_spec(phase: Phase) -> RoundSpec:
    """The demo round of ``phase`` (one of ``ROUND_PHASES``)."""
    data = _read("rounds", f"{phase.value}.json")
    if Phase(data["phase"]) != phase:
        raise ValueError(f"rounds/{phase.value}.json describes a {data['phase']} round")
    statements = [
        StatementSpec(
            text=item["text"],
            language=item["language"],
            groups=item["groups"],
            territories=item.get("territories", NEUTRAL),
            translations=_translations(item),
        )
        for item in data["seed_statements"]
    ]
    statements += [
        StatementSpec(
            text=item["text"],
            language=item["language"],
            groups=item["groups"],
            territories=item.get("territories", NEUTRAL),
            status=StatementStatus(item["status"]),
            author_territory=item["author_territory"],
            is_meta=bool(item.get("is_meta", False)),
            rejection_reason=item.get("rejection_reason"),
            translations=_translations(item),
        )
        for item in data["participant_statements"]
    ]
    fields = {
        key: data[key]
        for key in ("slug", "topic", "languages", "time_zone", "title", "question", "framing")
    }
    fields["moderation_mode"] = ModerationMode(data["moderation_mode"])
    return RoundSpec(
        phase=phase,
        fields=fields,
        opened_days_ago=int(data["schedule"]["opened_days_ago"]),
        closes_in_days=int(data["schedule"]["closes_in_days"]),
        statements=tuple(statements),
    )
