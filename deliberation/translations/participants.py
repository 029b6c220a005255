"""Bilingual participants translate and review.

A participant says which languages they read; one who reads two or more of the round's
languages may offer to help. Such a helper gets a task instead of a statement card once every
``TASK_EVERY`` votes (when there is one to do): first a review of another participant's
translation between two languages they read ("is this a faithful translation?" yes / no /
suggest a better one), else a translation of a statement into one of their languages that has
no facilitator's nor participant's translation yet (most-voted statements first). Participant
translations are moderated like statements (created pending) and shown once reviewed: one
"yes" from another participant, or a facilitator marking them reviewed. A "no" declines them;
a better suggestion declines them and waits for its own review.

Services here never commit: the request owns the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, and_, exists, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from deliberation.clock import utcnow
from deliberation.errors import Conflict, Invalid, NotFound
from deliberation.models import (
    Participant,
    ReviewVerdict,
    Round,
    Statement,
    StatementStatus,
    TextKind,
    Translation,
    TranslationOrigin,
    TranslationReview,
)
from deliberation.services.rounds import require_open
from deliberation.services.votes import get_statement, votable_statuses
from deliberation.translations.texts import check_target, clean_translation

TASK_EVERY = 5


@dataclass(frozen=True)
class TranslateTask:
    """Translate ``statement`` into ``language``."""

    statement: Statement
    language: str


@dataclass(frozen=True)
class ReviewTask:
    """Say whether ``translation`` of ``statement`` is faithful."""

    translation: Translation
    statement: Statement


def set_reading_languages(
    session: Session,
    *,
    round_: Round,
    participant: Participant,
    reads: Sequence[str],
    translates: bool,
) -> Participant:
    """The languages ``participant`` reads (at least one, all offered by the round) and whether
    they help translate (only meaningful with two or more)."""
    chosen = list(dict.fromkeys(reads))
    if not chosen:
        raise Invalid(_l("Choose at least one language you read."))
    if any(language not in round_.languages for language in chosen):
        raise Invalid(_l("This round does not offer this language."))
    participant.reads = chosen
    participant.translates = translates and len(chosen) >= 2
    session.add(participant)
    return participant


def is_helper(participant: Participant) -> bool:
    return participant.translates and len(participant.reading_languages) >= 2


def task_due(participant: Participant) -> bool:
    """Whether a helper's next card may be a task (cheap: no query)."""
    return is_helper(participant) and participant.vote_count >= participant.next_task_at


def _settled_into(language: str) -> ColumnElement[bool]:
    """SQL: the statement has a translation into ``language`` that needs no helper: a
    facilitator's, or a participant's not declined nor rejected."""
    return exists().where(
        col(Translation.kind) == TextKind.STATEMENT,
        col(Translation.text_id) == Statement.id,
        col(Translation.language) == language,
        col(Translation.status) != StatementStatus.REJECTED,
        or_(
            col(Translation.origin) == TranslationOrigin.HUMAN,
            and_(
                col(Translation.origin) == TranslationOrigin.PARTICIPANT,
                ~col(Translation.declined),
            ),
        ),
    )


def next_task(
    session: Session, *, round_: Round, participant: Participant
) -> TranslateTask | ReviewTask | None:
    """The helper's next task, or None (see the module's rule)."""
    reads = participant.reading_languages
    source = aliased(Statement)
    review = session.exec(
        select(Translation, source)
        .join(source, col(source.id) == Translation.text_id)
        .where(
            Translation.round_id == round_.id,
            Translation.kind == TextKind.STATEMENT,
            Translation.origin == TranslationOrigin.PARTICIPANT,
            ~col(Translation.reviewed),
            ~col(Translation.declined),
            col(Translation.status) != StatementStatus.REJECTED,
            col(Translation.author_participant_id).is_distinct_from(participant.id),
            col(Translation.language).in_(reads),
            col(source.language).in_(reads),
            col(source.status).in_(votable_statuses(round_)),
            ~exists().where(
                col(TranslationReview.translation_id) == Translation.id,
                col(TranslationReview.participant_id) == participant.id,
            ),
        )
        .order_by(col(Translation.id))
        .limit(1)
    ).first()
    if review is not None:
        return ReviewTask(*review)
    for language in reads:
        if language not in round_.languages:
            continue
        statement = session.exec(
            select(Statement)
            .where(
                Statement.round_id == round_.id,
                col(Statement.status).in_(votable_statuses(round_)),
                col(Statement.language).in_([r for r in reads if r != language]),
                ~_settled_into(language),
            )
            .order_by(col(Statement.vote_count).desc(), col(Statement.id))
            .limit(1)
        ).first()
        if statement is not None:
            return TranslateTask(statement, language)
    return None


