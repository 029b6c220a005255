"""Decisions of a round's deciding phase: options, ballots, the sealed ballots and the tally.

Life of a decision: ``draft`` (the facilitator sets the method, settings and options) →
``open`` (options frozen, tie-break seed drawn and only its SHA-256 shown, ballots accepted while
the round is deciding) → ``closed`` (the ballots are sealed into their canonical JSON and the
ballot rows deleted, so no participant is linked to a ballot any more; the worker then stores the
tally).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, LargeBinary, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from deliberation.clock import utcnow


class DecisionStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class Eligibility(StrEnum):
    """Who may cast a ballot: everyone who joined the round, or only those who joined through a
    single-use invite (one invite per verified resident)."""

    JOINED = "joined"
    SINGLE_USE_INVITES = "single_use_invites"


class Decision(SQLModel, table=True):
    """A decision among options with a method from ``voting.methods.REGISTRY``.

    ``settings`` holds every setting the facilitator may choose, resolved by the registry and
    stored as JSON (fractions as ``"p/q"`` strings); the seed, populations and electorate are
    filled in at the count. ``opens_at`` and ``closes_at`` are UTC (shown in the round's time
    zone). ``seed_hex`` (64 hexadecimal digits, 256 bits) is drawn at opening and shown only
    after close; ``seed_sha256`` is the SHA-256 of those 64 ASCII digits, shown from opening.
    """

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", index=True, ondelete="CASCADE")
    title: str = Field(max_length=200)
    method: str = Field(max_length=40)
    settings: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    eligibility: Eligibility = Field(default=Eligibility.JOINED, sa_type=String(20))
    live_results: bool = False
    receipts: bool = False
    status: DecisionStatus = Field(default=DecisionStatus.DRAFT, sa_type=String(10), index=True)
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    opened_at: datetime | None = None
    closed_at: datetime | None = None
    seed_hex: str | None = Field(default=None, max_length=64)
    seed_sha256: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


class DecisionOption(SQLModel, table=True):
    """One option: ``label`` (``A``, ``B``...) names it in ballots and published files;
    ``title`` and ``text`` are frozen when the decision opens.

    ``proposal_id`` will reference the proposal the option comes from; proposals are built on
    another branch, so it is a plain integer without a foreign key until they land.
    """

    __tablename__ = "decision_option"
    __table_args__ = (UniqueConstraint("decision_id", "label"),)

    id: int | None = Field(default=None, primary_key=True)
    decision_id: int = Field(foreign_key="decision.id", index=True, ondelete="CASCADE")
    label: str = Field(max_length=2)
    title: str = Field(max_length=200)
    text: str = Field(default="", sa_column=Column(Text, nullable=False))
    proposal_id: int | None = None


class DecisionBallot(SQLModel, table=True):
    """A participant's current ballot while the decision is open; deleted when it closes.

    ``choice`` is the ballot in the method's ballot type over option labels: ranked
    ``{"ranking": [["A"], ["B", "C"]]}``, approval ``{"approved": ["A"]}``, score
    ``{"scores": {"A": 4}}``, stance ``{"stance": "agree"}`` or
    ``{"stance": "block", "reason": "..."}``.
    """

    __tablename__ = "decision_ballot"
    __table_args__ = (UniqueConstraint("decision_id", "participant_id"),)

    id: int | None = Field(default=None, primary_key=True)
    decision_id: int = Field(foreign_key="decision.id", ondelete="CASCADE")
    participant_id: int = Field(foreign_key="participant.id", ondelete="CASCADE", index=True)
    territory_id: int = Field(foreign_key="territory.id", ondelete="RESTRICT")
    choice: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    receipt_sha256: str | None = Field(default=None, max_length=64)
    cast_at: datetime = Field(default_factory=utcnow)


class DecisionSeal(SQLModel, table=True):
    """The ballots as sealed at close: the canonical JSON of ``voting.methods.canonical`` over
    option labels, territory slugs as labels, without any link to a participant.
    ``electorate`` is the number of eligible participants at close (for a quorum share).
    ``receipts`` (decisions with receipts) pairs each receipt's SHA-256 with its ballot in the
    canonical encoding, sorted by hash: ``[[sha256, ballot], ...]``."""

    __tablename__ = "decision_seal"

    decision_id: int = Field(foreign_key="decision.id", primary_key=True, ondelete="CASCADE")
    document: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    ballots: int
    electorate: int
    receipts: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    sealed_at: datetime = Field(default_factory=utcnow)


class DecisionTally(SQLModel, table=True):
    """The stored count: ``result`` is ``voting.methods.Result.to_dict()``; ``published`` the
    anonymous canonical ballots anyone may download (territories with fewer than the round's
    privacy threshold k ballots relabelled ``other``) and ``published_sha256`` its SHA-256."""

    __tablename__ = "decision_tally"

    decision_id: int = Field(foreign_key="decision.id", primary_key=True, ondelete="CASCADE")
    result: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    published: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    published_sha256: str = Field(max_length=64)
    seconds: float = 0.0
    computed_at: datetime = Field(default_factory=utcnow)


class DecisionLiveCount(SQLModel, table=True):
    """The provisional count of an open decision with live results, recomputed by the worker
    when its ballots change (``watermark``: number of ballots and latest cast time). Ties are
    not broken (the seed stays secret until close)."""

    __tablename__ = "decision_live_count"

    decision_id: int = Field(foreign_key="decision.id", primary_key=True, ondelete="CASCADE")
    result: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    watermark: str = Field(max_length=80)
    computed_at: datetime = Field(default_factory=utcnow)
