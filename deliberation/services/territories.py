"""Territories: create and edit them, with identifiers and twinning links.

A territory is shared by every round it takes part in, so only its owners (its creator, the
accounts they hand it on to, and admins: see ``services.ownership``) edit it; facilitating a
round it takes part in gives no right over it. Creations and edits are in the audit log."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_
from sqlmodel import Session, col, select

from deliberation.errors import NotFound
from deliberation.messages import lazy_message
from deliberation.models import (
    AuditAction,
    TargetKind,
    Territory,
    TerritoryTwin,
    User,
)
from deliberation.models.inputs import TerritoryInput
from deliberation.services import audit, ownership
from deliberation.services.paging import fetch_page
from deliberation.services.statements import normalize_text
from deliberation.services.validation import FieldInvalid, has_visible_text

PAGE_SIZE = 100


@dataclass(frozen=True)
class TerritoryPage:
    territories: list[Territory]
    page: int
    has_next: bool
    total: int


def get_territory(session: Session, territory_id: int) -> Territory:
    territory = session.get(Territory, territory_id)
    if territory is None:
        raise NotFound(_l("No territory has this address."))
    return territory


def list_territories(session: Session, *, page: int = 1) -> TerritoryPage:
    """One page of territories by slug."""
    total = int(session.exec(select(func.count()).select_from(Territory)).one())
    found = fetch_page(
        session, select(Territory).order_by(col(Territory.slug)), page=page, size=PAGE_SIZE
    )
    return TerritoryPage(found.rows, found.page, found.has_next, total)


def territory_choices(session: Session, *, limit: int = 500) -> list[Territory]:
    """Territories to suggest in a form (the first ``limit`` by slug)."""
    return list(session.exec(select(Territory).order_by(col(Territory.slug)).limit(limit)))


def search_territories(session: Session, query: str, *, limit: int = 20) -> list[Territory]:
    """Territories whose name in any language, or slug, contains ``query``, ignoring case,
    accents and punctuation (``Chambery`` finds Chambéry); names that begin with it first, then
    by name; at most ``limit``. An empty query finds nothing."""
    wanted = normalize_text(query)
    if not wanted:
        return []
    ranked: list[tuple[bool, str, int]] = []
    # Only the names are read for every territory; whole rows only for the matches.
    for territory_id, slug, names in session.exec(
        select(Territory.id, Territory.slug, Territory.names)
    ):
        texts = [normalize_text(name) for name in (*names.values(), slug)]
        if any(wanted in text for text in texts):
            starts = any(text.startswith(wanted) for text in texts)
            ranked.append((not starts, texts[0], int(territory_id or 0)))
    ids = [territory_id for *_order, territory_id in sorted(ranked)[:limit]]
    found = {t.id: t for t in session.exec(select(Territory).where(col(Territory.id).in_(ids)))}
    return [found[territory_id] for territory_id in ids]


def twins(session: Session, territory: Territory) -> list[Territory]:
    """The territories twinned with ``territory``, by slug."""
    linked = select(TerritoryTwin.twin_id).where(TerritoryTwin.territory_id == territory.id)
    linking = select(TerritoryTwin.territory_id).where(TerritoryTwin.twin_id == territory.id)
    return list(
        session.exec(
            select(Territory)
            .where(or_(col(Territory.id).in_(linked), col(Territory.id).in_(linking)))
            .order_by(col(Territory.slug))
        )
    )


def _check(session: Session, fields: TerritoryInput, territory_id: int | None) -> list[int]:
    """What the input model cannot know (whether the identifier is free, whether the twins
    exist); return the ids of the twins ``fields`` names."""
    taken = session.exec(select(Territory.id).where(Territory.slug == fields.slug)).first()
    if taken is not None and taken != territory_id:
        raise FieldInvalid(_l("Another territory already has this identifier."), field="slug")
    twin_ids: list[int] = []
    for slug in dict.fromkeys(s.strip() for s in fields.twin_slugs if s.strip()):
        twin = session.exec(select(Territory.id).where(Territory.slug == slug)).first()
        if slug == fields.slug or (twin is not None and twin == territory_id):
            raise FieldInvalid(_l("A territory cannot be twinned with itself."), field="twins")
        if twin is None:
            raise FieldInvalid(
                lazy_message("No territory has the identifier %(slug)s.", slug=slug), field="twins"
            )
        twin_ids.append(twin)
    return twin_ids


def _apply(territory: Territory, fields: TerritoryInput) -> None:
    territory.slug = fields.slug
    territory.kind = fields.kind
    territory.names = {
        lang: name.strip() for lang, name in fields.names.items() if has_visible_text(name)
    }
    territory.iso_3166_2 = fields.iso_3166_2
    territory.eurostat_lau = fields.eurostat_lau
    territory.lau_year = fields.lau_year
    territory.nuts = fields.nuts
    territory.nuts_year = fields.nuts_year
    territory.wikidata = fields.wikidata
    territory.population = fields.population
    territory.population_year = fields.population_year


def _set_twins(session: Session, territory_id: int, twin_ids: list[int]) -> None:
    session.execute(
        delete(TerritoryTwin).where(
            or_(
                col(TerritoryTwin.territory_id) == territory_id,
                col(TerritoryTwin.twin_id) == territory_id,
            )
        )
    )
    for twin_id in twin_ids:
        low, high = sorted((territory_id, twin_id))
        session.add(TerritoryTwin(territory_id=low, twin_id=high))


def _state(session: Session, territory: Territory) -> dict[str, object]:
    """What the audit log records of a territory's editable fields, twins by slug."""
    state: dict[str, object] = {
        name: getattr(territory, name)
        for name in (
            "slug",
            "kind",
            "names",
            "iso_3166_2",
            "eurostat_lau",
            "lau_year",
            "nuts",
            "nuts_year",
            "wikidata",
            "population",
            "population_year",
        )
    }
    if territory.id is not None:
        state["twins"] = [twin.slug for twin in twins(session, territory)]
    return state


