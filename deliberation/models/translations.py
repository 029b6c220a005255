"""Translations of the texts people write: one model for every kind of text.

A text (a statement, proposal, amendment, decision title or option, outcome) keeps its original language
and text on its own row; each translation into another language is a ``Translation`` row that
names the text by ``kind`` and ``text_id``. See ``deliberation.translations`` for the rule that
picks what a reader sees.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from deliberation.clock import utcnow
from deliberation.models.statements import StatementStatus


class TextKind(StrEnum):
    """Which table ``Translation.text_id`` points into."""

    STATEMENT = "statement"
    DECISION_TITLE = "decision_title"  # a decision's title, written in the round's first language
    OPTION_TITLE = "option_title"  # a decision option's title (DecisionOption)
    OPTION_TEXT = "option_text"  # a decision option's text
    OUTCOME_TITLE = "outcome_title"
    OUTCOME_TEXT = "outcome_text"
    OUTCOME_RATIONALE = "outcome_rationale"
    PROPOSAL_TITLE = "proposal_title"
    PROPOSAL_TEXT = "proposal_text"  # Markdown, as the proposal's
    AMENDMENT_TEXT = "amendment_text"  # an amendment's replacement paragraph
    AMENDMENT_RATIONALE = "amendment_rationale"


OUTCOME_PARTS = {
    "title": TextKind.OUTCOME_TITLE,
    "text": TextKind.OUTCOME_TEXT,
    "rationale": TextKind.OUTCOME_RATIONALE,
}
"""The translatable parts of an outcome and the kind of their translations."""

PROPOSAL_PARTS = {"title": TextKind.PROPOSAL_TITLE, "text": TextKind.PROPOSAL_TEXT}
"""The translatable parts of a proposal (its current version) and their kinds."""

AMENDMENT_PARTS = {"text": TextKind.AMENDMENT_TEXT, "rationale": TextKind.AMENDMENT_RATIONALE}
"""The translatable parts of an amendment (its paragraph and its rationale) and their kinds."""

LONGEST_TEXT = 20_000
"""What ``Translation.text`` holds: the longest text of any kind (a proposal's). Each kind
keeps its own limit when a translation is written."""


class TranslationOrigin(StrEnum):
    """Who made a translation: a facilitator (``human``), a participant, or a machine."""

    HUMAN = "human"
    PARTICIPANT = "participant"
    MACHINE = "machine"


class Translation(SQLModel, table=True):
    """One text in one other language.

    ``reviewed``: a facilitator's translation is reviewed when saved; a participant's once
    another participant or a facilitator said it is faithful; ``declined`` once a reviewer said
    it is not. ``status`` is moderation, as for statements (``pending / accepted / rejected``).
    Authors are a participant or a facilitator's account (both None for a machine).
    """

    __table_args__ = (
        Index("ix_translation_text", "kind", "text_id", "language"),
        Index("ix_translation_round", "round_id", "status"),
        CheckConstraint(
            "origin IN ('human', 'participant', 'machine')", name="ck_translation_origin"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", ondelete="CASCADE")
    kind: TextKind = Field(default=TextKind.STATEMENT, sa_type=String(20))
    text_id: int
    language: str = Field(max_length=12)
    text: str = Field(max_length=LONGEST_TEXT)
    origin: TranslationOrigin = Field(sa_type=String(12))
    reviewed: bool = False
    declined: bool = False
    status: StatementStatus = Field(default=StatementStatus.ACCEPTED, sa_type=String(10))
    rejection_reason: str | None = Field(default=None, max_length=500)
    author_participant_id: int | None = Field(
        default=None, foreign_key="participant.id", ondelete="SET NULL", index=True
    )
    author_user_id: int | None = Field(default=None, foreign_key="account.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    reviewed_at: datetime | None = None


class ReviewVerdict(StrEnum):
    FAITHFUL = "yes"
    UNFAITHFUL = "no"
    BETTER = "better"


class TranslationReview(SQLModel, table=True):
    """A participant's verdict on another participant's translation ("is it faithful?")."""

    __tablename__ = "translation_review"
    __table_args__ = (
        UniqueConstraint("translation_id", "participant_id", name="uq_translation_review"),
    )

    id: int | None = Field(default=None, primary_key=True)
    translation_id: int = Field(foreign_key="translation.id", ondelete="CASCADE")
    participant_id: int = Field(foreign_key="participant.id", ondelete="CASCADE", index=True)
    verdict: ReviewVerdict = Field(sa_type=String(10))
    created_at: datetime = Field(default_factory=utcnow)
