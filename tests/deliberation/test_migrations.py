"""The migrations, applied to an empty database, give exactly the models' schema.

On SQLite a fresh file; on PostgreSQL (in the run where ``PALABRE_TEST_DATABASE_URL`` is set) a
temporary database created on the same server for this test and dropped after it.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, make_url, text
from sqlmodel import Session, SQLModel

import deliberation.models  # noqa: F401 - registers every table
from deliberation import migrations
from deliberation.db import make_engine
from deliberation.models import TextKind, Translation, TranslationOrigin
from tests.conftest import POSTGRES_URL
from tests.factories import make_round, make_statement, make_translation

# The PostgreSQL case is deselected in the SQLite run (tests/guards.py), never skipped.
ENGINES = ["sqlite_engine", pytest.param("postgres_engine", marks=pytest.mark.postgres)]


def _differences(engine: Engine) -> list[Any]:
    """What the models have that the database lacks. On SQLite, translation.text keeps the
    VARCHAR(2000) it was created with: 0018 widens it on PostgreSQL only (SQLite does not
    enforce a length, and rebuilding a parent table would cascade deletes)."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        found = list(compare_metadata(context, SQLModel.metadata))
    if engine.dialect.name != "sqlite":
        return found
    return [d for d in found if not _sqlite_translation_width(d)]


def _sqlite_translation_width(difference: Any) -> bool:
    changes = difference if isinstance(difference, list) else [difference]
    return all(
        isinstance(change, tuple)
        and change[0] == "modify_type"
        and change[2:4]
        == (
            "translation",
            "text",
        )
        for change in changes
    )


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


@pytest.mark.parametrize("engine_fixture", ENGINES)
def test_0003_moves_the_moderation_log_into_the_audit_log_and_creators_own_territories(
    request: pytest.FixtureRequest, engine_fixture: str
) -> None:
    engine: Engine = request.getfixturevalue(engine_fixture)
    migrations.upgrade(engine, "0002")
    with engine.begin() as connection:
        for sql in (
            "INSERT INTO account (id, email, password_hash, role, created_at) "
            "VALUES (1, 'a@example.org', 'x', 'facilitator', '2026-01-01 00:00:00+00')",
            "INSERT INTO territory (id, slug, kind, names, created_by_id, created_at) "
            "VALUES (1, 'kehl', 'municipality', '{}', 1, '2026-01-01 00:00:00+00'), "
            "(2, 'orphan', 'municipality', '{}', NULL, '2026-01-01 00:00:00+00')",
            "INSERT INTO round (id, slug, title, question, framing, topic, languages, phase, "
            "moderation_mode, max_statement_length, time_zone, min_votes_for_map, privacy_k, "
            "created_at) VALUES (1, 'r', '{}', '{}', '{}', 'climate', '[]', 'open', 'post', 280, "
            "'UTC', 7, 5, '2026-01-01 00:00:00+00')",
            "INSERT INTO statement (id, round_id, text, normalized_text, language, is_seed, "
            "is_meta, status, vote_count, created_at) VALUES (7, 1, 't', 't', 'en', false, "
            "false, 'rejected', 0, '2026-01-01 00:00:00+00')",
            "INSERT INTO moderation_log (round_id, statement_id, user_id, action, reason, "
            "created_at) VALUES (1, 7, 1, 'reject', 'Off topic', '2026-01-02 00:00:00+00'), "
            "(1, 7, NULL, 'meta', NULL, '2026-01-03 00:00:00+00')",
        ):
            connection.execute(text(sql))

    migrations.upgrade(engine)

    with engine.connect() as connection:
        entries = connection.execute(
            text(
                "SELECT actor_kind, actor_user_id, action, target_kind, target_id, round_id, "
                "details FROM audit_entry ORDER BY id"
            )
        ).all()
        owners = connection.execute(text("SELECT territory_id, user_id FROM territory_owner"))
        versions = connection.execute(text("SELECT session_version FROM account")).scalars()
        assert [tuple(owner) for owner in owners] == [(1, 1)]
        assert list(versions) == [1]
    details = [row[-1] if isinstance(row[-1], dict) else json.loads(row[-1]) for row in entries]
    assert [tuple(row[:-1]) for row in entries] == [
        ("account", 1, "statement.reject", "statement", 7, 1),
        ("account", None, "statement.meta", "statement", 7, 1),
    ]
    assert details == [{"reason": "Off topic"}, {}]
    assert "moderation_log" not in inspect(engine).get_table_names()

    command.downgrade(migrations.alembic_config(engine), "0002")
    with engine.connect() as connection:
        back = connection.execute(
            text("SELECT statement_id, user_id, action, reason FROM moderation_log ORDER BY id")
        ).all()
    assert [tuple(row) for row in back] == [(7, 1, "reject", "Off topic"), (7, None, "meta", None)]


