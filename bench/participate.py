"""Benchmark of the citizens' hot path on a large round.

Builds one open round with 10,000 statements, 100,000 participants and 5,000,000 current votes,
then measures in-process, with Flask's test client, the participation page (``GET /r/<slug>``)
and the htmx vote (``POST /r/<slug>/vote``, which answers with the next card) for participants
drawn at random. Prints the build time and the p50 / p90 / p99 latencies in milliseconds; the
target is a p50 of at most 20 ms for each.

The database is a SQLite file in a temporary directory, or the PostgreSQL database named by
``PALABRE_BENCH_DATABASE_URL``: the benchmark owns it, replaces its ``public`` schema and drops
everything at the end. Loading goes around the ORM: binary ``COPY`` built with numpy on
PostgreSQL, ``executemany`` with journaling off on SQLite; the vote table's secondary indexes
(and, on PostgreSQL, foreign keys) are built after the load. PostgreSQL then gets the
``VACUUM ANALYZE`` its autovacuum would run and a checkpoint; SQLite gets no statistics, as an app database
made by the migrations has none.
The vote event log starts empty (appending to it costs the same whatever its size); one
opinion snapshot gives routing priorities, as the opinion worker does in a live round.

    .venv/bin/python bench/participate.py [--statements N] [--participants N] [--votes N]
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import re
import sqlite3
import statistics
import struct
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.schema import AddConstraint
from sqlmodel import Session, SQLModel

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import deliberation.models  # noqa: E402, F401 - registers every table
from deliberation.db import make_engine  # noqa: E402
from deliberation.models import Vote  # noqa: E402
from deliberation.models.opinions import OpinionSnapshot  # noqa: E402
from deliberation.services.participation import NOTICE_VERSION  # noqa: E402

SLUG = "bench"
SEEDS = 100
TERRITORIES = 3
BATCH = 500_000
TARGET_MS = 20.0
NOW = datetime.now(UTC).replace(microsecond=0)
STAMP = NOW - timedelta(hours=1)
PG_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
CARD = re.compile(r'data-statement-id="(\d+)"')


@dataclass(frozen=True)
class World:
    """The generated round: per statement and per participant arrays (index i is id i + 1),
    and the current votes sorted by (participant, statement)."""

    statement_status: np.ndarray
    statement_votes: np.ndarray
    participant_territory: np.ndarray
    participant_votes: np.ndarray
    vote_participant: np.ndarray
    vote_statement: np.ndarray
    vote_value: np.ndarray

    @property
    def n_statements(self) -> int:
        return len(self.statement_status)


def generate(rng: np.random.Generator, statements: int, participants: int, votes: int) -> World:
    """Draw the round: seeds take a quarter of the votes; 2% of statements are pending and 1%
    rejected (the round moderates after the fact, so pending ones are votable)."""
    status = rng.choice(
        np.array(["accepted", "pending", "rejected"]), size=statements, p=[0.97, 0.02, 0.01]
    )
    status[:SEEDS] = "accepted"
    keys = np.zeros(0, dtype=np.int64)
    while len(keys) < votes:
        n = int((votes - len(keys)) * 1.02) + 1000
        voter = rng.integers(0, participants, n, dtype=np.int64)
        seed = rng.random(n) < 0.25
        statement = np.where(
            seed, rng.integers(0, SEEDS, n), rng.integers(0, statements, n)
        ).astype(np.int64)
        keys = np.unique(np.concatenate([keys, voter * statements + statement]))
    keys = np.sort(rng.choice(keys, size=votes, replace=False))
    vote_participant, vote_statement = np.divmod(keys, statements)
    return World(
        statement_status=status,
        statement_votes=np.bincount(vote_statement, minlength=statements),
        participant_territory=np.arange(participants) % TERRITORIES,
        participant_votes=np.bincount(vote_participant, minlength=participants),
        vote_participant=vote_participant + 1,
        vote_statement=vote_statement + 1,
        vote_value=rng.choice(np.array([1, 0, -1]), size=votes, p=[0.5, 0.2, 0.3]),
    )


def head_rows(world: World) -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
    """Every table but ``vote``, as column names and rows, in insertion order."""
    round_row = (
        1,
        SLUG,
        '{"en": "Benchmark round"}',
        '{"en": "What should we do?"}',
        '{"en": "A large round."}',
        "climate",
        '["en", "fr", "de"]',
        NOW - timedelta(days=1),
        NOW + timedelta(days=30),
        "open",
        "post",
        280,
        "UTC",
        7,
        5,
        0,
        NOW - timedelta(days=2),
    )
    statements = [
        (
            i + 1,
            1,
            f"Statement {i + 1}: we should plant more trees along street {i}.",
            f"statement {i + 1} we should plant more trees along street {i}",
            "en",
            i < SEEDS,
            False,
            str(world.statement_status[i]),
            int(world.statement_votes[i]),
            STAMP,
        )
        for i in range(world.n_statements)
    ]
    participants = [
        (
            i + 1,
            1,
            int(territory) + 1,
            int(territory) + 1,
            "en",
            int(count),
            hashlib.sha256(session_key(i + 1).encode()).hexdigest(),
            NOTICE_VERSION,
            STAMP,
        )
        for i, (territory, count) in enumerate(
            zip(world.participant_territory, world.participant_votes, strict=True)
        )
    ]
    return {
        "territory": (
            ["id", "slug", "kind", "names", "created_at"],
            [(t + 1, f"t{t + 1}", "municipality", "{}", STAMP) for t in range(TERRITORIES)],
        ),
        "round": (
            [
                *("id", "slug", "title", "question", "framing", "topic", "languages"),
                *("opens_at", "closes_at", "phase", "moderation_mode", "max_statement_length"),
                *("time_zone", "min_votes_for_map", "privacy_k", "results_revision"),
                "created_at",
            ],
            [round_row],
        ),
        "round_territory": (
            ["round_id", "territory_id"],
            [(1, t + 1) for t in range(TERRITORIES)],
        ),
        "invite": (
            ["id", "round_id", "territory_id", "key", "label", "single_use", "uses", "created_at"],
            [(t + 1, 1, t + 1, f"key{t + 1}", "", False, 0, STAMP) for t in range(TERRITORIES)],
        ),
        "statement": (
            [
                *("id", "round_id", "text", "normalized_text", "language", "is_seed", "is_meta"),
                *("status", "vote_count", "created_at"),
            ],
            statements,
        ),
        "participant": (
            [
                *("id", "round_id", "territory_id", "invite_id", "language", "vote_count"),
                *("session_key_hash", "notice_version", "created_at"),
            ],
            participants,
        ),
    }


VOTE_COLUMNS = [
    "id",
    "round_id",
    "participant_id",
    "statement_id",
    "value",
    "created_at",
    "updated_at",
]


def vote_batches(world: World) -> Iterator[tuple[int, int]]:
    """(start, stop) index ranges over the votes, ``BATCH`` at a time."""
    total = len(world.vote_value)
    for start in range(0, total, BATCH):
        yield start, min(start + BATCH, total)


def load_sqlite(engine: Engine, world: World) -> None:
    """Insert through the raw driver with journaling off; vote indexes built afterwards."""
    database = engine.url.database or ""
    engine.dispose()
    connection = sqlite3.connect(database, isolation_level=None)
    for pragma in (
        "journal_mode=OFF",
        "synchronous=OFF",
        "cache_size=-262144",
        "temp_store=MEMORY",
    ):
        connection.execute(f"PRAGMA {pragma}")
    connection.execute("BEGIN")
    for table, (columns, rows) in head_rows(world).items():
        marks = ", ".join("?" * len(columns))
        sql = f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({marks})'
        connection.executemany(sql, [_sqlite_row(row) for row in rows])
    indexes = list(Vote.__table__.indexes)  # type: ignore[attr-defined]
    for index in indexes:
        connection.execute(f"DROP INDEX {index.name}")
    stamp = STAMP.strftime("%Y-%m-%d %H:%M:%S.%f")
    sql = f"INSERT INTO vote ({', '.join(VOTE_COLUMNS)}) VALUES (?, 1, ?, ?, ?, ?, ?)"
    for start, stop in vote_batches(world):
        rows = zip(
            range(start + 1, stop + 1),
            world.vote_participant[start:stop].tolist(),
            world.vote_statement[start:stop].tolist(),
            world.vote_value[start:stop].tolist(),
            [stamp] * (stop - start),
            [stamp] * (stop - start),
            strict=True,
        )
        connection.executemany(sql, rows)
    for index in indexes:
        columns = ", ".join(column.name for column in index.columns)
        connection.execute(f"CREATE INDEX {index.name} ON vote ({columns})")
    connection.execute("COMMIT")
    connection.execute("PRAGMA journal_mode=WAL")
    connection.close()


def _sqlite_row(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(v.strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(v, datetime) else v for v in row)


def load_postgres(engine: Engine, world: World) -> None:
    """COPY every table; the votes in PostgreSQL's binary format, built with numpy. The vote
    table's secondary indexes and foreign keys are dropped for the load and rebuilt after."""
    foreign_keys = list(Vote.__table__.foreign_key_constraints)  # type: ignore[attr-defined]
    indexes = list(Vote.__table__.indexes)  # type: ignore[attr-defined]
    with engine.begin() as connection:
        for name in [fk["name"] for fk in inspect(connection).get_foreign_keys("vote")]:
            connection.execute(text(f'ALTER TABLE vote DROP CONSTRAINT "{name}"'))
        for index in indexes:
            index.drop(connection)
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        for table, (columns, rows) in head_rows(world).items():
            with cursor.copy(f'COPY "{table}" ({", ".join(columns)}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
        with cursor.copy(
            f"COPY vote ({', '.join(VOTE_COLUMNS)}) FROM STDIN (FORMAT BINARY)"
        ) as copy:
            copy.write(b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0))
            for start, stop in vote_batches(world):
                copy.write(_binary_votes(world, start, stop))
            copy.write(struct.pack(">h", -1))
        for index in indexes:
            index.create(connection)
        for constraint in foreign_keys:
            connection.execute(AddConstraint(constraint))
        for table in (
            "account",
            "territory",
            "round",
            "invite",
            "statement",
            "participant",
            "vote",
            "vote_event",
        ):
            connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f'(SELECT COALESCE(MAX(id), 0) + 1 FROM "{table}"), false)'
                )
            )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
        try:
            # Flush the load's dirty pages now rather than during the measurements.
            connection.execute(text("CHECKPOINT"))
        except DBAPIError:
            print("(no CHECKPOINT: it needs the pg_checkpoint role; timings may suffer)")


