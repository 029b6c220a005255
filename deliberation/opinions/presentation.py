"""What the opinion map page shows, read from a snapshot document (never from the votes)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from deliberation.models import Round, Statement, StatementStatus, Territory
from deliberation.opinions.picture import MapPicture, group_colour, group_name, map_picture
from deliberation.translations.reading import Reading, read_statements

TOP = 10
TABLE_ROWS = 30


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
    territories: tuple[tuple[str, str], ...]
    territory_table: tuple[StatementView, ...]
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


def build_map(
    session: Session,
    round_: Round,
    document: dict[str, Any],
    *,
    viewer_id: int | None,
    language: str,
    reads: Sequence[str] = (),
) -> OpinionMap:
    """The page's content from a snapshot ``document`` for a viewer (None for facilitators)
    whose interface is in ``language`` and who reads ``reads`` too: statements are shown by the
    reading rule."""
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
    bridging = rank("bridging")[:TOP] if slugs else []
    divisive_ids = [i for i in document.get("most_divisive", []) if i not in hidden][:TOP]
    table = sorted(shown, key=lambda s: s.get("seen") or 0, reverse=True)[:TABLE_ROWS]
    representative_ids = {r["statement"] for g in document["groups"] for r in g["representative"]}
    wanted = (
        {s["id"] for s in consensus + bridging + table} | set(divisive_ids) | representative_ids
    )
    texts = {s.id: s for s in session.exec(select(Statement).where(col(Statement.id).in_(wanted)))}
    readings = read_statements(session, round_, texts.values(), [language, *reads])

    def group_shares(entry: dict[str, Any]) -> tuple[Share, ...]:
        return tuple(
            share_of(group_name(g), group_colour(g), cell) for g, cell in enumerate(entry["groups"])
        )

    def territory_shares(entry: dict[str, Any]) -> tuple[Share, ...]:
        cells = entry.get("territories", {})
        return tuple(share_of(names.get(slug, slug), "#444444", cells[slug]) for slug in slugs)

    def view(
        entry: dict[str, Any], value_key: str | None, shares: Any, direction: str | None = None
    ) -> StatementView:
        reading = readings[entry["id"]]
        return StatementView(
            id=entry["id"],
            text=reading.text,
            language=reading.language,
            reading=reading,
            direction=direction,
            value=entry.get(value_key) if value_key else None,
            shares=shares(entry),
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
                view(by_id[r["statement"]], None, group_shares, r["direction"])
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
        consensus=tuple(view(s, "group_informed_consensus", group_shares) for s in consensus),
        territories=tuple((slug, names.get(slug, slug)) for slug in slugs),
        territory_table=tuple(view(s, None, territory_shares) for s in table),
        bridging=tuple(view(s, "bridging", territory_shares) for s in bridging),
        dividing=tuple(view(by_id[i], "divisiveness", territory_shares) for i in divisive_ids),
    )
