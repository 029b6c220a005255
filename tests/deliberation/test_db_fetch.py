"""``db.fetch`` and ``db.attached``: the vote path's statements run straight on the driver on
PostgreSQL, with the same values SQLAlchemy gives, and rows become the session's instances."""

from __future__ import annotations

from datetime import timedelta

import psycopg
import pytest
from sqlalchemy import ARRAY, Integer, String, bindparam, literal, make_url, text
from sqlalchemy import select as sql_select
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm.exc import DetachedInstanceError
from sqlmodel import Session, col, select

from deliberation.clock import utcnow
from deliberation.db import (
    PostgresStatement,
    array_text,
    attached,
    core_connection,
    detached,
    fetch,
    in_list,
    json_loads,
    make_engine,
    postgres_statement,
)
from deliberation.models import ModerationMode, Participant, Round, Statement, StatementStatus
from deliberation.services import routing, votes
from deliberation.translations.reading import _shown_query
from deliberation.views.participant_session import _visit_query
from tests.conftest import POSTGRES_URL
from tests.factories import make_participant, make_round, make_statement


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def test_fetch_gives_the_values_sqlalchemy_gives(session: Session) -> None:
    """JSON, timestamps with their zone, text, numbers, NULL: the same through the driver."""
    round_ = make_round(session, languages=["en", "de"], closes_at=utcnow() + timedelta(days=3))
    make_participant(session, round_)
    query = sql_select(Round.__table__, Participant.__table__).join(  # type: ignore[attr-defined]
        Participant, col(Participant.round_id) == Round.id
    )
    through_sqlalchemy = core_connection(session).execute(query).all()
    assert [tuple(row) for row in fetch(session, query, {})] == [
        tuple(row) for row in through_sqlalchemy
    ]


def test_fetch_binds_lists_and_the_statements_own_literals(session: Session) -> None:
    round_ = make_round(session)
    kept = [make_statement(session, round_) for _ in range(3)]
    make_statement(session, round_, status=StatementStatus.REJECTED)
    postgres = _postgres(session)
    query = sql_select(col(Statement.id), literal("shown").label("note")).where(
        in_list(col(Statement.id), "ids", Integer(), postgres),
        col(Statement.status) == StatementStatus.ACCEPTED,
    )
    ids = [s.id for s in session.exec(select(Statement)).all()]
    rows = fetch(session, query, {"ids": ids})
    assert sorted(row.id for row in rows) == sorted(s.id for s in kept)
    assert {row.note for row in rows} == {"shown"}


@pytest.mark.postgres
def test_statements_with_a_list_to_expand_run_through_sqlalchemy(session: Session) -> None:
    round_ = make_round(session)
    statement = make_statement(session, round_)
    query = sql_select(col(Statement.id)).where(
        col(Statement.id).in_(bindparam("ids", expanding=True))
    )
    assert postgres_statement(query) is None
    assert [row.id for row in fetch(session, query, {"ids": [statement.id, 0]})] == [statement.id]


@pytest.mark.postgres
def test_the_vote_paths_statements_run_on_the_driver() -> None:
    """Each statement of the vote path has fixed SQL on PostgreSQL (an expanding parameter
    would send it back through SQLAlchemy, silently slower)."""
    statuses = {
        mode: votes.votable_statuses(Round(moderation_mode=mode))
        for mode in (ModerationMode.PRE, ModerationMode.POST)
    }
    hot = [_visit_query(True, page, kept) for page in (True, False) for kept in (True, False)]
    hot += [votes._vote_statement(target) for target in votes._TARGETS]
    for votable in statuses.values():
        hot += [routing._keyed_queued_query(votable, along) for along in (True, False)]
        for filtered in (True, False):
            hot += [
                routing._queued_query(votable, filtered, True, along) for along in (True, False)
            ]
            hot += [routing._candidates_query(votable, filtered, True, s) for s in (True, False)]
            hot.append(_shown_query(votable, filtered, True, True))
    assert all(postgres_statement(statement) is not None for statement in hot)


def test_attached_rows_are_the_sessions_instances(session: Session) -> None:
    round_ = make_round(session, languages=["en", "fr"])
    participant = make_participant(session, round_)
    session.expunge_all()
    loaded = attached(session, Round, {"id": round_.id, "slug": round_.slug, "phase": "open"})
    assert loaded.slug == round_.slug
    assert loaded.title == round_.title, "a column not given loads on access"
    assert attached(session, Round, {"id": round_.id}) is loaded
    assert session.get(Round, round_.id) is loaded
    values = {c.name: getattr(participant, c.name) for c in Participant.__table__.columns}  # type: ignore[attr-defined]
    person = attached(session, Participant, values)
    assert not session.dirty, "attached as loaded: nothing to write back"
    core_connection(session).execute(
        text("UPDATE participant SET vote_count = 7 WHERE id = :id"), {"id": participant.id}
    )
    person.language = "fr"
    session.commit()
    session.expunge_all()
    stored = session.get(Participant, participant.id)
    assert stored is not None
    assert stored.language == "fr"
    assert stored.vote_count == 7, "the flush writes the changed column only, not the row's"


def test_fetch_sees_what_the_session_has_not_flushed_yet(session: Session) -> None:
    round_ = make_round(session)
    statement = Statement(
        round_id=round_.id, text="Pending", normalized_text="pending", language="en"
    )
    session.add(statement)
    query = sql_select(col(Statement.text)).where(col(Statement.round_id) == bindparam("r"))
    assert [row.text for row in fetch(session, query, {"r": round_.id})] == ["Pending"]


