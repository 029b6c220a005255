"""Routing by the opinion snapshot's priorities (Pol.is' weighted draw)."""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
from flask.testing import FlaskClient
from sqlalchemy import event, text
from sqlmodel import Session

from deliberation.models import Participant, Round, StatementStatus
from deliberation.opinions.priorities import snapshot_priorities
from deliberation.opinions.snapshots import compute_snapshot
from deliberation.opinions.stored import latest_snapshot_id_query
from deliberation.services.routing import (
    QUEUE,
    UNSEEN_PRIORITY,
    Priorities,
    next_statements,
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
