"""Pooled PostgreSQL connections: pinged only after idling, and replaced when found dead."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from sqlalchemy import Engine, make_url, text

from deliberation import db
from tests.conftest import POSTGRES_URL


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
