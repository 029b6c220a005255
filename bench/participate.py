"""Benchmark of the citizens' hot path on a large round.

Builds one open round in three languages (en, fr, de) with 10,000 statements, 100,000
participants and 5,000,000 current votes,
then measures in-process, with Flask's test client, the participation page (``GET /r/<slug>``)
and the htmx vote (``POST /r/<slug>/vote``, which answers with the next card) for participants
drawn at random. Prints the build time and the p50 / p90 / p99 latencies in milliseconds; the
target is a p50 of at most 20 ms for each.

The database is a SQLite file in a temporary directory, or the PostgreSQL database named by
``PALABRE_BENCH_DATABASE_URL``: the benchmark owns it, replaces its ``public`` schema and drops
everything at the end. The round is drawn with the shared generator
(``deliberation.demo.synthetic``) and loaded around the ORM with the shared bulk loader
(``deliberation.demo.bulk``); the vote table's secondary indexes (and, on PostgreSQL, foreign
keys) are built after the load. PostgreSQL then gets the
``VACUUM ANALYZE`` its autovacuum would run and a checkpoint; SQLite gets no statistics, as an app database
made by the migrations has none.
Statements are written in the three languages in turn; each has, into each other language, a
reviewed facilitator's translation (70 %), a machine one (15 %), a participant's awaiting review
(5 %) or none (10 %). Participants read their territory's language; one in ten reads a second
one and helps translate (their next task a few votes away, so that some get task cards, which
are measured as pages and skipped for the vote).
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
import statistics
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
from deliberation.demo import bulk  # noqa: E402
from deliberation.demo.synthetic import cast_votes, draw_cells  # noqa: E402
from deliberation.models import (  # noqa: E402
    Invite,
    Participant,
    Round,
    RoundTerritory,
    Statement,
    Territory,
    Translation,
    Vote,
    VoteValue,
)
from deliberation.models.opinions import OpinionSnapshot  # noqa: E402
from deliberation.services.participation import NOTICE_VERSION  # noqa: E402

SLUG = "bench"
SEEDS = 100
TERRITORIES = 3
LANGUAGES = ("en", "fr", "de")
BATCH = 500_000
TARGET_MS = 20.0
NOW = datetime.now(UTC).replace(microsecond=0)
STAMP = NOW - timedelta(hours=1)
CARD = re.compile(r'data-statement-id="(\d+)"')
SHOWN = re.compile(r'name="shown_language" value="(\w+)"')
QUEUE = re.compile(r'name="queue" value="([\d ]+)"')


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
    """Draw the round with the shared generator (``deliberation.demo.synthetic``): seeds take a
    quarter of the votes; 2% of statements are pending and 1% rejected (the round moderates
    after the fact, so pending ones are votable); half the votes agree, 30% disagree."""
    status = rng.choice(
        np.array(["accepted", "pending", "rejected"]), size=statements, p=[0.97, 0.02, 0.01]
    )
    status[:SEEDS] = "accepted"
    popularity = np.full(statements, 0.75 / statements)
    popularity[:SEEDS] += 0.25 / SEEDS
    vote_participant, vote_statement = draw_cells(
        rng,
        participants=participants,
        statements=statements,
        votes=votes,
        popularity=popularity,
        distinct=True,
    )
    return World(
        statement_status=status,
        statement_votes=np.bincount(vote_statement, minlength=statements),
        participant_territory=np.arange(participants) % TERRITORIES,
        participant_votes=np.bincount(vote_participant, minlength=participants),
        vote_participant=vote_participant + 1,
        vote_statement=vote_statement + 1,
        vote_value=cast_votes(rng, np.full(votes, 0.5 / 0.8), passes=0.2),
    )


def head_rows(world: World) -> list[tuple[type[Any], list[dict[str, Any]]]]:
    """Every table but ``vote``, as rows per model, in insertion order."""
    round_row = {
        "id": 1,
        "slug": SLUG,
        "title": {"en": "Benchmark round"},
        "question": {"en": "What should we do?"},
        "framing": {"en": "A large round."},
        "topic": "climate",
        "languages": list(LANGUAGES),
        "opens_at": NOW - timedelta(days=1),
        "closes_at": NOW + timedelta(days=30),
        "phase": "open",
        "moderation_mode": "post",
        "max_statement_length": 280,
        "time_zone": "UTC",
        "min_votes_for_map": 7,
        "privacy_k": 5,
        "created_at": NOW - timedelta(days=2),
    }
    statements = [
        {
            "id": i + 1,
            "round_id": 1,
            "text": f"Statement {i + 1}: we should plant more trees along street {i}.",
            "normalized_text": f"statement {i + 1} we should plant more trees along street {i}",
            "language": LANGUAGES[i % len(LANGUAGES)],
            "is_seed": i < SEEDS,
            "is_meta": False,
            "status": str(world.statement_status[i]),
            "vote_count": int(world.statement_votes[i]),
            "created_at": STAMP,
        }
        for i in range(world.n_statements)
    ]
    participants = [
        {
            "id": i + 1,
            "round_id": 1,
            "territory_id": int(territory) + 1,
            "invite_id": int(territory) + 1,
            "language": LANGUAGES[int(territory) % len(LANGUAGES)],
            "reads": _reads(i, int(territory)),
            "translates": i % 10 == 0,
            "next_task_at": int(count) + i % 7,
            "vote_count": int(count),
            "session_key_hash": hashlib.sha256(session_key(i + 1).encode()).hexdigest(),
            "notice_version": NOTICE_VERSION,
            "created_at": STAMP,
        }
        for i, (territory, count) in enumerate(
            zip(world.participant_territory, world.participant_votes, strict=True)
        )
    ]
    territories = range(1, TERRITORIES + 1)
    return [
        (
            Territory,
            [
                {"id": t, "slug": f"t{t}", "kind": "municipality", "names": {}, "created_at": STAMP}
                for t in territories
            ],
        ),
        (Round, [round_row]),
        (RoundTerritory, [{"round_id": 1, "territory_id": t} for t in territories]),
        (
            Invite,
            [
                {
                    "id": t,
                    "round_id": 1,
                    "territory_id": t,
                    "key": f"key{t}",
                    "label": "",
                    "single_use": False,
                    "uses": 0,
                    "created_at": STAMP,
                }
                for t in territories
            ],
        ),
        (Statement, statements),
        (Participant, participants),
        (Translation, translation_rows(world)),
    ]


def _reads(index: int, territory: int) -> list[str]:
    """The territory's language, and the next one for one participant in ten (the helpers)."""
    first = LANGUAGES[territory % len(LANGUAGES)]
    if index % 10:
        return [first]
    return [first, LANGUAGES[(territory + 1) % len(LANGUAGES)]]


