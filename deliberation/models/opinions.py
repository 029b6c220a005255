"""Opinion snapshots: the opinion pipeline's result for a round at a vote watermark."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from deliberation.clock import utcnow


class OpinionSnapshot(SQLModel, table=True):
    """One computation of the opinion map of a round.

    ``watermark`` is the last vote event included and ``moderation_mark`` the last moderation
    log entry seen, ``revision`` the round's ``results_revision``: a new snapshot is due when
    any of the three moved, and one of an older revision is never shown. ``state`` is the engine's state
    (``OpinionState.to_bytes``) that the next computation starts from; ``document`` is the
    result as JSON (what the pages and the download read); ``priorities`` maps statement ids to
    routing weights, kept apart so that the participation page reads only that.
    """

    __tablename__ = "opinion_snapshot"
    __table_args__ = (
        UniqueConstraint(
            "round_id", "watermark", "moderation_mark", "revision", name="uq_opinion_snapshot_key"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", index=True, ondelete="CASCADE")
    watermark: int = 0
    moderation_mark: int = 0
    revision: int = 0
    seed: int = 0
    parameters: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    state: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    document: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    priorities: dict[str, float] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    participants: int = 0
    votes: int = 0
    seconds: float = 0.0
    computed_at: datetime = Field(default_factory=utcnow)


class OpinionLease(SQLModel, table=True):
    """Which worker computes a round's snapshot now; a lease that expires frees the round."""

    __tablename__ = "opinion_lease"

    round_id: int = Field(foreign_key="round.id", primary_key=True, ondelete="CASCADE")
    holder: str = Field(default="", max_length=80)
    expires_at: datetime = Field(default_factory=utcnow)
