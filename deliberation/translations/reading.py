"""The reading rule: which text a reader sees.

A reader has languages in order of preference (the interface language first, then the others
they read). For each of them in turn: the original if it is in that language, else a *shown*
translation into it. Shown means not rejected by moderation (accepted, or still pending when
the round moderates after the fact, as for statements) and either reviewed or made by a
machine. Among shown translations into one language: a reviewed facilitator's first, then a
reviewed participant's, then a machine's (a reviewed machine one before an unreviewed one),
the newest first within each. When none of the reader's languages has one, the original.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple, Protocol, TypeVar

from sqlalchemy import (
    ColumnElement,
    Integer,
    Label,
    String,
    Text,
    and_,
    bindparam,
    case,
    cast,
    func,
    or_,
)
from sqlalchemy import select as sql_select
from sqlmodel import Session, col, select

from deliberation.db import Database, fetch, in_list, is_postgres
from deliberation.models import (
    Round,
    Statement,
    StatementStatus,
    TextKind,
    Translation,
    TranslationOrigin,
)
from deliberation.services.votes import votable_statuses

_RANK = {TranslationOrigin.HUMAN: 0, TranslationOrigin.PARTICIPANT: 1, TranslationOrigin.MACHINE: 2}
_CHUNK = 500


@dataclass(frozen=True)
class Original:
    """A text as written: its id in its table, text and language."""

    id: int
    text: str
    language: str


@dataclass(frozen=True)
class Reading:
    """What a reader sees of one text: ``text`` in ``language``, and the original beside it.

    ``origin`` is None when the original is shown, else who made the translation shown.
    """

    id: int
    text: str
    language: str
    original_text: str
    original_language: str
    origin: TranslationOrigin | None = None

    @property
    def translated(self) -> bool:
        return self.origin is not None

    @property
    def machine(self) -> bool:
        return self.origin == TranslationOrigin.MACHINE


def shown_condition(statuses: tuple[StatementStatus, ...]) -> ColumnElement[bool]:
    """SQL condition: the translation may be shown in a round whose votable statement
    statuses are ``statuses`` (translations are moderated like statements)."""
    return and_(
        or_(*(col(Translation.status) == status for status in statuses)),
        or_(col(Translation.reviewed), col(Translation.origin) == TranslationOrigin.MACHINE),
    )


def shown_clause(round_: Round) -> ColumnElement[bool]:
    """SQL condition: the translation may be shown to readers of ``round_``."""
    return shown_condition(votable_statuses(round_))


def is_shown(translation: Translation, round_: Round) -> bool:
    """``shown_clause`` for a translation already loaded."""
    return translation.status in votable_statuses(round_) and (
        translation.reviewed or translation.origin == TranslationOrigin.MACHINE
    )


class Shown(Protocol):
    """What the reading rule reads of a translation: a ``Translation``, or a row of
    ``_SHOWN_COLUMNS`` (the participation page's path reads rows, not objects)."""

    @property
    def text_id(self) -> int: ...
    @property
    def language(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def origin(self) -> str: ...
    @property
    def reviewed(self) -> bool: ...
    @property
    def updated_at(self) -> datetime: ...


ShownT = TypeVar("ShownT", bound=Shown)


def best(translations: Iterable[ShownT]) -> ShownT | None:
    """The translation to show among shown ones into one language (see the module rule)."""
    ordered = sorted(
        translations,
        key=lambda t: (
            _RANK[TranslationOrigin(t.origin)],
            not t.reviewed,
            -t.updated_at.timestamp(),
        ),
    )
    return ordered[0] if ordered else None


_SHOWN_COLUMNS = tuple(
    getattr(Translation, name)
    for name in ("text_id", "language", "text", "origin", "reviewed", "updated_at")
)


@cache
def _shown_query(
    statuses: tuple[StatementStatus, ...], by_language: bool, rows: bool, postgres: bool
) -> Any:
    """The query behind ``shown_translations``, built once (it is on the participation page's
    path): ``Translation`` objects, or rows of ``_SHOWN_COLUMNS`` when ``rows``; parameters
    ``kind``, ``ids`` and, when ``by_language``, ``languages``."""
    query = sql_select(*_SHOWN_COLUMNS) if rows else select(Translation)
    query = query.where(
        col(Translation.kind) == bindparam("kind"),
        in_list(col(Translation.text_id), "ids", Integer(), postgres),
        shown_condition(statuses),
    )
    if by_language:
        query = query.where(in_list(col(Translation.language), "languages", String(), postgres))
    return query


def _shown(
    session: Database,
    round_: Round,
    *,
    kind: TextKind,
    text_ids: Sequence[int],
    languages: Sequence[str] | None,
    rows: bool,
) -> dict[int, dict[str, Any]]:
    """``shown_translations``, as rows of ``_SHOWN_COLUMNS`` when ``rows``."""
    found: dict[int, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    postgres = is_postgres(session)
    query = _shown_query(votable_statuses(round_), languages is not None, rows, postgres)
    for start in range(0, len(text_ids), _CHUNK):
        params: dict[str, Any] = {"kind": kind, "ids": list(text_ids[start : start + _CHUNK])}
        if languages is not None:
            params["languages"] = list(languages)
        result: Iterable[Any] = (
            fetch(session, query, params) if rows else session.execute(query, params).scalars()
        )
        for translation in result:
            found[translation.text_id][translation.language].append(translation)
    return {
        text_id: {
            language: chosen
            for language, candidates in by_language.items()
            if (chosen := best(candidates)) is not None
        }
        for text_id, by_language in found.items()
    }


def shown_translations(
    session: Session,
    round_: Round,
    *,
    kind: TextKind,
    text_ids: Sequence[int],
    languages: Sequence[str] | None = None,
) -> dict[int, dict[str, Translation]]:
    """For each of ``text_ids``, the translation shown per language (only ``languages`` if
    given): one indexed query per 500 ids."""
    return _shown(session, round_, kind=kind, text_ids=text_ids, languages=languages, rows=False)


def choose(
    original: Original, translations: Mapping[str, Shown], languages: Sequence[str]
) -> Reading:
    """The reading rule for one text given its shown translations by language."""
    for language in languages:
        if language == original.language:
            break
        translation = translations.get(language)
        if translation is not None:
            return Reading(
                id=original.id,
                text=translation.text,
                language=translation.language,
                original_text=original.text,
                original_language=original.language,
                origin=TranslationOrigin(translation.origin),
            )
    return Reading(original.id, original.text, original.language, original.text, original.language)


def _translatable(original: Original, wanted: Sequence[str]) -> bool:
    """Whether a reader of ``wanted`` (deduplicated, in order of preference) may be shown
    ``original`` in translation: not when it is in the reader's first language."""
    return bool(wanted) and original.language != wanted[0]


def shown_along(
    statuses: tuple[StatementStatus, ...], only: ColumnElement[bool] | None = None
) -> Label[str]:
    """SQL (PostgreSQL), for a select of statements: every shown translation of the statement,
    as the text of a JSON array of ``[language, text, origin, reviewed, updated_at]`` (null
    when none), for ``read_along``: the card's reading read with the card, not after it.
    ``only``: read for the rows where it holds (null for the others)."""
    found = (
        sql_select(
            func.json_agg(
                func.json_build_array(
                    Translation.language,
                    Translation.text,
                    Translation.origin,
                    Translation.reviewed,
                    Translation.updated_at,
                )
            )
        )
        .where(
            col(Translation.kind) == TextKind.STATEMENT,
            col(Translation.text_id) == Statement.id,
            shown_condition(statuses),
        )
        .scalar_subquery()
    )
    shown = cast(found, Text())
    return (shown if only is None else case((only, shown))).label("shown")


class _ShownRow(NamedTuple):
    """A translation as ``shown_along`` reads it (``Shown``)."""

    text_id: int
    language: str
    text: str
    origin: str
    reviewed: bool
    updated_at: datetime


def read_along(original: Original, shown: str | None, languages: Sequence[str]) -> Reading:
    """``read_texts`` of one statement for a reader of ``languages``, its shown translations
    read along (``shown_along``'s column): the same rule, without a query."""
    wanted = list(dict.fromkeys(languages))
    by_language: dict[str, list[_ShownRow]] = defaultdict(list)
    if shown and _translatable(original, wanted):
        for language, text, origin, reviewed, updated_at in json.loads(shown):
            by_language[language].append(
                _ShownRow(
                    original.id,
                    language,
                    text,
                    origin,
                    reviewed,
                    datetime.fromisoformat(updated_at),
                )
            )
    translations = {language: best(rows) for language, rows in by_language.items()}
    return choose(original, {k: v for k, v in translations.items() if v is not None}, wanted)


def read_texts(
    session: Database,
    round_: Round,
    *,
    kind: TextKind,
    originals: Sequence[Original],
    languages: Sequence[str],
) -> dict[int, Reading]:
    """Readings of ``originals`` (texts of ``kind`` in ``round_``) for a reader of
    ``languages`` (in order of preference), keyed by text id."""
    wanted = list(dict.fromkeys(languages))
    need = [o.id for o in originals if _translatable(o, wanted)]
    translations = (
        _shown(session, round_, kind=kind, text_ids=need, languages=wanted, rows=True)
        if need
        else {}
    )
    return {o.id: choose(o, translations.get(o.id, {}), wanted) for o in originals}


def reader_languages(interface: str, reads: Sequence[str] = ()) -> list[str]:
    """A reader's languages in order of preference: the interface language, then those read."""
    return list(dict.fromkeys([interface, *reads]))


def read_statements(
    session: Database,
    round_: Round,
    statements: Iterable[Statement | Original],
    languages: Sequence[str],
) -> dict[int, Reading]:
    """``read_texts`` for statements (or the statements' ``Original``), keyed by statement id."""
    originals = [Original(s.id, s.text, s.language) for s in statements if s.id is not None]
    return read_texts(
        session, round_, kind=TextKind.STATEMENT, originals=originals, languages=languages
    )
