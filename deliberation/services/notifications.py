"""Email notices: participants leave an address to be told when drafting, a decision, its
results or the report open; the worker sends them (never a request).

An address is stored alone (round, address, language), linked to no participant, so never to
votes; it is erased at the round's retention date. Asking twice changes nothing and says
nothing (nobody learns whether an address is registered). Each mail carries a signed link to
stop the notices. Sending is the worker's (``deliberation.mail``): it takes each due event
once, with one delivery record per address, then sends the deliveries one by one, each taken
before and marked sent after its mail, so that a crash or a server failure part-way never sends
a mail twice and never drops one (failed mails are tried again later, a bounded number of
times).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, exists, update
from sqlmodel import Session, col, select

from deliberation.decisions.service import title_translations, written_language
from deliberation.errors import NotFound
from deliberation.models import (
    Decision,
    DecisionStatus,
    DecisionTally,
    DeliveryStatus,
    NoticeEvent,
    Notification,
    NotificationDelivery,
    NotificationSubscription,
    Phase,
    ReportVersion,
    Round,
)
from deliberation.services.accounts import normalize_email

SALT = "palabre.notices.stop"
MAX_ATTEMPTS = 5
RETRY_AFTER = timedelta(minutes=5)
"""The wait after a mail's first failed attempt, doubled after each further one."""


@dataclass(frozen=True)
class DueNotice:
    """An event of ``round`` not announced yet: ``ref`` is the decision's id, else 0;
    ``decision_titles`` its title by language (as written, and the facilitators'
    translations)."""

    round: Round
    event: NoticeEvent
    ref: int
    decision: Decision | None = None
    decision_titles: Mapping[str, str] = field(default_factory=dict)


def subscribe(session: Session, *, round_: Round, email: str, language: str) -> None:
    """Register ``email`` (``Invalid`` if it is not an address) for ``round_``'s notices in
    ``language``; a known address keeps its registration. The caller commits."""
    address = normalize_email(email)
    known = session.exec(
        select(NotificationSubscription.id).where(
            NotificationSubscription.round_id == round_.id,
            NotificationSubscription.email == address,
        )
    ).first()
    if known is None:
        session.add(
            NotificationSubscription(
                round_id=round_.id,  # type: ignore[arg-type]
                email=address,
                language=language,
            )
        )
        session.flush()


def stop_token(secret: str, subscription: NotificationSubscription) -> str:
    """The signed token of the link that ends ``subscription``."""
    return str(URLSafeSerializer(secret, salt=SALT).dumps(subscription.id))


def subscription_of(session: Session, secret: str, token: str) -> NotificationSubscription:
    """The subscription a stop link names; ``NotFound`` if the link is forged or the address
    is gone already."""
    try:
        subscription_id = URLSafeSerializer(secret, salt=SALT).loads(token)
    except BadSignature as error:
        raise NotFound(_l("This link is not valid, or the address was erased.")) from error
    found = session.get(NotificationSubscription, subscription_id)
    if found is None:
        raise NotFound(_l("This link is not valid, or the address was erased."))
    return found


def unsubscribe(session: Session, subscription: NotificationSubscription) -> None:
    """Erase the address (the caller commits)."""
    session.delete(subscription)
    session.flush()


def erase_expired(session: Session, *, now: datetime) -> int:
    """Erase the addresses of rounds whose retention period after ``reported`` is over;
    return how many. The caller commits."""
    erased = 0
    rounds = session.exec(
        select(Round).where(
            col(Round.retention_days).is_not(None), col(Round.reported_at).is_not(None)
        )
    )
    for round_ in rounds:
        reported_at, days = round_.reported_at, round_.retention_days
        if reported_at is None or days is None or reported_at + timedelta(days=days) > now:
            continue
        result = session.execute(
            delete(NotificationSubscription).where(
                col(NotificationSubscription.round_id) == round_.id
            )
        )
        erased += int(result.rowcount)  # type: ignore[attr-defined]
    return erased


