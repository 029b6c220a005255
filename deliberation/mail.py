"""Outgoing mail through the SMTP server the environment names (``PALABRE_SMTP_*``), used by
the worker only: a request never waits on a mail server."""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable
from email.message import EmailMessage

from flask import Flask
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from deliberation.models import NoticeEvent, NotificationSubscription
from deliberation.reports.links import public_url
from deliberation.services import notifications

TIMEOUT = 30.0
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
    """Announce every due notice to its round's addresses, one mail each; return how many
    mails went out. Each event is taken and committed once its mails are sent; if sending
    fails, it is rolled back and tried again on the next pass (addresses mailed before the
    failure may then get it twice: better twice than never)."""
    sent = 0
    for notice in list(notifications.due_notices(session)):
        try:
            recipients = notifications.take(session, notice)
        except IntegrityError:
            session.rollback()  # another worker took it
            continue
        try:
            for subscription in recipients:
                link, stop_link = links(notice, subscription)
                send(
                    notifications.compose(
                        notice, subscription, sender=sender, link=link, stop_link=stop_link
                    )
                )
                sent += 1
        except OSError:
            session.rollback()
            log.exception("mail of %s for round %s failed", notice.event, notice.round.slug)
            continue
        session.commit()
    return sent


def send_notices(app: Flask, session: Session) -> int:
    """Send the due notices when an SMTP host is configured; how many mails went out."""
    if not app.config["SMTP_HOST"]:
        return 0
    with app.app_context():
        return send_due(
            session, send=smtp_send(app), sender=app.config["MAIL_FROM"], links=_links(app)
        )
