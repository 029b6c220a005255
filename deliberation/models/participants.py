"""Pseudonymous participants: one person in one round, in one territory."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, Index, false
from sqlmodel import Field, SQLModel

from deliberation.clock import utcnow


class Participant(SQLModel, table=True):
    """A participant. ``vote_count`` is a counter kept by the vote upsert (current votes).

    ``language`` is the interface language; ``reads`` the languages they read (routing sends
    them only statements readable in one of those). ``translates``: they offered to help
    translate, and get a translation or review task when their ``vote_count`` reaches
    ``next_task_at``.

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
    # Server defaults too: bulk loaders (demo, Pol.is import, benchmarks) insert around the ORM.
    reads: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    translates: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    next_task_at: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    session_key_hash: str | None = Field(default=None, max_length=64)
    notice_version: int = 0
    vote_count: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    withdrawn_at: datetime | None = None
    anonymised_at: datetime | None = None

    @property
    def reading_languages(self) -> list[str]:
        """The languages they read, the interface language first (it alone when none given)."""
        reads = self.reads or [self.language]
        return sorted(dict.fromkeys(reads), key=lambda language: language != self.language)