def _binary_votes(world: World, start: int, stop: int) -> bytes:
    """Rows ``start:stop`` of the vote table in COPY binary format: per row a field count,
    then per field its byte length and big-endian value (int4 columns, timestamptz as int8
    microseconds since 2000-01-01)."""
    fields = [("id", ">i4"), ("round_id", ">i4"), ("participant_id", ">i4")]
    fields += [
        ("statement_id", ">i4"),
        ("value", ">i4"),
        ("created_at", ">i8"),
        ("updated_at", ">i8"),
    ]
    layout: list[tuple[str, str]] = [("count", ">i2")]
    for name, kind in fields:
        layout += [(f"{name}_size", ">i4"), (name, kind)]
    rows = np.zeros(stop - start, dtype=np.dtype(layout))
    rows["count"] = len(fields)
    for name, kind in fields:
        rows[f"{name}_size"] = np.dtype(kind).itemsize
    microseconds = int((STAMP - PG_EPOCH).total_seconds() * 1_000_000)
    rows["id"] = np.arange(start + 1, stop + 1)
    rows["round_id"] = 1
    rows["participant_id"] = world.vote_participant[start:stop]
    rows["statement_id"] = world.vote_statement[start:stop]
    rows["value"] = world.vote_value[start:stop]
    rows["created_at"] = microseconds
    rows["updated_at"] = microseconds
    return rows.tobytes()


