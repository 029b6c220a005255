"""Facilitator and admin accounts, and their one-time set-password links."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import String
from sqlmodel import Field, SQLModel

from deliberation.clock import utcnow


class Role(StrEnum):
    """Facilitators and admins run rounds; a ``council`` account is a council clerk's, who
    answers the outcomes addressed to their council and sees nothing else."""

    FACILITATOR = "facilitator"
    ADMIN = "admin"
    COUNCIL = "council"


class User(SQLModel, table=True):
    """An account. ``password_hash`` is empty until the invited person sets a password.

    ``session_version`` is copied into the session cookie at sign-in and checked on every
    request: bumping it (sign-out, password change or reset, disabling) ends every session the
    account has, copied cookies included. A disabled account (``disabled_at`` set) cannot sign in.
    """

    __tablename__ = "account"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    password_hash: str = Field(max_length=255)
    role: Role = Field(default=Role.FACILITATOR, sa_type=String(20))
    session_version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    disabled_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_clerk(self) -> bool:
        return self.role == Role.COUNCIL

    @property
    def is_active(self) -> bool:
        return self.disabled_at is None


class AccountLink(SQLModel, table=True):
    """A one-time link to set an account's password (after an invitation or a reset).

    Only the SHA-256 of the link's random token is stored; the link works once, until
    ``expires_at``, and issuing a new link for the account voids the older ones.
    """

    __tablename__ = "account_link"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="account.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True)
    expires_at: datetime
    used_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