@pytest.mark.parametrize("engine_fixture", ENGINES)
def test_0004_keeps_every_row_that_points_at_rounds_and_participants(
    request: pytest.FixtureRequest, engine_fixture: str
) -> None:
    """0004 adds columns in place: copying ``round`` or ``participant`` into a new table would
    fire their ON DELETE actions (SQLite enforces foreign keys) and empty the votes."""
    engine: Engine = request.getfixturevalue(engine_fixture)
    migrations.upgrade(engine, "0003")
    stamp = "'2026-01-01 00:00:00+00'"
    with engine.begin() as connection:
        for sql in (
            f"INSERT INTO territory (id, slug, kind, names, created_at) "
            f"VALUES (1, 'kehl', 'municipality', '{{}}', {stamp})",
            "INSERT INTO round (id, slug, title, question, framing, topic, languages, phase, "
            "moderation_mode, max_statement_length, time_zone, min_votes_for_map, privacy_k, "
            f"created_at) VALUES (1, 'r', '{{}}', '{{}}', '{{}}', 'climate', '[]', 'open', "
            f"'post', 280, 'UTC', 7, 5, {stamp})",
            "INSERT INTO participant (id, round_id, territory_id, language, vote_count, "
            f"created_at) VALUES (1, 1, 1, 'fr', 1, {stamp})",
            "INSERT INTO statement (id, round_id, text, normalized_text, language, is_seed, "
            f"is_meta, status, vote_count, created_at) VALUES (7, 1, 't', 't', 'en', true, "
            f"false, 'accepted', 1, {stamp})",
            "INSERT INTO vote (round_id, participant_id, statement_id, value, created_at, "
            f"updated_at) VALUES (1, 1, 7, 1, {stamp}, {stamp})",
        ):
            connection.execute(text(sql))

    migrations.upgrade(engine)

    with engine.connect() as connection:
        votes = connection.execute(text("SELECT participant_id FROM vote")).scalars().all()
        rows = connection.execute(
            text("SELECT language, notice_version, session_key_hash FROM participant")
        ).all()
        revision = connection.execute(text("SELECT results_revision FROM round")).scalar()
    assert votes == [1]
    assert [tuple(row) for row in rows] == [("fr", 0, None)]
    assert revision == 0
    command.downgrade(migrations.alembic_config(engine), "0003")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM vote")).scalar() == 1


@pytest.mark.parametrize("engine_fixture", ENGINES)
def test_0018_lets_translations_hold_a_proposal_and_keeps_the_rows_already_there(
    request: pytest.FixtureRequest, engine_fixture: str
) -> None:
    """0018 widens ``translation.text`` in place (on PostgreSQL; SQLite does not enforce a
    VARCHAR's length): no copy of the table, so no cascade empties what points at it."""
    engine: Engine = request.getfixturevalue(engine_fixture)
    migrations.upgrade(engine)
    with Session(engine) as session:
        round_ = make_round(session, languages=["fr", "de"])
        statement = make_statement(session, round_, language="fr")
        make_translation(session, statement, language="de")
        session.add(
            Translation(
                round_id=round_.id,  # type: ignore[arg-type]
                kind=TextKind.PROPOSAL_TEXT,
                text_id=1,
                language="de",
                text="Absatz. " * 2500,
                origin=TranslationOrigin.HUMAN,
                reviewed=True,
            )
        )
        session.commit()

    command.downgrade(migrations.alembic_config(engine), "0013")
    with engine.connect() as connection:
        kinds = connection.execute(text("SELECT kind FROM translation")).scalars().all()
    if engine.dialect.name == "postgresql":
        assert kinds == ["statement"]
        columns = {c["name"]: c for c in inspect(engine).get_columns("translation")}
        assert columns["text"]["type"].length == 2000
    else:
        assert sorted(kinds) == ["proposal_text", "statement"]

    migrations.upgrade(engine)
    assert _differences(engine) == []
    with engine.connect() as connection:
        assert "statement" in connection.execute(text("SELECT kind FROM translation")).scalars()


