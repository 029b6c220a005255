"""Councils: the bodies outcomes are addressed to, their owners, clerks, API tokens and
responses."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, Index, String, Text
from sqlmodel import Field, SQLModel

from deliberation.clock import utcnow


class Council(SQLModel, table=True):
    """A council (a Popolo ``Organization``) of a territory. ``names`` maps a BCP 47 language
    tag to the name in that language; ``oparl_body`` is the URL of its OParl ``Body`` if it
    publishes one."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, unique=True, index=True)
    names: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    territory_id: int = Field(foreign_key="territory.id", index=True, ondelete="RESTRICT")
    oparl_body: str | None = Field(default=None, max_length=500)
    website: str | None = Field(default=None, max_length=500)
    wikidata: str | None = Field(default=None, max_length=20)
    created_by_id: int | None = Field(default=None, foreign_key="account.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)

    def name(self, language: str) -> str:
        """The name in ``language``, else English, else any name, else the slug."""
        return (
            self.names.get(language)
            or self.names.get("en")
            or next(iter(self.names.values()), self.slug)
        )


class CouncilOwner(SQLModel, table=True):
    """An account that may edit a council, hand it on, and create its API tokens and its
    clerks' accounts (admins may, without a row here)."""

    __tablename__ = "council_owner"

    council_id: int = Field(foreign_key="council.id", primary_key=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="account.id", primary_key=True, ondelete="CASCADE", index=True)


class CouncilClerk(SQLModel, table=True):
    """A ``council`` account's council: its clerk answers the outcomes addressed to it."""

    __tablename__ = "council_clerk"

    user_id: int = Field(foreign_key="account.id", primary_key=True, ondelete="CASCADE")
    council_id: int = Field(foreign_key="council.id", index=True, ondelete="CASCADE")


class TokenScope(StrEnum):
    """``read`` reads the API; ``respond`` also writes its council's responses."""

    READ = "read"
    RESPOND = "respond"


class ApiToken(SQLModel, table=True):
    """A council's API token. Only the SHA-256 of the secret is stored (it is shown once, at
    creation); ``prefix`` is its first characters, to tell tokens apart in a list. A revoked
    token (``revoked_at`` set) authenticates nothing."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="council.id", index=True, ondelete="CASCADE")
    label: str = Field(max_length=120)
    scope: TokenScope = Field(sa_type=String(10))
    token_hash: str = Field(max_length=64, unique=True)
    prefix: str = Field(max_length=16)
    created_by_id: int | None = Field(default=None, foreign_key="account.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None


class ResponseDecision(StrEnum):
    ACCEPTED = "accepted"
    PARTIALLY_ACCEPTED = "partially_accepted"
    REJECTED = "rejected"
    UNDER_REVIEW = "under_review"
    NOT_COMPETENT = "not_competent"


class ImplementationStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    ABANDONED = "abandoned"


class CouncilResponse(SQLModel, table=True):
    """A council's answer to an outcome, as of ``created_at``. Rows are never updated: a new
    answer (a changed decision, implementation progress) is a new row, so the newest row of an
    (outcome, council) pair is the current answer and the older ones its history.

    ``reason_language`` is the language the reason is written in, as the council said (None:
    not said, the first language of the council's names). ``reference_url`` is the council's
    own record (a web page or an OParl ``Paper`` URL, then
    ``oparl_paper`` is true); ``progress`` is a percentage. It was written through an API token
    (``token_id``) or by a signed-in account (``user_id``)."""

    __tablename__ = "council_response"
    __table_args__ = (Index("ix_council_response_outcome", "outcome_id", "council_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    outcome_id: int = Field(foreign_key="outcome.id", ondelete="CASCADE")
    council_id: int = Field(foreign_key="council.id", index=True, ondelete="CASCADE")
    decision: ResponseDecision = Field(sa_type=String(24))
    reason: str = Field(default="", sa_column=Column(Text, nullable=False))
    reason_language: str | None = Field(default=None, max_length=12)
    decided_at: datetime | None = None
    reference_url: str | None = Field(default=None, max_length=500)
    oparl_paper: bool = False
    implementation_status: ImplementationStatus | None = Field(default=None, sa_type=String(20))
    progress: int | None = Field(default=None, ge=0, le=100)
    token_id: int | None = Field(default=None, foreign_key="api_token.id", ondelete="SET NULL")
    user_id: int | None = Field(default=None, foreign_key="account.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
