"""Deliberation rounds, their territories, facilitators and invite links."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from deliberation.clock import utcnow


class Phase(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    DRAFTING = "drafting"
    DECIDING = "deciding"
    CLOSED = "closed"
    REPORTED = "reported"


class ModerationMode(StrEnum):
    PRE = "pre"
    POST = "post"


class Round(SQLModel, table=True):
    """A deliberation round.

    ``title``, ``question`` and ``framing`` map a language tag to text (framing is Markdown).
    ``opens_at`` and ``closes_at`` are UTC; the round opens, then moves to drafting, by itself.
    ``results_revision`` is part of the opinion snapshot key: it is bumped whenever published
    results must be recomputed for a reason other than new votes or moderation (a withdrawal, a
    change of privacy settings), so a snapshot of an older revision is never shown.
    ``retention_days`` (None: keep) is how long after ``reported_at`` participants stay linked
    to their browser, languages and names before they are anonymised.
    """

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, unique=True, index=True)
    title: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    question: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    framing: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    topic: str = Field(default="climate", max_length=40)
    languages: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    phase: Phase = Field(default=Phase.DRAFT, sa_type=String(20), index=True)
    moderation_mode: ModerationMode = Field(default=ModerationMode.POST, sa_type=String(10))
    max_statement_length: int = Field(default=280, ge=20, le=2000)
    time_zone: str = Field(default="UTC", max_length=64)
    min_votes_for_map: int = Field(default=7, ge=1)
    privacy_k: int = Field(default=5, ge=1)
    retention_days: int | None = Field(default=None, ge=1)
    results_revision: int = 0
    reported_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)

    def text(self, field: str, language: str) -> str:
        """One of ``title``, ``question`` or ``framing`` in ``language``, falling back sensibly."""
        values: dict[str, str] = getattr(self, field)
        for candidate in (language, *self.languages, "en"):
            if values.get(candidate):
                return values[candidate]
        return next(iter(values.values()), "")

    @property
    def accepts_contributions(self) -> bool:
        return self.phase == Phase.OPEN


class RoundFacilitator(SQLModel, table=True):
    __tablename__ = "round_facilitator"

    round_id: int = Field(foreign_key="round.id", primary_key=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="account.id", primary_key=True, ondelete="CASCADE", index=True)


class RoundTerritory(SQLModel, table=True):
    __tablename__ = "round_territory"

    round_id: int = Field(foreign_key="round.id", primary_key=True, ondelete="CASCADE")
    territory_id: int = Field(
        foreign_key="territory.id", primary_key=True, ondelete="RESTRICT", index=True
    )
    weight: float | None = Field(default=None, gt=0)


class Invite(SQLModel, table=True):
    """An invite link to join a round in a territory; the URL carries a signed (id, key) token."""

    __table_args__ = (UniqueConstraint("key"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", index=True, ondelete="CASCADE")
    territory_id: int = Field(foreign_key="territory.id", ondelete="RESTRICT")
    key: str = Field(max_length=32)
    label: str = Field(default="", max_length=120)
    single_use: bool = False
    max_participants: int | None = Field(default=None, ge=1)
    uses: int = 0
    revoked_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
