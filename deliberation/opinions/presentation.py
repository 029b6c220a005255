"""What the opinion map page shows, read from a snapshot document (never from the votes).

Figures are put in words a citizen reads at a glance; the number stays in a tooltip. The
thresholds:

**Consensus** (``consensus_words``). Group-informed consensus is the product over the G groups
shown of each group's estimated chance of agreeing, (agree + 1) / (seen + 2), so it shrinks as
G grows. The words read its per-group mean ``value ** (1 / G)``, the chance of agreeing every
group would need to reach it, so they mean the same for two groups as for five:

* at least ``BROAD_AGREEMENT`` (0.75, three in four): "broad agreement across groups";
* at least ``AGREEMENT`` (0.6): "agreement across groups";
* at least ``SOME_AGREEMENT`` (0.45): "partial agreement across groups";
* below: "little common ground".

**Division between groups** (``division_words``). The gap is the highest minus the lowest
agree rate among the groups, over shown cells only (a statement with a hidden group cell is
not ranked):

* at least ``SHARP_DIVISION`` (0.5, fifty points): "sharply divides the groups";
* at least ``DIVISION`` (0.25): "divides the groups";
* below: "the groups differ a little".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from deliberation.models import Round, Statement, StatementStatus, Territory
from deliberation.opinions.heatmap import Heatmap, HeatSource, build_heatmap
from deliberation.opinions.picture import MapPicture, group_colour, group_name, map_picture
from deliberation.translations.reading import Reading, read_statements

TOP = 10
"""Statements each list of the page holds (the template shows the first few, the rest behind
"show all")."""
HEATMAP_ROWS = 12
"""Statements of the territory heatmap before "show all": the most voted on."""
BROAD_AGREEMENT = 0.75
AGREEMENT = 0.6
SOME_AGREEMENT = 0.45
SHARP_DIVISION = 0.5
DIVISION = 0.25
TERRITORY_GREY = "#444444"


def consensus_words(value: float, groups: int) -> LazyString:
    """Words for a group-informed consensus ``value`` over ``groups`` groups (module docstring)."""
    mean = value ** (1 / max(groups, 1))
    if mean >= BROAD_AGREEMENT:
        return _l("Broad agreement across groups")
    if mean >= AGREEMENT:
        return _l("Agreement across groups")
    if mean >= SOME_AGREEMENT:
        return _l("Partial agreement across groups")
    return _l("Little common ground")


def division_words(gap: float) -> LazyString:
    """Words for the ``gap`` between the groups' agree rates (module docstring)."""
    if gap >= SHARP_DIVISION:
        return _l("Sharply divides the groups")
    if gap >= DIVISION:
        return _l("Divides the groups")
    return _l("The groups differ a little")


@dataclass(frozen=True)
class Share:
    """One group's or territory's answers to one statement, as shares of those who saw it."""

    label: str
    colour: str
    agree: float | None
    disagree: float | None
    passed: float | None
    counts: dict[str, int | None]
    suppressed: bool


@dataclass(frozen=True)
class StatementView:
    """A statement as the viewer reads it (``text`` in ``language``; ``reading`` has the
    original) with its figures."""

    id: int
    text: str
    language: str
    reading: Reading
    direction: str | None
    value: float | None
    shares: tuple[Share, ...]
    words: str = ""


@dataclass(frozen=True)
class GroupView:
    id: int
    name: str
    colour: str
    size: int
    composition: tuple[tuple[str, int | None], ...]
    representative: tuple[StatementView, ...]


@dataclass(frozen=True)
class OpinionMap:
    watermark: int
    moderation_mark: int
    revision: int
    computed_at: str
    k: int
    participants: int
    placed: int
    picture: MapPicture
    viewer_group: int | None
    groups: tuple[GroupView, ...]
    consensus: tuple[StatementView, ...]
    dividing_groups: tuple[StatementView, ...]
    territories: tuple[tuple[str, str], ...]
    heatmap: Heatmap | None
    bridging: tuple[StatementView, ...]
    dividing: tuple[StatementView, ...]


def share_of(label: str, colour: str, cell: dict[str, Any]) -> Share:
    seen = cell.get("seen")
    if cell.get("suppressed") or not seen:
        return Share(label, colour, None, None, None, {}, bool(cell.get("suppressed")))
    return Share(
        label,
        colour,
        cell["agree"] / seen,
        cell["disagree"] / seen,
        cell["pass"] / seen,
        {"agree": cell["agree"], "disagree": cell["disagree"], "pass": cell["pass"], "seen": seen},
        False,
    )


def group_gap(entry: dict[str, Any]) -> float | None:
    """The highest minus the lowest agree rate among the groups of a statement's ``entry``;
    None when a group cell is hidden or empty, or fewer than two groups are shown."""
    cells = entry["groups"]
    if len(cells) < 2 or any(c.get("suppressed") or not c.get("seen") for c in cells):
        return None
    agree = [c["agree"] / c["seen"] for c in cells]
    return max(agree) - min(agree)


