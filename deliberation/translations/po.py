"""A round's texts as gettext PO files, one per language, for translators' tools.

Every translatable text of the round (``deliberation.translations.sources``: statements,
proposals' titles and texts, amendments' paragraphs and rationales, draft decisions' options,
outcomes) not written in the language is one entry: which text in the context (``msgctxt
"stm:42"`` for a statement, ``"prp:7:title"``, ``"amd:3:rationale"``, ``"opt:5:text"``,
``"out:2:title"`` and so on for the parts of the others), the original as ``msgid``, the
translation shown today as ``msgstr`` (a machine translation is marked fuzzy, for a translator
to check). Import: every entry with a non-empty, non-fuzzy ``msgstr`` becomes the facilitators'
translation (reviewed); the file is refused as a whole, each problem with its line, when any
entry is wrong. An import never changes an original: an entry whose ``msgid`` differs from the
text is a problem, not an edit.
"""

from __future__ import annotations

import io
import re
from collections import defaultdict

from babel.messages.catalog import Catalog
from babel.messages.pofile import PoFileError, read_po, write_po
from flask_babel import lazy_gettext as _l
from sqlmodel import Session

from deliberation.csv_files import LineProblem
from deliberation.errors import Invalid
from deliberation.messages import lazy_message
from deliberation.models import Round, TextKind, User
from deliberation.services.rounds import require_facilitator
from deliberation.services.seed_import import ImportRejected
from deliberation.translations.reading import shown_translations
from deliberation.translations.sources import Source, check_language, clean_for, round_sources
from deliberation.translations.texts import save_human_translation

CONTEXTS = {
    TextKind.STATEMENT: "stm:{id}",
    TextKind.PROPOSAL_TITLE: "prp:{id}:title",
    TextKind.PROPOSAL_TEXT: "prp:{id}:text",
    TextKind.AMENDMENT_TEXT: "amd:{id}:text",
    TextKind.AMENDMENT_RATIONALE: "amd:{id}:rationale",
    TextKind.DECISION_TITLE: "dec:{id}:title",
    TextKind.OPTION_TITLE: "opt:{id}:title",
    TextKind.OPTION_TEXT: "opt:{id}:text",
    TextKind.OUTCOME_TITLE: "out:{id}:title",
    TextKind.OUTCOME_TEXT: "out:{id}:text",
    TextKind.OUTCOME_RATIONALE: "out:{id}:rationale",
}
"""The ``msgctxt`` of an entry by kind of text; ``id`` the text's id in its table."""

_KINDS = {pattern.replace("{id}", ""): kind for kind, pattern in CONTEXTS.items()}
_CONTEXT = re.compile(r"(stm|prp|amd|dec|opt|out):([1-9][0-9]{0,17})(:title|:text|:rationale)?")


def context_of(source: Source) -> str:
    return CONTEXTS[source.kind].format(id=source.id)


def _language(round_: Round, language: str) -> str:
    if language not in round_.languages:
        raise Invalid(_l("This round does not offer this language."))
    return language


def export_po(session: Session, *, round_: Round, user: User | None, language: str) -> bytes:
    """The PO file of ``round_``'s texts for translators into ``language`` (UTF-8)."""
    require_facilitator(session, round_, user)
    language = _language(round_, language)
    sources = [s for s in round_sources(session, round_) if s.language != language]
    by_kind: dict[TextKind, list[int]] = defaultdict(list)
    for source in sources:
        by_kind[source.kind].append(source.id)
    shown = {
        kind: shown_translations(session, round_, kind=kind, text_ids=ids, languages=[language])
        for kind, ids in by_kind.items()
    }
    catalog = Catalog(locale=language, project=f"Palabre {round_.slug}", charset="utf-8")
    for source in sources:
        translation = shown[source.kind].get(source.id, {}).get(language)
        catalog.add(
            source.text,
            translation.text if translation else "",
            auto_comments=[f"Original language: {source.language}"],
            flags=("fuzzy",) if translation is not None and not translation.reviewed else (),
            context=context_of(source),
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
    entries: list[tuple[int, TextKind, int, str, str]] = []
    for message in catalog:
        if not message.id:
            continue
        line = message.lineno or 1
        match = _CONTEXT.fullmatch(message.context or "")
        kind = _KINDS.get(f"{match.group(1)}:{match.group(3) or ''}") if match else None
        if match is None or kind is None or message.pluralizable:
            problems.append(
                LineProblem(
                    line,
                    _l(
                        "This entry is not a text of a Palabre round (msgctxt such as stm:42 or prp:7:title)."
                    ),
                )
            )
            continue
        text = str(message.string or "")
        if message.fuzzy or not text.strip():
            continue
        try:
            entries.append(
                (line, kind, int(match.group(2)), str(message.id), clean_for(round_, kind, text))
            )
        except Invalid as error:
            problems.append(LineProblem(line, error.message))
    wanted: dict[TextKind, list[int]] = defaultdict(list)
    for _, kind, text_id, _, _ in entries:
        wanted[kind].append(text_id)
    sources = {
        (source.kind, source.id): source
        for source in round_sources(session, round_, kinds=wanted, ids=wanted)
    }
    for line, kind, text_id, original, _ in entries:
        source = sources.get((kind, text_id))
        if source is None:
            problems.append(
                LineProblem(
                    line,
                    lazy_message(
                        "No text %(context)s in this round, or not one that can be translated now.",
                        context=CONTEXTS[kind].format(id=text_id),
                    ),
                )
            )
            continue
        if original != source.text:
            problems.append(
                LineProblem(
                    line,
                    _l(
                        "The original text (msgid) differs from the round's: an import never changes an original. Export the file again."
                    ),
                )
            )
            continue
        try:
            check_language(round_, source, language)
        except Invalid as error:
            problems.append(LineProblem(line, error.message))
    if problems:
        raise ImportRejected(sorted(problems, key=lambda problem: problem.line))
    for _, kind, text_id, _, text in entries:
        save_human_translation(
            session,
            round_=round_,
            user=user,
            source=sources[(kind, text_id)],
            language=language,
            text=text,
        )
    return len(entries)
