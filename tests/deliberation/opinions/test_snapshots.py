"""Opinion snapshots: computed from the database, stored, stale when votes or moderation move."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from flask import Flask
from sqlalchemy import update
from sqlmodel import Session, select

from deliberation.models import AuditAction, OpinionSnapshot, Statement, TargetKind
from deliberation.opinions.matrix import load_conversation, marks
from deliberation.opinions.snapshots import SUPERSEDED_KEPT, compute_snapshot, due_rounds
from deliberation.opinions.stored import latest_snapshot
from deliberation.opinions.worker import run_forever, run_once
from deliberation.services import audit
from deliberation.services.votes import record_vote
from tests.deliberation.opinions.rounds import planted_round
from tests.factories import make_participant


def test_the_vote_matrix_comes_from_one_query_with_territories(session: Session) -> None:
    round_ = planted_round(session, participants=6, statements=3)
    watermark, moderation, revision = marks(session, round_.id)
    conversation = load_conversation(session, round_, watermark=watermark)
    assert conversation.votes.value.size == 18
    assert moderation == revision == 0
    assert len(set(conversation.territory.values())) == 2
    assert len(conversation.territory) == 6


def test_snapshot_finds_the_planted_groups_and_is_stored(session: Session) -> None:
    round_ = planted_round(session)
    snapshot = compute_snapshot(session, round_)
    session.commit()
    assert snapshot is not None
    document = snapshot.document
    assert document["k"] == 2
    groups = document["participants"]["group"]
    ids = document["participants"]["ids"]
    by_parity = {(pid - ids[0]) % 2: set() for pid in ids}
    for pid, g in zip(ids, groups, strict=True):
        by_parity[(pid - ids[0]) % 2].add(g)
    assert all(len(found) == 1 for found in by_parity.values())
    consensual = {s["id"] for s in document["statements"] if s["consensus"] == "agree"}
    assert len(consensual) >= 2
    assert len(document["territories"]) == 2
    assert all(sum(filter(None, g["composition"].values())) for g in document["groups"])
    assert set(snapshot.priorities) == {str(s["id"]) for s in document["statements"]}
    assert compute_snapshot(session, round_) is None, "nothing changed, nothing computed"


def test_new_votes_and_moderation_make_the_snapshot_stale(session: Session) -> None:
    round_ = planted_round(session)
    first = compute_snapshot(session, round_)
    session.commit()
    assert first is not None
    late = make_participant(session, round_)
    statement = session.exec(select(Statement).where(Statement.round_id == round_.id)).first()
    record_vote(
        session, round_id=round_.id, participant_id=late.id, statement_id=statement.id, value=1
    )
    session.commit()
    assert due_rounds(session, min_age=timedelta(0)) == [round_]
    assert due_rounds(session, min_age=timedelta(hours=1)) == []
    second = compute_snapshot(session, round_)
    session.commit()
    assert second is not None
    assert second.watermark > first.watermark
    audit.record(
        session,
        actor=audit.SYSTEM,
        action=AuditAction.STATEMENT_META,
        target_kind=TargetKind.STATEMENT,
        target_id=statement.id,
        round_=round_,
    )
    statement.is_meta = True
    session.add(statement)
    session.commit()
    third = compute_snapshot(session, round_)
    session.commit()
    assert third is not None
    assert third.priorities[str(statement.id)] == 49.0
    assert latest_snapshot(session, round_.id).id == third.id


def test_snapshots_superseded_long_enough_are_deleted(session: Session) -> None:
    """The latest is kept, and so is every one that was the latest within ``SUPERSEDED_KEPT``
    (a page may still read its priorities by id); those replaced before are deleted."""
    round_ = planted_round(session)
    statements = session.exec(select(Statement).where(Statement.round_id == round_.id)).all()
    ages = [SUPERSEDED_KEPT * 3, SUPERSEDED_KEPT * 2, SUPERSEDED_KEPT / 2]
    ids = []
    for n, age in enumerate([*ages, None]):
        if n:
            voter = make_participant(session, round_)
            record_vote(
                session,
                round_id=round_.id,
                participant_id=voter.id,
                statement_id=statements[0].id,
                value=1,
            )
        snapshot = compute_snapshot(session, round_)
        assert snapshot is not None
        session.commit()
        ids.append(snapshot.id)
        if age is not None:  # as if computed that long ago
            session.execute(
                update(OpinionSnapshot)
                .where(OpinionSnapshot.id == snapshot.id)
                .values(computed_at=snapshot.computed_at - age)
            )
            session.commit()
    kept = session.exec(
        select(OpinionSnapshot.id)
        .where(OpinionSnapshot.round_id == round_.id)
        .order_by(OpinionSnapshot.id)
    ).all()
    assert kept == ids[1:], "the first was replaced by one already older than the period"


def test_the_worker_follows_a_live_round(app: Flask, session: Session) -> None:
    app.config["OPINIONS_MIN_INTERVAL"] = 0
    round_ = planted_round(session, participants=20)
    assert run_once(app, holder="test") == 1
    assert run_once(app, holder="test") == 0

    stop = threading.Event()
    worker = threading.Thread(target=run_forever, kwargs={"app": app, "stop": stop, "poll": 0.05})
    worker.start()
    try:
        statements = session.exec(select(Statement).where(Statement.round_id == round_.id)).all()
        for n in range(10):
            voter = make_participant(session, round_)
            for statement in statements[:8]:
                record_vote(
                    session,
                    round_id=round_.id,
                    participant_id=voter.id,
                    statement_id=statement.id,
                    value=1 if n % 2 else -1,
                )
            session.commit()
            time.sleep(0.02)
        final = marks(session, round_.id)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            session.expire_all()
            latest = latest_snapshot(session, round_.id)
            if latest and (latest.watermark, latest.moderation_mark) == final:
                break
            time.sleep(0.05)
    finally:
        stop.set()
        worker.join(timeout=30)
    assert latest is not None
    assert latest.watermark == final[0]
    assert latest.participants == 30
    watermarks = session.exec(
        select(OpinionSnapshot.watermark).where(OpinionSnapshot.round_id == round_.id)
    ).all()
    assert len(watermarks) == len(set(watermarks)) >= 2


def test_the_command_line_computes_one_round(app: Flask, session: Session) -> None:
    round_ = planted_round(session, participants=10, statements=4)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["opinions", "compute", "--round", round_.slug])
    assert first.exit_code == 0, first.output
    assert "snapshot at vote" in first.output
    again = runner.invoke(args=["opinions", "compute", "--round", round_.slug])
    assert "no new votes" in again.output
    unknown = runner.invoke(args=["opinions", "compute", "--round", "nowhere"])
    assert unknown.exit_code == 1
    assert "No round has this address." in unknown.output
