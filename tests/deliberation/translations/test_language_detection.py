"""Detecting the language of a new statement; the author sees it and can correct it."""

from __future__ import annotations

import csv
from pathlib import Path

from flask.testing import FlaskClient
from sqlmodel import Session, select

from deliberation.models import Statement
from deliberation.translations.detection import detect_language
from tests.factories import act_as, make_participant, make_round

LABELLED = Path(__file__).resolve().parents[2] / "data" / "languages" / "short_texts.csv"
HTMX = {"HX-Request": "true"}


def test_the_detector_reaches_95_percent_on_the_labelled_short_texts() -> None:
    with LABELLED.open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    assert len(rows) >= 200
    assert {row["language"] for row in rows} == {"fr", "de", "en", "es"}
    right = sum(
        detect_language(row["text"], ["fr", "de", "en", "es"]) == row["language"] for row in rows
    )
    assert right / len(rows) >= 0.95


def test_detection_is_limited_to_the_given_languages() -> None:
    assert detect_language("Wir brauchen mehr Bäume.", ["fr", "en"]) in {"fr", "en"}
    assert detect_language("Wir brauchen mehr Bäume.", ["de"]) == "de"
    assert detect_language("1234 !!", ["fr", "de"]) is None
    assert detect_language("Wir brauchen mehr Bäume.", ["xx"]) is None


def test_a_new_statement_gets_the_detected_language_and_the_author_is_told(
    client: FlaskClient, session: Session
) -> None:
    round_ = make_round(session)
    participant = make_participant(session, round_, language="fr")
    act_as(client, participant)
    response = client.post(
        f"/r/{round_.slug}/statements",
        data={"text": "Die Straßenbahn sollte am Wochenende die ganze Nacht fahren."},
        headers=HTMX,
    )
    assert response.status_code == 200
    statement = session.exec(select(Statement)).one()
    assert statement.language == "de"
    assert "We read it as written in German." in response.text
    assert f"#own-{statement.id}" in response.text


def test_a_chosen_language_wins_over_detection(client: FlaskClient, session: Session) -> None:
    round_ = make_round(session)
    act_as(client, make_participant(session, round_))
    response = client.post(
        f"/r/{round_.slug}/statements",
        data={"text": "Die Straßenbahn sollte nachts fahren.", "language": "es"},
    )
    assert response.status_code == 303
    assert session.exec(select(Statement)).one().language == "es"
    refused = client.post(
        f"/r/{round_.slug}/statements", data={"text": "Autre chose encore", "language": "it"}
    )
    assert refused.status_code == 422
    assert len(session.exec(select(Statement)).all()) == 1


def test_the_author_corrects_the_language_and_nobody_else_can(
    client: FlaskClient, session: Session
) -> None:
    round_ = make_round(session)
    author = make_participant(session, round_)
    act_as(client, author)
    client.post(f"/r/{round_.slug}/statements", data={"text": "Mehr Schatten auf den Schulhöfen."})
    statement = session.exec(select(Statement)).one()
    page = client.get(f"/r/{round_.slug}/my-votes")
    assert f'id="own-{statement.id}"' in page.text
    url = f"/r/{round_.slug}/statements/{statement.id}/language"

    assert client.post(url, data={"language": "xx"}).status_code == 422
    corrected = client.post(url, data={"language": "en"})
    assert corrected.status_code == 303
    session.refresh(statement)
    assert statement.language == "en"

    act_as(client, make_participant(session, round_))
    assert client.post(url, data={"language": "fr"}).status_code == 404
    session.refresh(statement)
    assert statement.language == "en"
