"""Proposals drafted during a round's drafting phase: versions, authors, co-author invite links,
linked statements, endorsements, amendments and their support, and participants' display names."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from deliberation.clock import utcnow

MAX_TITLE = 160
MAX_TEXT = 20_000
MAX_MESSAGE = 200
MAX_REASON = 1_000
MAX_DISPLAY_NAME = 60


class ProposalStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"
    MERGED = "merged"
    SELECTED = "selected"


class AmendmentStatus(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class Proposal(SQLModel, table=True):
    """A proposal. ``title`` and ``text`` (Markdown) are those of version ``version``, the
    current one; ``language`` is the language it was first written in; ``territory_id`` is its
    first author's territory (None when a facilitator started it). ``merged_into_id`` names the
    proposal this one was merged into; ``activity_at`` moves with every edit, amendment and
    endorsement (sorting by recent activity)."""

    __table_args__ = (Index("ix_proposal_round_status", "round_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", ondelete="CASCADE")
    title: str = Field(max_length=MAX_TITLE)
    text: str = Field(max_length=MAX_TEXT)
    language: str = Field(max_length=12)
    status: ProposalStatus = Field(default=ProposalStatus.DRAFT, sa_type=String(10))
    version: int = 1
    territory_id: int | None = Field(default=None, foreign_key="territory.id", ondelete="SET NULL")
    merged_into_id: int | None = Field(default=None, foreign_key="proposal.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
    activity_at: datetime = Field(default_factory=utcnow)


class ProposalVersion(SQLModel, table=True):
    """One saved edit: the whole title and text as saved, who saved it and why. ``amendment_id``
    names the amendment a version accepted (its author is credited)."""

    __tablename__ = "proposal_version"
    __table_args__ = (UniqueConstraint("proposal_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="proposal.id", ondelete="CASCADE")
    number: int = Field(ge=1)
    title: str = Field(max_length=MAX_TITLE)
    text: str = Field(max_length=MAX_TEXT)
    message: str = Field(default="", max_length=MAX_MESSAGE)
    participant_id: int | None = Field(
        default=None, foreign_key="participant.id", ondelete="SET NULL"
    )
    user_id: int | None = Field(default=None, foreign_key="account.id", ondelete="SET NULL")
    amendment_id: int | None = Field(default=None, foreign_key="amendment.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)


class ProposalAuthor(SQLModel, table=True):
    """An author of a proposal: a participant or a facilitator's account (exactly one)."""

    __tablename__ = "proposal_author"
    __table_args__ = (
        UniqueConstraint("proposal_id", "participant_id"),
        UniqueConstraint("proposal_id", "user_id"),
        CheckConstraint(
            "(participant_id IS NULL) <> (user_id IS NULL)", name="ck_proposal_author_one"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="proposal.id", ondelete="CASCADE", index=True)
    participant_id: int | None = Field(
        default=None, foreign_key="participant.id", ondelete="CASCADE", index=True
    )
    user_id: int | None = Field(default=None, foreign_key="account.id", ondelete="CASCADE")
    first: bool = False
    created_at: datetime = Field(default_factory=utcnow)


class CoauthorInvite(SQLModel, table=True):
    """A link that makes a participant of the round a co-author; the URL carries a signed
    (id, key) token. Revoking it admits nobody more."""

    __tablename__ = "coauthor_invite"
    __table_args__ = (UniqueConstraint("key"),)

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="proposal.id", ondelete="CASCADE", index=True)
    key: str = Field(max_length=32)
    uses: int = 0
    revoked_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class ProposalStatement(SQLModel, table=True):
    """A statement of the same round that a proposal answers."""

    __tablename__ = "proposal_statement"

    proposal_id: int = Field(foreign_key="proposal.id", primary_key=True, ondelete="CASCADE")
    statement_id: int = Field(
        foreign_key="statement.id", primary_key=True, ondelete="CASCADE", index=True
    )


class Endorsement(SQLModel, table=True):
    """A participant endorses a proposal; ``territory_id`` is theirs (counts per territory)."""

    proposal_id: int = Field(foreign_key="proposal.id", primary_key=True, ondelete="CASCADE")
    participant_id: int = Field(
        foreign_key="participant.id", primary_key=True, ondelete="CASCADE", index=True
    )
    territory_id: int = Field(foreign_key="territory.id", ondelete="RESTRICT")
    created_at: datetime = Field(default_factory=utcnow)


class Amendment(SQLModel, table=True):
    """A change to one paragraph of a proposal, proposed on version ``base_version``.

    ``original`` is the paragraph as it read then and ``replacement`` what it should read. The
    amendment is outdated while no paragraph of the current text equals ``original``."""

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="proposal.id", ondelete="CASCADE", index=True)
    base_version: int = Field(ge=1)
    paragraph: int = Field(ge=0)
    original: str = Field(max_length=MAX_TEXT)
    replacement: str = Field(max_length=MAX_TEXT)
    rationale: str = Field(max_length=MAX_REASON)
    participant_id: int | None = Field(
        default=None, foreign_key="participant.id", ondelete="SET NULL"
    )
    status: AmendmentStatus = Field(default=AmendmentStatus.OPEN, sa_type=String(10))
    reason: str | None = Field(default=None, max_length=MAX_REASON)
    created_at: datetime = Field(default_factory=utcnow)
    decided_at: datetime | None = None


class AmendmentSupport(SQLModel, table=True):
    __tablename__ = "amendment_support"

    amendment_id: int = Field(foreign_key="amendment.id", primary_key=True, ondelete="CASCADE")
    participant_id: int = Field(
        foreign_key="participant.id", primary_key=True, ondelete="CASCADE", index=True
    )
    territory_id: int = Field(foreign_key="territory.id", ondelete="RESTRICT")
    created_at: datetime = Field(default_factory=utcnow)


class DisplayName(SQLModel, table=True):
    """The name a participant chose to sign proposals and amendments with in their round."""

    __tablename__ = "display_name"

    participant_id: int = Field(foreign_key="participant.id", primary_key=True, ondelete="CASCADE")
    name: str = Field(max_length=MAX_DISPLAY_NAME)
    created_at: datetime = Field(default_factory=utcnow)