def due_notices(session: Session) -> Iterator[DueNotice]:
    """The events of rounds with at least one address that were not announced yet: drafting
    is open, a decision opened, a decision's results are counted, a report is published."""
    subscribed = exists().where(col(NotificationSubscription.round_id) == Round.id)
    rounds = session.exec(select(Round).where(subscribed).order_by(col(Round.id))).all()
    for round_ in rounds:
        sent = {
            (n.event, n.ref)
            for n in session.exec(select(Notification).where(Notification.round_id == round_.id))
        }
        candidates: list[DueNotice] = []
        if round_.phase == Phase.DRAFTING:
            candidates.append(DueNotice(round_, NoticeEvent.DRAFTING, 0))
        for decision in session.exec(
            select(Decision)
            .where(Decision.round_id == round_.id, Decision.status != DecisionStatus.DRAFT)
            .order_by(col(Decision.id))
        ):
            candidates.append(DueNotice(round_, NoticeEvent.DECISION, decision.id or 0, decision))
            if session.get(DecisionTally, decision.id) is not None:
                candidates.append(
                    DueNotice(round_, NoticeEvent.RESULTS, decision.id or 0, decision)
                )
        published = session.exec(
            select(ReportVersion.id).where(ReportVersion.round_id == round_.id).limit(1)
        ).first()
        if published is not None:
            candidates.append(DueNotice(round_, NoticeEvent.REPORT, 0))
        yield from (c for c in candidates if (c.event, c.ref) not in sent)


SUBJECTS = {
    NoticeEvent.DRAFTING: _l("%(round)s: drafting proposals is open"),
    NoticeEvent.DECISION: _l("%(round)s: a decision is open"),
    NoticeEvent.RESULTS: _l("%(round)s: the results of a decision"),
    NoticeEvent.REPORT: _l("%(round)s: the report is published"),
}
BODIES = {
    NoticeEvent.DRAFTING: _l(
        "Drafting proposals has opened in the round “%(round)s”. Read and write them here:"
    ),
    NoticeEvent.DECISION: _l(
        "The decision “%(decision)s” has opened in the round “%(round)s”. Cast your ballot here:"
    ),
    NoticeEvent.RESULTS: _l(
        "The results of the decision “%(decision)s” in the round “%(round)s” are counted. Read them here:"
    ),
    NoticeEvent.REPORT: _l("The report of the round “%(round)s” is published. Read it here:"),
}
STOP = _l("You receive this because you asked to be told about this round. To stop, open:")


def compose(
    notice: DueNotice,
    subscription: NotificationSubscription,
    *,
    sender: str,
    link: str,
    stop_link: str,
    message_id: str,
) -> EmailMessage:
    """The plain-text mail of ``notice`` for ``subscription``, in its language. ``message_id``
    names this mail (the same on every attempt, so that a mail sent again after a crash is
    known as the same one)."""
    with force_locale(subscription.language):
        title = notice.round.text("title", subscription.language)
        decision = notice.decision.title if notice.decision else ""
        values = {
            "round": title,
            "decision": notice.decision_titles.get(subscription.language, decision),
        }
        message = EmailMessage()
        message["From"] = sender
        message["To"] = subscription.email
        message["Message-ID"] = message_id
        message["Subject"] = str(SUBJECTS[notice.event]) % {"round": title}
        message["Auto-Submitted"] = "auto-generated"
        message["List-Unsubscribe"] = f"<{stop_link}>"
        message.set_content(
            f"{str(BODIES[notice.event]) % values}\n{link}\n\n-- \n{STOP}\n{stop_link}\n"
        )
    return message


