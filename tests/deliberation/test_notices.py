"""Email notices: participants leave an address (apart from their votes), the worker mails
them when drafting, a decision, its results or the report open, through the SMTP settings,
against a local SMTP server; addresses are erased on request and at the retention date."""

from __future__ import annotations

import re
import socket
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update
from sqlmodel import Session, col, select

from deliberation import mail
from deliberation.clock import utcnow
from deliberation.decisions.counting import store_tally
from deliberation.decisions.service import close_decision, open_decision
from deliberation.models import (
    DeliveryStatus,
    Notification,
    NotificationDelivery,
    NotificationSubscription,
    Phase,
    ReportVersion,
    Round,
    TextKind,
)
from deliberation.services.notifications import (
    MAX_ATTEMPTS,
    claim,
    due_deliveries,
    due_notices,
    erase_expired,
    subscribe,
    take,
    unsubscribe,
)
from deliberation.translations.texts import set_human_translation
from tests.factories import make_decision, make_round
from tests.smtp import Mailbox, smtp_server


@pytest.fixture
def mailbox(app: Flask) -> Iterator[Mailbox]:
    with smtp_server() as box:
        app.config.update(SMTP_HOST=box.host, SMTP_PORT=box.port, MAIL_FROM="palabre@test")
        yield box


def _subscribe(client: FlaskClient, round_: Round, email: str) -> int:
    page = client.get(f"/r/{round_.slug}/notices")
    assert page.status_code == 200
    return client.post(f"/r/{round_.slug}/notices", data={"email": email}).status_code


def test_an_address_is_stored_alone_and_once(
    client: FlaskClient, session: Session, mailbox: Mailbox
) -> None:
    round_ = make_round(session, phase=Phase.OPEN)
    assert _subscribe(client, round_, " Ana@Example.ORG ") == 303
    assert _subscribe(client, round_, "ana@example.org") == 303
    [stored] = session.exec(select(NotificationSubscription)).all()
    assert (stored.email, stored.language, stored.round_id) == ("ana@example.org", "en", round_.id)
    assert set(NotificationSubscription.model_fields) == {
        "id",
        "round_id",
        "email",
        "language",
        "created_at",
    }
    assert _subscribe(client, round_, "not an address") == 422
    assert mailbox.messages == [], "a request never sends mail"
    draft = make_round(session, phase=Phase.DRAFT)
    assert client.get(f"/r/{draft.slug}/notices").status_code == 404


def test_the_worker_mails_each_step_once(
    app: Flask, client: FlaskClient, session: Session, mailbox: Mailbox
) -> None:
    round_ = make_round(session, phase=Phase.DRAFTING)
    _subscribe(client, round_, "ana@example.org")
    subscribe(session, round_=round_, email="jean@example.org", language="fr")
    session.commit()
    assert mail.send_notices(app, session) == 2
    assert mail.send_notices(app, session) == 0
    subjects = sorted(m["Subject"] for m in mailbox.messages)
    title_en, title_fr = round_.text("title", "en"), round_.text("title", "fr")
    assert subjects == sorted(
        [
            f"{title_en}: drafting proposals is open",
            f"{title_fr}\u00a0: la rédaction des propositions est ouverte",
        ]
    )
    english = next(m for m in mailbox.messages if m["To"] == "ana@example.org")
    body = english.get_content()
    assert f"/r/{round_.slug}/proposals" in body
    assert english["From"] == "palabre@test"
    assert mailbox.envelopes[0][1] in (["ana@example.org"], ["jean@example.org"])

    round_.phase = Phase.DECIDING
    session.add(round_)
    decision = make_decision(session, round_, method="consent", options=["Trees"])
    set_human_translation(
        session,
        round_=round_,
        user=None,
        kind=TextKind.DECISION_TITLE,
        text_id=decision.id or 0,
        language="fr",
        text="Quel projet d’abord ?",
    )
    open_decision(session, decision=decision, now=utcnow() - timedelta(hours=1))
    session.commit()
    assert mail.send_notices(app, session) == 2
    # Each reads the decision's title in their language (the French translation for Jean).
    opened = {m["To"]: m.get_content() for m in mailbox.messages[2:]}
    assert "The decision “Which project first?” has opened" in opened["ana@example.org"]
    assert "«\u00a0Quel projet d’abord ?\u00a0»" in opened["jean@example.org"]
    close_decision(session, decision=decision, round_=round_, now=utcnow())
    store_tally(session, decision)
    session.add(ReportVersion(round_id=round_.id, number=1, document={}, sha256="0" * 64))
    session.commit()
    assert mail.send_notices(app, session) == 4
    events = {(n.event, n.ref) for n in session.exec(select(Notification))}
    assert events == {
        ("drafting", 0),
        ("decision", decision.id),
        ("results", decision.id),
        ("report", 0),
    }
    assert len(mailbox.messages) == 8
    report = [m for m in mailbox.messages if "report" in m["Subject"]]
    assert f"/r/{round_.slug}/report" in report[0].get_content()