def _twin_slugs(session: Session, territory_ids: set[int]) -> dict[int, list[str]]:
    """The twins' slugs of each of ``territory_ids``."""
    return {
        territory_id: [
            twin.slug for twin in twins(session, session.get_one(Territory, territory_id))
        ]
        for territory_id in territory_ids
    }


def _set_twins_logged(
    session: Session, territory: Territory, twin_ids: list[int], *, user: User
) -> None:
    """``_set_twins``, and an entry in the log of every other territory whose twins change:
    a twinning link is part of both territories, so its trail shows on both."""
    assert territory.id is not None
    linked_before = {twin.id for twin in twins(session, territory) if twin.id is not None}
    affected = linked_before ^ set(twin_ids)
    before = _twin_slugs(session, affected)
    _set_twins(session, territory.id, twin_ids)
    session.flush()
    for territory_id, after in _twin_slugs(session, affected).items():
        audit.record(
            session,
            actor=user,
            action=AuditAction.TERRITORY_UPDATE,
            target_kind=TargetKind.TERRITORY,
            target_id=territory_id,
            details={"changes": {"twins": [before[territory_id], after]}},
        )


def create_territory(session: Session, *, user: User, fields: TerritoryInput) -> Territory:
    """A new territory, created by ``user`` (any facilitator may create one), who owns it."""
    twin_ids = _check(session, fields, None)
    territory = Territory(slug=fields.slug, created_by_id=user.id)
    _apply(territory, fields)
    session.add(territory)
    session.flush()
    assert territory.id is not None
    _set_twins_logged(session, territory, twin_ids, user=user)
    ownership.add_first_owner(session, ownership.TERRITORY, territory.id, user)
    session.flush()
    audit.record(
        session,
        actor=user,
        action=AuditAction.TERRITORY_CREATE,
        target_kind=TargetKind.TERRITORY,
        target_id=territory.id,
        details=_state(session, territory),
    )
    return territory


def update_territory(
    session: Session, *, territory: Territory, user: User, fields: TerritoryInput
) -> Territory:
    """Edit a territory (its owners only); its twinning links become exactly
    ``fields.twin_slugs``. The changed fields are in the audit log (a twinning link added or
    removed in the other territory's log too)."""
    assert territory.id is not None
    ownership.require_owner(session, ownership.TERRITORY, territory.id, user)
    twin_ids = _check(session, fields, territory.id)
    before = _state(session, territory)
    _apply(territory, fields)
    session.add(territory)
    _set_twins_logged(session, territory, twin_ids, user=user)
    changed = audit.changes(before, _state(session, territory))
    if changed:
        audit.record(
            session,
            actor=user,
            action=AuditAction.TERRITORY_UPDATE,
            target_kind=TargetKind.TERRITORY,
            target_id=territory.id,
            details={"changes": changed},
        )
    return territory
