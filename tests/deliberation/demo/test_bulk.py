"""The bulk loader shared by the demo, the Pol.is import and the benchmarks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, col, select

from deliberation.demo import bulk
from deliberation.models import (
    Participant,
    Statement,
    Territory,
    TerritoryKind,
    Vote,
    VoteEvent,
)
from tests.factories import make_participant, make_round, make_statement

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_insert_returning_ids_keeps_the_order_across_chunks(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    round_ = make_round(session)
    bulk_rows = [
        {
            "round_id": round_.id,
            "text": f"Statement number {i}",
            "normalized_text": f"statement number {i}",
            "language": "en",
        }
        for i in range(25)
    ]
    monkeypatch.setattr(bulk, "CHUNK", 10)  # three chunks, the last one short
    ids = bulk.insert_returning_ids(session, Statement, bulk_rows)
    texts = {s.id: s.text for s in session.exec(select(Statement)).all()}
    assert [texts[i] for i in ids] == [row["text"] for row in bulk_rows]


def test_write_votes_keeps_every_event_and_the_last_vote(session: Session) -> None:
    round_ = make_round(session)
    ann, bob = make_participant(session, round_), make_participant(session, round_)
    first, second = make_statement(session, round_), make_statement(session, round_)
    events = [
        (ann.id, first.id, 1),
        (bob.id, first.id, -1),
        (ann.id, second.id, 0),
        (ann.id, first.id, -1),
    ]
    chunks: list[int] = []
    written = bulk.write_votes(
        session,
        round_id=round_.id or 0,
        participant=[e[0] for e in events],
        statement=[e[1] for e in events],
        value=[e[2] for e in events],
        times=[T0 + timedelta(minutes=i) for i in range(len(events))],
        languages=["fr", "de", "en", "en"],
        progress=chunks.append,
    )
    assert written == 3
    assert chunks == [4]
    logged = session.exec(select(VoteEvent).order_by(col(VoteEvent.id))).all()
    assert [(e.participant_id, e.statement_id, e.value) for e in logged] == events
    assert [e.language for e in logged] == ["fr", "de", "en", "en"]
    votes = {(v.participant_id, v.statement_id): v for v in session.exec(select(Vote)).all()}
    changed = votes[(ann.id, first.id)]
    assert changed.value == -1
    assert (changed.created_at, changed.updated_at) == (T0, T0 + timedelta(minutes=3))
    assert changed.language == "en"
    assert votes[(bob.id, first.id)].value == -1
    counts = {s.id: s.vote_count for s in session.exec(select(Statement)).all()}
    assert counts == {first.id: 2, second.id: 1}
    people = {p.id: p.vote_count for p in session.exec(select(Participant)).all()}
    assert people == {ann.id: 2, bob.id: 1}


def test_write_votes_with_no_votes_writes_nothing(session: Session) -> None:
    round_ = make_round(session)
    assert (
        bulk.write_votes(
            session, round_id=round_.id or 0, participant=[], statement=[], value=[], times=[]
        )
        == 0
    )
    assert session.exec(select(Vote)).all() == []


def test_insert_rows_writes_json_and_enum_values(session: Session) -> None:
    chunks: list[int] = []
    written = bulk.insert_rows(
        session,
        Territory,
        (
            {"slug": f"town-{i}", "kind": TerritoryKind.MUNICIPALITY, "names": {"fr": f"Ville {i}"}}
            for i in range(3)
        ),
        progress=chunks.append,
    )
    assert written == 3
    assert chunks == [3]
    rows = session.exec(select(Territory).order_by(col(Territory.slug))).all()
    assert [(t.slug, t.kind, t.names) for t in rows] == [
        (f"town-{i}", "municipality", {"fr": f"Ville {i}"}) for i in range(3)
    ]
