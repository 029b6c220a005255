"""Statements (Pol.is comments). Moderation actions are in the audit log (``models.audit``)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, Computed, Index, Integer, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ColumnElement
from sqlmodel import Field, SQLModel

from deliberation.clock import utcnow


class StatementStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


SEEN_TIERS = 24
"""Counts of ``2 ** (SEEN_TIERS - 1)`` votes and more are all in the last ``seen_tier``."""
SEEN_TIER_SQL = (
    "CASE "
    + " ".join(f"WHEN vote_count < {1 << tier} THEN {tier}" for tier in range(SEEN_TIERS))
    + f" ELSE {SEEN_TIERS} END"
)
"""SQL on ``statement``: its ``seen_tier``, ``vote_count``'s number of binary digits."""
SEEN_TIER_POSTGRES = (
    "width_bucket(vote_count, ARRAY["
    + ", ".join(str(1 << tier) for tier in range(SEEN_TIERS))
    + "])"
)
"""The same on PostgreSQL: the number of powers of two up to ``vote_count``, one function
call. PostgreSQL reads a stored column's expression from its text again and compiles it at
every update of the row (each vote's count): the ``CASE`` of 24 branches cost about 45 us of
the server's CPU per update, this about 20 (a loop of 20,000 prepared single-row updates, against
the same table without the column)."""


class _SeenTier(ColumnElement[int]):
    """``seen_tier``'s expression, written for the database that creates the table."""

    inherit_cache = True
    type = Integer()


@compiles(_SeenTier)
def _seen_tier(_element: _SeenTier, _compiler: SQLCompiler, **_kw: Any) -> str:
    return SEEN_TIER_SQL


@compiles(_SeenTier, "postgresql")
def _seen_tier_postgres(_element: _SeenTier, _compiler: SQLCompiler, **_kw: Any) -> str:
    return SEEN_TIER_POSTGRES


class Statement(SQLModel, table=True):
    """A short opinion. ``vote_count`` counts current votes; ``seen_tier``, computed by the
    database, is that count's number of binary digits (0 for none; 1; 2-3; 4-7; ...).

    Routing takes the least-seen by ``seen_tier``, which is indexed, and not by ``vote_count``,
    which is not: the tier changes only when the count doubles, so nearly every vote's update
    of the counter leaves the table's indexes as they were, and PostgreSQL updates the row in
    place (HOT), where an indexed counter had each vote write an entry into each of the
    table's four indexes."""

    __table_args__ = (
        Index("ix_statement_routing", "round_id", "status", "is_seed", "seen_tier", "id"),
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
    seen_tier: int | None = Field(
        default=None,
        sa_column=Column(Integer, Computed(_SeenTier(), persisted=True), nullable=False),
    )
    created_at: datetime = Field(default_factory=utcnow)
    moderated_at: datetime | None = None