def translation_rows(world: World) -> list[dict[str, Any]]:
    """Per statement and other language: a reviewed facilitator's translation (70 %), a
    machine one (15 %), a participant's awaiting review (5 %) or none (10 %)."""
    rng = np.random.default_rng(3)
    kinds = rng.choice(4, size=(world.n_statements, len(LANGUAGES)), p=[0.7, 0.15, 0.05, 0.1])
    made = [("human", True, "accepted"), ("machine", False, "accepted")]
    made.append(("participant", False, "pending"))
    rows = []
    for i in range(world.n_statements):
        for j, language in enumerate(LANGUAGES):
            if j == i % len(LANGUAGES) or kinds[i, j] == len(made):
                continue
            origin, reviewed, status = made[kinds[i, j]]
            rows.append(
                {
                    "id": len(rows) + 1,
                    "round_id": 1,
                    "kind": "statement",
                    "text_id": i + 1,
                    "language": language,
                    "text": f"[{language}] Statement {i + 1}: more trees along street {i}.",
                    "origin": origin,
                    "reviewed": reviewed,
                    "status": status,
                    "created_at": STAMP,
                    "updated_at": STAMP,
                }
            )
    return rows


def vote_rows(world: World) -> Iterator[dict[str, Any]]:
    """The current votes, as rows for the bulk loader."""
    for start in range(0, len(world.vote_value), BATCH):
        stop = start + BATCH
        for i, (participant, statement, value) in enumerate(
            zip(
                world.vote_participant[start:stop].tolist(),
                world.vote_statement[start:stop].tolist(),
                world.vote_value[start:stop].tolist(),
                strict=True,
            ),
            start=start + 1,
        ):
            yield {
                "id": i,
                "round_id": 1,
                "participant_id": participant,
                "statement_id": statement,
                "value": value,
                "created_at": STAMP,
                "updated_at": STAMP,
            }


