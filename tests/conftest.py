"""Fixtures: each test builds its own app, database and client.

Tests run on SQLite (a fresh file per test) by default, and on PostgreSQL when
``PALABRE_TEST_DATABASE_URL`` names a database the tests own: the schema is created once per
run and every table is emptied between tests; every app of that run is checked to be on
PostgreSQL. The run's rules (no developer ``PALABRE_*`` settings, PostgreSQL-only tests, no
skips under CI) are in ``tests/guards.py``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import settings
from sqlalchemy import text
from sqlmodel import Session, SQLModel

import deliberation.models  # noqa: F401 - registers every table
from app import create_app
from deliberation.db import make_engine

pytest.register_assert_rewrite("tests.guards")
from tests.guards import postgres_url, require_postgresql  # noqa: E402

pytest_plugins = ("tests.guards", "pytester")

POSTGRES_URL = postgres_url()
# The suite passes its own configuration, secret included, to ``create_app``: it needs no
# environment mode that would weaken the checks of ``load_config``.
TEST_SECRET = "palabre-test-suite-secret-of-at-least-32-bytes"

# In CI, property tests draw the same examples on every run: a red CI then always means the
# code changed. Locally they explore new examples each time.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI") == "true":
    settings.load_profile("ci")


@pytest.fixture(scope="session")
def postgres_schema() -> str:
    """Create the schema once in the PostgreSQL test database; yield its URL."""
    engine = make_engine(POSTGRES_URL)
    require_postgresql(engine)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    SQLModel.metadata.create_all(engine)
    engine.dispose()
    return POSTGRES_URL


def _wipe_postgres(url: str) -> None:
    engine = make_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if POSTGRES_URL:
        url = request.getfixturevalue("postgres_schema")
        _wipe_postgres(url)
        yield url
        return
    url = f"sqlite:///{tmp_path / 'test.sqlite3'}"
    engine = make_engine(url)
    SQLModel.metadata.create_all(engine)
    engine.dispose()
    yield url


@pytest.fixture
def app_config(database_url: str, tmp_path: Path) -> dict[str, Any]:
    """Settings for the test app; override keys in a test module's own fixture."""
    return {
        "TESTING": True,
        "SECRET_KEY": TEST_SECRET,
        "DATABASE_URL": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "ROUTING_SEED": 1,
        "VOTABLE_COUNT_SECONDS": 0,
        "SESSION_COOKIE_SECURE": False,
    }


@pytest.fixture
def app(
    app_config: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Flask]:
    monkeypatch.setenv("PALABRE_INSTANCE_PATH", str(tmp_path / "instance"))
    application = create_app(app_config)
    if POSTGRES_URL:
        require_postgresql(application.extensions["palabre.engine"])
    with application.app_context():
        yield application
    application.extensions["palabre.engine"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    with Session(app.extensions["palabre.engine"], expire_on_commit=False) as db:
        yield db
