"""Pooled PostgreSQL connections: pinged only after idling, replaced when found dead, with\ngeneric plans, and what psycopg prepared on them kept by requests that wrote nothing."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from flask import Flask
from sqlalchemy import Engine, event, make_url, text, update
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