def _round_with_counts(engine: Engine, counts: list[int]) -> None:
    """Round 1 with one accepted statement per vote count, ids from 1, in SQL (the schema of
    the migration the test stopped at, not the models')."""
    stamp = "'2026-01-01 00:00:00+00'"
    with engine.begin() as connection:
        for sql in (
            "INSERT INTO round (id, slug, title, question, framing, topic, languages, phase, "
            "moderation_mode, max_statement_length, time_zone, min_votes_for_map, privacy_k, "
            "results_revision, created_at) VALUES (1, 'r', '{}', '{}', '{}', 'climate', '[]', "
            f"'open', 'post', 280, 'UTC', 7, 5, 0, {stamp})",
            "INSERT INTO statement (id, round_id, text, normalized_text, language, is_seed, "
            "is_meta, status, vote_count, created_at) VALUES "
            + ", ".join(
                f"({n}, 1, 't{n}', 't{n}', 'en', false, false, 'accepted', {count}, {stamp})"
                for n, count in enumerate(counts, start=1)
            ),
        ):
            connection.execute(text(sql))


@pytest.mark.parametrize("engine_fixture", ENGINES)
def test_0027_computes_the_seen_tier_of_the_statements_already_there(
    request: pytest.FixtureRequest, engine_fixture: str
) -> None:
    """Added in place (a virtual column on SQLite: rebuilding ``statement`` would cascade
    deletes to its votes), computed for every row, kept in step with the counter after."""
    engine: Engine = request.getfixturevalue(engine_fixture)
    migrations.upgrade(engine, "0026")
    _round_with_counts(engine, [0, 5, 9])

    migrations.upgrade(engine)

    with engine.begin() as connection:
        tiers = connection.execute(text("SELECT seen_tier FROM statement ORDER BY id"))
        assert list(tiers.scalars()) == [0, 3, 4]
        connection.execute(text("UPDATE statement SET vote_count = 16 WHERE id = 3"))
        moved = connection.execute(text("SELECT seen_tier FROM statement WHERE id = 3"))
        assert moved.scalar_one() == 5
    command.downgrade(migrations.alembic_config(engine), "0026")
    with engine.connect() as connection:
        counts = connection.execute(text("SELECT vote_count FROM statement ORDER BY id"))
        assert list(counts.scalars()) == [0, 5, 16]


@pytest.mark.parametrize("engine_fixture", ENGINES)
def test_0028_keeps_every_statements_seen_tier(
    request: pytest.FixtureRequest, engine_fixture: str
) -> None:
    """On PostgreSQL the column is added again with its one-call expression: the same tier for
    every count, the routing index back, and the ``CASE`` again on the way down."""
    engine: Engine = request.getfixturevalue(engine_fixture)
    migrations.upgrade(engine, "0027")
    counts = [0, 1, 2, 3, 4, 7, 8, 1000, 2**23 - 1, 2**23, 2**31 - 1]
    _round_with_counts(engine, counts)
    tiers = [min(count.bit_length(), 24) for count in counts]

    def stored() -> list[int]:
        with engine.connect() as connection:
            found = connection.execute(text("SELECT seen_tier FROM statement ORDER BY id"))
            return list(found.scalars())

    assert stored() == tiers
    migrations.upgrade(engine)
    assert stored() == tiers
    assert _differences(engine) == []
    assert "ix_statement_routing" in {i["name"] for i in inspect(engine).get_indexes("statement")}
    with engine.begin() as connection:
        connection.execute(text("UPDATE statement SET vote_count = 16 WHERE id = 4"))
        moved = connection.execute(text("SELECT seen_tier FROM statement WHERE id = 4"))
        assert moved.scalar_one() == 5
    command.downgrade(migrations.alembic_config(engine), "0027")
    assert stored() == [*tiers[:3], 5, *tiers[4:]]
