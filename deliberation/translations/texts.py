"""Writing a facilitator's translation of any text (see ``deliberation.translations.sources``).

Services here never commit: the request that calls them owns the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from deliberation.clock import utcnow
from deliberation.models import (
    Round,
    StatementStatus,
    TextKind,
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
) -> Translation | None:
    """A facilitator's translation of ``source`` into ``language``, checked against the
    kind's rules, then set as ``set_human_translation`` does.
    Raises ``Invalid`` for a language or a text that cannot be."""
    language = check_language(round_, source, language)
    return set_human_translation(
        session,
        round_=round_,
        user=user,
        kind=source.kind,
        text_id=source.id,
        language=language,
        text=clean_for(round_, source.kind, text),
    )


def set_human_translation(
    session: Session,
    *,
    round_: Round,
    user: User | None,
    kind: TextKind,
    text_id: int,
    language: str,
    text: str,
) -> Translation | None:
    """Set a facilitator's translation of the text ``(kind, text_id)`` of ``round_`` into
    ``language``: reviewed and accepted at once. It replaces the facilitator translation
    already there (one per text and language), so a correction keeps the row and its
    ``created_at``; an empty ``text`` removes it (None is returned). The caller has checked
    ``language`` and ``text`` against the kind's rules; the original never changes."""
    translation = session.exec(
        select(Translation).where(
            Translation.kind == kind,
            Translation.text_id == text_id,
            Translation.language == language,
            col(Translation.origin) == TranslationOrigin.HUMAN,
        )
    ).first()
    if not text:
        if translation is not None:
            session.delete(translation)
            session.flush()
        return None
    now = utcnow()
    if translation is None:
        translation = Translation(
            round_id=round_.id,  # type: ignore[arg-type]
            kind=kind,
            text_id=text_id,
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
    translation.author_user_id = user.id if user is not None else None
    translation.updated_at = now
    translation.reviewed_at = now
    session.add(translation)
    session.flush()
    return translation


def human_translations(
    session: Session, *, kind: TextKind, text_ids: Sequence[int]
) -> dict[int, dict[str, str]]:
    """The facilitators' translations of the texts ``(kind, text_ids)``: ``{text id:
    {language: text}}``."""
    found: dict[int, dict[str, str]] = {}
    if not text_ids:
        return found
    rows = session.exec(
        select(Translation)
        .where(
            Translation.kind == kind,
            col(Translation.text_id).in_(list(text_ids)),
            col(Translation.origin) == TranslationOrigin.HUMAN,
        )
        .order_by(col(Translation.language))
    )
    for row in rows:
        found.setdefault(row.text_id, {})[row.language] = row.text
    return found