@pytest.mark.postgres
def test_a_lost_connection_is_reported_and_replaced_as_sqlalchemy_would() -> None:
    """An error on the driver comes out as SQLAlchemy's; a connection it left unusable is
    invalidated, so the next session gets a new one rather than the dead one."""
    engine = make_engine(POSTGRES_URL)
    query = sql_select(literal(1).label("one"))
    try:
        with Session(engine) as first:
            pid = first.execute(text("SELECT pg_backend_pid()")).scalar_one()
            first.commit()
        libpq = make_url(POSTGRES_URL).set(drivername="postgresql")
        with psycopg.connect(libpq.render_as_string(hide_password=False)) as killer:
            killer.execute("SELECT pg_terminate_backend(%s)", (pid,))
        with Session(engine) as broken, pytest.raises(OperationalError):
            fetch(broken, query, {})
        with Session(engine) as after:
            assert [row.one for row in fetch(after, query, {})] == [1]
            assert after.execute(text("SELECT pg_backend_pid()")).scalar_one() != pid
        with Session(engine) as failing, pytest.raises(DBAPIError):
            fetch(failing, sql_select((literal(1) / bindparam("zero")).label("x")), {"zero": 0})
    finally:
        engine.dispose()


def test_detached_rows_read_as_loaded_and_never_load(session: Session) -> None:
    round_ = make_round(session, languages=["en", "fr"])
    values = {c.name: getattr(round_, c.name) for c in Round.__table__.columns}  # type: ignore[attr-defined]
    session.expunge_all()
    copy = detached(Round, values)
    assert (copy.slug, copy.title, copy.languages) == (round_.slug, round_.title, ["en", "fr"])
    assert copy not in session
    assert session.get(Round, round_.id) is not copy, "not the session's instance"
    partial = detached(Round, {"id": round_.id, "slug": round_.slug})
    with pytest.raises(DetachedInstanceError):
        _ = partial.title


ARRAY_VALUES = [
    [],
    [1, 22, -3],
    ["accepted", "pending"],
    ['a "quoted", {braced} text', "back\\slash\\", "NULL", "", " spaced ", "ünï ✓"],
]


@pytest.mark.postgres
@pytest.mark.parametrize("values", ARRAY_VALUES)
def test_lists_bound_to_arrays_reach_postgresql_as_they_are(
    session: Session, values: list[int] | list[str]
) -> None:
    item = Integer() if values and isinstance(values[0], int) else String()
    query = sql_select(bindparam("values", type_=ARRAY(item)).label("values"))
    prepared = postgres_statement(query)
    assert prepared is not None
    assert prepared._arrays == {"values"}
    assert isinstance(array_text(values), str)
    assert fetch(session, query, {"values": values})[0].values == values


def test_other_lists_are_left_to_the_driver() -> None:
    assert array_text([1, "a"]) == [1, "a"]
    assert array_text([1, None]) == [1, None]
    assert array_text([True]) == [True]
    assert array_text("text") == "text"


def test_json_from_postgresql_is_decoded_as_text_first() -> None:
    """psycopg hands JSON over as UTF-8 bytes; the engine's loader decodes them first."""
    assert json_loads('{"fr": "Été ✓"}'.encode()) == {"fr": "Été ✓"}
    assert json_loads("[1, null]") == [1, None]
    engine = make_engine("postgresql+psycopg://postgres@127.0.0.1:5432/none")
    assert engine.dialect._json_deserializer is json_loads  # type: ignore[attr-defined]


@pytest.mark.postgres
def test_a_driver_statement_numbers_its_parameters_once(session: Session) -> None:
    """``PostgresStatement`` sends its SQL with numbered parameters, converted once: a name
    used twice is one parameter, ``%%`` a percent sign, and the values go in their order."""
    statement = PostgresStatement(
        "SELECT %(x)s::INTEGER + %(x)s::INTEGER AS twice, %(y)s::TEXT || '%%' AS percent,"
        " %(z)s::INTEGER[] AS ids",
        {"y": "10"},
    )
    assert statement._query == (
        b"SELECT $1::INTEGER + $1::INTEGER AS twice, $2::TEXT || '%' AS percent,"
        b" $3::INTEGER[] AS ids"
    )
    (row,) = statement.run(core_connection(session), {"x": 4, "z": [1, 2]})
    assert (row.twice, row.percent, row.ids) == (8, "10%", [1, 2])


@pytest.mark.postgres
def test_driver_statements_share_their_connections_cursor(session: Session) -> None:
    """One cursor per driver connection, made once: each statement still reads its own
    columns, and a statement that failed leaves it usable."""
    connection = core_connection(session)
    pair = PostgresStatement("SELECT %(a)s::INTEGER AS a, %(b)s::TEXT AS b", {})
    single = PostgresStatement("SELECT %(c)s::INTEGER * 2 AS c", {})
    failing = PostgresStatement("SELECT 1 / %(zero)s::INTEGER AS x", {})
    assert pair.run(connection, {"a": 1, "b": "x"})[0] == (1, "x")
    cursor = connection.connection.info["palabre.cursor"]
    assert single.run(connection, {"c": 21})[0].c == 42
    with pytest.raises(DBAPIError):
        failing.run(connection, {"zero": 0})
    session.rollback()
    connection = core_connection(session)
    (row,) = pair.run(connection, {"a": 2, "b": "y"})
    assert (row.a, row.b) == (2, "y")
    assert connection.connection.info["palabre.cursor"] is cursor
