"""A decision's title is written in the round's first language and translated by facilitators
while the decision is a draft; readers see it in their language on the ballot, the list of
decisions and the results, with the original one click away; the outcome document and the API
carry its translations."""

from __future__ import annotations

from flask.testing import FlaskClient
from flask_babel import refresh
from sqlmodel import Session, select

from deliberation.models import (
    DecisionOption,
    DecisionTally,
    Phase,
    TextKind,
    Translation,
    TranslationOrigin,
)
from deliberation.reports.document import text as document_text
from deliberation.reports.motions import decision_entry
from deliberation.translations.texts import set_human_translation
from tests.factories import (
    act_as,
    bearer,
    make_council,
    make_counted_decision,
    make_decision,
    make_participant,
    make_round,
    make_territory,
    make_token,
    make_user,
    sign_in_as,
)


def _read_in(client: FlaskClient, language: str) -> None:
    """Switch the interface language (the test's app context caches the locale: refresh it)."""
    client.post("/language", data={"language": language, "next": "/"})
    refresh()


def _title_rows(session: Session) -> list[Translation]:
    session.expire_all()
    return list(
        session.exec(
            select(Translation)
            .where(Translation.kind == TextKind.DECISION_TITLE)
            .order_by(Translation.language)
        )
    )


def test_a_facilitator_translates_a_draft_decisions_title(
    client: FlaskClient, session: Session
) -> None:
    user = make_user(session)
    round_ = make_round(
        session, facilitators=[user], phase=Phase.DECIDING, languages=["fr", "de", "en"]
    )
    decision = make_decision(session, round_, options=["Arbres", "Piscine"])
    decision.title = "Quel projet d’abord ?"
    session.add(decision)
    session.commit()
    sign_in_as(client, user)

    form = client.get(f"/facilitate/rounds/{round_.id}/decisions/new").text
    assert "Title in French" in form
    assert 'name="title" value="" lang="fr" dir="auto"' in form

    manage = f"/facilitate/decisions/{decision.id}"
    url = f"{manage}/title/translations"
    page = client.get(manage).text
    assert "The title is written in French." in page
    assert f'action="{url}"' in page
    for language in ("de", "en"):
        assert f'<input type="hidden" name="language" value="{language}">' in page
    assert 'id="title-tr-fr"' not in page  # not into its own language

    for data, message in (
        ({"language": "fr", "title": "Quel projet ?"}, "Choose another of the round"),
        ({"language": "es", "title": "¿Qué proyecto?"}, "Choose another of the round"),
        ({"language": "de", "title": "x" * 201}, "A title has at most 200 characters."),
        ({"language": "de", "title": "Welches\x00"}, "A title has at most 200 characters."),
    ):
        answer = client.post(url, data=data)
        assert answer.status_code == 422, data
        assert message in answer.text
    too_long = client.post(url, data={"language": "de", "title": "y" * 201}).text
    assert 'id="title-tr-de" name="title" lang="de" dir="auto" value="' + "y" * 201 in too_long
    assert 'aria-invalid="true" aria-describedby="title-tr-de-error"' in too_long
    assert _title_rows(session) == []

    assert (
        client.post(url, data={"language": "de", "title": " Welches Projekt? "}).status_code == 303
    )
    assert client.post(url, data={"language": "en", "title": "Which project?"}).status_code == 303
    (german, english) = _title_rows(session)
    assert (english.language, english.text) == ("en", "Which project?")
    assert (german.language, german.text, german.text_id) == ("de", "Welches Projekt?", decision.id)
    assert german.origin == TranslationOrigin.HUMAN
    assert german.reviewed
    assert german.author_user_id == user.id
    assert 'value="Welches Projekt?"' in client.get(manage).text
    # A correction keeps the row; an empty title removes the translation.
    assert client.post(url, data={"language": "de", "title": "Welches zuerst?"}).status_code == 303
    assert client.post(url, data={"language": "en", "title": ""}).status_code == 303
    (corrected,) = _title_rows(session)
    assert (corrected.id, corrected.text) == (german.id, "Welches zuerst?")

    # Another facilitator's round is not theirs to translate.
    sign_in_as(client, make_user(session))
    assert client.post(url, data={"language": "de", "title": "Fremd"}).status_code == 403
    sign_in_as(client, user)

    # Frozen once open.
    assert client.post(f"{manage}/open").status_code == 303
    assert client.post(url, data={"language": "de", "title": "Zu spät"}).status_code == 409
    assert [row.text for row in _title_rows(session)] == ["Welches zuerst?"]
    opened = client.get(manage).text
    assert f'action="{url}"' not in opened
    assert '<dd lang="de" dir="auto">Welches zuerst?</dd>' in opened

    # Readers: German sees German with the French original one click away; someone who reads
    # only English (no translation) sees the original, without a note.
    act_as(client, make_participant(session, round_, language="de"))
    _read_in(client, "de")
    ballot = client.get(f"/r/{round_.slug}/decisions/{decision.id}").text
    assert '<h1 hx-disable lang="de" dir="auto">Welches zuerst?</h1>' in ballot
    assert "<title>Welches zuerst?" in ballot
    original = ballot.split("Original auf Französisch", 1)[1].split("</details>", 1)[0]
    assert '<p lang="fr" dir="auto" hx-disable>Quel projet d’abord ?</p>' in original
    listing = client.get(f"/r/{round_.slug}/decisions").text
    assert 'lang="de" dir="auto">Welches zuerst?</a>' in listing
    assert "Original auf Französisch" in listing
    results = client.get(f"/decisions/{decision.id}/results").text
    assert "Welches zuerst?" in results
    act_as(client, make_participant(session, round_, language="en"))
    _read_in(client, "en")
    ballot = client.get(f"/r/{round_.slug}/decisions/{decision.id}").text
    assert '<h1 hx-disable lang="fr" dir="auto">Quel projet d’abord ?</h1>' in ballot
    assert "Original in" not in ballot


