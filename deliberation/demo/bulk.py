"""The one bulk loader, shared by the demo, the Pol.is import and the benchmarks: rows go to
the database around the ORM, in chunks through SQLAlchemy Core (``COPY`` on PostgreSQL, about
ten times faster for millions of rows), within the caller's transaction (nothing here commits).

``write_votes`` writes a round's vote history at once: every event, each pair's current vote
(its last event), and the vote counters of the round's statements and participants.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from itertools import islice
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from psycopg.types.json import Json
from sqlalchemy import (
    JSON,
    Column,
    ColumnElement,
    Connection,
    ScalarSelect,
    Table,
    func,
    insert,
    update,
)
from sqlalchemy.sql.schema import CallableColumnDefault, ScalarElementColumnDefault
from sqlmodel import Session, col, select

from deliberation.models import Participant, Statement, Vote, VoteEvent

CHUNK = 10_000
Row = Mapping[str, Any]
Progress = Callable[[int], None]


def _chunks(rows: Iterable[Row]) -> Iterator[list[Row]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, CHUNK)):
        yield chunk


def insert_returning_ids(session: Session, model: type[Any], rows: Sequence[Row]) -> list[int]:
    """Insert ``rows`` into ``model``'s table; the new ids in the order of ``rows``."""
    ids: list[int] = []
    for chunk in _chunks(rows):
        result = session.execute(
            insert(model).returning(model.id, sort_by_parameter_order=True), chunk
        )
        ids.extend(int(i) for i in result.scalars())
    return ids


def insert_rows(
    session: Session, model: type[Any], rows: Iterable[Row], *, progress: Progress | None = None
) -> int:
    """Insert ``rows`` (any iterable of mappings with the same keys, consumed chunk by chunk)
    into ``model``'s table; call ``progress`` with the size of each chunk written; return how
    many rows were written. Pending ORM changes are flushed first."""
    session.flush()
    connection = session.connection()
    copy = connection.dialect.name == "postgresql"
    written = 0
    for chunk in _chunks(rows):
        if copy:
            _copy(connection, model.__table__, chunk)
        else:
            connection.execute(insert(model), chunk)
        written += len(chunk)
        if progress is not None:
            progress(len(chunk))
    return written


def _copy(connection: Connection, table: Table, rows: list[Row]) -> None:
    """``COPY`` ``rows`` into ``table`` on the connection's psycopg connection. Columns the
    rows leave out get their Python-side default, as an ``INSERT`` through SQLAlchemy would;
    JSON values are wrapped for psycopg, which adapts every other value itself."""
    given = list(rows[0])
    defaults = [
        column
        for column in table.columns
        if column.name not in given and column.default is not None and not column.primary_key
    ]
    names = given + [column.name for column in defaults]
    json = [isinstance(table.c[name].type, JSON) for name in names]
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    columns = ", ".join(f'"{name}"' for name in names)
    with cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
        for row in rows:
            values = [row[name] for name in given] + [_default(column) for column in defaults]
            copy.write_row(
                [Json(v) if is_json else v for v, is_json in zip(values, json, strict=True)]
            )


def _default(column: Column[Any]) -> Any:
    """The Python-side default of ``column`` for one new row (a callable default gets no
    execution context: SQLAlchemy wraps the zero-argument callables models use)."""
    default = column.default
    if isinstance(default, CallableColumnDefault):
        return default.arg(None)  # type: ignore[arg-type]
    if isinstance(default, ScalarElementColumnDefault):
        return default.arg
    raise TypeError(f"column {column.name} has a default COPY cannot compute")


def write_votes(
    session: Session,
    *,
    round_id: int,
    participant: ArrayLike,
    statement: ArrayLike,
    value: ArrayLike,
    times: Sequence[datetime],
    languages: Sequence[str | None] | None = None,
    progress: Progress | None = None,
) -> int:
    """Write the vote events of ``round_id`` given as parallel sequences in time order
    (participant and statement ids, values +1 / 0 / -1, UTC times, and optionally the language
    each statement was shown in), then each pair's current vote (the value and language of its
    last event, created at its first and updated at its last), then set ``vote_count`` of the
    round's statements and participants from the current votes.

    ``progress`` is called with the number of events written after each chunk. Returns the
    number of current votes.
    """
    participants = np.asarray(participant, dtype=np.int64)
    statements = np.asarray(statement, dtype=np.int64)
    values = np.asarray(value, dtype=np.int64)
    shown = languages if languages is not None else [None] * participants.size
    events = (
        {
            "round_id": round_id,
            "participant_id": int(participants[i]),
            "statement_id": int(statements[i]),
            "value": int(values[i]),
            "language": shown[i],
            "created_at": times[i],
        }
        for i in range(participants.size)
    )
    insert_rows(session, VoteEvent, events, progress=progress)
    first, last = _pair_ends(participants, statements)
    current = (
        {
            "round_id": round_id,
            "participant_id": int(participants[end]),
            "statement_id": int(statements[end]),
            "value": int(values[end]),
            "language": shown[end],
            "created_at": times[start],
            "updated_at": times[end],
        }
        for start, end in zip(first.tolist(), last.tolist(), strict=True)
    )
    written = insert_rows(session, Vote, current)
    set_vote_counters(session, round_id)
    return written


def _pair_ends(participant: np.ndarray, statement: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For every distinct (participant, statement) pair, the index of its first and of its
    last event, ordered by last event."""
    if participant.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    pairs = np.column_stack([participant, statement])
    _, first = np.unique(pairs, axis=0, return_index=True)
    _, from_end = np.unique(pairs[::-1], axis=0, return_index=True)
    last = participant.size - 1 - from_end
    order = np.argsort(last)
    return first[order], last[order]


def set_vote_counters(session: Session, round_id: int) -> None:
    """``vote_count`` of the round's statements and participants from the current votes."""

    def count_where(condition: ColumnElement[bool]) -> ScalarSelect[int]:
        return select(func.count()).select_from(Vote).where(condition).scalar_subquery()

    session.execute(
        update(Statement)
        .where(col(Statement.round_id) == round_id)
        .values(vote_count=count_where(col(Vote.statement_id) == Statement.id))
    )
    session.execute(
        update(Participant)
        .where(col(Participant.round_id) == round_id)
        .values(vote_count=count_where(col(Vote.participant_id) == Participant.id))
    )
