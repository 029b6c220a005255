"""Casting a vote: the hot path. One short transaction, an upsert, an event, two counters."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from typing import Any, NamedTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    ARRAY,
    JSON,
    Connection,
    DateTime,
    Executable,
    Integer,
    Select,
    String,
    TextClause,
    and_,
    bindparam,
    func,
    insert,
    text,
    update,
)
from sqlalchemy import select as sql_select
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from deliberation.clock import utcnow
from deliberation.db import (
    Database,
    PostgresStatement,
    core_connection,
    fetch,
    is_postgres,
    postgres_statement,
)
from deliberation.errors import Invalid, NotFound
from deliberation.models import (
    ModerationMode,
    Participant,
    Round,
    Statement,
    StatementStatus,
    Vote,
    VoteEvent,
    VoteValue,
)
from deliberation.services.rounds import require_open


def votable_statuses(round_: Round) -> tuple[StatementStatus, ...]:
    """Accepted statements; pending ones too when the round moderates after the fact."""
    if round_.moderation_mode == ModerationMode.POST:
        return (StatementStatus.ACCEPTED, StatementStatus.PENDING)
    return (StatementStatus.ACCEPTED,)


def count_votable(session: Database, round_: Round) -> int:
    """How many statements of the round a participant can vote on (an indexed count)."""
    statement = select(func.count()).where(
        Statement.round_id == round_.id, col(Statement.status).in_(votable_statuses(round_))
    )
    return int(session.execute(statement).scalar_one())


def get_statement(session: Session, round_: Round, statement_id: int) -> Statement:
    """A statement of ``round_``; 404 if it belongs to another round or does not exist."""
    statement = session.get(Statement, statement_id)
    if statement is None or statement.round_id != round_.id:
        raise NotFound(_l("This statement does not exist in this round."))
    return statement


def cast_vote(
    session: Session,
    *,
    round_: Round,
    participant: Participant,
    statement_id: int,
    value: int,
    language: str | None = None,
) -> int:
    """Record ``value`` (+1 agree, 0 pass, -1 disagree) as the participant's current vote and
    return how many statements the participant has now voted on.

    ``language`` is the language the statement was shown in (None when unknown); one of the
    round's languages, else it is not recorded. Every call also appends a ``VoteEvent``; see
    ``record_vote``. 404 unless the statement is votable in ``round_``: on PostgreSQL that check
    is part of the one statement that records the vote.
    """
    return cast_vote_reading(
        session,
        round_=round_,
        participant=participant,
        statement_id=statement_id,
        value=value,
        language=language,
        read=None,
    ).voted


def cast_vote_reading(
    session: Database,
    *,
    round_: Round,
    participant: Participant | Keyed,
    statement_id: int,
    value: int,
    language: str | None,
    read: tuple[Executable, dict[str, Any]] | None,
    versions: Versions | None = None,
) -> Cast:
    """``cast_vote``, and the rows of ``read`` (a Core select whose rows have a non-null
    ``id``, and its parameters): on PostgreSQL, when its SQL is fixed (see
    ``db.postgres_statement``), in the vote's own statement, one round trip for both (the
    select sees the database as it was before the vote); else just before the vote.

    ``versions`` (PostgreSQL): the versions of the round's and the participant's rows that
    ``round_`` and ``participant`` were read at. The vote is then recorded only while both rows
    are still at them, checked in the vote's own statement; ``VisitChanged`` when they are not
    (nothing recorded), before any other refusal. So a caller may vote with rows it kept from
    an earlier request.

    ``participant`` may be ``Keyed`` (PostgreSQL): a participant not read yet, found by the
    browser's key in the vote's own statement, which returns its row (``Cast.participant``);
    ``VisitChanged`` also when there is none, or it may not vote (withdrawn, or the current
    notice not accepted). ``read`` must then be a fixed select (``routing.queued_check``'s
    keyed one), read along."""
    require_open(round_)
    if value not in set(VoteValue):
        raise Invalid(_l("A vote is agree, disagree or pass."))
    statuses = votable_statuses(round_)
    shown = language if language in round_.languages else None
    postgres = is_postgres(session)
    along = postgres_statement(read[0]) if read is not None and postgres else None
    rows: Sequence[Any] = ()
    keyed = participant if isinstance(participant, Keyed) else None
    assert keyed is None or (postgres and versions is None and (read is None or along)), (
        "a keyed vote is one statement on PostgreSQL"
    )
    if read is not None and along is None:
        rows = fetch(session, *read)
    voted = None
    current = True
    found = None
    if postgres:
        recorded, current, counted, read_along, voted, found = _record_postgres(
            session,
            round_id=round_.id,  # type: ignore[arg-type]
            participant_id=None if keyed else participant.id,  # type: ignore[union-attr]
            statement_id=statement_id,
            value=value,
            language=shown,
            statuses=statuses,
            read=None if read is None or along is None else (along, read[1]),
            versions=versions,
            keyed=keyed,
            languages=round_.languages,
        )
        rows = read_along or rows
    else:
        assert not isinstance(participant, Keyed)
        recorded = (
            core_connection(session)
            .execute(
                _votable_query(), {"id": statement_id, "round_id": round_.id, "statuses": statuses}
            )
            .first()
            is not None
        )
        counted = (
            _record_sqlite(
                session,
                round_id=round_.id,  # type: ignore[arg-type]
                participant_id=participant.id,  # type: ignore[arg-type]
                statement_id=statement_id,
                value=value,
                language=shown,
            )
            if recorded
            else None
        )
    if not recorded:
        if not current:
            raise VisitChanged
        raise NotFound(_l("This statement is not open for votes in this round."))
    if isinstance(participant, Keyed):
        assert found is not None, "recorded: the key found a voter"
        assert voted is not None
        return Cast(voted, rows, found)
    if voted is None:
        voted = participant.vote_count if counted is None else counted
    set_committed_value(participant, "vote_count", voted)  # in a session or not
    return Cast(voted, rows)


class Versions(NamedTuple):
    """Versions of a round's row (PostgreSQL's ``xmin``, as text: it changes with any change
    to the row) and of a participant's (``PARTICIPANT_VERSION``: it changes with any change
    but a vote counted, so that votes cast through other app processes leave it as it was)."""

    round: str
    participant: str


# A participant's version (``Versions``): a digest of every column of its row but its vote
# counter, which each new vote moves. SQL, on ``participant``.
PARTICIPANT_VERSION = "md5(CAST(ROW({}) AS TEXT))".format(
    ", ".join(
        f"participant.{column.name}"
        for column in Participant.__table__.columns  # type: ignore[attr-defined]
        if column.name != "vote_count"
    )
)


class Keyed(NamedTuple):
    """A voter not read yet (``cast_vote_reading``, PostgreSQL): the participant of the round
    whose session key hashes to ``key_hash``, found by the vote's own statement, which votes
    only while the round's row is at ``round_version`` and that participant may vote (not
    withdrawn, ``notice_version`` of the privacy notice accepted)."""

    key_hash: str
    round_version: str
    notice_version: int


class Found(NamedTuple):
    """A keyed voter's row, as the vote's statement read it (its vote counter before the vote),
    and its version (``Versions.participant``)."""

    values: dict[str, Any]
    version: str


class Cast(NamedTuple):
    """What ``cast_vote_reading`` did: the participant's number of votes once the vote is
    counted (read in the vote's statement on PostgreSQL: votes cast elsewhere count too), the
    rows read and, for a ``Keyed`` voter, its row."""

    voted: int
    rows: Sequence[Any]
    participant: Found | None = None


class VisitChanged(Exception):
    """A vote cast with ``versions`` was not recorded: the round's or the participant's row
    has changed since. Read them again."""


def record_vote(
    session: Database,
    *,
    round_id: int,
    participant_id: int,
    statement_id: int,
    value: int,
    language: str | None = None,
) -> int | None:
    """The upsert, the counters and the event, without committing (the caller's use case does).

    Returns the participant's new number of current votes when the vote is new, None when it
    replaced an earlier vote (the number is then unchanged).

    Never read-then-write. On PostgreSQL one statement does it all: an upsert whose
    ``RETURNING xmax = 0`` tells a new row from a replaced one, the two counters moved only for
    a new one, and the event (``_VOTE_SQL``). On SQLite, whose writers are serialized, an INSERT
    that does nothing on conflict tells whether the vote is new (then the counters move);
    otherwise one UPDATE replaces the value. Correct under concurrent requests on both.
    """
    if is_postgres(session):
        return _record_postgres(
            session,
            round_id=round_id,
            participant_id=participant_id,
            statement_id=statement_id,
            value=value,
            language=language,
            statuses=None,
            read=None,
            versions=None,
        ).counted
    return _record_sqlite(
        session,
        round_id=round_id,
        participant_id=participant_id,
        statement_id=statement_id,
        value=value,
        language=language,
    )


def _counted(session: Database, statement_id: int, participant_id: int, voted: int) -> None:
    """Bring the counters of the statement and participant loaded in ``session``, if any, up to
    date with a new vote (the participant's new count is ``voted``)."""
    if isinstance(session, Connection) or not session.identity_map:
        return  # no session, or one that holds no rows (the vote path's are detached)
    statement = session.identity_map.get(session.identity_key(Statement, statement_id))
    if statement is not None:
        set_committed_value(statement, "vote_count", statement.vote_count + 1)
    participant = session.identity_map.get(session.identity_key(Participant, participant_id))
    if participant is not None:
        set_committed_value(participant, "vote_count", voted)


# One round trip on PostgreSQL: the votable check (``target``), the upsert, both counters
# (only when the vote is new: ``xmax = 0`` marks a row this statement inserted, not one it
# updated) and the event. Concurrent upserts of one pair wait on its row lock, then update the
# row the other committed; the counters' UPDATEs re-read the row they wait for: no lost vote,
# no lost count. The event is produced from the upsert's row, so events of one pair are in the
# order their upserts took the lock: the last event holds the current value. ``{participant}``
# is the voter's id: bound, or found by the browser's key (``_KEYED``).
_VOTE_SQL = """
WITH {who}current AS (SELECT {current} AS ok),
target AS ({target}),
stored AS (
    INSERT INTO vote (round_id, participant_id, statement_id, value, language, created_at, updated_at)
    SELECT :round_id, {participant}, target.id, :value, :language, :now, :now FROM target
    ON CONFLICT (participant_id, statement_id) DO UPDATE
    SET value = EXCLUDED.value, language = EXCLUDED.language, updated_at = EXCLUDED.updated_at
    RETURNING statement_id, xmax = 0 AS inserted
),
statement_counted AS (
    UPDATE statement SET vote_count = vote_count + 1
    WHERE id = (SELECT statement_id FROM stored WHERE inserted)
),
participant_counted AS (
    UPDATE participant SET vote_count = vote_count + 1
    WHERE id = {participant} AND EXISTS (SELECT FROM stored WHERE inserted)
    RETURNING vote_count
),
event AS (
    INSERT INTO vote_event (round_id, participant_id, statement_id, value, language, created_at)
    SELECT :round_id, {participant}, statement_id, :value, :language, :now FROM stored
)
SELECT EXISTS (SELECT FROM stored) AS recorded,
    (SELECT ok FROM current) AS current,
    (SELECT vote_count FROM participant_counted) AS counted,
    COALESCE(
        (SELECT vote_count FROM participant_counted),
        (SELECT vote_count FROM participant WHERE id = {participant})
    ) AS voted{columns}
FROM (SELECT) AS vote{joins}
"""
# The rows of another select read in the same statement (``cast_vote_reading``): one row when
# it has none, its columns null.
_READ_COLUMNS = ", read.*, read.id IS NOT NULL AS read_found"
_READ_JOIN = " LEFT JOIN ({select}) AS read ON true"
_READ_PLACEHOLDER = "__read_along__"
_CHECKED_TARGET = (
    "SELECT id FROM statement WHERE id = :statement_id AND round_id = :round_id"
    " AND status = ANY(:statuses)"
)
_ROUND_AT_VERSION = (
    "EXISTS (SELECT FROM round WHERE round.id = :round_id"
    " AND round.xmin = CAST(:round_version AS xid))"
)
# Whether the round's and the participant's rows are still at the versions the caller read
# them at (``cast_vote_reading``'s ``versions``); the guarded target votes only while they are.
_AT_VERSIONS = (
    f"{_ROUND_AT_VERSION} AND EXISTS (SELECT FROM participant"
    " WHERE participant.id = :participant_id"
    f" AND {PARTICIPANT_VERSION} = :participant_version)"
)
_GUARDED_TARGET = _CHECKED_TARGET + " AND (SELECT ok FROM current)"
_UNCHECKED_TARGET = "SELECT CAST(:statement_id AS INTEGER) AS id"
# Each target, with what its ``current`` is.
_TARGETS = {
    "unchecked": (_UNCHECKED_TARGET, "true"),
    "checked": (_CHECKED_TARGET, "true"),
    "guarded": (_GUARDED_TARGET, _AT_VERSIONS),
    "keyed": (
        _GUARDED_TARGET,
        f"{_ROUND_AT_VERSION} AND EXISTS (SELECT FROM who"
        " WHERE who.withdrawn_at IS NULL AND who.notice_version >= :notice_version)",
    ),
}
# The keyed target's voter (``Keyed``): the participant of round ``:round_id`` whose session
# key hashes to ``:key_hash`` (anonymised ones have none), with its version, the languages it
# reads (``Participant.reading_languages``, in no order) and whether they are all of the
# round's (``:round_languages``): what a queued check read along needs of it
# (``routing.keyed_queued_check``).
_KEYED = f"""who AS (
    SELECT found.*, :round_languages <@ found.reading AS reads_all
    FROM (
        SELECT participant.*, {PARTICIPANT_VERSION} AS version, CASE
            WHEN json_array_length(participant.reads) = 0
            THEN CAST(ARRAY[participant.language] AS VARCHAR[])
            ELSE CAST(ARRAY(SELECT json_array_elements_text(participant.reads)) AS VARCHAR[])
        END AS reading
        FROM participant
        WHERE participant.session_key_hash = :key_hash AND participant.round_id = :round_id
    ) AS found
),
"""
KEYED_PARTICIPANT_ID = "(SELECT id FROM who)"
"""SQL, in the keyed vote's statement: its voter's id (``None`` when no participant has the key)."""
# Its columns (JSON ones as text: on each row the read along adds, decoded once in ``_voter``).
_VOTER_JSON = frozenset(
    column.name
    for column in Participant.__table__.columns  # type: ignore[attr-defined]
    if isinstance(column.type, JSON)
)
_KEYED_COLUMNS = (
    "".join(
        f", CAST(who.{column.name} AS TEXT) AS participant_{column.name}"
        if column.name in _VOTER_JSON
        else f", who.{column.name} AS participant_{column.name}"
        for column in Participant.__table__.columns  # type: ignore[attr-defined]
    )
    + ", who.version AS participant_version"
)


@cache
def _vote_statement(target: str, read: bool = False) -> TextClause:
    """The vote's statement on one of the ``_TARGETS``; with ``read``, a place for another
    select (``_vote_reading``)."""
    where, current = _TARGETS[target]
    keyed = target == "keyed"
    sql = _VOTE_SQL.format(
        who=_KEYED if keyed else "",
        current=current,
        target=where,
        participant=KEYED_PARTICIPANT_ID if keyed else ":participant_id",
        columns=(_KEYED_COLUMNS if keyed else "") + (_READ_COLUMNS if read else ""),
        joins=(" LEFT JOIN who ON true" if keyed else "")
        + (_READ_JOIN.format(select=_READ_PLACEHOLDER) if read else ""),
    )
    statement = text(sql).bindparams(
        bindparam("round_id", type_=Integer()),
        bindparam("statement_id", type_=Integer()),
        bindparam("value", type_=Integer()),
        bindparam("language", type_=String()),
        bindparam("now", type_=DateTime()),
    )
    if not keyed:
        statement = statement.bindparams(bindparam("participant_id", type_=Integer()))
    if target != "unchecked":
        statement = statement.bindparams(bindparam("statuses", type_=ARRAY(String())))
    if target in ("guarded", "keyed"):
        statement = statement.bindparams(bindparam("round_version", type_=String()))
    if target == "guarded":
        statement = statement.bindparams(bindparam("participant_version", type_=String()))
    if keyed:
        statement = statement.bindparams(
            bindparam("key_hash", type_=String()),
            bindparam("notice_version", type_=Integer()),
            bindparam("round_languages", type_=ARRAY(String())),
        )
    return statement


@cache
def _vote_reading(target: str, read: PostgresStatement) -> PostgresStatement:
    """The vote's statement with ``read``'s select inside."""
    vote = postgres_statement(_vote_statement(target, read=True))
    assert vote is not None  # a text statement's SQL is fixed
    return PostgresStatement(vote.sql.replace(_READ_PLACEHOLDER, read.sql), vote.bound | read.bound)


class _Recorded(NamedTuple):
    """What ``_record_postgres``'s statement did: whether the vote was recorded (not when
    ``statuses`` were given and the statement is not of the round or not in them, nor when
    ``versions`` were given and a row is no longer at its version), whether the rows were
    still at those versions (always, without versions), the participant's new count when the
    vote is new (else None), the rows read along, the participant's count once the vote is
    counted (None when a keyed voter was not found) and a keyed voter's row when the vote was
    recorded."""

    recorded: bool
    current: bool
    counted: int | None
    rows: Sequence[Any]
    voted: int | None
    found: Found | None = None


def _record_postgres(
    session: Database,
    *,
    round_id: int,
    participant_id: int | None,
    statement_id: int,
    value: int,
    language: str | None,
    statuses: tuple[StatementStatus, ...] | None,
    read: tuple[PostgresStatement, dict[str, Any]] | None,
    versions: Versions | None,
    keyed: Keyed | None = None,
    languages: Sequence[str] = (),
) -> _Recorded:
    """What the vote's statement did (``_Recorded``); ``read``: a select and its parameters;
    ``keyed`` (with ``statuses``, for a round of ``languages``): the voter found by its key
    rather than ``participant_id``."""
    params: dict[str, Any] = {
        "round_id": round_id,
        "participant_id": participant_id,
        "statement_id": statement_id,
        "value": value,
        "language": language,
        "now": utcnow(),
    }
    target = "unchecked"
    if statuses is not None:
        params["statuses"] = [str(status) for status in statuses]
        target = "checked"
        if versions is not None:
            params["round_version"], params["participant_version"] = versions
            target = "guarded"
        elif keyed is not None:
            params |= {
                "key_hash": keyed.key_hash,
                "round_version": keyed.round_version,
                "notice_version": keyed.notice_version,
                "round_languages": list(languages),
            }
            target = "keyed"
    if read is None:
        (row,) = fetch(session, _vote_statement(target), params)
        rows: Sequence[Any] = ()
    else:
        rows = _vote_reading(target, read[0]).run(core_connection(session), read[1] | params)
        row = rows[0]
        rows = [found for found in rows if found.read_found]
    voter = _voter(row) if keyed is not None and row.recorded else None
    if row.counted is None:
        return _Recorded(
            bool(row.recorded),
            bool(row.current),
            None,
            rows,
            None if row.voted is None else int(row.voted),
            voter,
        )
    _counted(
        session,
        statement_id,
        row.participant_id if participant_id is None else participant_id,
        int(row.counted),
    )
    return _Recorded(True, True, int(row.counted), rows, int(row.counted), voter)


_VOTER_COLUMNS = tuple(column.name for column in Participant.__table__.columns)  # type: ignore[attr-defined]


def _voter(row: Any) -> Found:
    """A keyed voter's row, from the vote statement's ``participant_`` columns."""
    values = {name: getattr(row, f"participant_{name}") for name in _VOTER_COLUMNS}
    return Found(
        values | {name: json.loads(values[name]) for name in _VOTER_JSON}, row.participant_version
    )


@cache
def _votable_query() -> Select[Any]:
    return sql_select(col(Statement.id)).where(
        col(Statement.id) == bindparam("id"),
        col(Statement.round_id) == bindparam("round_id"),
        col(Statement.status).in_(bindparam("statuses", expanding=True)),
    )


@cache
def _sqlite_statements() -> tuple[Executable, Executable, Executable, Executable, Executable]:
    """The statements of ``_record_sqlite``, built once: insert-or-ignore, replace, the two
    counters and the event."""
    pair = and_(
        col(Vote.participant_id) == bindparam("pair_participant"),
        col(Vote.statement_id) == bindparam("pair_statement"),
    )
    return (
        sqlite.insert(Vote)
        .on_conflict_do_nothing(index_elements=["participant_id", "statement_id"])
        .returning(col(Vote.id)),
        update(Vote)
        .where(pair)
        .values(
            value=bindparam("new_value"),
            language=bindparam("new_language"),
            updated_at=bindparam("now"),
        ),
        update(Statement)
        .where(col(Statement.id) == bindparam("counted_id"))
        .values(vote_count=Statement.vote_count + 1),
        update(Participant)
        .where(col(Participant.id) == bindparam("counted_id"))
        .values(vote_count=Participant.vote_count + 1)
        .returning(col(Participant.vote_count)),
        insert(VoteEvent),
    )


def _record_sqlite(
    session: Database,
    *,
    round_id: int,
    participant_id: int,
    statement_id: int,
    value: int,
    language: str | None,
) -> int | None:
    now = utcnow()
    insert_new, replace, count_statement, count_participant, log = _sqlite_statements()
    connection = core_connection(session)
    row = {
        "round_id": round_id,
        "participant_id": participant_id,
        "statement_id": statement_id,
        "value": value,
        "language": language,
    }
    inserted = connection.execute(insert_new, row | {"created_at": now, "updated_at": now}).first()
    counted = None
    if inserted is None:
        connection.execute(
            replace,
            {
                "pair_participant": participant_id,
                "pair_statement": statement_id,
                "new_value": value,
                "new_language": language,
                "now": now,
            },
        )
    else:
        connection.execute(count_statement, {"counted_id": statement_id})
        counted = connection.execute(count_participant, {"counted_id": participant_id}).scalar_one()
    connection.execute(log, row | {"created_at": now})
    if counted is None:
        return None
    _counted(session, statement_id, participant_id, int(counted))
    return int(counted)
