"""Statements (Pol.is comments). Moderation actions are in the audit log (``models.audit``)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, String
from sqlmodel import Field, SQLModel

from deliberation.clock import utcnow


class StatementStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class Statement(SQLModel, table=True):
    """A short opinion. ``vote_count`` counts current votes (routing picks the least-seen)."""

    __table_args__ = (
        Index("ix_statement_routing", "round_id", "status", "is_seed", "vote_count"),
        Index("ix_statement_normalized", "round_id", "normalized_text"),
    )

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", ondelete="CASCADE")
    text: str = Field(max_length=2000)
    normalized_text: str = Field(max_length=2000)
    language: str = Field(max_length=12)
    is_seed: bool = False
    is_meta: bool = False
    status: StatementStatus = Field(default=StatementStatus.PENDING, sa_type=String(10))
    rejection_reason: str | None = Field(default=None, max_length=500)
    author_participant_id: int | None = Field(
        default=None, foreign_key="participant.id", ondelete="SET NULL", index=True
    )
    author_territory_id: int | None = Field(
        default=None, foreign_key="territory.id", ondelete="SET NULL"
    )
    vote_count: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    moderated_at: datetime | None = None
