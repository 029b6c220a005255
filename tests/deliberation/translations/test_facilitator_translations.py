"""Facilitators translate on the statement page, see what is covered, moderate translations,
and move translations through PO files, all or nothing."""

from __future__ import annotations

import io

from babel.messages.pofile import read_po, write_po
from flask.testing import FlaskClient
from sqlmodel import Session, select

from deliberation.models import (
    AuditEntry,
    Statement,
    StatementStatus,
    TargetKind,
    Translation,
    TranslationOrigin,
)
from deliberation.translations.reading import read_statements
from tests.factories import (
    make_participant,
    make_round,
    make_statement,
    make_translation,
    make_user,
    sign_in_as,
)


def _facilitated(session: Session, client: FlaskClient, **overrides: object):  # type: ignore[no-untyped-def]
    user = make_user(session)
    round_ = make_round(session, facilitators=[user], languages=["fr", "de", "en"], **overrides)
    sign_in_as(client, user)
    return round_


def test_a_facilitator_translation_is_reviewed_shown_and_corrected_in_place(
    client: FlaskClient, session: Session
) -> None:
    round_ = _facilitated(session, client)
    statement = make_statement(session, round_, text="Mehr Bäume", language="de")
    url = f"/facilitate/rounds/{round_.id}/statements/{statement.id}"
    page = client.get(url)
    assert page.status_code == 200
    assert 'id="translation-fr"' in page.text
    assert 'id="translation-de"' not in page.text

    saved = client.post(f"{url}/translations", data={"language": "fr", "text": " Plus  d'arbres "})
    assert saved.status_code == 303
    assert read_statements(session, round_, [statement], ["fr"])[statement.id].text == (
        "Plus d'arbres"
    )
    client.post(f"{url}/translations", data={"language": "fr", "text": "Davantage d'arbres"})
    rows = session.exec(select(Translation)).all()
    assert [(t.text, t.origin, t.reviewed) for t in rows] == [
        ("Davantage d'arbres", TranslationOrigin.HUMAN, True)
    ]
    session.refresh(statement)
    assert statement.text == "Mehr Bäume"


def test_bad_translations_are_refused_and_change_nothing(
    client: FlaskClient, session: Session
) -> None:
    round_ = _facilitated(session, client, max_statement_length=20)
    statement = make_statement(session, round_, text="Mehr Bäume", language="de")
    url = f"/facilitate/rounds/{round_.id}/statements/{statement.id}/translations"
    for data in (
        {"language": "de", "text": "Noch mehr"},
        {"language": "es", "text": "Más árboles"},
        {"language": "fr", "text": "x" * 21},
        {"language": "fr", "text": "   "},
    ):
        response = client.post(url, data=data)
        assert response.status_code == 422, data
    assert session.exec(select(Translation)).all() == []
    other = make_round(session)
    assert client.post(f"/facilitate/rounds/{other.id}/statements/{statement.id}").status_code in {
        403,
        405,
    }
    assert client.get(f"/facilitate/rounds/{other.id}/statements/{statement.id}").status_code == 403


def test_strangers_cannot_translate(client: FlaskClient, session: Session) -> None:
    round_ = make_round(session)
    statement = make_statement(session, round_, language="de")
    sign_in_as(client, make_user(session))
    url = f"/facilitate/rounds/{round_.id}/statements/{statement.id}/translations"
    assert client.post(url, data={"language": "fr", "text": "Non"}).status_code == 403
    assert session.exec(select(Translation)).all() == []


def test_the_list_shows_coverage_and_the_overview_shows_readable_shares(
    client: FlaskClient, session: Session
) -> None:
    round_ = _facilitated(session, client)
    german = make_statement(session, round_, text="Mehr Bäume", language="de")
    make_statement(session, round_, text="Plus d'ombre", language="fr")
    make_translation(session, german, language="fr")
    make_translation(
        session, german, language="en", origin=TranslationOrigin.PARTICIPANT, reviewed=False
    )
    listing = client.get(f"/facilitate/rounds/{round_.id}/translations")
    assert listing.status_code == 200
    assert "1 awaiting review" in listing.text
    assert listing.text.count("coverage-original") == 2
    assert listing.text.count("coverage-missing") == 3
    overview = client.get(f"/facilitate/rounds/{round_.id}")
    assert "Readable in each language" in overview.text
    # fr: both; de: one; en: none (the participant's translation awaits review).
    assert ">100%<" in overview.text
    assert ">50%<" in overview.text
    assert ">0%<" in overview.text