def build(url: str, world: World) -> None:
    """Create the schema (replacing PostgreSQL's ``public`` schema) and load ``world``."""
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        reset_postgres(engine)
    SQLModel.metadata.create_all(engine)
    if engine.dialect.name == "postgresql":
        load_postgres(engine, world)
    else:
        load_sqlite(engine, world)
        engine = make_engine(url)
    add_snapshot(engine, world)
    engine.dispose()


def add_snapshot(engine: Engine, world: World) -> None:
    """An opinion snapshot with a routing priority for every votable statement, so that the
    participation page routes as in a live round (the opinion worker's result; its priorities
    are drawn here, log-uniform over [0.1, 50] as Pol.is priorities spread)."""
    votable = np.flatnonzero(world.statement_status != "rejected")
    weights = np.exp(np.random.default_rng(0).uniform(np.log(0.1), np.log(50.0), len(votable)))
    snapshot = OpinionSnapshot(
        round_id=1,
        watermark=len(world.vote_value),
        state=b"",
        priorities={str(i + 1): float(w) for i, w in zip(votable, weights, strict=True)},
        participants=len(world.participant_votes),
        votes=len(world.vote_value),
    )
    with Session(engine) as session:
        session.add(snapshot)
        session.commit()


def reset_postgres(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))


def make_app(url: str, instance: Path) -> Flask:
    """The app on the benchmark database: CSRF, rate limits and the opinion thread off."""
    os.environ.setdefault("PALABRE_ENV", "testing")
    os.environ["PALABRE_INSTANCE_PATH"] = str(instance)
    from app import create_app  # noqa: PLC0415 - after the environment is set

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "DATABASE_URL": url,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "OPINIONS_WORKER": "external",
        }
    )
    logging.getLogger().setLevel(logging.WARNING)
    return app


