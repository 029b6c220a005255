"""Territories: create and edit them, with identifiers and twinning links.

A territory is shared by every round it takes part in, so only its owners (its creator, the
accounts they hand it on to, and admins: see ``services.ownership``) edit it; facilitating a
round it takes part in gives no right over it. Creations and edits are in the audit log."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_
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


def _links(session: Session, territory_id: int) -> list[TerritoryTwin]:
    """Every twinning link of the territory, established or asked for, by either side."""
    return list(
        session.exec(
            select(TerritoryTwin).where(
                or_(
                    col(TerritoryTwin.territory_id) == territory_id,
                    col(TerritoryTwin.twin_id) == territory_id,
                )
            )
        )
    )


def _other(link: TerritoryTwin, territory_id: int) -> int:
    return link.twin_id if link.territory_id == territory_id else link.territory_id


def _by_slug(session: Session, ids: list[int]) -> list[Territory]:
    if not ids:
        return []
    return list(
        session.exec(
            select(Territory).where(col(Territory.id).in_(ids)).order_by(col(Territory.slug))
        )
    )


def twins(session: Session, territory: Territory) -> list[Territory]:
    """The territories twinned with ``territory`` (both sides agreed), by slug."""
    assert territory.id is not None
    links = _links(session, territory.id)
    return _by_slug(
        session, [_other(link, territory.id) for link in links if link.requested_by is None]
    )


@dataclass(frozen=True)
class TwinRequests:
    """Twinning links waiting for one side: ``asked`` by this territory's owners (the other
    side has to accept), ``received`` from other territories (this side has to accept)."""

    asked: list[Territory]
    received: list[Territory]


def twin_requests(session: Session, territory: Territory) -> TwinRequests:
    assert territory.id is not None
    links = [link for link in _links(session, territory.id) if link.requested_by is not None]
    return TwinRequests(
        asked=_by_slug(
            session,
            [_other(link, territory.id) for link in links if link.requested_by == territory.id],
        ),
        received=_by_slug(
            session,
            [_other(link, territory.id) for link in links if link.requested_by != territory.id],
        ),
    )


def received_twin_requests(session: Session, user: User) -> list[tuple[Territory, Territory]]:
    """(asking territory, asked territory) for every twinning request waiting for ``user``,
    an owner of the asked territory (admins answer for every territory), by asked territory."""
    pairs = [
        (link.requested_by, _other(link, link.requested_by))
        for link in session.exec(
            select(TerritoryTwin).where(col(TerritoryTwin.requested_by).is_not(None))
        )
        if link.requested_by is not None
    ]
    mine = ownership.owned_ids(session, ownership.TERRITORY, user, [asked for _, asked in pairs])
    found = {t.id: t for t in _by_slug(session, sorted({i for pair in pairs for i in pair}))}
    return sorted(
        ((found[asking], found[asked]) for asking, asked in pairs if asked in mine),
        key=lambda pair: (pair[1].slug, pair[0].slug),
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


def _set_twins(
    session: Session, territory_id: int, twin_ids: list[int], *, user: User
) -> dict[int, str]:
    """Make ``twin_ids`` the territory's twins, as far as its owners can alone: a link the
    other side asked for is accepted, one to a territory ``user`` also owns is made at once,
    any other is asked for (the other side's owners accept it). Links and requests of this
    side that are no longer named end; requests received stay until answered. Return what
    happened to each other territory whose links changed: ``linked``, ``asked``, ``ended``."""
    wanted = set(twin_ids)
    changed: dict[int, str] = {}
    for link in _links(session, territory_id):
        other = _other(link, territory_id)
        if other in wanted:
            wanted.discard(other)
            if link.requested_by not in (None, territory_id):
                link.requested_by = None
                session.add(link)
                changed[other] = "linked"
        elif link.requested_by in (None, territory_id):
            session.delete(link)
            changed[other] = "ended"
    owned = ownership.owned_ids(session, ownership.TERRITORY, user, sorted(wanted))
    for other in sorted(wanted):
        low, high = sorted((territory_id, other))
        asked = None if other in owned else territory_id
        session.add(TerritoryTwin(territory_id=low, twin_id=high, requested_by=asked))
        changed[other] = "asked" if asked else "linked"
    return changed


def answer_twin_request(
    session: Session, *, territory: Territory, asking_id: int, user: User, accept: bool
) -> Territory:
    """Accept or decline the twinning that ``asking_id``'s owners asked of ``territory`` (its
    owners only); logged in both territories. Return the asking territory.

    Raises:
        Forbidden: not an owner of ``territory``. NotFound: no such request waits.
    """
    assert territory.id is not None
    ownership.require_owner(session, ownership.TERRITORY, territory.id, user)
    low, high = sorted((territory.id, asking_id))
    link = session.get(TerritoryTwin, (low, high))
    if link is None or link.requested_by != asking_id:
        raise NotFound(_l("No twinning request from this territory waits for an answer."))
    asking = get_territory(session, asking_id)
    if accept:
        link.requested_by = None
        session.add(link)
    else:
        session.delete(link)
    session.flush()
    for target, other in ((territory, asking), (asking, territory)):
        audit.record(
            session,
            actor=user,
            action=AuditAction.TERRITORY_UPDATE,
            target_kind=TargetKind.TERRITORY,
            target_id=target.id,
            details={"twinning": {other.slug: "linked" if accept else "declined"}},
        )
    return asking


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
        state["twinning asked"] = [t.slug for t in twin_requests(session, territory).asked]
    return state


def _set_twins_logged(
    session: Session, territory: Territory, twin_ids: list[int], *, user: User
) -> None:
    """``_set_twins``, and an entry in the log of every other territory whose links change:
    a twinning link is part of both territories, so its trail shows on both (this territory's
    own entry is its edit's)."""
    assert territory.id is not None
    changed = _set_twins(session, territory.id, twin_ids, user=user)
    session.flush()
    for other in _by_slug(session, sorted(changed)):
        audit.record(
            session,
            actor=user,
            action=AuditAction.TERRITORY_UPDATE,
            target_kind=TargetKind.TERRITORY,
            target_id=other.id,
            details={"twinning": {territory.slug: changed[other.id or 0]}},
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
