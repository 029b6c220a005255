"""What is translated: per statement and language for the facilitators' list, and the share of
a round's statements (and of its proposals) readable in each of its languages for the round's
overview."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func
from sqlmodel import Session, col, select

from deliberation.models import (
    Round,
    Statement,
    StatementStatus,
    TextKind,
    Translation,
    TranslationOrigin,
    User,
)
from deliberation.services.paging import Page, fetch_page
from deliberation.services.rounds import require_facilitator
from deliberation.services.votes import count_votable, get_statement, votable_statuses
from deliberation.translations.reading import is_shown, shown_clause, shown_translations
from deliberation.translations.sources import round_sources

PAGE_SIZE = 50


class Covered(StrEnum):
    """How a statement reads in one language."""

    ORIGINAL = "original"
    REVIEWED = "reviewed"
    MACHINE = "machine"
    MISSING = "missing"


@dataclass(frozen=True)
class Cell:
    """One statement in one language: how it reads, and how many translations into that
    language wait for a reviewer or a moderator."""

    covered: Covered
    waiting: int


@dataclass(frozen=True)
class CoverageRow:
    statement: Statement
    cells: dict[str, Cell]


def waits_for_review(translation: Translation) -> bool:
    """A translation someone still has to look at: a participant's not yet reviewed nor
    declined, or any translation pending moderation."""
    if translation.status == StatementStatus.REJECTED:
        return False
    if translation.status == StatementStatus.PENDING:
        return True
    return (
        translation.origin == TranslationOrigin.PARTICIPANT
        and not translation.reviewed
        and not translation.declined
    )


def cells_of(
    round_: Round, statement: Statement, translations: list[Translation]
) -> dict[str, Cell]:
    """Per language of the round, how ``statement`` reads given its ``translations``."""
    by_language: dict[str, list[Translation]] = defaultdict(list)
    for translation in translations:
        by_language[translation.language].append(translation)
    cells = {}
    for language in round_.languages:
        found = by_language.get(language, [])
        waiting = sum(waits_for_review(t) for t in found)
        shown = [t for t in found if is_shown(t, round_)]
        if language == statement.language:
            covered = Covered.ORIGINAL
        elif any(t.origin != TranslationOrigin.MACHINE or t.reviewed for t in shown):
            covered = Covered.REVIEWED
        elif shown:
            covered = Covered.MACHINE
        else:
            covered = Covered.MISSING
        cells[language] = Cell(covered, waiting)
    return cells


def coverage_page(
    session: Session, *, round_: Round, user: User | None, page: int = 1
) -> Page[CoverageRow]:
    """One page of the round's statements (rejected ones aside), newest first, with the
    languages each is readable in and what waits for review."""
    require_facilitator(session, round_, user)
    found = fetch_page(
        session,
        select(Statement)
        .where(Statement.round_id == round_.id, Statement.status != StatementStatus.REJECTED)
        .order_by(col(Statement.id).desc()),
        page=page,
        size=PAGE_SIZE,
    )
    shown = found.rows
    translations: dict[int, list[Translation]] = defaultdict(list)
    if shown:
        for translation in session.exec(
            select(Translation).where(
                Translation.kind == TextKind.STATEMENT,
                col(Translation.text_id).in_([s.id for s in shown]),
            )
        ):
            translations[translation.text_id].append(translation)
    rows = [CoverageRow(s, cells_of(round_, s, translations.get(s.id or 0, []))) for s in shown]
    return Page(rows=rows, page=found.page, has_next=found.has_next)


def readable_shares(session: Session, round_: Round) -> dict[str, float | None]:
    """Per language of the round, the share of its votable statements readable in it
    (written in it, or with a shown translation into it); None when it has no statement."""
    total = count_votable(session, round_)
    if total == 0:
        return dict.fromkeys(round_.languages)
    votable = (
        Statement.round_id == round_.id,
        col(Statement.status).in_(votable_statuses(round_)),
    )
    originals = dict(
        session.exec(
            select(Statement.language, func.count())
            .where(*votable)
            .group_by(col(Statement.language))
        ).all()
    )
    translated = dict(
        session.exec(
            select(Translation.language, func.count(func.distinct(Translation.text_id)))
            .join(Statement, col(Statement.id) == Translation.text_id)
            .where(
                Translation.kind == TextKind.STATEMENT,
                Translation.round_id == round_.id,
                col(Translation.language) != Statement.language,
                shown_clause(round_),
                *votable,
            )
            .group_by(col(Translation.language))
        ).all()
    )
    return {
        language: (int(originals.get(language, 0)) + int(translated.get(language, 0))) / total
        for language in round_.languages
    }


def readable_proposal_shares(session: Session, round_: Round) -> dict[str, float] | None:
    """Per language of the round, the share of its shown proposals whose title and text both
    read in it (written in it, or with shown translations of both); None without proposals."""
    kinds = (TextKind.PROPOSAL_TITLE, TextKind.PROPOSAL_TEXT)
    written = {
        source.id: source.language
        for source in round_sources(session, round_, kinds=(TextKind.PROPOSAL_TITLE,))
    }
    if not written:
        return None
    shown = {
        kind: shown_translations(session, round_, kind=kind, text_ids=list(written))
        for kind in kinds
    }
    return {
        language: sum(
            original == language
            or all(language in shown[kind].get(proposal_id, {}) for kind in kinds)
            for proposal_id, original in written.items()
        )
        / len(written)
        for language in round_.languages
    }


@dataclass(frozen=True)
class StatementTranslations:
    """A statement with every translation of it (newest first) and how it reads per language."""

    statement: Statement
    translations: list[Translation]
    cells: dict[str, Cell]


def statement_translations(
    session: Session, *, round_: Round, user: User | None, statement_id: int
) -> StatementTranslations:
    require_facilitator(session, round_, user)
    statement = get_statement(session, round_, statement_id)
    translations = list(
        session.exec(
            select(Translation)
            .where(Translation.kind == TextKind.STATEMENT, Translation.text_id == statement.id)
            .order_by(col(Translation.language), col(Translation.id).desc())
        )
    )
    return StatementTranslations(statement, translations, cells_of(round_, statement, translations))