def _task_done(participant: Participant) -> None:
    participant.next_task_at = participant.vote_count + TASK_EVERY


def skip_task(session: Session, *, participant: Participant) -> None:
    """No task now: the next one comes ``TASK_EVERY`` votes later."""
    _task_done(participant)
    session.add(participant)


def _require_reads(participant: Participant, *languages: str) -> None:
    if not is_helper(participant) or any(
        language not in participant.reading_languages for language in languages
    ):
        raise Invalid(_l("Translation tasks are for helpers who read both languages."))


def propose_translation(
    session: Session,
    *,
    round_: Round,
    participant: Participant,
    statement_id: int,
    language: str,
    text: str,
) -> Translation:
    """A helper's translation: pending moderation, shown once reviewed."""
    require_open(round_)
    statement = get_statement(session, round_, statement_id)
    language = check_target(round_, statement, language)
    _require_reads(participant, statement.language, language)
    translation = Translation(
        round_id=round_.id,  # type: ignore[arg-type]
        kind=TextKind.STATEMENT,
        text_id=statement.id,  # type: ignore[arg-type]
        language=language,
        text=clean_translation(round_, text),
        origin=TranslationOrigin.PARTICIPANT,
        status=StatementStatus.PENDING,
        author_participant_id=participant.id,
    )
    session.add(translation)
    _task_done(participant)
    session.add(participant)
    session.flush()
    return translation


def review_translation(
    session: Session,
    *,
    round_: Round,
    participant: Participant,
    translation_id: int,
    verdict: ReviewVerdict,
    better: str = "",
) -> Translation | None:
    """A helper's verdict on another participant's translation. Returns the better translation
    they suggested, if any."""
    require_open(round_)
    translation = session.get(Translation, translation_id)
    if (
        translation is None
        or translation.round_id != round_.id
        or translation.origin != TranslationOrigin.PARTICIPANT
    ):
        raise NotFound(_l("This translation does not exist in this round."))
    if translation.author_participant_id == participant.id:
        raise Conflict(_l("Another participant reviews your translations."))
    if translation.reviewed or translation.declined:
        raise Conflict(_l("This translation has already been reviewed."))
    statement = get_statement(session, round_, translation.text_id)
    _require_reads(participant, statement.language, translation.language)
    already = session.exec(
        select(TranslationReview).where(
            TranslationReview.translation_id == translation.id,
            TranslationReview.participant_id == participant.id,
        )
    ).first()
    if already is not None:
        raise Conflict(_l("This translation has already been reviewed."))
    suggestion = None
    if verdict == ReviewVerdict.BETTER:
        suggestion = Translation(
            round_id=round_.id,  # type: ignore[arg-type]
            kind=TextKind.STATEMENT,
            text_id=statement.id,  # type: ignore[arg-type]
            language=translation.language,
            text=clean_translation(round_, better),
            origin=TranslationOrigin.PARTICIPANT,
            status=StatementStatus.PENDING,
            author_participant_id=participant.id,
        )
        session.add(suggestion)
    now = utcnow()
    if verdict == ReviewVerdict.FAITHFUL:
        translation.reviewed = True
        translation.reviewed_at = now
    else:
        translation.declined = True
    translation.updated_at = now
    session.add(translation)
    session.add(
        TranslationReview(
            translation_id=translation.id,  # type: ignore[arg-type]
            participant_id=participant.id,  # type: ignore[arg-type]
            verdict=verdict,
        )
    )
    _task_done(participant)
    session.add(participant)
    session.flush()
    return suggestion