def test_options_translations_go_with_a_removed_option(
    client: FlaskClient, session: Session
) -> None:
    user = make_user(session)
    round_ = make_round(session, facilitators=[user], languages=["fr", "de"])
    decision = make_decision(session, round_, options=["Arbres", "Piscine"])
    option = session.exec(select(DecisionOption).where(DecisionOption.title == "Arbres")).one()
    sign_in_as(client, user)
    base = f"/facilitate/decisions/{decision.id}/options/{option.id}"
    saved = client.post(
        f"{base}/translations", data={"language": "de", "translation_title": "Bäume"}
    )
    assert saved.status_code == 303
    assert len(session.exec(select(Translation)).all()) == 1
    assert client.post(f"{base}/remove", data={"confirmed": "yes"}).status_code == 303
    session.expire_all()
    assert session.exec(select(Translation)).all() == []


def test_the_outcome_document_and_the_api_carry_the_titles_translations(
    client: FlaskClient, session: Session
) -> None:
    nord = make_territory(session, slug="nord")
    round_ = make_round(
        session, territories=[nord], phase=Phase.CLOSED, privacy_k=1, languages=["fr", "de"]
    )
    decision = make_counted_decision(
        session, round_, [(nord, {"ranking": [["A"], ["B"]]})] * 2, options=["Parc", "Piscine"]
    )
    parc = session.exec(select(DecisionOption).where(DecisionOption.title == "Parc")).one()
    for kind, text_id, value in (
        (TextKind.DECISION_TITLE, decision.id, "Welches Projekt zuerst?"),
        (TextKind.OPTION_TITLE, parc.id, "Park"),
    ):
        set_human_translation(
            session,
            round_=round_,
            user=None,
            kind=kind,
            text_id=text_id or 0,
            language="de",
            text=value,
        )
    session.commit()
    tally = session.get(DecisionTally, decision.id)
    assert tally is not None

    entry = decision_entry(session, round_, decision, tally, slugs=["nord"], text=document_text)
    translated = {"value": "Welches Projekt zuerst?", "method": "human", "reviewed": True}
    assert entry["title"] == {
        "lang": "fr",
        "value": decision.title,
        "translations": {"de": translated},
    }
    assert entry["options"][0]["title"]["translations"] == {
        "de": {"value": "Park", "method": "human", "reviewed": True}
    }
    assert entry["options"][1]["title"]["translations"] == {}

    headers = bearer(make_token(session, council=make_council(session, territory=nord)))
    body = client.get(f"/api/v1/decisions/dec:{decision.id}", headers=headers).json
    assert body["title"] == entry["title"]
    assert body["options"][0]["title"]["translations"]["de"]["value"] == "Park"