def test_the_stop_link_erases_the_address(
    app: Flask, client: FlaskClient, session: Session, mailbox: Mailbox
) -> None:
    round_ = make_round(session, phase=Phase.DRAFTING)
    _subscribe(client, round_, "ana@example.org")
    mail.send_notices(app, session)
    [message] = mailbox.messages
    link = re.search(r"http\S+/notices/stop/\S+", message.get_content())
    assert link is not None
    assert message["List-Unsubscribe"].strip() == f"<{link.group(0)}>"
    path = link.group(0).split("5000", 1)[1]
    confirm = client.get(path)
    assert confirm.status_code == 200
    assert session.exec(select(NotificationSubscription)).all(), "a GET changes nothing"
    assert client.post(path).status_code == 303
    session.expire_all()
    assert session.exec(select(NotificationSubscription)).all() == []
    assert client.get(path).status_code == 404
    assert client.get("/notices/stop/forged-token").status_code == 404


def test_addresses_are_erased_at_the_retention_date(client: FlaskClient, session: Session) -> None:
    kept = make_round(session, phase=Phase.OPEN)
    done = make_round(session, phase=Phase.OPEN)
    for round_ in (kept, done):
        _subscribe(client, round_, "ana@example.org")
    done.phase = Phase.REPORTED
    done.reported_at = utcnow() - timedelta(days=31)
    done.retention_days = 30
    session.add(done)
    session.commit()
    assert erase_expired(session, now=utcnow()) == 1
    session.commit()
    assert [s.round_id for s in session.exec(select(NotificationSubscription))] == [kept.id]


def _deliveries(session: Session) -> list[NotificationDelivery]:
    session.expire_all()
    return list(session.exec(select(NotificationDelivery).order_by(col(NotificationDelivery.id))))


def _waits_over(session: Session) -> None:
    """Move every wait (retry or lapsed claim) into the past."""
    session.execute(update(NotificationDelivery).values(next_attempt_at=utcnow()))
    session.commit()


def _drafting_round_with(session: Session, addresses: int) -> Round:
    round_ = make_round(session, phase=Phase.DRAFTING)
    for number in range(addresses):
        subscribe(session, round_=round_, email=f"p{number}@example.org", language="en")
    session.commit()
    return round_


def _recipients(box: Mailbox) -> Counter[str]:
    return Counter(str(message["To"]) for message in box.messages)


def test_a_failing_server_leaves_the_mail_for_a_later_pass(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    round_ = make_round(session, phase=Phase.DRAFTING)
    _subscribe(client, round_, "ana@example.org")
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    assert mail.send_notices(app, session) == 0
    [delivery] = _deliveries(session)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
    assert delivery.next_attempt_at > utcnow(), "a failed mail waits before its next attempt"
    with smtp_server() as box:
        app.config.update(SMTP_HOST=box.host, SMTP_PORT=box.port)
        assert mail.send_notices(app, session) == 0, "not before its wait is over"
        _waits_over(session)
        assert mail.send_notices(app, session) == 1
    assert len(box.messages) == 1
    [delivery] = _deliveries(session)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 2)


def test_a_server_failing_part_way_sends_each_mail_once(app: Flask, session: Session) -> None:
    _drafting_round_with(session, 5)
    with smtp_server() as box:
        app.config.update(
            SMTP_HOST=box.host, SMTP_PORT=box.port, MAIL_FROM="Palabre <notices@example.org>"
        )
        box.accept = 2
        assert mail.send_notices(app, session) == 2
        statuses = [(d.status, d.attempts) for d in _deliveries(session)]
        assert statuses == [
            (DeliveryStatus.SENT, 1),
            (DeliveryStatus.SENT, 1),
            (DeliveryStatus.PENDING, 1),
            (DeliveryStatus.PENDING, 0),
            (DeliveryStatus.PENDING, 0),
        ], "the pass stops at the failure; the rest waits, none is lost"
        box.accept = None
        assert mail.send_notices(app, session) == 2, "the untried ones go at once"
        _waits_over(session)
        assert mail.send_notices(app, session) == 1, "the failed one after its wait"
        assert mail.send_notices(app, session) == 0
    assert _recipients(box) == Counter({f"p{n}@example.org": 1 for n in range(5)})
    assert len({m["Message-ID"] for m in box.messages}) == 5
    assert all(m["Message-ID"].endswith("@example.org>") for m in box.messages)
    assert {d.status for d in _deliveries(session)} == {DeliveryStatus.SENT}
    [notification] = session.exec(select(Notification)).all()
    assert notification.recipients == 5


