"""The reading rule: the reader's language when a shown translation exists, else the original."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from deliberation.clock import utcnow
from deliberation.models import ModerationMode, StatementStatus, TranslationOrigin
from deliberation.translations.reading import read_statements, reader_languages
from tests.factories import make_round, make_statement, make_translation


def _read(session: Session, round_, statement, languages):  # type: ignore[no-untyped-def]
    return read_statements(session, round_, [statement], languages)[statement.id]


def test_original_when_no_translation_exists(session: Session) -> None:
    round_ = make_round(session)
    statement = make_statement(session, round_, text="Mehr Bäume", language="de")
    reading = _read(session, round_, statement, ["fr"])
    assert (reading.text, reading.language, reading.translated) == ("Mehr Bäume", "de", False)


def test_original_when_the_reader_reads_its_language(session: Session) -> None:
    round_ = make_round(session)
    statement = make_statement(session, round_, text="Mehr Bäume", language="de")
    make_translation(session, statement, language="fr", text="Plus d'arbres")
    assert _read(session, round_, statement, ["de", "fr"]).text == "Mehr Bäume"
    assert _read(session, round_, statement, ["fr", "de"]).text == "Plus d'arbres"


def test_reviewed_human_before_reviewed_participant_before_machine(session: Session) -> None:
    round_ = make_round(session)
    statement = make_statement(session, round_, text="Mehr Bäume", language="de")
    make_translation(
        session, statement, text="machine", origin=TranslationOrigin.MACHINE, reviewed=False
    )
    assert _read(session, round_, statement, ["fr"]).origin == TranslationOrigin.MACHINE
    make_translation(session, statement, text="participant", origin=TranslationOrigin.PARTICIPANT)
    assert _read(session, round_, statement, ["fr"]).text == "participant"
    make_translation(session, statement, text="human", updated_at=utcnow() - timedelta(days=1))
    reading = _read(session, round_, statement, ["fr"])
    assert (reading.text, reading.origin, reading.original_text) == (
        "human",
        TranslationOrigin.HUMAN,
        "Mehr Bäume",
    )


def test_unreviewed_participant_and_rejected_translations_are_not_shown(session: Session) -> None:
    round_ = make_round(session)
    statement = make_statement(session, round_, text="Mehr Bäume", language="de")
    make_translation(session, statement, origin=TranslationOrigin.PARTICIPANT, reviewed=False)
    make_translation(
        session, statement, text="rejected", status=StatementStatus.REJECTED, rejection_reason="x"
    )
    assert _read(session, round_, statement, ["fr"]).text == "Mehr Bäume"


def test_pending_translations_wait_for_moderation_in_pre_moderated_rounds(session: Session) -> None:
    post = make_round(session)
    pre = make_round(session, moderation_mode=ModerationMode.PRE)
    for round_, shown in ((post, True), (pre, False)):
        statement = make_statement(session, round_, language="de")
        make_translation(session, statement, text="pending", status=StatementStatus.PENDING)
        assert (_read(session, round_, statement, ["fr"]).text == "pending") is shown


def test_a_second_read_language_is_used_when_the_first_has_no_translation(
    session: Session,
) -> None:
    round_ = make_round(session)
    statement = make_statement(session, round_, text="More trees", language="en")
    make_translation(session, statement, language="de", text="Mehr Bäume")
    assert _read(session, round_, statement, ["fr", "de"]).text == "Mehr Bäume"
    assert _read(session, round_, statement, ["fr", "es"]).text == "More trees"


def test_reader_languages_put_the_interface_language_first() -> None:
    assert reader_languages("fr", ["de", "fr", "en"]) == ["fr", "de", "en"]
