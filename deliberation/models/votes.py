"""Votes: the current vote per (participant, statement) and the append-only event log."""

from __future__ import annotations

from datetime import datetime
from enum import IntEnum

from sqlalchemy import CheckConstraint, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from deliberation.clock import utcnow


class VoteValue(IntEnum):
    """A vote's value as stored: agree (+1), disagree (-1) or pass (0), in the order the
    buttons show them. ``choice`` is its name in forms and CSS classes ("agree" ...)."""

    AGREE = 1
    DISAGREE = -1
    PASS = 0

    @property
    def choice(self) -> str:
        return self.name.lower()

    @classmethod
    def from_choice(cls, choice: str) -> VoteValue:
        """The value a form's ``vote`` field names; ``ValueError`` for anything else."""
        value = _BY_CHOICE.get(choice)
        if value is None:
            raise ValueError(f"not a vote: {choice!r}")
        return value


_BY_CHOICE = {value.choice: value for value in VoteValue}


class Vote(SQLModel, table=True):
    """The current vote: agree (+1), pass (0) or disagree (-1). Latest wins.

    ``language`` is the language the statement was shown in when the vote was cast (its
    original or a translation); None for votes recorded before languages were tracked.
    """

    __table_args__ = (
        UniqueConstraint("participant_id", "statement_id", name="uq_vote_participant_statement"),
        CheckConstraint("value IN (-1, 0, 1)", name="ck_vote_value"),
        Index("ix_vote_round", "round_id"),
        Index("ix_vote_statement", "statement_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", ondelete="CASCADE")
    participant_id: int = Field(foreign_key="participant.id", ondelete="CASCADE")
    statement_id: int = Field(foreign_key="statement.id", ondelete="CASCADE")
    value: int
    language: str | None = Field(default=None, max_length=12)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class VoteEvent(SQLModel, table=True):
    """Every vote as cast, in order; Pol.is exports and the sticky clustered set replay these.

    ``value`` is None for a retraction: the participant undid their first vote on the statement,
    which then has no vote of theirs until a later event (see ``services/vote_undo.py``).
    ``language``: the language the statement was shown in for this vote.
    """

    __tablename__ = "vote_event"

    __table_args__ = (
        CheckConstraint("value IN (-1, 0, 1)", name="ck_vote_event_value"),
        Index("ix_vote_event_round_id", "round_id", "id"),
        Index("ix_vote_event_participant", "participant_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", ondelete="CASCADE")
    participant_id: int = Field(foreign_key="participant.id", ondelete="CASCADE")
    statement_id: int = Field(foreign_key="statement.id", ondelete="CASCADE")
    value: int | None
    language: str | None = Field(default=None, max_length=12)
    created_at: datetime = Field(default_factory=utcnow)
