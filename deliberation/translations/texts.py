"""Writing a facilitator's translation of any text (see ``deliberation.translations.sources``).

Services here never commit: the request that calls them owns the transaction.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from deliberation.clock import utcnow
from deliberation.models import (
    Round,
    StatementStatus,
    Translation,
    TranslationOrigin,
    User,
)
from deliberation.translations.sources import Source, check_language, clean_for


def save_human_translation(
    session: Session,
    *,
    round_: Round,
    user: User,
    source: Source,
    language: str,
    text: str,
) -> Translation:
    """A facilitator's translation of ``source`` into ``language``: reviewed and accepted at
    once. It replaces the facilitator translation already there (one per text and language),
    so a correction keeps the row and its ``created_at``. The original never changes.
    Raises ``Invalid`` for a language or a text that cannot be."""
    language = check_language(round_, source, language)
    text = clean_for(round_, source.kind, text)
    now = utcnow()
    translation = session.exec(
        select(Translation).where(
            Translation.kind == source.kind,
            Translation.text_id == source.id,
            Translation.language == language,
            col(Translation.origin) == TranslationOrigin.HUMAN,
        )
    ).first()
    if translation is None:
        translation = Translation(
            round_id=round_.id,  # type: ignore[arg-type]
            kind=source.kind,
            text_id=source.id,
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
