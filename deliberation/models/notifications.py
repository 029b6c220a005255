"""Email notices to participants who asked for them: their addresses, kept apart from any
participant, vote or account, and the events already announced."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import String, UniqueConstraint
from sqlmodel import Field, SQLModel

from deliberation.clock import utcnow


class NoticeEvent(StrEnum):
    """What a notice announces: drafting opens, a decision opens, a decision's results are
    counted, the report is published."""

    DRAFTING = "drafting"
    DECISION = "decision"
    RESULTS = "results"
    REPORT = "report"


class NotificationSubscription(SQLModel, table=True):
    """An address to tell about a round's next steps, in ``language``. It is linked to no
    participant (so never to votes) and erased at the round's retention date."""

    __tablename__ = "notification_subscription"
    __table_args__ = (UniqueConstraint("round_id", "email", name="uq_subscription_email"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", ondelete="CASCADE", index=True)
    email: str = Field(max_length=254)
    language: str = Field(max_length=12)
    created_at: datetime = Field(default_factory=utcnow)


class Notification(SQLModel, table=True):
    """An event of a round announced by email: ``ref`` is the decision's id for decision and
    results notices, 0 otherwise. One row per event, taken by the worker that sends it (the
    unique constraint keeps two workers from sending it twice)."""

    __table_args__ = (UniqueConstraint("round_id", "event", "ref", name="uq_notification_event"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", ondelete="CASCADE")
    event: NoticeEvent = Field(sa_type=String(12))
    ref: int = 0
    recipients: int = 0
    sent_at: datetime = Field(default_factory=utcnow)
