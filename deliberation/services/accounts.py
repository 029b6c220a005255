"""Facilitator and admin accounts: creation, sign-in, one-time set-password links, and the
admins' use cases (invite, disable and enable, reset a password, change a role).

Every change is in the audit log. An account's ``session_version`` is bumped whenever its
existing sessions must end: sign-out, a password set, changed or reset, disabling.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, update
from sqlmodel import Session, col, select
from werkzeug.security import check_password_hash, generate_password_hash

from deliberation.errors import Conflict, Forbidden, Invalid, NotFound
from deliberation.messages import lazy_message
from deliberation.models import AccountLink, AuditAction, Role, TargetKind, User
from deliberation.services import audit
from deliberation.services.validation import FieldInvalid

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024
PAGE_SIZE = 100


@dataclass(frozen=True)
class AccountPage:
    accounts: list[User]
    page: int
    has_next: bool


@dataclass(frozen=True)
class IssuedLink:
    """A set-password link's secret token (shown once, stored only hashed) and its expiry."""

    user: User
    token: str
    expires_at: datetime


def normalize_email(email: str) -> str:
    """The canonical form of an address; raises ``Invalid`` if it is not one."""
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise Invalid(_l("This is not a valid email address.")) from error


def _hash_new_password(password: str) -> str:
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise FieldInvalid(
            lazy_message(
                "A password has between %(low)d and %(high)d characters.",
                low=MIN_PASSWORD_LENGTH,
                high=MAX_PASSWORD_LENGTH,
            ),
            field="password",
        )
    return generate_password_hash(password)


def _new_account(session: Session, email: str, role: Role) -> User:
    try:
        address = normalize_email(email)
    except Invalid as error:
        raise FieldInvalid(error.message, field="email") from error
    if session.exec(select(User).where(User.email == address)).first():
        raise Conflict(_l("An account with this email address already exists."))
    return User(email=address, password_hash="", role=role)


def create_user(
    session: Session, *, email: str, password: str, role: Role, actor: audit.Actor = audit.SYSTEM
) -> User:
    """Create an account with a hashed password (the command line and the demo use this)."""
    user = _new_account(session, email, role)
    user.password_hash = _hash_new_password(password)
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=AuditAction.ACCOUNT_CREATE,
        target_kind=TargetKind.ACCOUNT,
        target_id=user.id,
        details={"email": user.email, "role": user.role},
    )
    return user


def authenticate(session: Session, *, email: str, password: str) -> User | None:
    """The active account for these credentials, or None (same cost whether or not the address
    exists, has a password yet, or is disabled)."""
    user = session.exec(select(User).where(User.email == email.strip().lower())).first()
    if user is None or not user.password_hash:
        check_password_hash(_dummy_hash(), password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.is_active:
        return None
    return user


@cache
def _dummy_hash() -> str:
    return generate_password_hash("not-a-real-password")


def end_sessions(session: Session, user: User) -> None:
    """Make every existing session of ``user`` invalid (its cookies name an older version)."""
    session.execute(
        update(User)
        .where(col(User.id) == user.id)
        .values(session_version=col(User.session_version) + 1)
    )
    session.refresh(user)


def change_password(session: Session, *, user: User, current: str, new: str) -> None:
    """Replace the password of a signed-in account; its other sessions end."""
    if not user.password_hash or not check_password_hash(user.password_hash, current):
        raise FieldInvalid(_l("This is not your current password."), field="current_password")
    user.password_hash = _hash_new_password(new)
    session.add(user)
    end_sessions(session, user)
    audit.record(
        session,
        actor=user,
        action=AuditAction.ACCOUNT_PASSWORD_SET,
        target_kind=TargetKind.ACCOUNT,
        target_id=user.id,
    )


# --- One-time links ------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _issue_link(session: Session, user: User, *, now: datetime, ttl: timedelta) -> IssuedLink:
    """A new set-password link for ``user``; its older unused links stop working."""
    session.execute(
        delete(AccountLink).where(
            col(AccountLink.user_id) == user.id, col(AccountLink.used_at).is_(None)
        )
    )
    token = secrets.token_urlsafe(32)
    link = AccountLink(
        user_id=user.id,  # type: ignore[arg-type]
        token_hash=_token_hash(token),
        expires_at=now + ttl,
        created_at=now,
    )
    session.add(link)
    return IssuedLink(user, token, link.expires_at)


def _usable_link(session: Session, token: str, now: datetime) -> tuple[AccountLink, User]:
    """The unused, unexpired link with this token and its active account, else ``NotFound``."""
    link = session.exec(
        select(AccountLink).where(AccountLink.token_hash == _token_hash(token))
    ).first()
    if link is None or link.used_at is not None or link.expires_at <= now:
        raise NotFound(
            _l(
                "This link does not work: it has expired or has been used already. Ask an "
                "administrator for a new one."
            )
        )
    user = session.get(User, link.user_id)
    if user is None or not user.is_active:
        raise NotFound(_l("This account is disabled."))
    return link, user


def link_account(session: Session, *, token: str, now: datetime) -> User:
    """The account a usable set-password link is for (``NotFound`` when used or expired)."""
    return _usable_link(session, token, now)[1]


def set_password_with_link(session: Session, *, token: str, password: str, now: datetime) -> User:
    """Set the password of the link's account and use the link up (only one request can: the
    update is conditional). The account's existing sessions end."""
    link, user = _usable_link(session, token, now)
    hashed = _hash_new_password(password)
    used = session.execute(
        update(AccountLink)
        .where(col(AccountLink.id) == link.id, col(AccountLink.used_at).is_(None))
        .values(used_at=now)
    )
    if used.rowcount != 1:  # type: ignore[attr-defined]
        raise NotFound(_l("This link has been used already."))
    user.password_hash = hashed
    session.add(user)
    end_sessions(session, user)
    audit.record(
        session,
        actor=user,
        action=AuditAction.ACCOUNT_PASSWORD_SET,
        target_kind=TargetKind.ACCOUNT,
        target_id=user.id,
    )
    return user


# --- Admins' use cases ---------------------------------------------------------------------


def require_admin(user: User | None) -> None:
    if user is None or not user.is_admin or not user.is_active:
        raise Forbidden(_l("Only administrators can do this."))


def list_accounts(session: Session, *, actor: User, page: int = 1) -> AccountPage:
    """One page of the accounts by email, for admins."""
    require_admin(actor)
    page = max(page, 1)
    rows = list(
        session.exec(
            select(User)
            .order_by(col(User.email))
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE + 1)
        )
    )
    return AccountPage(rows[:PAGE_SIZE], page, len(rows) > PAGE_SIZE)