def test_translations_are_moderated_from_the_moderation_queue(
    client: FlaskClient, session: Session
) -> None:
    round_ = _facilitated(session, client)
    statement = make_statement(session, round_, language="de")
    author = make_participant(session, round_)
    translation = make_translation(
        session,
        statement,
        origin=TranslationOrigin.PARTICIPANT,
        reviewed=False,
        status=StatementStatus.PENDING,
        author_participant_id=author.id,
        text="Une traduction à modérer",
    )
    page = client.get(f"/facilitate/rounds/{round_.id}/moderation")
    assert "Une traduction à modérer" in page.text
    url = f"/facilitate/rounds/{round_.id}/translations/{translation.id}/moderate?back=moderation"
    refused = client.post(url, data={"action": "reject", "reason": ""})
    assert refused.status_code == 422
    session.refresh(translation)
    assert translation.status == StatementStatus.PENDING

    accepted = client.post(url, data={"action": "accept"})
    assert accepted.status_code == 303
    assert accepted.headers["Location"].endswith(f"/facilitate/rounds/{round_.id}/moderation")
    reviewed = client.post(
        f"/facilitate/rounds/{round_.id}/translations/{translation.id}/moderate",
        data={"action": "review"},
    )
    assert reviewed.headers["Location"].endswith(f"/statements/{statement.id}")
    session.refresh(translation)
    assert (translation.status, translation.reviewed) == (StatementStatus.ACCEPTED, True)
    assert client.post(url, data={"action": "review"}).status_code == 409
    log = session.exec(
        select(AuditEntry).where(AuditEntry.target_kind == TargetKind.TRANSLATION)
    ).all()
    assert [(e.action, e.target_id, e.details["statement"]) for e in log] == [
        ("translation.accept", translation.id, statement.id),
        ("translation.review", translation.id, statement.id),
    ]
    assert (
        "Une traduction à modérer"
        not in client.get(f"/facilitate/rounds/{round_.id}/moderation").text
    )


def _export(client: FlaskClient, round_id: int, language: str) -> bytes:
    response = client.get(f"/facilitate/rounds/{round_id}/translations/{language}.po")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith(f'-{language}.po"')
    return response.data


def _import(client: FlaskClient, round_id: int, language: str, data: bytes):  # type: ignore[no-untyped-def]
    return client.post(
        f"/facilitate/rounds/{round_id}/translations/import",
        data={"language": language, "file": (io.BytesIO(data), "round.po")},
        content_type="multipart/form-data",
    )


def test_po_round_trip(client: FlaskClient, session: Session) -> None:
    round_ = _facilitated(session, client)
    german = make_statement(session, round_, text="Mehr Bäume", language="de")
    english = make_statement(session, round_, text="More shade", language="en")
    make_statement(session, round_, text="Déjà en français", language="fr")
    make_translation(
        session,
        english,
        language="fr",
        text="Plus d'ombre (machine)",
        origin=TranslationOrigin.MACHINE,
        reviewed=False,
    )
    exported = _export(client, round_.id, "fr")
    catalog = read_po(io.BytesIO(exported))
    entries = {m.context: m for m in catalog if m.id}
    assert set(entries) == {f"stm:{german.id}", f"stm:{english.id}"}
    assert entries[f"stm:{german.id}"].id == "Mehr Bäume"
    assert entries[f"stm:{english.id}"].fuzzy
    assert catalog.locale_identifier == "fr"

    entries[f"stm:{german.id}"].string = "Plus d'arbres"
    entries[f"stm:{english.id}"].string = "Plus d'ombre"
    entries[f"stm:{english.id}"].flags.discard("fuzzy")
    out = io.BytesIO()
    write_po(out, catalog)
    imported = _import(client, round_.id, "fr", out.getvalue())
    assert imported.status_code == 303
    readings = read_statements(session, round_, [german, english], ["fr"])
    assert readings[german.id].text == "Plus d'arbres"
    assert readings[english.id].origin == TranslationOrigin.HUMAN
    assert {s.text for s in session.exec(select(Statement))} == {
        "Mehr Bäume",
        "More shade",
        "Déjà en français",
    }


def test_po_import_is_all_or_nothing_with_file_and_line_errors(
    client: FlaskClient, session: Session
) -> None:
    round_ = _facilitated(session, client)
    german = make_statement(session, round_, text="Mehr Bäume", language="de")
    other_round = make_round(session)
    stranger = make_statement(session, other_round, text="Fremd", language="de")
    po = (
        'msgid ""\nmsgstr ""\n"Language: fr\\n"\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        f'msgctxt "stm:{german.id}"\nmsgid "Mehr Bäume"\nmsgstr "Plus d\'arbres"\n\n'
        f'msgctxt "stm:{german.id + 1000}"\nmsgid "Unbekannt"\nmsgstr "Inconnu"\n\n'
        f'msgctxt "stm:{stranger.id}"\nmsgid "Fremd"\nmsgstr "Étranger"\n\n'
        'msgctxt "stm:x"\nmsgid "Sans numéro"\nmsgstr "Rien"\n'
    )
    rejected = _import(client, round_.id, "fr", po.encode())
    assert rejected.status_code == 422
    assert "Nothing was imported: 3 problems were found" in rejected.text
    assert "<td>round.po</td>" in rejected.text
    for line in (11, 15, 19):
        assert f'<th scope="row" class="number">{line}</th>' in rejected.text
    assert session.exec(select(Translation)).all() == []

    changed_original = po.split("\n\n", maxsplit=1)[0] + (
        f'\n\nmsgctxt "stm:{german.id}"\nmsgid "Mehr Bäume!"\nmsgstr "Plus d\'arbres"\n'
    )
    response = _import(client, round_.id, "fr", changed_original.encode())
    assert response.status_code == 422
    assert "never changes an original" in response.text
    wrong_language = _import(
        client, round_.id, "en", po.split("\n\n", maxsplit=1)[0].encode() + b"\n"
    )
    assert "This file is for the language fr, not en." in wrong_language.text
    broken = _import(client, round_.id, "fr", b'msgid "a"\nmsgstr "b"\nnonsense\n')
    assert broken.status_code == 422
    assert '<th scope="row" class="number">3</th>' in broken.text
    assert session.exec(select(Translation)).all() == []
    session.refresh(german)
    assert german.text == "Mehr Bäume"
