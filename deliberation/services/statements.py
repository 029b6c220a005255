"""Writing statements: seed statements by facilitators, participant statements with moderation."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from deliberation.errors import Invalid, NotFound
from deliberation.messages import lazy_message
from deliberation.models import (
    Participant,
    Round,
    Statement,
    StatementStatus,
    Vote,
)
from deliberation.services.rounds import require_open
from deliberation.services.validation import has_control_characters, has_visible_text
from deliberation.services.votes import record_vote
from deliberation.translations.detection import detect_language

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalize_text(text: str) -> str:
    """Case-folded, accent-free, punctuation-free text with single spaces: duplicate detection.
    A text with no letter or digit (emoji, symbols) keeps its symbols, case-folded with single
    spaces: it would otherwise be empty, the duplicate of every other such text."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    words = _NON_WORD.sub(" ", stripped).strip()
    return words or " ".join(unicodedata.normalize("NFKC", text.casefold()).split())


def clean_text(round_: Round, text: str) -> str:
    """The statement text trimmed, composed (NFC: an accent typed as a separate combining mark
    joins its letter, so characters count as people see them) and checked against the round's
    length limit."""
    if has_control_characters(text):
        raise Invalid(_l("A statement cannot contain control characters."))
    text = unicodedata.normalize("NFC", " ".join(text.split()))
    if not has_visible_text(text):
        raise Invalid(_l("Write a statement first."))
    if len(text) > round_.max_statement_length:
        raise Invalid(
            lazy_message(
                "A statement has at most %(limit)d characters; this one has %(length)d.",
                limit=round_.max_statement_length,
                length=len(text),
            )
        )
    return text


def find_duplicate(session: Session, round_: Round, text: str) -> Statement | None:
    """A statement of the round, not rejected, whose normalised text equals ``text``'s."""
    return session.exec(
        select(Statement).where(
            Statement.round_id == round_.id,
            Statement.normalized_text == normalize_text(text),
            col(Statement.status) != StatementStatus.REJECTED,
        )
    ).first()


def new_statement(round_: Round, text: str, *, language: str, **fields: Any) -> Statement:
    """An unsaved statement of ``round_`` with checked, trimmed text and its normalised form."""
    text = clean_text(round_, text)
    return Statement(
        round_id=round_.id,  # type: ignore[arg-type]
        text=text,
        normalized_text=normalize_text(text),
        language=language,
        **fields,
    )


def submit_statement(
    session: Session,
    *,
    round_: Round,
    participant: Participant,
    text: str,
    language: str | None,
) -> Statement:
    """A participant's statement, pending moderation; its author agrees with it, as in Pol.is.

    ``language`` None: detected among the round's languages (the author's language when the
    detector cannot tell); the author sees the result and can correct it
    (``correct_statement_language``).
    """
    require_open(round_)
    if language is None:
        language = detect_language(text, round_.languages) or participant.language
    else:
        language = _round_language(round_, language)
    statement = new_statement(
        round_,
        text,
        language=language,
        status=StatementStatus.PENDING,
        author_participant_id=participant.id,
        author_territory_id=participant.territory_id,
    )
    session.add(statement)
    session.flush()
    record_vote(
        session,
        round_id=round_.id,  # type: ignore[arg-type]
        participant_id=participant.id,  # type: ignore[arg-type]
        statement_id=statement.id,  # type: ignore[arg-type]
        value=1,
        language=statement.language,
    )
    session.flush()
    return statement


def _round_language(round_: Round, language: str) -> str:
    if language not in round_.languages:
        raise Invalid(_l("This round does not offer this language."))
    return language


def correct_statement_language(
    session: Session, *, round_: Round, participant: Participant, statement_id: int, language: str
) -> Statement:
    """The author says in which language they wrote their statement (the detector erred)."""
    statement = session.get(Statement, statement_id)
    if (
        statement is None
        or statement.round_id != round_.id
        or statement.author_participant_id != participant.id
    ):
        raise NotFound(_l("You have written no such statement in this round."))
    statement.language = _round_language(round_, language)
    session.add(statement)
    return statement


def participant_statements(session: Session, participant: Participant) -> list[Statement]:
    return list(
        session.exec(
            select(Statement)
            .where(Statement.author_participant_id == participant.id)
            .order_by(col(Statement.id).desc())
        )
    )


def participant_votes(session: Session, participant: Participant) -> list[tuple[Statement, int]]:
    """The participant's current votes with their statements, latest first."""
    rows = session.exec(
        select(Statement, Vote.value)
        .join(Vote, col(Vote.statement_id) == Statement.id)
        .where(Vote.participant_id == participant.id)
        .order_by(col(Vote.updated_at).desc(), col(Vote.id).desc())
    )
    return [(statement, value) for statement, value in rows]


def add_seed_statement(session: Session, *, round_: Round, text: str, language: str) -> Statement:
    """A facilitator's seed statement: accepted at once, shown first."""
    statement = new_statement(
        round_, text, language=language, is_seed=True, status=StatementStatus.ACCEPTED
    )
    session.add(statement)
    session.flush()
    return statement
