"""Undoing the last vote: the previous value comes back, or a retraction event that the vote
matrix, the counters, the Pol.is export and the participant's own data honour; the feedback
after each vote (live region, undo, being placed on the map), with htmx and without."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, col, select

from deliberation.models import Participant, Statement, Vote, VoteEvent
from deliberation.opinions.matrix import load_conversation, marks, without_retracted
from deliberation.polis.export import export_round
from tests.factories import act_as, make_participant, make_round, make_statement

HTMX = {"HX-Request": "true"}


def _vote(client: FlaskClient, slug: str, statement: Statement, vote: str, **kw: object) -> str:
    response = client.post(
        f"/r/{slug}/vote", data={"statement_id": statement.id, "vote": vote}, **kw
    )
    assert response.status_code in (200, 303)
    return response.text


def _undo(client: FlaskClient, slug: str, statement: Statement, **kw: object) -> int:
    response = client.post(f"/r/{slug}/vote/undo", data={"statement_id": statement.id}, **kw)
    return response.status_code


def test_undoing_a_first_vote_retracts_it_everywhere(
    client: FlaskClient, session: Session, tmp_path: Path
) -> None:
    round_ = make_round(session)
    kept, undone = make_statement(session, round_), make_statement(session, round_)
    participant = make_participant(session, round_)
    act_as(client, participant)
    _vote(client, round_.slug, kept, "agree")
    _vote(client, round_.slug, undone, "disagree")
    before = marks(session, round_.id or 0)

    assert _undo(client, round_.slug, undone) == 303
    session.expire_all()
    assert [(v.statement_id, v.value) for v in session.exec(select(Vote))] == [(kept.id, 1)]
    events = session.exec(select(VoteEvent).order_by(col(VoteEvent.id))).all()
    assert [(e.statement_id, e.value) for e in events] == [
        (kept.id, 1),
        (undone.id, -1),
        (undone.id, None),
    ]
    assert session.get(Participant, participant.id).vote_count == 1  # type: ignore[union-attr]
    assert session.get(Statement, undone.id).vote_count == 0  # type: ignore[union-attr]
    assert marks(session, round_.id or 0)[0] > before[0], "the opinion map is recomputed"

    conversation = load_conversation(session, round_, watermark=marks(session, round_.id or 0)[0])
    assert list(conversation.votes.statement) == [kept.id]
    export_round(session, round_, tmp_path)
    with (tmp_path / "votes.csv").open(encoding="utf-8") as handle:
        assert [row["vote"] for row in csv.DictReader(handle)] == ["1"]
    own = json.loads(client.get(f"/r/{round_.slug}/my-data.json").text)
    assert [event["vote"] for event in own["vote_history"]] == ["agree", "disagree", "undone"]

    assert _undo(client, round_.slug, undone) == 409, "an undo is not undone twice"


def test_undoing_a_changed_vote_restores_the_previous_value(
    client: FlaskClient, session: Session
) -> None:
    round_ = make_round(session)
    statement = make_statement(session, round_)
    participant = make_participant(session, round_)
    act_as(client, participant)
    _vote(client, round_.slug, statement, "agree")
    client.post(f"/r/{round_.slug}/my-votes/{statement.id}", data={"vote": "pass"})

    response = client.post(
        f"/r/{round_.slug}/vote/undo", data={"statement_id": statement.id}, headers=HTMX
    )
    assert response.status_code == 200
    assert "Your vote is undone: back to Agree." in response.text
    session.expire_all()
    assert [v.value for v in session.exec(select(Vote))] == [1]
    assert session.get(Participant, participant.id).vote_count == 1  # type: ignore[union-attr]


def test_only_the_last_vote_can_be_undone(client: FlaskClient, session: Session) -> None:
    round_ = make_round(session)
    first, second = make_statement(session, round_), make_statement(session, round_)
    act_as(client, make_participant(session, round_))
    assert _undo(client, round_.slug, first) == 409, "nothing to undo yet"
    _vote(client, round_.slug, first, "agree")
    _vote(client, round_.slug, second, "agree")
    assert _undo(client, round_.slug, first) == 409
    assert client.post(f"/r/{round_.slug}/vote/undo", data={"statement_id": "x"}).status_code == 422
    assert len(session.exec(select(Vote)).all()) == 2


def test_the_undo_needs_the_csrf_token(session: Session, client: FlaskClient) -> None:
    round_ = make_round(session)
    statement = make_statement(session, round_)
    act_as(client, make_participant(session, round_))
    _vote(client, round_.slug, statement, "agree")
    client.application.config["WTF_CSRF_ENABLED"] = True
    assert _undo(client, round_.slug, statement) == 400
    assert len(session.exec(select(Vote)).all()) == 1


def test_htmx_vote_announces_and_offers_the_undo(client: FlaskClient, session: Session) -> None:
    round_ = make_round(session, min_votes_for_map=2)
    first, second, third = (make_statement(session, round_) for _ in range(3))
    act_as(client, make_participant(session, round_))

    body = _vote(client, round_.slug, first, "agree", headers=HTMX)
    assert 'id="vote-status" role="status" class="vote-status" hx-swap-oob="innerHTML"' in body
    assert "Vote recorded: Agree." in body
    assert f'name="statement_id" value="{first.id}"' in body
    assert "appear on the opinion map" not in body
    body = _vote(client, round_.slug, second, "pass", headers=HTMX)
    assert (
        "Vote recorded: Pass / unsure. You have voted enough to appear on the opinion map." in body
    )
    assert f'<a href="/r/{round_.slug}/map">' in body

    undone = client.post(
        f"/r/{round_.slug}/vote/undo", data={"statement_id": second.id}, headers=HTMX
    )
    assert "Your vote is undone." in undone.text
    assert f'data-statement-id="{second.id}"' in undone.text, "the undone card comes back"
    assert "Undo my last vote" not in undone.text
    assert third.id not in {first.id, second.id}


def test_without_javascript_the_page_after_a_vote_offers_the_undo(
    client: FlaskClient, session: Session
) -> None:
    round_ = make_round(session)
    statement = make_statement(session, round_)
    act_as(client, make_participant(session, round_))
    response = client.post(
        f"/r/{round_.slug}/vote", data={"statement_id": statement.id, "vote": "disagree"}
    )
    assert response.headers["Location"].endswith(f"/r/{round_.slug}?voted={statement.id}")
    page = client.get(response.headers["Location"]).text
    assert "Vote recorded: Disagree." in page
    assert "Undo my last vote" in page
    # the undo form posts where it should (its address comes with the card's context)
    assert f'action="/r/{round_.slug}/vote/undo"' in page
    assert "Undo my last vote" not in client.get(f"/r/{round_.slug}?voted=999").text

    undone = client.post(
        f"/r/{round_.slug}/vote/undo",
        data={"statement_id": statement.id},
        follow_redirects=True,
    )
    assert "Your vote is undone." in undone.text
    assert f'data-statement-id="{statement.id}"' in undone.text


def test_the_end_of_the_cards_says_what_comes_next(client: FlaskClient, session: Session) -> None:
    round_ = make_round(session)
    statement = make_statement(session, round_)
    act_as(client, make_participant(session, round_))
    body = _vote(client, round_.slug, statement, "agree", headers=HTMX)
    assert "You have voted on every statement" in body
    assert f'<a href="/r/{round_.slug}/map">' in body
    assert f"/r/{round_.slug}/my-votes" in body


def test_without_retracted_keeps_votes_cast_again_after_a_retraction() -> None:
    table = np.array(
        [[1, 10, 1, 5], [1, 11, -1, 5], [1, 10, 2, 5], [1, 11, 2, 5], [1, 11, 1, 5], [2, 10, 0, 6]]
    )
    assert without_retracted(table).tolist() == [[1, 11, -1, 5], [1, 11, 1, 5], [2, 10, 0, 6]]
    plain = table[table[:, 2] != 2]
    assert without_retracted(plain) is plain


def test_the_vote_announcement_follows_each_requests_language(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    round_ = make_round(session, min_votes_for_map=2)
    first, second, third = (make_statement(session, round_) for _ in range(3))
    act_as(client, make_participant(session, round_))
    french = {**HTMX, "Accept-Language": "fr-FR,fr;q=0.9"}
    answers = []
    for statement, headers in ((first, HTMX), (second, french), (third, HTMX)):
        with app.app_context():  # each request its own context, as when served
            answers.append(_vote(client, round_.slug, statement, "agree", headers=headers))
    english, placed, again = answers
    assert "Vote recorded: Agree." in english
    assert "Vote enregistré\u00a0: D’accord." in placed
    assert "Vous avez assez voté pour figurer sur la carte des opinions." in placed
    assert "Vote recorded: Agree." in again
    assert "opinion map." not in again
