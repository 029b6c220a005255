"""Councils: create and edit them.

Any facilitator may create a council (and owns it) and address outcomes to any council; only a
council's owners (its creator, the accounts they hand it on to, and admins: see
``services.ownership``) edit it, create its API tokens and its clerks' accounts. Creations and
edits are in the audit log."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func
from sqlmodel import Session, col, select

from deliberation.errors import NotFound
from deliberation.messages import lazy_message
from deliberation.models import AuditAction, Council, TargetKind, Territory, User
from deliberation.models.council_inputs import CouncilInput
from deliberation.services import audit, ownership
from deliberation.services.paging import fetch_page
from deliberation.services.validation import FieldInvalid

PAGE_SIZE = 100
EDITABLE = ("slug", "names", "territory_id", "oparl_body", "website", "wikidata")


@dataclass(frozen=True)
class CouncilPage:
    councils: list[tuple[Council, Territory]]
    page: int
    has_next: bool
    total: int


def get_council(session: Session, council_id: int) -> Council:
    council = session.get(Council, council_id)
    if council is None:
        raise NotFound(_l("No council has this address."))
    return council


def list_councils(session: Session, *, page: int = 1) -> CouncilPage:
    """One page of councils with their territories, by slug."""
    total = int(session.exec(select(func.count()).select_from(Council)).one())
    found = fetch_page(
        session,
        select(Council, Territory)
        .join(Territory, col(Territory.id) == Council.territory_id)
        .order_by(col(Council.slug)),
        page=page,
        size=PAGE_SIZE,
    )
    return CouncilPage([(c, t) for c, t in found.rows], found.page, found.has_next, total)


def _territory_id(session: Session, fields: CouncilInput, council_id: int | None) -> int:
    """Check what the input model cannot know (the slug is free, the territory exists); return
    the territory's id."""
    taken = session.exec(select(Council.id).where(Council.slug == fields.slug)).first()
    if taken is not None and taken != council_id:
        raise FieldInvalid(_l("Another council already has this identifier."), field="slug")
    territory_id = session.exec(
        select(Territory.id).where(Territory.slug == fields.territory_slug.strip())
    ).first()
    if territory_id is None:
        raise FieldInvalid(
            lazy_message("No territory has the identifier %(slug)s.", slug=fields.territory_slug),
            field="territory",
        )
    return territory_id


def _apply(council: Council, fields: CouncilInput, territory_id: int) -> None:
    council.slug = fields.slug
    council.names = {lang: name.strip() for lang, name in fields.names.items() if name.strip()}
    council.territory_id = territory_id
    council.oparl_body = fields.oparl_body
    council.website = fields.website
    council.wikidata = fields.wikidata


def _state(council: Council) -> dict[str, object]:
    return {name: getattr(council, name) for name in EDITABLE}


def create_council(session: Session, *, user: User, fields: CouncilInput) -> Council:
    """A new council, created by ``user`` (any facilitator may), who owns it."""
    territory_id = _territory_id(session, fields, None)
    council = Council(slug=fields.slug, territory_id=territory_id, created_by_id=user.id)
    _apply(council, fields, territory_id)
    session.add(council)
    session.flush()
    assert council.id is not None
    ownership.add_first_owner(session, ownership.COUNCIL, council.id, user)
    audit.record(
        session,
        actor=user,
        action=AuditAction.COUNCIL_CREATE,
        target_kind=TargetKind.COUNCIL,
        target_id=council.id,
        details=_state(council),
    )
    return council


def update_council(
    session: Session, *, council: Council, user: User, fields: CouncilInput
) -> Council:
    """Edit a council (its owners only); the changed fields are in the audit log."""
    assert council.id is not None
    ownership.require_owner(session, ownership.COUNCIL, council.id, user)
    territory_id = _territory_id(session, fields, council.id)
    before = _state(council)
    _apply(council, fields, territory_id)
    session.add(council)
    changed = audit.changes(before, _state(council))
    if changed:
        audit.record(
            session,
            actor=user,
            action=AuditAction.COUNCIL_UPDATE,
            target_kind=TargetKind.COUNCIL,
            target_id=council.id,
            details={"changes": changed},
        )
    return council
