"""The database engine and one SQLModel session per request, or for a path that only runs SQL
(the vote) the request's own connection, which a session opened later shares.

The request owns the transaction: services add, flush and raise, but never commit; the view
commits once when its use case has succeeded (``db.commit()``, or ``commit_request`` on a path
that may not have opened a session). A domain error rolls back (``rollback_request``, called by
the error handlers), and teardown closes the session and the connection, which rolls back
whatever was not committed, so a failed request leaves nothing behind.

One exception, on PostgreSQL: a path whose every write is a single statement (the vote) may run
each statement in a transaction of its own (``autocommit_request``), without the two round trips
that opening and committing one cost it.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import cache
from typing import Any, TypeVar

import psycopg
from flask import Flask, current_app, g
from psycopg.rows import RowMaker, namedtuple_row
from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Connection,
    Engine,
    Integer,
    String,
    any_,
    bindparam,
    event,
    inspect,
    text,
)
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
from sqlalchemy.exc import DBAPIError, DisconnectionError, SQLAlchemyError
from sqlalchemy.orm import Mapper, configure_mappers, make_transient_to_detached
from sqlalchemy.orm.attributes import instance_state
from sqlalchemy.sql import Executable
from sqlmodel import Session, SQLModel, create_engine

IDLE_PING_SECONDS = 5.0

M = TypeVar("M", bound=SQLModel)


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout for concurrent writers."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30}
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    engine = create_engine(
        url,
        echo=echo,
        pool_size=10,
        max_overflow=20,
        pool_use_lifo=True,
        json_deserializer=json_loads,
        connect_args={"options": "-c plan_cache_mode=force_generic_plan"},
    )
    _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: Engine) -> None:
    """Check a pooled connection before use only when it sat idle for ``IDLE_PING_SECONDS``.

    A ping on every checkout (``pool_pre_ping``) costs a round trip per request; a connection
    used moments ago is alive, while one idle for long may have been closed by the server or a
    restart. A dead one is replaced before the request sees it (``DisconnectionError`` makes the
    pool retry with a new connection)."""

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < IDLE_PING_SECONDS:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error:
            alive = False
        if not alive:
            raise DisconnectionError("connection lost while idle in the pool")


def init_app(app: Flask) -> None:
    app.extensions["palabre.engine"] = make_engine(
        app.config["DATABASE_URL"], echo=app.config["SQL_ECHO"]
    )
    app.teardown_appcontext(close_session)


def engine() -> Engine:
    """The current app's engine."""
    result: Engine = current_app.extensions["palabre.engine"]
    return result


Database = Session | Connection
"""Where SQL runs: a session, or a Core connection (``request_connection``)."""


def _opened() -> tuple[Any, Session | None, Connection | None]:
    """The request's ``g`` (read once: each read of the proxy costs a context lookup), its
    session and its own connection, each None until opened."""
    store = g._get_current_object()  # type: ignore[attr-defined]
    return store, getattr(store, "db_session", None), getattr(store, "db_connection", None)


def get_session() -> Session:
    """The request's session, opened on first use and closed at teardown; on the request's
    own connection when it opened one first (``request_connection``), whose transaction the
    session then takes over: committing the session commits it. A connection that autocommits
    (``autocommit_request``) goes back to one transaction first: the session's."""
    store, session, connection = _opened()
    if session is None:
        if connection is None:
            session = Session(engine(), expire_on_commit=False)
        else:
            _one_transaction(connection)
            session = Session(
                connection, expire_on_commit=False, join_transaction_mode="control_fully"
            )
        store.db_session = session
    return session


def request_connection() -> Connection:
    """The request's Core connection, in the request's transaction: the session's when the
    request opened one, else a connection of its own, for a path that only runs SQL (the
    vote): an ORM session's transaction costs it more than its SQL. A session opened later
    works on that connection (``get_session``). ``commit_request`` commits; teardown closes
    the connection, rolling back what was not committed."""
    store, session, connection = _opened()
    if session is not None:
        return core_connection(session)
    if connection is None:
        connection = store.db_connection = engine().connect()
    return connection


