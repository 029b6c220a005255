"""Bilingual participants: their languages at join and in settings, translation tasks among
the cards, reviews by another participant, moderation of their translations."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from deliberation.models import (
    ModerationMode,
    Participant,
    StatementStatus,
    Translation,
    TranslationOrigin,
    TranslationReview,
)
from deliberation.services.invites import invite_token
from deliberation.translations.participants import TASK_EVERY
from deliberation.translations.reading import read_statements
from tests.factories import (
    act_as,
    make_invite,
    make_participant,
    make_round,
    make_statement,
    make_user,
    sign_in_as,
)

HTMX = {"HX-Request": "true"}


def _join(client: FlaskClient, session: Session, round_, **data: object) -> Participant:  # type: ignore[no-untyped-def]
    token = invite_token(make_invite(session, round_))
    response = client.post(f"/join/{token}", data={"accept": "y", **data})
    assert response.status_code == 303, response.text
    return session.exec(select(Participant).order_by(Participant.id.desc())).first()  # type: ignore[union-attr]


def test_languages_read_at_join_default_to_the_interface_language(
    app: Flask, session: Session
) -> None:
    round_ = make_round(session)
    form = app.test_client().get(f"/join/{invite_token(make_invite(session, round_))}")
    assert 'name="reads"' in form.text
    plain = _join(app.test_client(), session, round_, language="fr")
    assert (plain.reads, plain.translates) == (["fr"], False)
    helper = _join(
        app.test_client(), session, round_, language="fr", reads=["fr", "de"], translates="y"
    )
    assert (helper.reads, helper.translates) == (["fr", "de"], True)
    alone = _join(app.test_client(), session, round_, language="de", reads=["de"], translates="y")
    assert alone.translates is False


def test_the_settings_panel_changes_the_languages_read(
    client: FlaskClient, session: Session
) -> None:
    round_ = make_round(session)
    participant = make_participant(session, round_, language="en")
    act_as(client, participant)
    url = f"/r/{round_.slug}/languages"
    page = client.get(url)
    assert page.status_code == 200
    assert '<input checked id="reads-0" name="reads" type="checkbox" value="en">' in page.text
    assert client.post(url, data={}).status_code == 422
    assert client.post(url, data={"reads": ["en", "xx"]}).status_code == 422
    session.refresh(participant)
    assert participant.reads == []
    saved = client.post(url, data={"reads": ["en", "es"], "translates": "y"})
    assert saved.status_code == 303
    session.refresh(participant)
    assert (participant.reading_languages, participant.translates) == (["en", "es"], True)


def test_translate_then_review_then_shown(client: FlaskClient, session: Session) -> None:
    round_ = make_round(session)
    statement = make_statement(session, round_, text="Mehr Bäume an den Schulen", language="de")
    writer = make_participant(session, round_, language="fr", reads=["fr", "de"], translates=True)
    act_as(client, writer)
    page = client.get(f"/r/{round_.slug}")
    assert "Translate this statement into French" in page.text
    assert "Mehr Bäume an den Schulen" in page.text

    answer = client.post(
        f"/r/{round_.slug}/tasks/translate",
        data={"statement_id": statement.id, "language": "fr", "text": "Plus d'arbres aux écoles"},
        headers=HTMX,
    )
    assert answer.status_code == 200
    assert "Translate this statement" not in answer.text
    assert f'data-statement-id="{statement.id}"' in answer.text
    translation = session.exec(select(Translation)).one()
    assert (translation.origin, translation.status, translation.reviewed) == (
        TranslationOrigin.PARTICIPANT,
        StatementStatus.PENDING,
        False,
    )
    session.refresh(writer)
    assert writer.next_task_at == writer.vote_count + TASK_EVERY
    french = make_participant(session, round_, language="fr")
    reading = read_statements(session, round_, [statement], ["fr"])[statement.id]
    assert reading.text == "Mehr Bäume an den Schulen"

    own = client.post(
        f"/r/{round_.slug}/tasks/review",
        data={"translation_id": translation.id, "verdict": "yes"},
    )
    assert own.status_code == 409

    reviewer = make_participant(session, round_, language="de", reads=["de", "fr"], translates=True)
    act_as(client, reviewer)
    page = client.get(f"/r/{round_.slug}")
    assert "Is this a faithful translation?" in page.text
    assert "Plus d&#39;arbres aux écoles" in page.text
    reviewed = client.post(
        f"/r/{round_.slug}/tasks/review",
        data={"translation_id": translation.id, "verdict": "yes"},
    )
    assert reviewed.status_code == 303
    session.refresh(translation)
    assert translation.reviewed
    assert session.exec(select(TranslationReview)).one().participant_id == reviewer.id
    act_as(client, french)
    card = client.get(f"/r/{round_.slug}")
    assert "Plus d&#39;arbres aux écoles</blockquote>" in card.text
    assert "Original in German" in card.text


def test_a_better_suggestion_declines_the_first_and_waits_for_its_own_review(
    client: FlaskClient, session: Session
) -> None:
    round_ = make_round(session)
    statement = make_statement(session, round_, language="de")
    author = make_participant(session, round_, reads=["de", "fr"], translates=True)
    first = Translation(
        round_id=round_.id,
        text_id=statement.id,
        language="fr",
        text="Mauvaise traduction",
        origin=TranslationOrigin.PARTICIPANT,
        status=StatementStatus.PENDING,
        author_participant_id=author.id,
    )
    session.add(first)
    session.commit()
    reviewer = make_participant(session, round_, reads=["fr", "de"], translates=True)
    act_as(client, reviewer)
    url = f"/r/{round_.slug}/tasks/review"
    empty = client.post(url, data={"translation_id": first.id, "verdict": "better", "better": ""})
    assert empty.status_code == 422
    assert session.exec(select(TranslationReview)).all() == []
    client.post(
        url, data={"translation_id": first.id, "verdict": "better", "better": "Bonne traduction"}
    )
    session.refresh(first)
    assert first.declined
    better = session.exec(select(Translation).where(Translation.id != first.id)).one()
    assert (better.text, better.author_participant_id, better.reviewed) == (
        "Bonne traduction",
        reviewer.id,
        False,
    )
    third = make_participant(session, round_, reads=["de", "fr"], translates=True)
    act_as(client, third)
    assert "Bonne traduction" in client.get(f"/r/{round_.slug}").text
    assert client.post(url, data={"translation_id": first.id, "verdict": "yes"}).status_code == 409


def test_pre_moderated_rounds_show_reviewed_translations_only_once_accepted(
    client: FlaskClient, session: Session
) -> None:
    facilitator = make_user(session)
    round_ = make_round(session, moderation_mode=ModerationMode.PRE, facilitators=[facilitator])
    statement = make_statement(session, round_, language="de")
    writer = make_participant(session, round_, reads=["de", "fr"], translates=True)
    act_as(client, writer)
    client.post(
        f"/r/{round_.slug}/tasks/translate",
        data={"statement_id": statement.id, "language": "fr", "text": "Traduit"},
    )
    act_as(client, make_participant(session, round_, reads=["fr", "de"], translates=True))
    translation = session.exec(select(Translation)).one()
    client.post(
        f"/r/{round_.slug}/tasks/review", data={"translation_id": translation.id, "verdict": "yes"}
    )
    assert read_statements(session, round_, [statement], ["fr"])[statement.id].translated is False
    sign_in_as(client, facilitator)
    client.post(
        f"/facilitate/rounds/{round_.id}/translations/{translation.id}/moderate",
        data={"action": "accept"},
    )
    assert read_statements(session, round_, [statement], ["fr"])[statement.id].text == "Traduit"


def test_tasks_come_now_and_then_and_can_be_skipped(client: FlaskClient, session: Session) -> None:
    round_ = make_round(session)
    statement = make_statement(session, round_, language="de")
    helper = make_participant(session, round_, reads=["fr", "de"], translates=True, vote_count=3)
    act_as(client, helper)
    task = client.get(f"/r/{round_.slug}").text
    assert "Translate this statement" in task
    # each of the task's forms carries the page's CSRF token (from the card's context)
    tokens = re.findall(r'name="csrf_token" value="([^"]*)"', task)
    assert len(tokens) >= 3
    assert all(tokens)
    assert len(set(tokens)) == 1
    skipped = client.post(f"/r/{round_.slug}/tasks/skip", headers=HTMX)
    assert "Translate this statement" not in skipped.text
    assert f'data-statement-id="{statement.id}"' in skipped.text
    session.refresh(helper)
    assert helper.next_task_at == 3 + TASK_EVERY

    plain = make_participant(session, round_, reads=["fr", "de"])
    act_as(client, plain)
    assert "Translate this statement" not in client.get(f"/r/{round_.slug}").text
    refused = client.post(
        f"/r/{round_.slug}/tasks/translate",
        data={"statement_id": statement.id, "language": "fr", "text": "Non"},
    )
    assert refused.status_code == 422
    assert session.exec(select(Translation)).all() == []
