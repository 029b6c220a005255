"""A participant's own data, the versioned privacy notice, and anonymisation after retention."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, func, select

from deliberation.clock import utcnow
from deliberation.models import NotificationSubscription, Participant, Phase, Statement, Vote
from deliberation.opinions.worker import run_once
from deliberation.services import own_data, round_admin
from deliberation.services.invites import invite_token
from deliberation.services.notifications import subscribe
from deliberation.services.participation import NOTICE_VERSION, anonymise_expired
from tests.factories import (
    act_as,
    make_invite,
    make_participant,
    make_round,
    make_statement,
    make_user,
)

HTMX = {"HX-Request": "true"}
NOTICE = Path(__file__).parents[2] / "templates" / "participate" / "_privacy_notice.html"


def test_a_participant_downloads_their_own_data(client: FlaskClient, session: Session) -> None:
    round_ = make_round(session)
    first, second = make_statement(session, round_), make_statement(session, round_)
    someone_else = make_participant(session, round_)
    act_as(client, someone_else)
    client.post(f"/r/{round_.slug}/vote", data={"statement_id": second.id, "vote": "agree"})
    me = make_participant(session, round_)
    act_as(client, me)
    client.post(f"/r/{round_.slug}/vote", data={"statement_id": first.id, "vote": "agree"})
    client.post(f"/r/{round_.slug}/my-votes/{first.id}", data={"vote": "disagree"})
    client.post(f"/r/{round_.slug}/statements", data={"text": "Plant trees along the canal"})

    assert "my-data.json" in client.get(f"/r/{round_.slug}/my-votes").text
    download = client.get(f"/r/{round_.slug}/my-data.json")
    assert download.status_code == 200
    assert "attachment" in download.headers["Content-Disposition"]
    data = download.json
    assert data["schema"] == "palabre.participant-data/1"
    assert data["round"] == round_.slug
    assert data["participant"]["privacy_notice_version"] == NOTICE_VERSION
    votes = {v["statement"]: v["vote"] for v in data["votes"]}
    assert votes[first.id] == "disagree"
    assert second.id not in votes, "someone else's vote"
    history = [v["vote"] for v in data["vote_history"] if v["statement"] == first.id]
    assert history == ["agree", "disagree"]
    assert [s["text"] for s in data["statements"]] == ["Plant trees along the canal"]


def test_other_features_add_their_data_in_one_place(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    round_ = make_round(session)
    me = make_participant(session, round_)
    monkeypatch.setattr(own_data, "SECTIONS", dict(own_data.SECTIONS))

    @own_data.section("drafts")
    def _drafts(_: Session, participant: Participant) -> list[dict[str, Any]]:
        return [{"author": participant.id}]

    assert own_data.own_data(session, me)["drafts"] == [{"author": me.id}]
    with pytest.raises(ValueError, match="already registered"):
        own_data.section("drafts")(_drafts)


def test_the_notice_version_is_bumped_with_its_text() -> None:
    digest = hashlib.sha256(NOTICE.read_bytes()).hexdigest()
    recorded = {3: "511d4e01b14f9c281f0a92889e739e8ad5ec9466bee3e3f42e769385cdf516c0"}
    assert recorded.get(NOTICE_VERSION) == digest, (
        "the privacy notice changed: bump NOTICE_VERSION and record the new digest here"
    )


def test_joining_records_the_notice_and_keeps_only_a_key_hash(
    client: FlaskClient, session: Session
) -> None:
    round_ = make_round(session)
    invite = make_invite(session, round_)
    joined = client.post(f"/join/{invite_token(invite)}", data={"language": "en", "accept": "y"})
    assert joined.status_code == 303
    participant = session.exec(select(Participant)).one()
    assert participant.notice_version == NOTICE_VERSION
    with client.session_transaction() as browser:
        key = browser["participants"][str(round_.id)]
    assert key != participant.id
    assert participant.session_key_hash == hashlib.sha256(key.encode()).hexdigest()


def test_returning_participants_accept_a_new_notice_before_going_on(
    client: FlaskClient, session: Session
) -> None:
    round_ = make_round(session)
    statement = make_statement(session, round_)
    participant = make_participant(session, round_, notice_version=NOTICE_VERSION - 1)
    act_as(client, participant)

    page = client.get(f"/r/{round_.slug}")
    assert page.status_code == 303
    assert page.headers["Location"].endswith(f"/r/{round_.slug}/privacy")
    assert client.get(f"/r/{round_.slug}/map").status_code == 303
    refused = client.post(
        f"/r/{round_.slug}/vote", data={"statement_id": statement.id, "vote": "agree"}
    )
    assert refused.status_code == 409
    assert "The privacy notice has changed" in refused.text
    assert 'name="accept"' in refused.text
    htmx = client.post(
        f"/r/{round_.slug}/vote",
        data={"statement_id": statement.id, "vote": "agree"},
        headers=HTMX,
    )
    assert htmx.status_code == 409
    assert htmx.headers["HX-Redirect"].endswith(f"/r/{round_.slug}/privacy")
    assert (
        client.post(f"/r/{round_.slug}/statements", data={"text": "A new idea"}).status_code == 409
    )
    assert session.exec(select(func.count()).select_from(Vote)).one() == 0
    assert session.exec(select(func.count()).select_from(Statement)).one() == 1
    assert client.get(f"/r/{round_.slug}/my-votes").status_code == 200
    assert client.get(f"/r/{round_.slug}/my-data.json").status_code == 200

    notice = client.get(f"/r/{round_.slug}/privacy")
    assert "Privacy" in notice.text
    assert client.post(f"/r/{round_.slug}/privacy", data={}).status_code == 422
    accepted = client.post(f"/r/{round_.slug}/privacy", data={"accept": "y"})
    assert accepted.status_code == 303
    session.refresh(participant)
    assert participant.notice_version == NOTICE_VERSION
    voted = client.post(
        f"/r/{round_.slug}/vote", data={"statement_id": statement.id, "vote": "agree"}
    )
    assert voted.status_code == 303
    assert session.exec(select(func.count()).select_from(Vote)).one() == 1


def _reported_round(session: Session, *, days_ago: int, retention: int | None) -> Any:
    round_ = make_round(
        session,
        phase=Phase.REPORTED,
        retention_days=retention,
        reported_at=utcnow() - timedelta(days=days_ago),
    )
    statement = make_statement(session, round_)
    people = [make_participant(session, round_, invite_id=make_invite(session, round_).id)]
    people.append(make_participant(session, round_, language="fr"))
    for person in people:
        session.add(
            Vote(round_id=round_.id, participant_id=person.id, statement_id=statement.id, value=1)
        )
    session.commit()
    return round_, people


def test_participants_are_anonymised_after_the_retention_period(
    client: FlaskClient, session: Session
) -> None:
    expired, people = _reported_round(session, days_ago=31, retention=30)
    kept = _reported_round(session, days_ago=10, retention=30)[1]
    also_kept = _reported_round(session, days_ago=400, retention=None)[1]
    act_as(client, people[0])
    assert client.get(f"/r/{expired.slug}/my-votes").status_code == 200

    assert anonymise_expired(session, now=utcnow()) == 2
    session.commit()
    for person in people:
        session.refresh(person)
        assert person.session_key_hash is None
        assert person.invite_id is None
        assert person.language == ""
        assert person.anonymised_at is not None
    assert client.get(f"/r/{expired.slug}/my-votes").status_code == 403, "the cookie is dead"
    votes = session.exec(select(func.count()).where(Vote.round_id == expired.id)).one()
    assert votes == 2, "aggregates stay"
    for person in kept + also_kept:
        session.refresh(person)
        assert person.anonymised_at is None
        assert person.language in {"en", "fr"}
    assert anonymise_expired(session, now=utcnow()) == 0


def test_the_worker_and_the_cli_anonymise(app: Flask, session: Session) -> None:
    people = _reported_round(session, days_ago=3, retention=2)[1]
    run_once(app, holder="test")
    session.refresh(people[0])
    assert people[0].anonymised_at is not None
    round_ = _reported_round(session, days_ago=3, retention=2)[0]
    subscribe(session, round_=round_, email="ana@example.org", language="en")
    session.commit()
    result = app.test_cli_runner().invoke(args=["privacy", "anonymise"])
    assert result.exit_code == 0
    assert "2 participants anonymised, 1 notice addresses erased" in result.output
    assert session.exec(select(NotificationSubscription)).all() == []


def test_reporting_a_round_starts_the_retention_clock(session: Session) -> None:
    facilitator = make_user(session)
    round_ = make_round(session, facilitators=[facilitator], phase=Phase.CLOSED)
    assert round_.reported_at is None
    round_admin.change_phase(session, round_=round_, user=facilitator, phase=Phase.REPORTED)
    assert round_.reported_at is not None
