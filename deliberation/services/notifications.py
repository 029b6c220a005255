"""Email notices: participants leave an address to be told when drafting, a decision, its
results or the report open; the worker sends them (never a request).

An address is stored alone (round, address, language), linked to no participant, so never to
votes; it is erased at the round's retention date. Asking twice changes nothing and says
nothing (nobody learns whether an address is registered). Each mail carries a signed link to
stop the notices. Sending is the worker's (``deliberation.mail``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, exists
from sqlmodel import Session, col, select

from deliberation.decisions.service import title_translations, written_language
from deliberation.errors import NotFound
from deliberation.models import (
    Decision,
    DecisionStatus,
    DecisionTally,
    NoticeEvent,
    Notification,
    NotificationSubscription,
    Phase,
    ReportVersion,
    Round,
)
from deliberation.services.accounts import normalize_email

SALT = "palabre.notices.stop"


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
            events = [NoticeEvent.DECISION]
            if session.get(DecisionTally, decision.id) is not None:
                events.append(NoticeEvent.RESULTS)
            events = [e for e in events if (e, decision.id) not in sent]
            if events:
                titles = {written_language(round_): decision.title}
                titles |= title_translations(session, decision)
                candidates += [
                    DueNotice(round_, event, decision.id or 0, decision, titles) for event in events
                ]
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
) -> EmailMessage:
    """The plain-text mail of ``notice`` for ``subscription``, in its language."""
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
        message["Subject"] = str(SUBJECTS[notice.event]) % {"round": title}
        message["Auto-Submitted"] = "auto-generated"
        message["List-Unsubscribe"] = f"<{stop_link}>"
        message.set_content(
            f"{str(BODIES[notice.event]) % values}\n{link}\n\n-- \n{STOP}\n{stop_link}\n"
        )
    return message


def take(session: Session, notice: DueNotice) -> list[NotificationSubscription]:
    """Record ``notice`` as announced (a ``Notification`` row, flushed) and return the
    addresses to mail. Raises ``IntegrityError`` when another worker took it first."""
    recipients = list(
        session.exec(
            select(NotificationSubscription)
            .where(NotificationSubscription.round_id == notice.round.id)
            .order_by(col(NotificationSubscription.id))
        )
    )
    session.add(
        Notification(
            round_id=notice.round.id,  # type: ignore[arg-type]
            event=notice.event,
            ref=notice.ref,
            recipients=len(recipients),
        )
    )
    session.flush()
    return recipients
