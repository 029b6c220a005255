"""Email notices to participants who asked for them: their addresses, kept apart from any
participant, vote or account, and the events already announced."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, String, UniqueConstraint
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
    results notices, 0 otherwise. One row per event, taken by the worker that announces it
    (the unique constraint keeps two workers from taking it twice) with one
    ``NotificationDelivery`` per address it goes to; ``recipients`` is how many there were and
    ``sent_at`` when it was taken."""

    __table_args__ = (UniqueConstraint("round_id", "event", "ref", name="uq_notification_event"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", ondelete="CASCADE")
    event: NoticeEvent = Field(sa_type=String(12))
    ref: int = 0
    recipients: int = 0
    sent_at: datetime = Field(default_factory=utcnow)


class DeliveryStatus(StrEnum):
    """Where one mail of a notice stands: waiting (``pending``, again after a temporary
    failure), taken by a worker that is sending it (``sending``, until ``next_attempt_at``),
    accepted by the SMTP server (``sent``), or given up (``failed``: refused for good, or too
    many attempts)."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class NotificationDelivery(SQLModel, table=True):
    """The mail of one notice to one address, so that each address gets it once: the worker
    marks it taken before sending and sent right after, and retries it (a bounded number of
    ``attempts``) when the server failed. ``next_attempt_at``: when a pending mail may be tried,
    or when the claim of a ``sending`` one lapses (its worker died before recording it). It
    goes with its address (erased on request and at the round's retention date)."""

    __tablename__ = "notification_delivery"
    __table_args__ = (
        UniqueConstraint("notification_id", "subscription_id", name="uq_delivery_address"),
        Index("ix_notification_delivery_due", "status", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    notification_id: int = Field(foreign_key="notification.id", ondelete="CASCADE")
    subscription_id: int = Field(
        foreign_key="notification_subscription.id", ondelete="CASCADE", index=True
    )
    status: DeliveryStatus = Field(default=DeliveryStatus.PENDING, sa_type=String(8))
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None
