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

Proposals and amendments (their titles, texts, paragraphs and rationales) are translated and
reviewed by the same rules while the round drafts, from the proposal's page rather than among
the cards: ``text_work`` lists what a helper can do there.

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
from deliberation.proposals.drafting import require_drafting
from deliberation.services.rounds import require_open
from deliberation.services.votes import votable_statuses
from deliberation.translations.sources import (
    PROPOSAL_KINDS,
    Source,
    check_language,
    clean_for,
    get_source,
)

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


def _translatable(session: Session, round_: Round, kind: TextKind, text_id: int) -> Source:
    """The text participants may translate or review now: a statement while the round is
    open, a proposal's or an amendment's part while it drafts."""
    if kind == TextKind.STATEMENT:
        require_open(round_)
    elif kind in PROPOSAL_KINDS:
        require_drafting(round_)
    else:
        raise NotFound(_l("This text does not exist in this round."))
    return get_source(session, round_, kind, text_id)


def propose_translation(
    session: Session,
    *,
    round_: Round,
    participant: Participant,
    kind: TextKind = TextKind.STATEMENT,
    text_id: int,
    language: str,
    text: str,
) -> Translation:
    """A helper's translation of a statement, or of a proposal's or an amendment's part:
    pending moderation, shown once reviewed."""
    source = _translatable(session, round_, kind, text_id)
    language = check_language(round_, source, language)
    _require_reads(participant, source.language, language)
    translation = Translation(
        round_id=round_.id,  # type: ignore[arg-type]
        kind=kind,
        text_id=source.id,
        language=language,
        text=clean_for(round_, kind, text),
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
    """A helper's verdict on another participant's translation (of any text participants
    translate). Returns the better translation they suggested, if any."""
    translation = session.get(Translation, translation_id)
    if (
        translation is None
        or translation.round_id != round_.id
        or translation.origin != TranslationOrigin.PARTICIPANT
    ):
        raise NotFound(_l("This translation does not exist in this round."))
    source = _translatable(session, round_, TextKind(translation.kind), translation.text_id)
    if translation.author_participant_id == participant.id:
        raise Conflict(_l("Another participant reviews your translations."))
    if translation.reviewed or translation.declined:
        raise Conflict(_l("This translation has already been reviewed."))
    _require_reads(participant, source.language, translation.language)
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
            kind=translation.kind,
            text_id=source.id,
            language=translation.language,
            text=clean_for(round_, TextKind(translation.kind), better),
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


@dataclass(frozen=True)
class TextWork:
    """What a helper can do for some texts: parts to translate, as ``(source, language)``,
    and other participants' translations to review, as ``(translation, source)``."""

    to_translate: list[tuple[Source, str]]
    to_review: list[tuple[Translation, Source]]


def text_work(
    session: Session, *, round_: Round, participant: Participant, sources: Sequence[Source]
) -> TextWork:
    """The translation tasks of ``sources`` for ``participant`` (none unless a helper), by
    the rule of the statement cards: a text needs a helper in a language they read when it
    has no facilitator's translation and no participant's one still standing there; a
    translation waits for review when another participant made it and nobody has
    reviewed, declined or rejected it (nor this participant answered it)."""
    if not is_helper(participant) or not sources:
        return TextWork([], [])
    reads = participant.reading_languages
    by_kind: dict[TextKind, list[int]] = {}
    for source in sources:
        by_kind.setdefault(source.kind, []).append(source.id)
    rows = [
        row
        for kind, ids in by_kind.items()
        for row in session.exec(
            select(Translation).where(
                Translation.kind == kind,
                col(Translation.text_id).in_(ids),
                col(Translation.status) != StatementStatus.REJECTED,
            )
        )
    ]
    answered = set(
        session.exec(
            select(TranslationReview.translation_id).where(
                TranslationReview.participant_id == participant.id,
                col(TranslationReview.translation_id).in_([r.id for r in rows]),
            )
        )
    )
    settled = {
        (row.kind, row.text_id, row.language)
        for row in rows
        if row.origin == TranslationOrigin.HUMAN
        or (row.origin == TranslationOrigin.PARTICIPANT and not row.declined)
    }
    index = {(source.kind, source.id): source for source in sources}
    to_review = [
        (row, index[(TextKind(row.kind), row.text_id)])
        for row in sorted(rows, key=lambda r: r.id or 0)
        if row.origin == TranslationOrigin.PARTICIPANT
        and not row.reviewed
        and not row.declined
        and row.author_participant_id != participant.id
        and row.id not in answered
        and row.language in reads
        and index[(TextKind(row.kind), row.text_id)].language in reads
    ]
    to_translate = [
        (source, language)
        for source in sources
        if source.language in reads
        for language in reads
        if language in round_.languages
        and language != source.language
        and (source.kind, source.id, language) not in settled
    ]
    return TextWork(to_translate, to_review)
