"""Pseudonymous participants: one person in one round, in one territory."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from deliberation.clock import utcnow


class Participant(SQLModel, table=True):
    """A participant. ``vote_count`` is a counter kept by the vote upsert (current votes).

    The browser holds a random session key; only its SHA-256 (``session_key_hash``) is stored, so
    the cookie is the only link between a person and these rows. ``notice_version`` is the
    privacy notice version they accepted. Anonymisation (``anonymised_at``) erases the key hash,
    the invite link and the language: the rows stay as anonymous aggregates.
    """

    __table_args__ = (
        Index("ix_participant_round_territory", "round_id", "territory_id"),
        Index("ix_participant_session_key_hash", "session_key_hash", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", ondelete="CASCADE")
    territory_id: int = Field(foreign_key="territory.id", ondelete="RESTRICT")
    invite_id: int | None = Field(default=None, foreign_key="invite.id", ondelete="SET NULL")
    language: str = Field(default="en", max_length=12)
    session_key_hash: str | None = Field(default=None, max_length=64)
    notice_version: int = 0
    vote_count: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    withdrawn_at: datetime | None = None
    anonymised_at: datetime | None = None
