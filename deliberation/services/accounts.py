"""Facilitator and admin accounts."""

from __future__ import annotations

from functools import cache

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select
from werkzeug.security import check_password_hash, generate_password_hash

from deliberation.errors import Conflict, Invalid
from deliberation.messages import lazy_message
from deliberation.models import Role, User

MIN_PASSWORD_LENGTH = 10


def normalize_email(email: str) -> str:
    """The canonical form of an address; raises ``Invalid`` if it is not one."""
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise Invalid(_l("This is not a valid email address.")) from error


def create_user(session: Session, *, email: str, password: str, role: Role) -> User:
    """Create an account with a hashed password."""
    address = normalize_email(email)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(
            lazy_message("The password needs at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)
        )
    if session.exec(select(User).where(User.email == address)).first():
        raise Conflict(_l("An account with this email address already exists."))
    user = User(email=address, password_hash=generate_password_hash(password), role=role)
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, *, email: str, password: str) -> User | None:
    """The account for these credentials, or None (same cost whether or not the address exists)."""
    user = session.exec(select(User).where(User.email == email.strip().lower())).first()
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


@cache
def _dummy_hash() -> str:
    return generate_password_hash("not-a-real-password")
