"""Owners of shared objects (territories, councils): who may edit an object and
hand it on. Admins own everything; other accounts own what a link row names.

An owned kind is described once by ``OwnedKind``: its link table (a row per owner, with a
``user_id`` column and a column holding the object's id) and its kind in the audit log. The
functions here serve every owned kind, so a new one only adds its link table and a descriptor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete
from sqlmodel import Session, SQLModel, col, select

from deliberation.errors import Conflict, Forbidden, Invalid, NotFound
from deliberation.models import AuditAction, CouncilOwner, TargetKind, TerritoryOwner, User
from deliberation.services import audit
from deliberation.services.accounts import normalize_email
from deliberation.services.validation import FieldInvalid


@dataclass(frozen=True)
class OwnedKind:
    """``link`` is the owners' table; ``object_key`` names its column that holds the owned
    object's id (its other key column is ``user_id``)."""

    link: type[SQLModel]
    object_key: str
    target_kind: TargetKind

    def object_column(self) -> Any:
        return col(getattr(self.link, self.object_key))

    def user_column(self) -> Any:
        return col(self.link.__table__.c.user_id)  # type: ignore[attr-defined]

    def row(self, object_id: int, user_id: int) -> SQLModel:
        return self.link(**{self.object_key: object_id, "user_id": user_id})


TERRITORY = OwnedKind(TerritoryOwner, "territory_id", TargetKind.TERRITORY)
COUNCIL = OwnedKind(CouncilOwner, "council_id", TargetKind.COUNCIL)


def is_owner(session: Session, kind: OwnedKind, object_id: int, user: User | None) -> bool:
    """Whether ``user`` may edit the object: an admin, or an active account linked as owner."""
    if user is None or not user.is_active:
        return False
    if user.is_admin:
        return True
    found = session.exec(
        select(kind.user_column())
        .where(kind.object_column() == object_id, kind.user_column() == user.id)
        .limit(1)
    ).first()
    return found is not None


def require_owner(session: Session, kind: OwnedKind, object_id: int, user: User | None) -> None:
    """Raise ``Forbidden`` unless ``user`` owns the object (admins own everything)."""
    if not is_owner(session, kind, object_id, user):
        raise Forbidden(_l("Only its owners and administrators can change this."))


def owners(session: Session, kind: OwnedKind, object_id: int) -> list[User]:
    """The accounts linked as owners of the object, by email (admins are not listed)."""
    return list(
        session.exec(
            select(User)
            .join(kind.link, kind.user_column() == User.id)
            .where(kind.object_column() == object_id)
            .order_by(col(User.email))
        )
    )


def owned_ids(session: Session, kind: OwnedKind, user: User, object_ids: list[int]) -> set[int]:
    """Which of ``object_ids`` ``user`` owns (all of them for an admin): one query."""
    if user.is_admin:
        return set(object_ids)
    if not object_ids or not user.is_active:
        return set()
    rows = session.exec(
        select(kind.object_column()).where(
            kind.user_column() == user.id, kind.object_column().in_(object_ids)
        )
    )
    return {int(row) for row in rows}


def add_first_owner(session: Session, kind: OwnedKind, object_id: int, user: User) -> None:
    """Link the creator of a new object as its owner (no check: creating it is the right)."""
    session.add(kind.row(object_id, user.id))  # type: ignore[arg-type]


def add_owner(
    session: Session,
    *,
    kind: OwnedKind,
    object_id: int,
    actor: User,
    email: str,
    transfer: bool = False,
) -> User:
    """Make the account with ``email`` an owner of the object too; with ``transfer``, the actor
    stops being one (an admin stays an admin). Both changes are in the audit log."""
    require_owner(session, kind, object_id, actor)
    try:
        address = normalize_email(email)
    except Invalid as error:
        raise FieldInvalid(error.message, field="email") from error
    new_owner = session.exec(select(User).where(User.email == address)).first()
    if new_owner is None or not new_owner.is_active:
        raise FieldInvalid(_l("No active account has this email address."), field="email")
    already = {owner.id for owner in owners(session, kind, object_id)}
    if new_owner.id in already:
        raise FieldInvalid(_l("This person already owns it."), field="email")
    session.add(kind.row(object_id, new_owner.id))  # type: ignore[arg-type]
    _record(session, kind, object_id, actor=actor, action=AuditAction.OWNER_ADD, owner=new_owner)
    if transfer and actor.id in already:
        _unlink(session, kind, object_id, actor)
        _record(session, kind, object_id, actor=actor, action=AuditAction.OWNER_REMOVE, owner=actor)
    return new_owner


def remove_owner(
    session: Session, *, kind: OwnedKind, object_id: int, actor: User, owner_id: int
) -> None:
    """Unlink an owner; an object keeps at least one owner besides the admins."""
    require_owner(session, kind, object_id, actor)
    current = {owner.id: owner for owner in owners(session, kind, object_id)}
    owner = current.get(owner_id)
    if owner is None:
        raise NotFound(_l("This person is not one of its owners."))
    if len(current) <= 1:
        raise Conflict(
            _l("It keeps at least one owner: add the new owner before removing this one.")
        )
    _unlink(session, kind, object_id, owner)
    _record(session, kind, object_id, actor=actor, action=AuditAction.OWNER_REMOVE, owner=owner)


def _unlink(session: Session, kind: OwnedKind, object_id: int, owner: User) -> None:
    session.execute(
        delete(kind.link).where(kind.object_column() == object_id, kind.user_column() == owner.id)
    )


def _record(
    session: Session,
    kind: OwnedKind,
    object_id: int,
    *,
    actor: User,
    action: AuditAction,
    owner: User,
) -> None:
    audit.record(
        session,
        actor=actor,
        action=action,
        target_kind=kind.target_kind,
        target_id=object_id,
        details={"owner_id": owner.id, "owner_email": owner.email},
    )
