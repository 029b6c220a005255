"""The snapshot job: which rounds are due, and computing and storing a snapshot of one."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from deliberation.clock import utcnow
from deliberation.models import OpinionSnapshot, Phase, Round
from deliberation.opinions.document import build_document, parameters_document
from deliberation.opinions.matrix import load_conversation, marks
from deliberation.opinions.stored import latest_marks, latest_snapshot
from voting.opinions import OpinionState, Parameters, compute

LIVE_PHASES = (Phase.OPEN, Phase.DRAFTING, Phase.DECIDING, Phase.CLOSED)


def round_parameters(round_: Round) -> Parameters:
    """Pol.is' parameters with the round's own map threshold and privacy threshold."""
    return Parameters(min_votes=round_.min_votes_for_map, privacy_k=round_.privacy_k)


def compute_snapshot(session: Session, round_: Round, *, seed: int = 0) -> OpinionSnapshot | None:
    """Compute and store a snapshot of ``round_`` if votes or moderation changed since the last.

    Starts from the previous snapshot's engine state (sticky clustered set, warm PCA, k
    smoother), so a live round behaves like Pol.is. Returns the new snapshot, or None when
    nothing changed or when another worker stored the same watermark first (the unique
    constraint on (round, watermark, moderation mark) makes that a no-op, never a corruption).
    """
    watermark, moderation_mark = marks(session, round_.id)  # type: ignore[arg-type]
    previous = latest_snapshot(session, round_.id)  # type: ignore[arg-type]
    if previous and (previous.watermark, previous.moderation_mark) == (watermark, moderation_mark):
        return None
    if previous is None and watermark == 0:
        return None
    started = time.perf_counter()
    params = round_parameters(round_)
    conversation = load_conversation(session, round_, watermark=watermark)
    state = OpinionState.from_bytes(previous.state) if previous else None
    result, new_state = compute(conversation, state, seed=seed, params=params)
    computed_at = utcnow()
    document = build_document(
        result,
        round_slug=round_.slug,
        params=params,
        seed=seed,
        watermark=watermark,
        moderation_mark=moderation_mark,
        computed_at=computed_at.isoformat(),
    )
    snapshot = OpinionSnapshot(
        round_id=round_.id,  # type: ignore[arg-type]
        watermark=watermark,
        moderation_mark=moderation_mark,
        seed=seed,
        parameters=dict(parameters_document(params)),
        state=new_state.to_bytes(),
        document=document,
        priorities={
            str(int(s)): float(p)
            for s, p in zip(result.statement_ids, result.priority, strict=True)
        },
        participants=int(result.participant_ids.size),
        votes=int(conversation.votes.value.size),
        seconds=time.perf_counter() - started,
        computed_at=computed_at,
    )
    session.add(snapshot)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return None
    return snapshot


def due_rounds(session: Session, *, min_age: timedelta, now: datetime | None = None) -> list[Round]:
    """Live rounds whose votes or moderation moved and whose snapshot is older than ``min_age``."""
    now = now or utcnow()
    due = []
    for round_ in session.exec(select(Round).where(col(Round.phase).in_(LIVE_PHASES))):
        latest = latest_marks(session, round_.id)  # type: ignore[arg-type]
        current = marks(session, round_.id)  # type: ignore[arg-type]
        if latest is None:
            if current[0]:
                due.append(round_)
        elif latest[:2] != current and now - latest[2] >= min_age:
            due.append(round_)
    return due