def test_a_worker_that_dies_part_way_leaves_the_rest_to_the_next(
    app: Flask, session: Session, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    _drafting_round_with(session, 4)
    real = mail.smtp_send(app)
    calls: list[EmailMessage] = []

    def dies_at_the_third(message: EmailMessage) -> None:
        calls.append(message)
        if len(calls) == 3:
            raise RuntimeError("the worker dies")
        real(message)

    monkeypatch.setattr(mail, "smtp_send", lambda _app: dies_at_the_third)
    with pytest.raises(RuntimeError):
        mail.send_notices(app, session)
    session.rollback()
    assert [d.status for d in _deliveries(session)] == [
        DeliveryStatus.SENT,
        DeliveryStatus.SENT,
        DeliveryStatus.SENDING,
        DeliveryStatus.PENDING,
    ]
    assert mail.send_notices(app, session) == 1, "another pass sends what nobody took"
    assert mail.send_notices(app, session) == 0, "the dead worker's mail waits for its claim"
    _waits_over(session)
    assert mail.send_notices(app, session) == 1, "then it goes, with the same Message-ID"
    assert _recipients(mailbox) == Counter({f"p{n}@example.org": 1 for n in range(4)})
    assert mailbox.messages[-1]["Message-ID"] == calls[2]["Message-ID"]


def test_a_mail_is_claimed_by_one_worker(app: Flask, session: Session) -> None:
    round_ = _drafting_round_with(session, 1)
    [notice] = due_notices(session)
    take(session, notice)
    session.commit()
    [due] = due_deliveries(session, now=utcnow())
    delivery = due.delivery
    stale = NotificationDelivery(
        id=delivery.id,
        notification_id=delivery.notification_id,
        subscription_id=delivery.subscription_id,
        attempts=delivery.attempts,
    )
    assert claim(session, due.delivery, now=utcnow(), hold=mail.CLAIM)
    session.commit()
    assert not claim(session, stale, now=utcnow(), hold=mail.CLAIM), "taken since it was read"
    assert due_deliveries(session, now=utcnow()) == []
    assert round_.id is not None


def test_an_address_refused_for_good_is_not_tried_again(app: Flask, session: Session) -> None:
    _drafting_round_with(session, 3)
    with smtp_server() as box:
        app.config.update(SMTP_HOST=box.host, SMTP_PORT=box.port)
        box.refused = {"p1@example.org"}
        assert mail.send_notices(app, session) == 2, "the others still go"
        _waits_over(session)
        assert mail.send_notices(app, session) == 0
    assert [(d.status, d.attempts) for d in _deliveries(session)] == [
        (DeliveryStatus.SENT, 1),
        (DeliveryStatus.FAILED, 1),
        (DeliveryStatus.SENT, 1),
    ]
    assert _recipients(box) == Counter({"p0@example.org": 1, "p2@example.org": 1})


def test_a_mail_is_given_up_after_its_attempts(app: Flask, session: Session) -> None:
    _drafting_round_with(session, 1)
    with smtp_server() as box:
        app.config.update(SMTP_HOST=box.host, SMTP_PORT=box.port)
        box.accept = 0
        for _ in range(MAX_ATTEMPTS + 2):
            assert mail.send_notices(app, session) == 0
            _waits_over(session)
    [delivery] = _deliveries(session)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, MAX_ATTEMPTS)
    assert box.messages == []


def test_delivery_records_go_with_their_addresses(
    app: Flask, client: FlaskClient, session: Session, mailbox: Mailbox
) -> None:
    done = _drafting_round_with(session, 2)
    kept = _drafting_round_with(session, 1)
    assert mail.send_notices(app, session) == 3
    assert len(_deliveries(session)) == 3
    done.phase = Phase.REPORTED
    done.reported_at = utcnow() - timedelta(days=31)
    done.retention_days = 30
    session.add(done)
    session.commit()
    assert erase_expired(session, now=utcnow()) == 2
    session.commit()
    [left] = _deliveries(session)
    [subscription] = session.exec(select(NotificationSubscription)).all()
    assert (left.subscription_id, subscription.round_id) == (subscription.id, kept.id)
    unsubscribe(session, subscription)
    session.commit()
    assert _deliveries(session) == []


def test_no_smtp_host_no_mail(app: Flask, client: FlaskClient, session: Session) -> None:
    round_ = make_round(session, phase=Phase.DRAFTING)
    _subscribe(client, round_, "ana@example.org")
    app.config["SMTP_HOST"] = ""
    assert mail.send_notices(app, session) == 0
    assert session.exec(select(Notification)).all() == []
