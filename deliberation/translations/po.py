"""A round's statements as gettext PO files, one per language, for translators' tools.

Export: one entry per statement not written in the language (rejected ones aside), its id in
the context (``msgctxt "stm:42"``), the original as ``msgid``, the translation shown today as
``msgstr`` (a machine translation is marked fuzzy, for a translator to check). Import: every
entry with a non-empty, non-fuzzy ``msgstr`` becomes the facilitators' translation (reviewed);
the file is refused as a whole, each problem with its line, when any entry is wrong. An import
never changes an original: an entry whose ``msgid`` differs from the statement's text is a
problem, not an edit.
"""

from __future__ import annotations

import io
import re

from babel.messages.catalog import Catalog
from babel.messages.pofile import PoFileError, read_po, write_po
from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from deliberation.csv_files import LineProblem
from deliberation.errors import Invalid
from deliberation.messages import lazy_message
from deliberation.models import Round, Statement, StatementStatus, TextKind, User
from deliberation.services.rounds import require_facilitator
from deliberation.services.seed_import import ImportRejected
from deliberation.translations.reading import shown_translations
from deliberation.translations.texts import clean_translation, save_human_translation

_CONTEXT = re.compile(r"stm:([1-9][0-9]{0,17})")
_CHUNK = 500


def _round_statements(session: Session, round_: Round, language: str) -> list[Statement]:
    return list(
        session.exec(
            select(Statement)
            .where(
                Statement.round_id == round_.id,
                Statement.status != StatementStatus.REJECTED,
                Statement.language != language,
            )
            .order_by(col(Statement.id))
        )
    )


def _language(round_: Round, language: str) -> str:
    if language not in round_.languages:
        raise Invalid(_l("This round does not offer this language."))
    return language


def export_po(session: Session, *, round_: Round, user: User | None, language: str) -> bytes:
    """The PO file of ``round_``'s statements for translators into ``language`` (UTF-8)."""
    require_facilitator(session, round_, user)
    language = _language(round_, language)
    statements = _round_statements(session, round_, language)
    shown = shown_translations(
        session,
        round_,
        kind=TextKind.STATEMENT,
        text_ids=[s.id for s in statements if s.id is not None],
        languages=[language],
    )
    catalog = Catalog(locale=language, project=f"Palabre {round_.slug}", charset="utf-8")
    for statement in statements:
        translation = shown.get(statement.id or 0, {}).get(language)
        catalog.add(
            statement.text,
            translation.text if translation else "",
            auto_comments=[f"Original language: {statement.language}"],
            flags=("fuzzy",) if translation is not None and not translation.reviewed else (),
            context=f"stm:{statement.id}",
        )
    out = io.BytesIO()
    write_po(out, catalog, width=0, omit_header=False)
    return out.getvalue()


def import_po(session: Session, *, round_: Round, user: User, language: str, data: bytes) -> int:
    """Save every translated entry of a PO file as the facilitators' translation into
    ``language``, or nothing: raises ``ImportRejected`` listing each problem with its line.
    Returns how many translations were saved. Never commits."""
    require_facilitator(session, round_, user)
    language = _language(round_, language)
    try:
        catalog = read_po(io.BytesIO(data), abort_invalid=True, charset="utf-8")
    except PoFileError as error:
        raise ImportRejected(
            [LineProblem(error.lineno + 1, _l("This line is not valid PO syntax."))]
        ) from error
    except (UnicodeDecodeError, ValueError) as error:
        raise ImportRejected([LineProblem(1, _l("This file is not a UTF-8 PO file."))]) from error
    problems: list[LineProblem] = []
    if catalog.locale_identifier and catalog.locale_identifier.split("_")[0] != language:
        problems.append(
            LineProblem(
                1,
                lazy_message(
                    "This file is for the language %(found)s, not %(language)s.",
                    found=catalog.locale_identifier,
                    language=language,
                ),
            )
        )
    entries: list[tuple[int, int, str, str]] = []
    for message in catalog:
        if not message.id:
            continue
        line = message.lineno or 1
        match = _CONTEXT.fullmatch(message.context or "")
        if match is None or message.pluralizable:
            problems.append(
                LineProblem(line, _l("This entry is not a Palabre statement (msgctxt stm:N)."))
            )
            continue
        text = str(message.string or "")
        if message.fuzzy or not text.strip():
            continue
        try:
            entries.append(
                (line, int(match.group(1)), str(message.id), clean_translation(round_, text))
            )
        except Invalid as error:
            problems.append(LineProblem(line, error.message))
    ids = sorted({entry[1] for entry in entries})
    statements: dict[int, Statement] = {}
    for start in range(0, len(ids), _CHUNK):
        for found in session.exec(
            select(Statement).where(
                Statement.round_id == round_.id, col(Statement.id).in_(ids[start : start + _CHUNK])
            )
        ):
            statements[found.id or 0] = found
    for line, statement_id, original, _ in entries:
        statement = statements.get(statement_id)
        if statement is None:
            problems.append(
                LineProblem(
                    line, lazy_message("No statement #%(id)d in this round.", id=statement_id)
                )
            )
        elif original != statement.text:
            problems.append(
                LineProblem(
                    line,
                    _l(
                        "The original text (msgid) differs from the statement's: an import never changes an original. Export the file again."
                    ),
                )
            )
        elif statement.language == language:
            problems.append(
                LineProblem(line, _l("This statement is already written in this language."))
            )
    if problems:
        raise ImportRejected(sorted(problems, key=lambda problem: problem.line))
    for _, statement_id, _, text in entries:
        save_human_translation(
            session,
            round_=round_,
            user=user,
            statement=statements[statement_id],
            language=language,
            text=text,
        )
    return len(entries)
