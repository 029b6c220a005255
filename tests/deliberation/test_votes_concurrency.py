"""Votes under concurrency: many threads, each with its own session on the app's engine.

Runs on the configured test database: SQLite by default (writers are serialized by the busy
timeout, which must still give the right answer) and PostgreSQL when
``PALABRE_TEST_DATABASE_URL`` is set (real concurrent upserts).
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from flask import Flask
from sqlmodel import Session, col, select

from deliberation.models import Participant, Round, Statement, Vote, VoteEvent
from deliberation.services import votes
from tests.factories import make_participant, make_round, make_statement

THREADS = 8
CALLS_PER_THREAD = 30


def _run_threads(app: Flask, work: Callable[[Session, int], None]) -> None:
    """Run ``work(session, thread_index)`` in ``THREADS`` threads started together, each with
    its own session; re-raises the first error."""
    engine = app.extensions["palabre.engine"]
    barrier = threading.Barrier(THREADS)

    def run(index: int) -> None:
        with Session(engine, expire_on_commit=False) as db:
            barrier.wait()
            work(db, index)

    with ThreadPoolExecutor(THREADS) as pool:
        for future in [pool.submit(run, index) for index in range(THREADS)]:
            future.result()


def _cast(db: Session, round_id: int, participant_id: int, statement_id: int, value: int) -> None:
    round_ = db.get(Round, round_id)
    participant = db.get(Participant, participant_id)
    assert round_ is not None
    assert participant is not None
    votes.cast_vote(
        db, round_=round_, participant=participant, statement_id=statement_id, value=value
    )
    db.commit()


def _assert_consistent(session: Session, calls: int) -> None:
    """One current vote per pair holding the latest event's value and time, one event per
    call, and both counters equal to the number of current votes."""
    session.expire_all()
    current = session.exec(select(Vote)).all()
    events = session.exec(select(VoteEvent).order_by(col(VoteEvent.id))).all()
    assert len(events) == calls
    latest = {(e.participant_id, e.statement_id): e for e in events}
    assert len(current) == len(latest)
    for vote in current:
        event = latest[(vote.participant_id, vote.statement_id)]
        assert vote.value == event.value, "the latest vote wins"
        assert vote.updated_at == event.created_at
    per_statement = Counter(v.statement_id for v in current)
    for statement in session.exec(select(Statement)).all():
        assert statement.vote_count == per_statement[statement.id]
    per_participant = Counter(v.participant_id for v in current)
    for participant in session.exec(select(Participant)).all():
        assert participant.vote_count == per_participant[participant.id]


def test_concurrent_votes_on_the_same_pairs_keep_one_current_vote(
    app: Flask, session: Session
) -> None:
    round_ = make_round(session)
    statements = [make_statement(session, round_) for _ in range(3)]
    participants = [make_participant(session, round_) for _ in range(3)]
    pairs = [(p.id or 0, s.id or 0) for p in participants for s in statements]

    def work(db: Session, index: int) -> None:
        rng = random.Random(index)
        for _ in range(CALLS_PER_THREAD):
            participant_id, statement_id = rng.choice(pairs)
            _cast(db, round_.id or 0, participant_id, statement_id, rng.choice((-1, 0, 1)))

    _run_threads(app, work)
    _assert_consistent(session, THREADS * CALLS_PER_THREAD)


def test_many_participants_voting_on_the_same_statements_count_once_each(
    app: Flask, session: Session
) -> None:
    round_ = make_round(session)
    statements = [make_statement(session, round_) for _ in range(2)]
    crowd = [[make_participant(session, round_) for _ in range(4)] for _ in range(THREADS)]

    def work(db: Session, index: int) -> None:
        for value in (1, -1):
            for participant in crowd[index]:
                for statement in statements:
                    _cast(db, round_.id or 0, participant.id or 0, statement.id or 0, value)

    _run_threads(app, work)
    _assert_consistent(session, THREADS * 4 * 2 * 2)
    counts = session.exec(select(Statement.vote_count)).all()
    assert counts == [THREADS * 4, THREADS * 4]
    assert set(session.exec(select(Vote.value)).all()) == {-1}