def session_key(participant_id: int) -> str:
    """The benchmark participant's browser session key (its hash is loaded with the rows)."""
    return f"bench-key-{participant_id}"


def act_as(client: FlaskClient, participant_id: int) -> None:
    with client.session_transaction() as browser_session:
        browser_session["participants"] = {"1": session_key(participant_id)}


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = call()
    return (time.perf_counter() - start) * 1000.0, result


def measure(
    app: Flask, rng: np.random.Generator, participants: int, requests: int, warmup: int
) -> dict[str, list[float]]:
    """Per iteration: a random participant opens the round page, then votes on its card."""
    client = app.test_client()
    timings: dict[str, list[float]] = {"GET /r/<slug>": [], "POST /r/<slug>/vote (htmx)": []}
    for iteration in range(warmup + requests):
        act_as(client, int(rng.integers(1, participants + 1)))
        page_ms, page = timed(lambda: client.get(f"/r/{SLUG}"))
        card = CARD.search(page.text)
        if page.status_code != 200 or card is None:
            raise RuntimeError(f"unexpected page: {page.status_code}")
        form = {
            "statement_id": card.group(1),
            "vote": str(rng.choice(["agree", "disagree", "pass"])),
        }
        vote_ms, vote = timed(
            lambda form=form: client.post(
                f"/r/{SLUG}/vote", data=form, headers={"HX-Request": "true"}
            )
        )
        if vote.status_code != 200:
            raise RuntimeError(f"unexpected vote answer: {vote.status_code}")
        if iteration >= warmup:
            timings["GET /r/<slug>"].append(page_ms)
            timings["POST /r/<slug>/vote (htmx)"].append(vote_ms)
    return timings


def report(timings: dict[str, list[float]]) -> bool:
    """Print p50/p90/p99 per request kind; True when every p50 meets the target."""
    met = True
    for name, values in timings.items():
        p50, p90, p99 = (float(np.percentile(values, q)) for q in (50, 90, 99))
        ok = p50 <= TARGET_MS
        met &= ok
        print(
            f"{name:28} n={len(values)}  p50 {p50:6.1f} ms  p90 {p90:6.1f} ms  p99 {p99:6.1f} ms"
            f"  mean {statistics.fmean(values):6.1f} ms  {'ok' if ok else 'MISSED'}"
            f" (target p50 <= {TARGET_MS:.0f} ms)"
        )
    return met


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--statements", type=int, default=10_000)
    parser.add_argument("--participants", type=int, default=100_000)
    parser.add_argument("--votes", type=int, default=5_000_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    rng = np.random.default_rng(args.seed)
    with tempfile.TemporaryDirectory(prefix="palabre-bench-") as folder:
        url = os.environ.get("PALABRE_BENCH_DATABASE_URL") or f"sqlite:///{folder}/bench.sqlite3"
        engine_name = url.split(":", 1)[0]
        print(
            f"participate: {args.statements:,} statements, {args.participants:,} participants, "
            f"{args.votes:,} votes on {engine_name}"
        )
        start = time.perf_counter()
        world = generate(rng, args.statements, args.participants, args.votes)
        generated = time.perf_counter()
        build(url, world)
        print(
            f"build: generate {generated - start:.1f} s, load {time.perf_counter() - generated:.1f} s"
        )
        app = make_app(url, Path(folder) / "instance")
        try:
            timings = measure(app, rng, args.participants, args.requests, args.warmup)
            print("load average (1, 5, 15 min): {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
            met = report(timings)
        finally:
            app.extensions["palabre.engine"].dispose()
            if url.startswith("postgresql"):
                engine = make_engine(url)
                reset_postgres(engine)
                engine.dispose()
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