def build_map(
    session: Session,
    round_: Round,
    document: dict[str, Any],
    *,
    viewer_id: int | None,
    language: str,
    reads: Sequence[str] = (),
    sort: str | None = None,
    all_rows: bool = False,
) -> OpinionMap:
    """The page's content from a snapshot ``document`` for a viewer (None for facilitators)
    whose interface is in ``language`` and who reads ``reads`` too: statements are shown by the
    reading rule. The territory heatmap is sorted by ``sort`` (``build_heatmap``) and holds
    the ``HEATMAP_ROWS`` most voted statements unless ``all_rows``."""
    by_id = {s["id"]: s for s in document["statements"]}
    slugs = [t["slug"] for t in document.get("territories", [])]
    territory_rows = session.exec(select(Territory).where(col(Territory.slug).in_(slugs))).all()
    names = {t.slug: t.name(language) for t in territory_rows}
    hidden = set(
        session.exec(
            select(Statement.id).where(
                Statement.round_id == round_.id,
                (col(Statement.status) == StatementStatus.REJECTED) | col(Statement.is_meta),
            )
        )
    )
    shown = [s for s in document["statements"] if s["id"] not in hidden]

    def rank(key: str, reverse: bool = True) -> list[dict[str, Any]]:
        scored = [s for s in shown if s.get(key) is not None]
        return sorted(scored, key=lambda s: s[key], reverse=reverse)

    consensus = rank("group_informed_consensus")[:TOP]
    gaps = {s["id"]: gap for s in shown if (gap := group_gap(s)) is not None}
    dividing_groups = sorted(
        (s for s in shown if s["id"] in gaps), key=lambda s: gaps[s["id"]], reverse=True
    )[:TOP]
    bridging = rank("bridging")[:TOP] if slugs else []
    divisive_ids = [i for i in document.get("most_divisive", []) if i not in hidden][:TOP]
    table = sorted(shown, key=lambda s: s.get("seen") or 0, reverse=True) if slugs else []
    representative_ids = {r["statement"] for g in document["groups"] for r in g["representative"]}
    wanted = (
        {s["id"] for s in consensus + dividing_groups + bridging + table}
        | set(divisive_ids)
        | representative_ids
    )
    texts = {s.id: s for s in session.exec(select(Statement).where(col(Statement.id).in_(wanted)))}
    readings = read_statements(session, round_, texts.values(), [language, *reads])

    def group_shares(entry: dict[str, Any]) -> tuple[Share, ...]:
        return tuple(
            share_of(group_name(g), group_colour(g), cell) for g, cell in enumerate(entry["groups"])
        )

    def territory_shares(entry: dict[str, Any]) -> tuple[Share, ...]:
        cells = entry.get("territories", {})
        return tuple(share_of(names.get(slug, slug), TERRITORY_GREY, cells[slug]) for slug in slugs)

    def view(
        entry: dict[str, Any],
        value: float | None,
        shares: Any,
        direction: str | None = None,
        words: str = "",
    ) -> StatementView:
        reading = readings[entry["id"]]
        return StatementView(
            id=entry["id"],
            text=reading.text,
            language=reading.language,
            reading=reading,
            direction=direction,
            value=value,
            shares=shares(entry),
            words=words,
        )

    participants = document["participants"]
    viewer_group = None
    if viewer_id is not None and viewer_id in participants["ids"]:
        viewer_group = participants["group"][participants["ids"].index(viewer_id)]
    groups = tuple(
        GroupView(
            id=g["id"],
            name=group_name(g["id"]),
            colour=group_colour(g["id"]),
            size=g["size"],
            composition=tuple(
                (names.get(slug, slug), g.get("composition", {}).get(slug)) for slug in slugs
            ),
            representative=tuple(
                view(by_id[r["statement"]], None, group_shares, direction=r["direction"])
                for r in g["representative"]
                if r["statement"] in texts and r["statement"] not in hidden
            ),
        )
        for g in document["groups"]
    )
    return OpinionMap(
        watermark=document["watermark"],
        moderation_mark=document["moderation_mark"],
        revision=document["revision"],
        computed_at=document["computed_at"],
        k=document["k"],
        participants=len(participants["ids"]),
        placed=sum(1 for g in participants["group"] if g is not None),
        picture=map_picture(participants, document["k"], viewer_id),
        viewer_group=viewer_group,
        groups=groups,
        consensus=tuple(
            view(
                s,
                s["group_informed_consensus"],
                group_shares,
                words=str(consensus_words(s["group_informed_consensus"], len(groups))),
            )
            for s in consensus
        ),
        dividing_groups=tuple(
            view(s, gaps[s["id"]], group_shares, words=str(division_words(gaps[s["id"]])))
            for s in dividing_groups
        ),
        territories=tuple((slug, names.get(slug, slug)) for slug in slugs),
        heatmap=build_heatmap(
            [(slug, names.get(slug, slug)) for slug in slugs],
            [
                HeatSource(
                    key=str(s["id"]),
                    anchor=f"statement-{s['id']}",
                    text=readings[s["id"]].text,
                    language=readings[s["id"]].language,
                    reading=readings[s["id"]],
                    cells=s.get("territories", {}),
                )
                for s in table
            ],
            sort=sort,
            limit=None if all_rows else HEATMAP_ROWS,
        )
        if slugs
        else None,
        bridging=tuple(view(s, s["bridging"], territory_shares) for s in bridging),
        dividing=tuple(
            view(by_id[i], by_id[i]["divisiveness"], territory_shares) for i in divisive_ids
        ),
    )
