"""Writing translations: the checks every translation passes, and saving a facilitator's.

Services here never commit: the request that calls them owns the transaction.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from deliberation.clock import utcnow
from deliberation.errors import Invalid
from deliberation.models import (
    Round,
    Statement,
    StatementStatus,
    TextKind,
    Translation,
    TranslationOrigin,
    User,
)
from deliberation.services.statements import clean_text


def check_target(round_: Round, statement: Statement, language: str) -> str:
    """``language`` if a statement can be translated into it: one of the round's languages,
    other than the statement's own."""
    if language not in round_.languages:
        raise Invalid(_l("This round does not offer this language."))
    if language == statement.language:
        raise Invalid(_l("This statement is already written in this language."))
    return language


def clean_translation(round_: Round, text: str) -> str:
    """A translation's text, trimmed and held to the round's statement length limit."""
    return clean_text(round_, text)


def save_human_translation(
    session: Session,
    *,
    round_: Round,
    user: User,
    statement: Statement,
    language: str,
    text: str,
) -> Translation:
    """A facilitator's translation of ``statement`` into ``language``: reviewed and accepted
    at once. It replaces the facilitator translation already there (one per language), so a
    correction keeps the row and its history of ``created_at``. The original never changes."""
    language = check_target(round_, statement, language)
    text = clean_translation(round_, text)
    now = utcnow()
    translation = session.exec(
        select(Translation).where(
            Translation.kind == TextKind.STATEMENT,
            Translation.text_id == statement.id,
            Translation.language == language,
            col(Translation.origin) == TranslationOrigin.HUMAN,
        )
    ).first()
    if translation is None:
        translation = Translation(
            round_id=round_.id,  # type: ignore[arg-type]
            kind=TextKind.STATEMENT,
            text_id=statement.id,  # type: ignore[arg-type]
            language=language,
            text=text,
            origin=TranslationOrigin.HUMAN,
            created_at=now,
        )
    translation.text = text
    translation.reviewed = True
    translation.declined = False
    translation.status = StatementStatus.ACCEPTED
    translation.rejection_reason = None
    translation.author_user_id = user.id
    translation.updated_at = now
    translation.reviewed_at = now
    session.add(translation)
    session.flush()
    return translation