def load(engine: Engine, world: World) -> None:
    """Load ``world`` through the shared bulk loader (``deliberation.demo.bulk``), in one
    transaction. The vote table's secondary indexes (and, on PostgreSQL, foreign keys) are
    dropped for the load and rebuilt after; SQLite loads with journaling off."""
    postgres = engine.dialect.name == "postgresql"
    table = Vote.__table__  # type: ignore[attr-defined]
    indexes, foreign_keys = list(table.indexes), list(table.foreign_key_constraints)
    with Session(engine) as session:
        connection = session.connection()
        if postgres:
            for name in [fk["name"] for fk in inspect(connection).get_foreign_keys("vote")]:
                connection.execute(text(f'ALTER TABLE vote DROP CONSTRAINT "{name}"'))
        else:
            for pragma in ("synchronous=OFF", "cache_size=-262144", "temp_store=MEMORY"):
                connection.exec_driver_sql(f"PRAGMA {pragma}")
        for index in indexes:
            index.drop(connection)
        for model, rows in head_rows(world):
            bulk.insert_rows(session, model, rows)
        bulk.insert_rows(session, Vote, vote_rows(world))
        for index in indexes:
            index.create(connection)
        if postgres:
            for constraint in foreign_keys:
                connection.execute(AddConstraint(constraint))
            for name in (
                *("territory", "round", "invite", "statement", "participant", "vote"),
                "translation",
            ):
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                        f'(SELECT COALESCE(MAX(id), 0) + 1 FROM "{name}"), false)'
                    )
                )
        session.commit()
    if postgres:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
            try:
                # Flush the load's dirty pages now rather than during the measurements.
                connection.execute(text("CHECKPOINT"))
            except DBAPIError:
                print("(no CHECKPOINT: it needs the pg_checkpoint role; timings may suffer)")


def build(url: str, world: World) -> None:
    """Create the schema (replacing PostgreSQL's ``public`` schema) and load ``world``."""
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        reset_postgres(engine)
    SQLModel.metadata.create_all(engine)
    load(engine, world)
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
    os.environ["PALABRE_INSTANCE_PATH"] = str(instance)
    from app import create_app  # noqa: PLC0415 - after the environment is set

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "palabre-benchmark-secret-of-at-least-32-bytes",
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


def timed(call: Callable[[], Any]) -> tuple[tuple[float, float], Any]:
    """``call()``'s wall-clock and CPU milliseconds (the CPU time tells the code's cost apart
    from a busy machine's waits), and its result."""
    start, cpu = time.perf_counter(), time.process_time()
    result = call()
    return ((time.perf_counter() - start) * 1000.0, (time.process_time() - cpu) * 1000.0), result


def measure(
    app: Flask, rng: np.random.Generator, participants: int, requests: int, warmup: int
) -> dict[str, list[tuple[float, float]]]:
    """Per iteration: a random participant opens the round page, then votes on its card;
    (wall, CPU) milliseconds per request kind."""
    client = app.test_client()
    timings: dict[str, list[tuple[float, float]]] = {
        "GET /r/<slug>": [],
        "POST /r/<slug>/vote (htmx)": [],
    }
    for iteration in range(warmup + requests):
        act_as(client, int(rng.integers(1, participants + 1)))
        page_ms, page = timed(lambda: client.get(f"/r/{SLUG}"))
        card, shown = CARD.search(page.text), SHOWN.search(page.text)
        if page.status_code == 200 and "/tasks/skip" in page.text:
            continue  # a helper's translation task: nothing to vote on
        if page.status_code != 200 or card is None or shown is None:
            raise RuntimeError(f"unexpected page: {page.status_code}")
        form = {
            "statement_id": card.group(1),
            "vote": str(rng.choice([vote.choice for vote in VoteValue])),
            "shown_language": shown.group(1),
            "queue": queue.group(1) if (queue := QUEUE.search(page.text)) else "",
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


def report(timings: dict[str, list[tuple[float, float]]]) -> bool:
    """Print wall-clock p50/p90/p99 and CPU p50 per request kind; True when every wall-clock
    p50 meets the target."""
    met = True
    for name, pairs in timings.items():
        values = [wall for wall, _cpu in pairs]
        p50, p90, p99 = (float(np.percentile(values, q)) for q in (50, 90, 99))
        cpu = float(np.percentile([cpu for _wall, cpu in pairs], 50))
        ok = p50 <= TARGET_MS
        met &= ok
        print(
            f"{name:28} n={len(values)}  p50 {p50:6.1f} ms  p90 {p90:6.1f} ms  p99 {p99:6.1f} ms"
            f"  mean {statistics.fmean(values):6.1f} ms  CPU p50 {cpu:5.1f} ms"
            f"  {'ok' if ok else 'MISSED'} (target p50 <= {TARGET_MS:.0f} ms)"
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
            print(
                f"participate: {'PASS' if met else 'FAIL'}: page GET and htmx vote p50 "
                f"<= {TARGET_MS:.0f} ms in-process with translations present"
            )
        finally:
            app.extensions["palabre.engine"].dispose()
            if url.startswith("postgresql"):
                engine = make_engine(url)
                reset_postgres(engine)
                engine.dispose()
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
