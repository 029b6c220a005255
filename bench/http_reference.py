"""The reference for ``bench/http_votes.py``: the least a web app can do to record a vote.

Flask and psycopg, nothing else: one connection per thread, kept open; per request one
transaction with the same vote upsert and the same event insert as Palabre, answered with an
empty 204 (no next card). It writes into the tables Palabre's benchmark round created, so both
apps pay for the same indexes and constraints. Served by gunicorn:

    PALABRE_BENCH_DSN=postgresql://... gunicorn 'bench.http_reference:app'
"""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime

import psycopg
from flask import Flask, Response, request

app = Flask(__name__)
_local = threading.local()

UPSERT = """
INSERT INTO vote (round_id, participant_id, statement_id, value, created_at, updated_at)
VALUES (%(round)s, %(participant)s, %(statement)s, %(value)s, %(now)s, %(now)s)
ON CONFLICT (participant_id, statement_id)
DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at
"""
EVENT = """
INSERT INTO vote_event (round_id, participant_id, statement_id, value, created_at)
VALUES (%(round)s, %(participant)s, %(statement)s, %(value)s, %(now)s)
"""
VALUES = {"agree": 1, "disagree": -1, "pass": 0}


def _connection() -> psycopg.Connection[tuple[object, ...]]:
    connection = getattr(_local, "connection", None)
    if connection is None or connection.closed:
        connection = psycopg.connect(os.environ["PALABRE_BENCH_DSN"])
        _local.connection = connection
    return connection


@app.get("/")
def ready() -> Response:
    """Answers once a worker is up (the benchmark waits for it)."""
    return Response(status=204)


@app.post("/vote")
def vote() -> Response:
    row = {
        "round": int(request.form["round_id"]),
        "participant": int(request.cookies["participant"]),
        "statement": int(request.form["statement_id"]),
        "value": VALUES[request.form["vote"]],
        "now": datetime.now(UTC).replace(tzinfo=None),
    }
    connection = _connection()
    with connection.transaction(), connection.cursor() as cursor:
        cursor.execute(UPSERT, row)
        cursor.execute(EVENT, row)
    return Response(status=204)
