"""Outgoing mail through the SMTP server the environment names (``PALABRE_SMTP_*``), used by
the worker only: a request never waits on a mail server."""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable
from datetime import timedelta
from email.message import EmailMessage
from email.utils import parseaddr

from flask import Flask
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from deliberation.clock import utcnow
from deliberation.models import NoticeEvent, NotificationSubscription
from deliberation.reports.links import public_url
from deliberation.services import notifications

TIMEOUT = 30.0
CLAIM = timedelta(minutes=10)
"""How long a worker holds a mail it is sending (well beyond ``TIMEOUT``'s few exchanges)."""
log = logging.getLogger(__name__)
Send = Callable[[EmailMessage], None]
Links = Callable[[notifications.DueNotice, NotificationSubscription], tuple[str, str]]


def smtp_send(app: Flask) -> Send:
    """A function that sends one message through ``app``'s SMTP settings: host and port,
    STARTTLS when ``SMTP_STARTTLS`` is set, a login when a user name is set."""
    config = app.config

    def send(message: EmailMessage) -> None:
        with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=TIMEOUT) as server:
            if config["SMTP_STARTTLS"]:
                server.starttls()
            if config["SMTP_USERNAME"]:
                server.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"])
            server.send_message(message)

    return send


def _links(app: Flask) -> Links:
    def links(
        notice: notifications.DueNotice, subscription: NotificationSubscription
    ) -> tuple[str, str]:
        slug = notice.round.slug
        if notice.event == NoticeEvent.DRAFTING:
            page = public_url("proposals.proposal_list", slug=slug)
        elif notice.event == NoticeEvent.DECISION:
            page = public_url("decisions.ballot_page", slug=slug, decision_id=notice.ref)
        elif notice.event == NoticeEvent.RESULTS:
            page = public_url("decisions.results_page", decision_id=notice.ref)
        else:
            page = public_url("reports.report_page", slug=slug)
        token = notifications.stop_token(app.config["SECRET_KEY"], subscription)
        return page, public_url("notices.stop", token=token)

    return links


def send_due(session: Session, *, send: Send, sender: str, links: Links) -> int:
    """Take every due notice (one delivery record per address), then send the due deliveries
    one mail at a time; return how many mails went out.

    Each delivery is committed as taken before its mail is sent and as sent right after, so a
    later pass (after a crash or an error part-way) sends only the mails not sent yet. A mail
    the server refused for good is given up; after a temporary failure (connection, 4xx) it is
    tried again later, at most ``MAX_ATTEMPTS`` times, and the pass stops there (the other
    mails wait for the server to recover). The one case left: a worker that dies between the
    server's acceptance and its commit sends that mail again once its claim lapses (``CLAIM``),
    with the same Message-ID."""
    for notice in list(notifications.due_notices(session)):
        try:
            notifications.take(session, notice)
        except IntegrityError:
            session.rollback()  # another worker took it
            continue
        session.commit()
    sent = 0
    domain = parseaddr(sender)[1].rpartition("@")[2] or "palabre"
    for due in notifications.due_deliveries(session, now=utcnow()):
        delivery = due.delivery
        if not notifications.claim(session, delivery, now=utcnow(), hold=CLAIM):
            session.rollback()  # another worker took it
            continue
        session.commit()
        link, stop_link = links(due.notice, due.subscription)
        message = notifications.compose(
            due.notice,
            due.subscription,
            sender=sender,
            link=link,
            stop_link=stop_link,
            message_id=f"<notice-{delivery.id}@{domain}>",
        )
        try:
            send(message)
        except OSError as error:
            permanent = _refused_for_good(error)
            notifications.record_failure(session, delivery, now=utcnow(), permanent=permanent)
            session.commit()
            log.warning(
                "mail %d of %s for round %s failed (attempt %d): %s",
                delivery.id,
                due.notice.event,
                due.notice.round.slug,
                delivery.attempts,
                error,
            )
            if permanent:
                continue
            break
        notifications.record_sent(session, delivery, now=utcnow())
        session.commit()
        sent += 1
    return sent


def _refused_for_good(error: OSError) -> bool:
    """Whether the server refused this mail itself for good (a 5xx answer to its recipient or
    its content); anything else (connection, 4xx, the sender refused) may pass later."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    return isinstance(error, smtplib.SMTPDataError) and error.smtp_code >= 500


def send_notices(app: Flask, session: Session) -> int:
    """Send the due notices when an SMTP host is configured; how many mails went out."""
    if not app.config["SMTP_HOST"]:
        return 0
    with app.app_context():
        return send_due(
            session, send=smtp_send(app), sender=app.config["MAIL_FROM"], links=_links(app)
        )