def global_log(session: Session, *, actor: User, page: int = 1) -> audit.LogPage:
    """One page of the whole audit log, for admins."""
    require_admin(actor)
    return audit.all_entries(session, page=page)


def _account(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(_l("No account has this address."))
    return user


def new_invited_account(
    session: Session, *, email: str, role: Role, now: datetime, ttl: timedelta
) -> IssuedLink:
    """A new account without a password, and the one-time link that sets it. No check and no
    log entry: the caller's use case authorizes and records it."""
    user = _new_account(session, email, role)
    session.add(user)
    session.flush()
    return _issue_link(session, user, now=now, ttl=ttl)


def invite_account(
    session: Session, *, actor: User, email: str, role: Role, now: datetime, ttl: timedelta
) -> IssuedLink:
    """A new account without a password, and the one-time link that sets it."""
    require_admin(actor)
    issued = new_invited_account(session, email=email, role=role, now=now, ttl=ttl)
    user = issued.user
    audit.record(
        session,
        actor=actor,
        action=AuditAction.ACCOUNT_INVITE,
        target_kind=TargetKind.ACCOUNT,
        target_id=user.id,
        details={"email": user.email, "role": user.role, "expires_at": issued.expires_at},
    )
    return issued


def reset_password(
    session: Session, *, actor: audit.Actor, user: User, now: datetime, ttl: timedelta
) -> IssuedLink:
    """Clear the account's password, end its sessions, and issue a one-time link to set a new
    one. ``actor`` is an admin, or ``audit.SYSTEM`` from the command line."""
    if actor != audit.SYSTEM:
        require_admin(actor if isinstance(actor, User) else None)
    user.password_hash = ""
    session.add(user)
    end_sessions(session, user)
    issued = _issue_link(session, user, now=now, ttl=ttl)
    audit.record(
        session,
        actor=actor,
        action=AuditAction.ACCOUNT_PASSWORD_RESET,
        target_kind=TargetKind.ACCOUNT,
        target_id=user.id,
        details={"email": user.email, "expires_at": issued.expires_at},
    )
    return issued


def account_by_email(session: Session, email: str) -> User:
    user = session.exec(select(User).where(User.email == email.strip().lower())).first()
    if user is None:
        raise NotFound(_l("No account has this email address."))
    return user


def reset_password_of(
    session: Session, *, actor: User, user_id: int, now: datetime, ttl: timedelta
) -> IssuedLink:
    """``reset_password`` of the account ``user_id``, by an admin."""
    require_admin(actor)
    return reset_password(session, actor=actor, user=_account(session, user_id), now=now, ttl=ttl)


def set_disabled(
    session: Session, *, actor: User, user_id: int, disabled: bool, now: datetime
) -> User:
    """Disable an account (it cannot sign in and its sessions end) or enable it again. Admins
    cannot disable themselves, so an admin is always left."""
    require_admin(actor)
    user = _account(session, user_id)
    if user.id == actor.id:
        raise Conflict(_l("You cannot disable your own account."))
    if disabled == (user.disabled_at is not None):
        raise Conflict(
            _l("This account is already disabled.")
            if disabled
            else _l("This account is already enabled.")
        )
    user.disabled_at = now if disabled else None
    session.add(user)
    if disabled:
        end_sessions(session, user)
    audit.record(
        session,
        actor=actor,
        action=AuditAction.ACCOUNT_DISABLE if disabled else AuditAction.ACCOUNT_ENABLE,
        target_kind=TargetKind.ACCOUNT,
        target_id=user.id,
        details={"email": user.email},
    )
    return user


def set_role(session: Session, *, actor: User, user_id: int, role: Role) -> User:
    """Make an account a facilitator or an admin. Admins cannot change their own role."""
    require_admin(actor)
    user = _account(session, user_id)
    if user.id == actor.id:
        raise Conflict(_l("You cannot change your own role."))
    if user.role == role:
        raise Conflict(_l("This account already has this role."))
    before = user.role
    user.role = role
    session.add(user)
    audit.record(
        session,
        actor=actor,
        action=AuditAction.ACCOUNT_ROLE,
        target_kind=TargetKind.ACCOUNT,
        target_id=user.id,
        details={"email": user.email, "role": [before, role]},
    )
    return user