def take(session: Session, notice: DueNotice) -> int:
    """Record ``notice`` as announced (a ``Notification`` row) with a pending delivery to each
    of its round's addresses, flushed; return how many. Raises ``IntegrityError`` when another
    worker took it first."""
    recipients = list(
        session.exec(
            select(NotificationSubscription.id)
            .where(NotificationSubscription.round_id == notice.round.id)
            .order_by(col(NotificationSubscription.id))
        )
    )
    notification = Notification(
        round_id=notice.round.id,  # type: ignore[arg-type]
        event=notice.event,
        ref=notice.ref,
        recipients=len(recipients),
    )
    session.add(notification)
    session.flush()
    session.add_all(
        NotificationDelivery(
            notification_id=notification.id,  # type: ignore[arg-type]
            subscription_id=subscription_id,  # type: ignore[arg-type]
        )
        for subscription_id in recipients
    )
    session.flush()
    return len(recipients)


@dataclass(frozen=True)
class DueDelivery:
    """A mail to send now: its record, the notice and the address."""

    delivery: NotificationDelivery
    notice: DueNotice
    subscription: NotificationSubscription


def due_deliveries(session: Session, *, now: datetime) -> list[DueDelivery]:
    """The mails to send at ``now``, oldest first: pending ones whose wait is over, and the
    ones a worker took but did not record before its claim lapsed (it died on the way)."""
    rows = session.exec(
        select(NotificationDelivery, Notification, NotificationSubscription)
        .join(Notification, col(Notification.id) == NotificationDelivery.notification_id)
        .join(
            NotificationSubscription,
            col(NotificationSubscription.id) == NotificationDelivery.subscription_id,
        )
        .where(
            col(NotificationDelivery.status).in_([DeliveryStatus.PENDING, DeliveryStatus.SENDING]),
            col(NotificationDelivery.next_attempt_at) <= now,
        )
        .order_by(col(NotificationDelivery.id))
    ).all()
    return [
        DueDelivery(delivery, _notice(session, notification), subscription)
        for delivery, notification, subscription in rows
    ]


def _notice(session: Session, notification: Notification) -> DueNotice:
    round_ = session.get_one(Round, notification.round_id)
    decision = None
    titles: dict[str, str] = {}
    if notification.event in (NoticeEvent.DECISION, NoticeEvent.RESULTS):
        decision = session.get(Decision, notification.ref)
    if decision is not None:
        titles = {written_language(round_): decision.title}
        titles |= title_translations(session, decision)
    return DueNotice(round_, notification.event, notification.ref, decision, titles)


def claim(
    session: Session, delivery: NotificationDelivery, *, now: datetime, hold: timedelta
) -> bool:
    """Take ``delivery`` for sending, one attempt more, until ``now + hold``; False when
    another worker took it since it was read (compare-and-set on its attempts). The caller
    commits before sending."""
    taken = session.execute(
        update(NotificationDelivery)
        .where(
            col(NotificationDelivery.id) == delivery.id,
            col(NotificationDelivery.attempts) == delivery.attempts,
            col(NotificationDelivery.status).in_([DeliveryStatus.PENDING, DeliveryStatus.SENDING]),
        )
        .values(
            status=DeliveryStatus.SENDING,
            attempts=delivery.attempts + 1,
            next_attempt_at=now + hold,
        )
        .execution_options(synchronize_session=False)
    )
    if int(taken.rowcount) != 1:  # type: ignore[attr-defined]
        return False
    session.refresh(delivery)
    return True


def record_sent(session: Session, delivery: NotificationDelivery, *, now: datetime) -> None:
    delivery.status = DeliveryStatus.SENT
    delivery.sent_at = now
    session.add(delivery)
    session.flush()


def record_failure(
    session: Session, delivery: NotificationDelivery, *, now: datetime, permanent: bool
) -> None:
    """A failed attempt: given up when the server refused it for good or after
    ``MAX_ATTEMPTS``, else pending again after a wait that doubles with each attempt."""
    if permanent or delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = DeliveryStatus.FAILED
    else:
        delivery.status = DeliveryStatus.PENDING
        delivery.next_attempt_at = now + RETRY_AFTER * 2 ** (delivery.attempts - 1)
    session.add(delivery)
    session.flush()
