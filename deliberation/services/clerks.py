"""Council clerks: ``council`` accounts, each tied to one council, created by the council's
owners (and admins) with a one-time set-password link, like an admin's invitation."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from deliberation.errors import Forbidden
from deliberation.models import AuditAction, Council, CouncilClerk, Role, TargetKind, User
from deliberation.services import accounts, audit, ownership


def invite_clerk(
    session: Session, *, council: Council, actor: User, email: str, now: datetime, ttl: timedelta
) -> accounts.IssuedLink:
    """A new clerk account of ``council`` (its owners only) and its one-time link. In the
    audit log on the council and on the account."""
    assert council.id is not None
    ownership.require_owner(session, ownership.COUNCIL, council.id, actor)
    issued = accounts.new_invited_account(session, email=email, role=Role.COUNCIL, now=now, ttl=ttl)
    clerk = issued.user
    session.add(CouncilClerk(user_id=clerk.id, council_id=council.id))  # type: ignore[arg-type]
    details = {"email": clerk.email, "council_id": council.id, "expires_at": issued.expires_at}
    audit.record(
        session,
        actor=actor,
        action=AuditAction.COUNCIL_CLERK_ADD,
        target_kind=TargetKind.COUNCIL,
        target_id=council.id,
        details={**details, "user_id": clerk.id},
    )
    audit.record(
        session,
        actor=actor,
        action=AuditAction.ACCOUNT_INVITE,
        target_kind=TargetKind.ACCOUNT,
        target_id=clerk.id,
        details={**details, "role": Role.COUNCIL},
    )
    return issued


def council_clerks(session: Session, *, council: Council, user: User) -> list[User]:
    """The clerks of ``council``, by email (its owners only)."""
    assert council.id is not None
    ownership.require_owner(session, ownership.COUNCIL, council.id, user)
    return list(
        session.exec(
            select(User)
            .join(CouncilClerk, col(CouncilClerk.user_id) == User.id)
            .where(CouncilClerk.council_id == council.id)
            .order_by(col(User.email))
        )
    )


def clerk_council(session: Session, user: User) -> Council:
    """The council whose clerk ``user`` is; ``Forbidden`` for any other account."""
    council = session.exec(
        select(Council)
        .join(CouncilClerk, col(CouncilClerk.council_id) == Council.id)
        .where(CouncilClerk.user_id == user.id)
    ).first()
    if council is None or not user.is_clerk or not user.is_active:
        raise Forbidden(_l("This account is not a council clerk's."))
    return council
