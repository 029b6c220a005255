"""Outgoing mail through the SMTP server the environment names (``PALABRE_SMTP_*``), used by
the worker only: a request never waits on a mail server."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from flask import Flask
from sqlmodel import Session

from deliberation.models import NoticeEvent, NotificationSubscription
from deliberation.reports.links import public_url
from deliberation.services import notifications

TIMEOUT = 30.0


def smtp_send(app: Flask) -> notifications.Send:
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


def _links(app: Flask) -> notifications.Links:
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


def send_notices(app: Flask, session: Session) -> int:
    """Send the due notices when an SMTP host is configured; how many mails went out."""
    if not app.config["SMTP_HOST"]:
        return 0
    with app.app_context():
        return notifications.send_due(
            session, send=smtp_send(app), sender=app.config["MAIL_FROM"], links=_links(app)
        )
