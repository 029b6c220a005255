"""The migrations, applied to an empty database, give exactly the models' schema.

On SQLite a fresh file; on PostgreSQL (in the run where ``PALABRE_TEST_DATABASE_URL`` is set) a
temporary database created on the same server for this test and dropped after it.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, make_url, text
from sqlmodel import SQLModel

import deliberation.models  # noqa: F401 - registers every table
from deliberation import migrations
from deliberation.db import make_engine
from tests.conftest import POSTGRES_URL

# The PostgreSQL case is deselected in the SQLite run (tests/guards.py), never skipped.
ENGINES = ["sqlite_engine", pytest.param("postgres_engine", marks=pytest.mark.postgres)]


def _differences(engine: Engine) -> list[Any]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, SQLModel.metadata))


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'migrations.sqlite3'}")
    yield engine
    engine.dispose()


@pytest.fixture
def postgres_engine() -> Iterator[Engine]:
    """An engine on a new, empty PostgreSQL database, dropped afterwards."""
    name = f"palabre_migrations_{secrets.token_hex(4)}"
    admin = make_engine(POSTGRES_URL).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(make_url(POSTGRES_URL).set(database=name).render_as_string(False))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.parametrize("engine_fixture", ENGINES)
def test_migrations_on_an_empty_database_match_the_models(
    request: pytest.FixtureRequest, engine_fixture: str
) -> None:
    engine: Engine = request.getfixturevalue(engine_fixture)
    assert inspect(engine).get_table_names() == []

    migrations.upgrade(engine)

    assert _differences(engine) == []
    assert set(SQLModel.metadata.tables) <= set(inspect(engine).get_table_names())


@pytest.mark.parametrize("engine_fixture", ENGINES)
def test_migrations_downgrade_to_nothing_and_upgrade_again(
    request: pytest.FixtureRequest, engine_fixture: str
) -> None:
    engine: Engine = request.getfixturevalue(engine_fixture)
    migrations.upgrade(engine)

    command.downgrade(migrations.alembic_config(engine), "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}

    migrations.upgrade(engine)
    assert _differences(engine) == []
