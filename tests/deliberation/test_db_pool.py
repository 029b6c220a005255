"""Pooled PostgreSQL connections: pinged only after idling, replaced when found dead, with\ngeneric plans, and what psycopg prepared on them kept by requests that wrote nothing."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from flask import Flask
from sqlalchemy import Engine, bindparam, event, make_url, text, update
from sqlmodel import Session, col, select

from deliberation import db
from deliberation.models import Phase, Round
from tests.conftest import POSTGRES_URL
from tests.factories import make_round


def _pings(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record every ping the pool makes."""
    pings: list[int] = []
    ping = engine.dialect.do_ping

    def counted(dbapi_connection: Any) -> bool:
        pings.append(1)
        return ping(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counted)
    return pings


@pytest.mark.postgres
def test_a_connection_is_pinged_only_after_idling(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = db.make_engine(POSTGRES_URL)
    pings = _pings(engine, monkeypatch)
    try:
        for _ in range(3):
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        assert pings == []
        monkeypatch.setattr(db, "IDLE_PING_SECONDS", 0.0)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        assert pings == [1]
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_a_connection_that_died_while_idle_is_replaced_before_use(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    engine = db.make_engine(POSTGRES_URL)
    try:
        with engine.connect() as connection:
            dead = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        dsn = make_url(POSTGRES_URL).set(drivername="postgresql")
        with psycopg.connect(dsn.render_as_string(hide_password=False), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (dead,))
        monkeypatch.setattr(db, "IDLE_PING_SECONDS", 0.0)
        with engine.connect() as connection:
            alive = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        assert alive != dead
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_connections_use_generic_plans() -> None:
    engine = db.make_engine(POSTGRES_URL)
    try:
        with engine.connect() as connection:
            mode = connection.execute(text("SHOW plan_cache_mode")).scalar_one()
        assert mode == "force_generic_plan"
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_a_request_that_only_read_keeps_the_statements_psycopg_prepared(
    session: Session, app: Flask
) -> None:
    """A rollback makes psycopg forget what it prepared; a request that wrote nothing ends
    with a commit instead, and one that wrote is still rolled back."""
    round_ = make_round(session, phase=Phase.OPEN)
    ended: list[str] = []
    engine = app.extensions["palabre.engine"]
    for name in ("commit", "rollback"):
        event.listen(engine, name, lambda _connection, name=name: ended.append(name))
    with app.test_request_context():
        db.get_session().execute(select(Round.title).where(col(Round.id) == round_.id)).one()
        db.close_session(None)
    assert ended == ["commit"]

    ended.clear()
    with app.test_request_context():
        db.get_session().execute(
            update(Round).where(col(Round.id) == round_.id).values(topic="written")
        )
        db.close_session(None)
    assert ended == ["rollback"]
    session.expire_all()
    assert session.get(Round, round_.id).topic != "written"  # type: ignore[union-attr]


def test_a_request_ends_with_its_connection_back_in_the_pool(session: Session, app: Flask) -> None:
    """Committed and holding nothing, a request's session is dropped without closing; one
    that still holds objects or a transaction is closed, its uncommitted writes undone."""
    round_ = make_round(session, phase=Phase.OPEN)
    engine = app.extensions["palabre.engine"]
    with app.test_request_context():
        request_session = db.get_session()
        request_session.execute(select(Round.id).where(col(Round.id) == round_.id)).one()
        request_session.commit()
        db.close_session(None)
        assert engine.pool.checkedout() == 0
    with app.test_request_context():
        loaded = db.get_session().get(Round, round_.id)
        assert loaded is not None
        loaded.topic = "not committed"
        db.close_session(None)
        assert engine.pool.checkedout() == 0
    session.expire_all()
    assert session.get(Round, round_.id).topic != "not committed"  # type: ignore[union-attr]


def _topic(session: Session, round_id: int | None) -> str:
    """The round's topic as committed (the test's session then gives its connection back)."""
    session.expire_all()
    loaded = session.get(Round, round_id)
    assert loaded is not None
    session.commit()
    return loaded.topic


def _write_topic(topic: str, round_id: int | None) -> None:
    """Write the topic on the request's own connection, prepared on PostgreSQL."""
    statement = update(Round).where(col(Round.id) == bindparam("round")).values(topic=topic)
    db.fetch(db.request_connection(), statement.returning(col(Round.id)), {"round": round_id})


def test_a_request_commits_and_closes_its_own_connection(session: Session, app: Flask) -> None:
    """Without a session, the request's own connection: ``commit_request`` commits what ran
    on it (prepared statements too, which run beside SQLAlchemy on PostgreSQL); teardown
    rolls back what was not committed and gives the connection back."""
    round_ = make_round(session, phase=Phase.OPEN)
    engine = app.extensions["palabre.engine"]
    with app.test_request_context():
        _write_topic("committed", round_.id)
        db.commit_request()
        db.close_session(None)
        assert engine.pool.checkedout() == 0
    assert _topic(session, round_.id) == "committed"
    with app.test_request_context():
        _write_topic("not committed", round_.id)
        db.close_session(None)
        assert engine.pool.checkedout() == 0
    assert _topic(session, round_.id) == "committed"
    with app.test_request_context():
        _write_topic("rolled back", round_.id)
        db.rollback_request()
        db.commit_request()
        db.close_session(None)
    assert _topic(session, round_.id) == "committed"


def test_a_session_opened_after_the_connection_shares_its_transaction(
    session: Session, app: Flask
) -> None:
    """What ran on the request's connection and what the session then writes are one
    transaction: committed together, or rolled back together."""
    round_ = make_round(session, phase=Phase.OPEN)
    with app.test_request_context():
        _write_topic("first", round_.id)
        request_session = db.get_session()
        assert db.request_connection() is request_session.connection()
        loaded = request_session.get(Round, round_.id)
        assert loaded is not None
        assert loaded.topic == "first"  # the same transaction
        loaded.title = {"en": "Both"}
        db.close_session(None)
    assert _topic(session, round_.id) != "first"
    with app.test_request_context():
        _write_topic("first", round_.id)
        request_session = db.get_session()
        loaded = request_session.get(Round, round_.id)
        assert loaded is not None
        loaded.title = {"en": "Both"}
        db.commit_request()
        db.close_session(None)
    assert _topic(session, round_.id) == "first"
    assert session.get(Round, round_.id).title == {"en": "Both"}  # type: ignore[union-attr]
    session.commit()


def _topics(session: Session, round_id: int | None) -> tuple[str | None, dict[str, str]]:
    """The round's topic and title as committed (``session``'s transaction ended, so that it
    holds no pooled connection)."""
    session.expire_all()
    loaded = session.get(Round, round_id)
    assert loaded is not None
    found = loaded.topic, loaded.title
    session.rollback()
    return found


def test_an_autocommit_request_commits_each_statement_on_postgresql(
    session: Session, app: Flask
) -> None:
    """``autocommit_request``: on PostgreSQL each statement on the request's own connection
    commits as it ends, so another connection sees it at once and a rollback cannot undo it;
    the connection goes back to the pool in one-transaction mode. On SQLite nothing changes:
    what was not committed is rolled back."""
    round_ = make_round(session, phase=Phase.OPEN)
    engine = app.extensions["palabre.engine"]
    with app.test_request_context():
        db.autocommit_request()
        _write_topic("at once", round_.id)
        if POSTGRES_URL:
            assert _topics(session, round_.id)[0] == "at once"
        db.rollback_request()
        db.close_session(None)
        assert engine.pool.checkedout() == 0
    assert _topics(session, round_.id)[0] == ("at once" if POSTGRES_URL else "climate")
    with engine.connect() as connection:  # the pool's last one in: the request's
        if POSTGRES_URL:
            assert connection.connection.driver_connection.autocommit is False  # type: ignore[union-attr]
        connection.execute(update(Round).where(col(Round.id) == round_.id).values(topic="kept"))
        connection.rollback()
    assert _topics(session, round_.id)[0] == ("at once" if POSTGRES_URL else "climate")


def test_a_session_opened_after_autocommit_runs_in_one_transaction(
    session: Session, app: Flask
) -> None:
    """A session opened after ``autocommit_request`` turns the connection back to one
    transaction: its writes, and the statements run on the connection after it, commit
    together or not at all; what ran before it has committed (PostgreSQL)."""
    round_ = make_round(session, phase=Phase.OPEN)
    with app.test_request_context():
        db.autocommit_request()
        _write_topic("before", round_.id)
        request_session = db.get_session()
        assert db.request_connection() is request_session.connection()
        loaded = request_session.get(Round, round_.id)
        assert loaded is not None
        loaded.title = {"en": "Together"}
        request_session.flush()
        _write_topic("after", round_.id)
        db.rollback_request()
        db.close_session(None)
    assert _topics(session, round_.id) == ("before" if POSTGRES_URL else "climate", round_.title)
    with app.test_request_context():
        db.autocommit_request()
        request_session = db.get_session()
        loaded = request_session.get(Round, round_.id)
        assert loaded is not None
        loaded.title = {"en": "Together"}
        _write_topic("after", round_.id)
        db.commit_request()
        db.close_session(None)
    assert _topics(session, round_.id) == ("after", {"en": "Together"})


def test_autocommit_leaves_a_request_with_a_session_in_its_transaction(
    session: Session, app: Flask
) -> None:
    round_ = make_round(session, phase=Phase.OPEN)
    with app.test_request_context():
        request_session = db.get_session()
        db.autocommit_request()
        _write_topic("in the session's transaction", round_.id)
        assert db.request_connection() is request_session.connection()
        db.rollback_request()
        db.close_session(None)
    assert _topics(session, round_.id)[0] == "climate"
