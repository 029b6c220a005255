"""Seed statements from facilitators: one at a time, or many from a CSV file, all or nothing."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func
from sqlmodel import Session, col, select

from deliberation.csv_files import LineProblem, read_rows
from deliberation.errors import Invalid
from deliberation.messages import lazy_message
from deliberation.models import Round, Statement, StatementStatus, User
from deliberation.services.paging import fetch_page
from deliberation.services.rounds import require_facilitator
from deliberation.services.statements import (
    add_seed_statement,
    clean_text,
    find_duplicate,
    new_statement,
    normalize_text,
)
from deliberation.services.validation import FieldInvalid, has_control_characters

MAX_LINES = 5000
PAGE_SIZE = 50
_CHUNK = 500


@dataclass(frozen=True)
class SeedRow:
    line: int
    text: str
    language: str


@dataclass(frozen=True)
class SeedPage:
    statements: list[Statement]
    page: int
    has_next: bool
    total: int


class ImportRejected(Invalid):
    """The file was refused as a whole; ``problems`` lists every bad line."""

    def __init__(self, problems: list[LineProblem]) -> None:
        super().__init__(
            ngettext(
                "Nothing was imported: %(num)d problem was found. Correct it and try again.",
                "Nothing was imported: %(num)d problems were found. Correct them and try again.",
                len(problems),
            )
        )
        self.problems = problems


def _check_text(round_: Round, text: str) -> str:
    if has_control_characters(text):
        raise Invalid(_l("The text holds a control character that is not allowed."))
    return clean_text(round_, text)


def _check_language(round_: Round, language: str) -> str:
    language = language.strip().lower()
    if not language:
        raise Invalid(_l("The language is missing."))
    if language not in round_.languages:
        raise Invalid(
            lazy_message(
                "The language %(language)s is not offered by this round (%(offered)s).",
                language=language,
                offered=", ".join(round_.languages),
            )
        )
    return language


def add_seed(session: Session, *, round_: Round, user: User, text: str, language: str) -> Statement:
    """One seed statement in one of the round's languages; refused if it duplicates another."""
    require_facilitator(session, round_, user)
    try:
        language = _check_language(round_, language)
    except Invalid as error:
        raise FieldInvalid(error.message, field="language") from error
    try:
        text = _check_text(round_, text)
    except Invalid as error:
        raise FieldInvalid(error.message, field="text") from error
    duplicate = find_duplicate(session, round_, text)
    if duplicate is not None:
        raise FieldInvalid(
            lazy_message(
                "A statement very much like this one already exists: %(text)s", text=duplicate.text
            ),
            field="text",
        )
    return add_seed_statement(session, round_=round_, text=text, language=language)


def parse_seed_csv(
    session: Session, round_: Round, data: bytes
) -> tuple[list[SeedRow], list[LineProblem]]:
    """Read a ``text,language`` CSV (UTF-8, header required) into rows, and every problem.

    Checks each line: well-formed CSV with two columns, text present and within the round's
    limit, a language the round offers, not a repeat of an earlier line nor of a statement
    already in the round (normalised text, rejected statements aside).
    """
    records, problems = read_rows(data, header=("text", "language"), max_rows=MAX_LINES)
    rows: list[SeedRow] = []
    seen: dict[str, int] = {}
    for record in records:
        start = record.line
        line_problems: list[LineProblem] = []
        text = language = ""
        try:
            text = _check_text(round_, record.cells[0])
        except Invalid as error:
            line_problems.append(LineProblem(start, error.message))
        try:
            language = _check_language(round_, record.cells[1])
        except Invalid as error:
            line_problems.append(LineProblem(start, error.message))
        if text:
            normalized = normalize_text(text)
            if normalized in seen:
                line_problems.append(
                    LineProblem(
                        start,
                        lazy_message(
                            "This statement repeats line %(line)d.", line=seen[normalized]
                        ),
                    )
                )
            else:
                seen[normalized] = start
        if line_problems:
            problems.extend(line_problems)
        else:
            rows.append(SeedRow(start, text, language))
    problems.extend(_existing_duplicates(session, round_, rows))
    problems.sort(key=lambda problem: problem.line)
    return rows, problems


def _existing_duplicates(session: Session, round_: Round, rows: list[SeedRow]) -> list[LineProblem]:
    """Lines whose normalised text matches a statement already in the round (indexed lookup)."""
    by_text = {normalize_text(row.text): row.line for row in rows}
    keys = list(by_text)
    problems = []
    for start in range(0, len(keys), _CHUNK):
        found = session.exec(
            select(Statement.normalized_text).where(
                Statement.round_id == round_.id,
                col(Statement.normalized_text).in_(keys[start : start + _CHUNK]),
                col(Statement.status) != StatementStatus.REJECTED,
            )
        )
        for text in set(found):
            problems.append(
                LineProblem(by_text[text], _l("This statement already exists in the round."))
            )
    return problems


def import_seed_csv(session: Session, *, round_: Round, user: User, data: bytes) -> int:
    """Import every line of a ``text,language`` CSV as a seed statement, or none of them.

    Raises ``ImportRejected`` listing every bad line. Returns how many were imported.
    """
    require_facilitator(session, round_, user)
    rows, problems = parse_seed_csv(session, round_, data)
    if problems:
        raise ImportRejected(problems)
    if not rows:
        raise ImportRejected([LineProblem(2, _l("The file has no statement under its header."))])
    session.add_all(
        new_statement(
            round_, row.text, language=row.language, is_seed=True, status=StatementStatus.ACCEPTED
        )
        for row in rows
    )
    session.flush()
    return len(rows)


def seed_statements(
    session: Session, *, round_: Round, user: User | None, page: int = 1
) -> SeedPage:
    """One page of the round's seed statements, newest first."""
    require_facilitator(session, round_, user)
    total = int(
        session.exec(
            select(func.count()).where(Statement.round_id == round_.id, col(Statement.is_seed))
        ).one()
    )
    found = fetch_page(
        session,
        select(Statement)
        .where(Statement.round_id == round_.id, col(Statement.is_seed))
        .order_by(col(Statement.id).desc()),
        page=page,
        size=PAGE_SIZE,
    )
    return SeedPage(found.rows, found.page, found.has_next, total)
