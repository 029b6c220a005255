"""Proposals imported by a facilitator from a CSV file, all or nothing.

The file is UTF-8 with the header ``title,text,language,statements``; ``text`` is Markdown
(quoted, it may span several lines), ``statements`` the ids of the round's statements it answers,
separated by spaces or semicolons (may be empty). Every line is checked as a proposal written in
the editor is (``ProposalInput``, the round's languages, statements of the same round); when any
line has a problem, nothing is imported and every problem is named by its line.
"""

from __future__ import annotations

import re

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from pydantic import ValidationError
from sqlmodel import Session

from deliberation.csv_files import LineProblem, read_rows
from deliberation.errors import DomainError
from deliberation.messages import lazy_message
from deliberation.models import Proposal, Round, User
from deliberation.models.proposals import ProposalInput
from deliberation.proposals.drafting import (
    Drafter,
    check_statements,
    create_proposal,
    require_drafting,
)
from deliberation.services.rounds import require_facilitator
from deliberation.services.seed_import import ImportRejected
from deliberation.services.validation import input_problems

HEADER = ("title", "text", "language", "statements")
MAX_PROPOSALS = 500
_SEPARATORS = re.compile(r"[\s;]+")

NUMBERS = [_l("Write the numbers of the statements, separated by spaces.")]
COLUMN_NAMES = {
    "title": _l("title"),
    "text": _l("text"),
    "language": _l("language"),
    "statements": _l("statements"),
}


def _fields(cells: list[str]) -> dict[str, object]:
    title, text, language, statements = cells
    return {
        "title": title,
        "text": text,
        "language": language.strip().lower(),
        "statements": [part for part in _SEPARATORS.split(statements.strip()) if part],
    }


def parse_proposals_csv(
    session: Session, round_: Round, data: bytes
) -> tuple[list[ProposalInput], list[LineProblem]]:
    """The file's proposals as valid input, and every problem by line (see the module)."""
    rows, problems = read_rows(data, header=HEADER, max_rows=MAX_PROPOSALS)
    proposals: list[ProposalInput] = []
    for row in rows:
        try:
            fields = ProposalInput.model_validate(_fields(row.cells))
        except ValidationError as error:
            found: dict[str, tuple[str, str | LazyString]] = {}
            for field, messages in input_problems(error).items():
                column = field.split("_")[0]  # statements_0: the first statement's number
                for message in NUMBERS if column == "statements" else messages:
                    found.setdefault(f"{column}:{message}", (column, message))
            problems.extend(
                LineProblem(
                    row.line,
                    lazy_message(
                        "%(column)s: %(problem)s",
                        column=COLUMN_NAMES.get(column, column),
                        problem=message,
                    ),
                )
                for column, message in found.values()
            )
            continue
        line_problems: list[str | LazyString] = []
        if fields.language not in round_.languages:
            line_problems.append(
                lazy_message(
                    "The language %(language)s is not offered by this round (%(offered)s).",
                    language=fields.language,
                    offered=", ".join(round_.languages),
                )
            )
        try:
            check_statements(session, round_, fields.statements)
        except DomainError as error:
            line_problems.append(error.message)
        problems.extend(LineProblem(row.line, message) for message in line_problems)
        if not line_problems:
            proposals.append(fields)
    problems.sort(key=lambda problem: problem.line)
    return proposals, problems


def import_proposals_csv(
    session: Session, *, round_: Round, user: User, data: bytes
) -> list[Proposal]:
    """Every proposal of the file as a draft by the facilitator ``user``, or none (raises
    ``ImportRejected`` listing every problem). Only while the round drafts."""
    require_facilitator(session, round_, user)
    require_drafting(round_)
    proposals, problems = parse_proposals_csv(session, round_, data)
    if problems:
        raise ImportRejected(problems)
    if not proposals:
        raise ImportRejected([LineProblem(2, _l("The file has no proposal under its header."))])
    drafter = Drafter(None, user, True)
    return [
        create_proposal(session, round_=round_, drafter=drafter, fields=fields)
        for fields in proposals
    ]
