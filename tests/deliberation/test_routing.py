"""Routing by the opinion snapshot's priorities (Pol.is' weighted draw)."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from flask.testing import FlaskClient
from sqlalchemy import event, text
from sqlmodel import Session

from deliberation.db import PostgresStatement, postgres_statement
from deliberation.models import Participant, Round, Statement, StatementStatus
from deliberation.models.statements import SEEN_TIERS
from deliberation.opinions.priorities import snapshot_priorities
from deliberation.opinions.snapshots import compute_snapshot
from deliberation.opinions.stored import latest_snapshot_id_query
from deliberation.services.routing import (
    CHECKED,
    QUEUE,
    SAMPLE,
    UNSEEN_PRIORITY,
    Priorities,
    _sample_size,
    next_statements,
    queued_check,
)
from deliberation.services.votes import record_vote
from tests.deliberation.opinions.rounds import planted_round
from tests.factories import act_as, make_participant, make_round, make_statement


def _priorities(weights: dict[int, float]) -> Priorities:
    return Priorities(
        ids=np.array(list(weights), dtype=np.int64),
        weights=np.array(list(weights.values()), dtype=np.float64),
    )


def _draws(
    session: Session, round_: Round, participant: Participant, priorities: Priorities, n: int
) -> Counter[int]:
    """How often each statement is drawn over ``n`` seeds."""
    return Counter(
        next_statements(
            session,
            round_=round_,
            participant=participant,
            rng=random.Random(i),
            priorities=priorities,
        )[0].id
        for i in range(n)
    )


def test_the_draw_follows_the_priorities(session: Session) -> None:
    round_ = make_round(session)
    low = [make_statement(session, round_) for _ in range(3)]
    high = make_statement(session, round_)
    participant = make_participant(session, round_)
    priorities = _priorities({**{s.id: 1.0 for s in low}, high.id: 97.0})
    drawn = _draws(session, round_, participant, priorities, 400)
    assert 0.93 < drawn[high.id] / 400 < 1.0
    assert sum(drawn[s.id] for s in low) > 0


def test_voted_and_rejected_statements_are_never_drawn(session: Session) -> None:
    round_ = make_round(session)
    voted, rejected, left = (make_statement(session, round_) for _ in range(3))
    rejected.status = StatementStatus.REJECTED
    session.add(rejected)
    participant = make_participant(session, round_)
    record_vote(
        session, round_id=round_.id, participant_id=participant.id, statement_id=voted.id, value=1
    )
    session.commit()
    priorities = _priorities({voted.id: 1e6, rejected.id: 1e6, left.id: 1e-6})
    for i in range(20):
        chosen = next_statements(
            session,
            round_=round_,
            participant=participant,
            rng=random.Random(i),
            priorities=priorities,
        )
        assert chosen[0].id == left.id
    record_vote(
        session, round_id=round_.id, participant_id=participant.id, statement_id=left.id, value=0
    )
    session.commit()
    assert (
        next_statements(
            session,
            round_=round_,
            participant=participant,
            rng=random.Random(0),
            priorities=priorities,
        )
        == []
    )


def test_statements_nobody_voted_on_still_reach_participants(session: Session) -> None:
    round_ = make_round(session)
    known = make_statement(session, round_)
    fresh = make_statement(session, round_)
    participant = make_participant(session, round_)
    priorities = _priorities({known.id: UNSEEN_PRIORITY})
    drawn = _draws(session, round_, participant, priorities, 400)
    assert 0.4 < drawn[fresh.id] / 400 < 0.6


def test_the_draw_is_deterministic_under_a_seed(session: Session) -> None:
    round_ = make_round(session)
    items = [make_statement(session, round_) for _ in range(10)]
    participant = make_participant(session, round_)
    priorities = _priorities({s.id: float(n + 1) for n, s in enumerate(items)})
    picks = [
        next_statements(
            session,
            round_=round_,
            participant=participant,
            rng=random.Random(5),
            priorities=priorities,
        )[0].id
        for _ in range(3)
    ]
    assert len(set(picks)) == 1


def test_the_sampled_query_text_does_not_depend_on_the_sample_on_postgresql(
    session: Session,
) -> None:
    """On PostgreSQL the sampled ids are one array parameter: the same SQL text whatever the
    sample's size, prepared on the connection (an expanding IN renders one placeholder per id:
    a new text, parsed and planned again, as on SQLite). The driver prepares it once per
    integer width of the ids it binds."""
    round_ = make_round(session)
    items = [make_statement(session, round_) for _ in range(5)]
    participant = make_participant(session, round_)
    texts: set[str] = set()
    sampled = "count(distinct(translation.language))"

    def remember(*args: object) -> None:
        statement = args[2]
        assert isinstance(statement, str)
        if sampled in statement:
            texts.add(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", remember)
    try:
        # Every statement is known to both snapshots; the second also weighs three deleted ones.
        for gone in (0, 3):
            weights = {s.id: 1.0 for s in items} | {10**6 + n: 1.0 for n in range(gone)}
            _draws(session, round_, participant, _priorities(weights), 1)
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    if engine.dialect.name != "postgresql":
        assert len(texts) == 2
        return
    prepared = session.execute(
        text(
            "SELECT count(DISTINCT statement) FROM pg_prepared_statements"
            " WHERE statement LIKE :sampled"
        ),
        {"sampled": f"%{sampled}%"},
    ).scalar_one()
    assert prepared == 1


def test_the_participation_page_routes_by_the_latest_snapshot(
    client: FlaskClient, session: Session
) -> None:
    round_ = planted_round(session, participants=10, statements=6)
    compute_snapshot(session, round_)
    session.commit()
    newcomer = make_participant(session, round_)
    act_as(client, newcomer)
    snapshot_id = session.exec(latest_snapshot_id_query(round_.id)).one()
    assert snapshot_priorities(session, snapshot_id) is snapshot_priorities(session, snapshot_id)
    seen = set()
    for _ in range(6):
        page = client.get(f"/r/{round_.slug}")
        statement_id = int(page.text.split('data-statement-id="')[1].split('"')[0])
        assert statement_id not in seen
        seen.add(statement_id)
        client.post(f"/r/{round_.slug}/vote", data={"statement_id": statement_id, "vote": "pass"})
    assert "voted on every statement" in client.get(f"/r/{round_.slug}").text


def test_a_draw_orders_the_next_cards_without_repeats_and_leaves_out_the_skipped(
    session: Session,
) -> None:
    round_ = make_round(session)
    statements = [make_statement(session, round_) for _ in range(QUEUE + 3)]
    participant = make_participant(session, round_)
    skipped = statements[0]
    weights = {s.id: float(n + 1) for n, s in enumerate(statements[:-1])}  # the last: unseen
    for priorities in (None, _priorities(weights)):
        for seed in range(20):
            drawn = next_statements(
                session,
                round_=round_,
                participant=participant,
                rng=random.Random(seed),
                priorities=priorities,
                skip=skipped.id,
            )
            ids = [card.id for card in drawn]
            assert len(ids) == len(set(ids)) == QUEUE
            assert skipped.id not in ids
    heaviest = Counter(
        next_statements(
            session,
            round_=round_,
            participant=participant,
            rng=random.Random(seed),
            priorities=_priorities(weights),
        )[1].id
        for seed in range(300)
    )
    assert heaviest.most_common(1)[0][0] in {s.id for s in statements[-4:]}, (
        "the second card is a draw too: the heavy statements come early"
    )


def _agree(
    session: Session, participant: Participant, statements: list[Statement], *, commit: bool = True
) -> None:
    for statement in statements:
        record_vote(
            session,
            round_id=statement.round_id,
            participant_id=participant.id,
            statement_id=statement.id,
            value=1,
        )
    if commit:
        session.commit()


def test_a_statements_seen_tier_is_its_vote_counts_number_of_binary_digits(
    session: Session,
) -> None:
    """The database computes it, whatever sets the counter (a vote, an undo, a bulk load)."""
    round_ = make_round(session)
    counts = [0, 1, 2, 3, 4, 7, 8, 1000, 2**23 - 1, 2**23, 2**31 - 1]
    statements = [make_statement(session, round_, vote_count=count) for count in counts]
    tiers = dict(session.execute(text("SELECT id, seen_tier FROM statement")).all())
    assert [tiers[s.id] for s in statements] == [
        min(count.bit_length(), SEEN_TIERS) for count in counts
    ]
    _agree(session, make_participant(session, round_), [statements[4]])
    moved = session.execute(
        text("SELECT vote_count, seen_tier FROM statement WHERE id = :id"),
        {"id": statements[4].id},
    ).one()
    assert tuple(moved) == (5, 3)


def test_the_least_seen_come_first_by_tier_then_by_age(session: Session) -> None:
    """Without a snapshot: seeds first, then the statements in the lowest tier of votes
    (0; 1; 2-3; 4-7; ...), oldest first, among which the fewest votes first."""
    round_ = make_round(session)
    older = [make_statement(session, round_, is_seed=False, vote_count=7) for _ in range(6)]
    fewer = make_statement(session, round_, is_seed=False, vote_count=4)
    newer = [make_statement(session, round_, is_seed=False, vote_count=5) for _ in range(6)]
    doubled = make_statement(session, round_, is_seed=False, vote_count=8)
    seed = make_statement(session, round_, is_seed=True, vote_count=100)
    participant = make_participant(session, round_)
    for n in range(10):
        drawn = [
            card.id
            for card in next_statements(
                session, round_=round_, participant=participant, rng=random.Random(n)
            )
        ]
        assert drawn[0] == seed.id
        assert drawn[1] == fewer.id, "the fewest votes first among those read"
        # The routing index gives the tier's oldest (CANDIDATES of them, with the seed).
        assert set(drawn[2:]) == {s.id for s in older[: QUEUE - 2]}
        assert doubled.id not in drawn
        assert not set(drawn) & {s.id for s in newer}


@pytest.mark.postgres
def test_a_votes_counter_update_writes_no_index_entry(session: Session) -> None:
    """The statement's counter is in no index (the routing index has its tier): PostgreSQL
    updates the row in place (HOT), but when the count doubles."""
    round_ = make_round(session)
    statement = make_statement(session, round_, vote_count=4)
    voters = [make_participant(session, round_) for _ in range(4)]
    for voter in voters:  # 4 to 8 votes: the last one moves the tier
        _agree(session, voter, [statement], commit=False)
    updated, hot = session.execute(
        text(
            "SELECT pg_stat_get_xact_tuples_updated(CAST('statement' AS regclass)),"
            " pg_stat_get_xact_tuples_hot_updated(CAST('statement' AS regclass))"
        )
    ).one()
    session.commit()
    assert (updated, hot) == (4, 3)


@pytest.mark.postgres
def test_a_queue_check_looks_up_each_pair_rather_than_the_participants_votes(
    session: Session,
) -> None:
    """Checked statement by statement, whatever the planner believes of the participant: as
    an anti-join it read every vote of theirs (a plan prepared once for every participant)."""
    round_ = make_round(session)
    statements = [make_statement(session, round_) for _ in range(30)]
    participant = make_participant(session, round_)
    _agree(session, participant, statements[:25])
    check = queued_check(
        round_, participant, [s.id for s in statements[20:28]], skip=None, postgres=True
    )
    assert check is not None
    query = postgres_statement(check.query)
    assert query is not None
    connection = session.connection()
    connection.exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")
    explained = PostgresStatement("EXPLAIN (ANALYZE, FORMAT JSON) " + query.sql, query.bound)
    (row,) = explained.run(connection, check.params)
    session.rollback()
    lookups = [node for node in _nodes(row[0][0]["Plan"]) if node.get("Relation Name") == "vote"]
    assert lookups
    for lookup in lookups:
        assert "statement_id" in lookup["Index Cond"], "the pair looked up, not the voter's votes"
        assert lookup["Actual Loops"] == len(check.ids) == CHECKED


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", ()):
        yield from _nodes(child)


def test_a_draw_looks_up_fewer_statements_the_fewer_its_participant_has_voted_on(
    session: Session,
) -> None:
    """Twice the keys that should hold a queue of open statements, by the share the
    participant has not voted on, up to ``SAMPLE``."""
    round_ = make_round(session)
    participant = make_participant(session, round_)
    priorities = _priorities(dict.fromkeys(range(1, 1001), 1.0))
    sizes = []
    for voted in (0, 500, 900, 1000):
        participant.vote_count = voted
        sizes.append(_sample_size(priorities, participant))
    assert sizes == [2 * QUEUE, 4 * QUEUE, SAMPLE, SAMPLE]