def autocommit_request() -> None:
    """From here, on PostgreSQL, each statement the request runs on its own connection
    (``request_connection``) commits on its own: the driver's autocommit, with no ``BEGIN``
    and ``COMMIT`` round trips around it, and the row locks a write takes released as soon as
    it ends. Only for a path whose every write is one statement (a vote: one statement records
    it, its counters and its event), called before it runs any SQL. A session opened later
    turns the connection back to one transaction, for the session's writes (``get_session``);
    teardown does too, before the connection goes back to the pool. Nothing on SQLite, where
    such a path runs in one transaction as any other, nor once the request has a session (it
    runs in the session's transaction) or its connection."""
    store, session, connection = _opened()
    if session is not None or connection is not None:
        return
    connection = store.db_connection = engine().connect()
    if connection.dialect.name == "postgresql":
        _driver(connection).autocommit = True


def _driver(connection: Connection) -> psycopg.Connection[Any]:
    """The psycopg connection under ``connection`` (PostgreSQL)."""
    return connection.connection.driver_connection  # type: ignore[return-value]


def _autocommits(connection: Connection) -> bool:
    """Whether ``connection`` runs each statement in a transaction of its own
    (``autocommit_request``); a connection that lost its driver connection does not."""
    return (
        connection.dialect.name == "postgresql"
        and not connection.invalidated
        and _driver(connection).autocommit
    )


def _one_transaction(connection: Connection) -> None:
    """Turn a connection that autocommits back to transactions (what it ran has committed;
    a transaction SQLAlchemy may have begun on it, holding nothing in the driver, goes on)."""
    if _autocommits(connection):
        _driver(connection).autocommit = False


def _request_transaction() -> Session | Connection | None:
    """What holds the request's transaction: its session, else its own connection, if it
    opened either."""
    _store, session, connection = _opened()
    return session if session is not None else connection


def commit_request() -> None:
    """Commit the request's transaction: its session's, else its own connection's."""
    transaction = _request_transaction()
    if transaction is not None:
        transaction.commit()


def is_postgres(db: Database | Engine) -> bool:
    """Whether ``db`` runs on PostgreSQL."""
    bind = db.get_bind() if isinstance(db, Session) else db
    return bind.dialect.name == "postgresql"


def core_connection(db: Database) -> Connection:
    """``db`` when it is a connection; a session's connection, its pending objects flushed
    first (a statement just added, say, that a vote refers to): the hot path reads and writes
    in SQL, around the ORM."""
    if isinstance(db, Connection):
        return db
    db.flush()
    return db.connection()


def fetch(db: Database, statement: Executable, params: dict[str, Any]) -> Sequence[Any]:
    """The rows of Core ``statement`` (built once) for ``params``, with named fields, in
    ``db``'s transaction (a session's pending objects flushed first, see ``core_connection``).

    On PostgreSQL a statement whose SQL is fixed (no list for SQLAlchemy to expand at
    execution: ``in_list`` binds arrays there) is compiled once and run prepared straight on
    the driver's connection (``PostgresStatement``). Other statements, and every statement
    elsewhere, run through SQLAlchemy."""
    connection = core_connection(db)
    prepared = postgres_statement(statement) if connection.dialect.name == "postgresql" else None
    if prepared is None:
        return connection.execute(statement, params).all()
    return prepared.run(connection, params)


@dataclass(frozen=True, eq=False)
class PostgresStatement:
    """A statement's SQL for psycopg, ``%(name)s`` parameters, and the values it binds itself
    (its literals): for the small statements of the vote path, SQLAlchemy's execution (cache
    key, parameter and result processing) costs more than PostgreSQL takes to answer.

    Values are then the driver's (the same for the types the hot path reads: numbers, text,
    JSON, timestamps) and parameters are passed as the driver adapts them, but for a list of
    whole numbers or of texts bound to a parameter the SQL casts to an array: that one is
    passed as the text of the array (``array_text``), which the cast reads. psycopg's own
    adaptation of a list looks at each item's type and cost more than the rest of a vote's
    parameters. SQLAlchemy's statement events and ``SQL_ECHO`` do not see these statements.

    The SQL goes to the server with its parameters numbered (``$1``), as converted once here,
    through psycopg's raw cursor: psycopg's cursor converts ``%(name)s`` parameters again on
    every execution (and, past a length, parses the whole statement again)."""

    sql: str
    bound: dict[str, Any]
    _row_makers: dict[int, RowMaker[Any]] = field(default_factory=dict, init=False, repr=False)
    _arrays: frozenset[str] = field(init=False, repr=False)
    _query: bytes = field(init=False, repr=False)
    _names: tuple[str, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_arrays", frozenset(ARRAY_PARAMETER.findall(self.sql)))
        names: dict[str, int] = {}

        def numbered(match: re.Match[str]) -> str:
            name = match.group(1)
            if name is None:
                return "%"  # ``%%``: a percent sign
            return f"${names.setdefault(name, len(names) + 1)}"

        object.__setattr__(self, "_query", PARAMETER.sub(numbered, self.sql).encode())
        object.__setattr__(self, "_names", tuple(names))

    def _rows(self, cursor: psycopg.Cursor[Any]) -> RowMaker[Any]:
        """psycopg's ``namedtuple_row``, made once per statement: its SQL is fixed, so are its
        columns (building the row's type from them again cost more than reading the row)."""
        result = cursor.pgresult
        fields = result.nfields if result is not None else -1
        maker = self._row_makers.get(fields)
        if maker is None:
            maker = self._row_makers[fields] = namedtuple_row(cursor)
        return maker

    def run(self, connection: Connection, params: dict[str, Any]) -> Sequence[Any]:
        """The rows for ``params`` (with named fields), run prepared on ``connection``'s
        driver connection, in its transaction, begun first when it has none (the driver
        would otherwise open one that ``connection`` does not know of: its commit would
        commit nothing), unless the driver autocommits (``autocommit_request``). A driver
        error is raised as SQLAlchemy raises it (``DBAPIError`` and its subclasses), and a
        connection the error left unusable is invalidated, so that the pool replaces it, as
        SQLAlchemy does."""
        driver = _driver(connection)
        if not (driver.autocommit or connection.in_transaction()):
            connection.begin()
        bound = self.bound | params
        for name in self._arrays & bound.keys():
            bound[name] = array_text(bound[name])
        cursor = _statement_cursor(connection, driver)
        cursor.row_factory = self._rows
        try:
            cursor.execute(self._query, [bound[name] for name in self._names], prepare=True)
            return cursor.fetchall()
        except psycopg.Error as error:
            if driver.closed or driver.broken:
                connection.invalidate(error)
            raise DBAPIError.instance(self.sql, bound, error, psycopg.Error) from error


def _statement_cursor(
    connection: Connection, driver: psycopg.Connection[Any]
) -> psycopg.RawCursor[Any]:
    """The cursor ``PostgresStatement`` runs on ``driver`` (``connection``'s), made once per
    driver connection and kept with it in the pool: a new cursor copies the connection's
    adapters, which cost more than binding a vote's parameters."""
    info = connection.connection.info
    cursor: psycopg.RawCursor[Any] | None = info.get("palabre.cursor")
    if cursor is None or cursor.closed or cursor.connection is not driver:
        cursor = info["palabre.cursor"] = psycopg.RawCursor(driver)
    return cursor


ARRAY_PARAMETER = re.compile(r"%\((\w+)\)s::[A-Z ]+\[\]")
PARAMETER = re.compile(r"%\((\w+)\)s|%%")
"""A parameter as SQLAlchemy writes it for psycopg (``%(name)s``), or an escaped percent sign."""
"""A parameter the SQL casts to an array type, as SQLAlchemy writes it for psycopg."""


def array_text(values: Any) -> Any:
    """``values``, a list of whole numbers or of texts, as the text of a PostgreSQL array
    (each text quoted, its quotes and backslashes escaped); anything else as it is."""
    if type(values) is not list:
        return values
    kinds = set(map(type, values))
    if kinds <= {int}:
        return "{" + ",".join(map(str, values)) + "}"
    if kinds == {str}:
        return "{" + ",".join([f'"{value.translate(ARRAY_ESCAPES)}"' for value in values]) + "}"
    return values


ARRAY_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"'})


def json_loads(data: bytes | str) -> Any:
    """``json.loads`` of a JSON value as psycopg reads it (UTF-8 bytes), decoded first: given
    bytes, ``json.loads`` works out their encoding in Python for every value."""
    return json.loads(data.decode() if isinstance(data, bytes) else data)


@cache
def postgres_statement(statement: Executable) -> PostgresStatement | None:
    """``statement`` compiled for psycopg, once; None when SQLAlchemy must finish its SQL at
    execution."""
    compiled = statement.compile(dialect=PGDialect_psycopg())  # type: ignore[attr-defined]
    if "POSTCOMPILE" in compiled.string:
        return None
    return PostgresStatement(
        compiled.string, {k: v for k, v in compiled.params.items() if v is not None}
    )


def attached(session: Session, model: type[M], values: dict[str, Any]) -> M:
    """The ``model`` instance of these column ``values`` (its ``id`` among them), as the ORM
    would load it, in ``session``: for rows read with ``fetch``. The columns not given load on
    first access, as with ``load_only``; the session's own instance, when it holds one, is
    returned as it is."""
    mapper = _mapper(model)
    known = session.identity_map.get(mapper.identity_key_from_primary_key((values["id"],)))
    if known is not None:
        return known  # type: ignore[return-value]
    instance: M = mapper.class_manager.new_instance()
    instance_state(instance).dict.update(values)
    make_transient_to_detached(instance)
    session.add(instance)
    return instance


def detached(model: type[M], values: dict[str, Any]) -> M:
    """The ``model`` instance of these column ``values`` (every column: for a row read with
    ``fetch`` that the request only reads), as loaded and then detached: none of the cost of
    joining a session (``attached``), but nothing loads on access either (a column not given
    raises ``DetachedInstanceError``) and nothing it changes is written back."""
    instance: M = _mapper(model).class_manager.new_instance()
    instance_state(instance).dict.update(values)
    make_transient_to_detached(instance)
    return instance


@cache
def _mapper(model: type[SQLModel]) -> Mapper[Any]:
    """``model``'s mapper, the mappers configured first (once)."""
    configure_mappers()
    return inspect(model)


def in_list(column: Any, name: str, item: Integer | String, postgres: bool) -> ColumnElement[bool]:
    """``column IN`` the bound list ``name``: on PostgreSQL as ``= ANY(array)``, whose SQL text
    does not change with the list (the driver keeps it parsed and the server keeps its plan);
    elsewhere as an expanding ``IN``."""
    if postgres:
        return column == any_(bindparam(name, type_=ARRAY(item)))  # type: ignore[no-any-return]
    return column.in_(bindparam(name, expanding=True))  # type: ignore[no-any-return]


@contextmanager
def session_scope() -> Iterator[Session]:
    """A session outside a request (CLI commands, background work)."""
    with Session(engine(), expire_on_commit=False) as session:
        yield session


def rollback_request() -> None:
    """Undo the request's uncommitted changes, if it opened a session or a connection."""
    transaction = _request_transaction()
    if transaction is not None:
        transaction.rollback()


def close_session(_exc: BaseException | None) -> None:
    """Close the request's session and its own connection: what was not committed is rolled
    back. On PostgreSQL a transaction that wrote nothing (the server assigned it no
    transaction id: a page that only read) is committed instead, which is the same for the
    data: psycopg forgets every statement it prepared on a connection whenever it rolls back,
    and would parse and plan them again."""
    session: Session | None = g.pop("db_session", None)
    connection: Connection | None = g.pop("db_connection", None)
    if session is not None:
        _close(session)
    if connection is not None:
        if _autocommits(connection):
            try:
                _one_transaction(connection)
            except psycopg.Error:
                connection.invalidate()  # never back to the pool autocommitting
        elif connection.in_transaction() and _wrote_nothing(connection):
            with suppress(SQLAlchemyError):
                connection.commit()
        connection.close()


def _close(session: Session) -> None:
    transaction = session.get_transaction()
    if transaction is None and not session.identity_map and not session.new:
        return  # committed and holding nothing: no connection outside a transaction
    if (
        transaction is not None
        and transaction.is_active
        and not (session.new or session.dirty or session.deleted)
        and _wrote_nothing(session.connection())
    ):
        with suppress(SQLAlchemyError):
            session.commit()
    session.close()


def _wrote_nothing(connection: Connection) -> bool:
    """On PostgreSQL, whether ``connection``'s transaction has written nothing; False
    elsewhere, and for a failed transaction (closing rolls it back)."""
    if connection.dialect.name != "postgresql":
        return False
    try:
        wrote = connection.execute(text("SELECT pg_current_xact_id_if_assigned() IS NOT NULL"))
        return not wrote.scalar_one()
    except SQLAlchemyError:
        return False
