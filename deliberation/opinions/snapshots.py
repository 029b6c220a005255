"""The snapshot job: which rounds are due, and computing and storing a snapshot of one."""

from __future__ import annotations

import time
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime, timedelta

from sqlalchemy import delete, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from deliberation.clock import utcnow
from deliberation.models import OpinionSnapshot, Phase, Round
from deliberation.opinions.document import build_document, parameters_document
from deliberation.opinions.matrix import load_conversation, marks
from deliberation.opinions.stored import latest_marks, latest_snapshot
from voting.opinions import Conversation, OpinionResult, OpinionState, Parameters, compute
from voting.opinions.matrix import MatrixMemo

LIVE_PHASES = (Phase.OPEN, Phase.DRAFTING, Phase.DECIDING, Phase.CLOSED)
SUPERSEDED_KEPT = timedelta(minutes=2)
"""How long a round's snapshot is kept once a newer one of the same revision replaced it:
only the latest is ever shown, but a page or a kept visit (``VISIT_KEPT_SECONDS``, a minute by
default) that read an older one's id may still look its priorities up in a process that has
not (``snapshot_priorities``; past this, that draw goes without them). A round under load
keeps about twenty (one every 5 to 7 s), half a megabyte each on 10,000 statements; it kept
every one before."""
# The last round's vote matrix, extended by the next update of that round.
_MATRICES = MatrixMemo()


def invalidate_results(session: Session, round_: Round) -> None:
    """Bump the round's results revision (one atomic UPDATE): every stored snapshot becomes
    stale at once and the worker recomputes. The caller commits."""
    session.execute(
        update(Round)
        .where(col(Round.id) == round_.id)
        .values(results_revision=Round.results_revision + 1)
    )
    session.refresh(round_, ["results_revision"])


def round_parameters(round_: Round) -> Parameters:
    """Pol.is' parameters with the round's own map threshold and privacy threshold."""
    return Parameters(min_votes=round_.min_votes_for_map, privacy_k=round_.privacy_k)


def live_update(
    conversation: Conversation, stored: bytes | None, *, params: Parameters, seed: int
) -> tuple[OpinionResult, bytes]:
    """One update of a round's opinion map, as every snapshot is computed: the engine state
    of the previous snapshot read back from its stored bytes (None for the first), the new
    result, and the new state as bytes to store with it. ``bench/opinions.py`` replays real
    conversations through this very function.

    The vote matrix of the last call is kept (``MatrixMemo``): when the stream only gained
    events since (the same round a little later), it is extended, not rebuilt from every vote."""
    state = OpinionState.from_bytes(stored) if stored is not None else None
    matrix = _MATRICES.build(conversation.votes, params)
    with one_blas_thread():
        result, new_state = compute(conversation, state, seed=seed, params=params, matrix=matrix)
    return result, new_state.to_bytes()


def one_blas_thread() -> AbstractContextManager[object]:
    """Limit BLAS to one thread (for the whole process) when threadpoolctl is installed. The
    engine's BLAS work is tiny (ARPACK's small dense steps), and idle OpenBLAS threads that spin
    after it burn CPU time that the app's other work needs (about 0.12 s per run on a round of
    33k participants) without saving wall time. The limit costs about 1 ms."""
    try:
        from threadpoolctl import threadpool_limits  # noqa: PLC0415
    except ImportError:
        return nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def compute_snapshot(session: Session, round_: Round, *, seed: int = 0) -> OpinionSnapshot | None:
    """Compute a snapshot of ``round_`` and add it to ``session`` if votes, moderation or the
    results revision changed since the last. The caller commits (the worker, the CLI).

    Starts from the previous snapshot's engine state (sticky clustered set, warm PCA, k
    smoother), so a live round behaves like Pol.is; the new state keeps only participants who
    still have votes. Snapshots of older revisions are deleted in the same transaction, so
    the positions of someone who withdrew do not outlive the recomputation. Returns the new
    snapshot, or None when nothing changed, when no vote is left (older snapshots are then
    deleted) or when another worker stored the same key first (the unique constraint on
    (round, watermark, moderation mark, revision) makes that a no-op, never a corruption: the
    insert runs in a savepoint, rolled back alone).
    """
    watermark, moderation_mark, revision = marks(session, round_.id)  # type: ignore[arg-type]
    previous = latest_snapshot(session, round_.id)  # type: ignore[arg-type]
    if previous and (previous.watermark, previous.moderation_mark, previous.revision) == (
        watermark,
        moderation_mark,
        revision,
    ):
        return None
    if watermark == 0:
        if previous is not None:  # the last voters withdrew: nothing is left to show
            session.execute(
                delete(OpinionSnapshot).where(col(OpinionSnapshot.round_id) == round_.id)
            )
        return None
    started = time.perf_counter()
    params = round_parameters(round_)
    conversation = load_conversation(session, round_, watermark=watermark)
    result, state = live_update(
        conversation, previous.state if previous else None, params=params, seed=seed
    )
    computed_at = utcnow()
    document = build_document(
        result,
        round_slug=round_.slug,
        params=params,
        seed=seed,
        watermark=watermark,
        moderation_mark=moderation_mark,
        revision=revision,
        computed_at=computed_at.isoformat(),
        territory_of=conversation.territory,
    )
    snapshot = OpinionSnapshot(
        round_id=round_.id,  # type: ignore[arg-type]
        watermark=watermark,
        moderation_mark=moderation_mark,
        revision=revision,
        seed=seed,
        parameters=dict(parameters_document(params)),
        state=state,
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
    try:
        with session.begin_nested():
            session.add(snapshot)
            session.execute(
                delete(OpinionSnapshot).where(
                    col(OpinionSnapshot.round_id) == round_.id,
                    col(OpinionSnapshot.revision) < revision,
                )
            )
            _delete_superseded(session, round_, now=computed_at)
    except IntegrityError:
        return None
    return snapshot


def _delete_superseded(session: Session, round_: Round, *, now: datetime) -> None:
    """Delete the round's snapshots superseded more than ``SUPERSEDED_KEPT`` ago: those older
    than the latest one computed by then, which is kept (it was still the latest within the
    period)."""
    kept_since = (
        select(func.max(OpinionSnapshot.id))
        .where(
            col(OpinionSnapshot.round_id) == round_.id,
            col(OpinionSnapshot.computed_at) <= now - SUPERSEDED_KEPT,
        )
        .scalar_subquery()
    )
    session.execute(
        delete(OpinionSnapshot).where(
            col(OpinionSnapshot.round_id) == round_.id, col(OpinionSnapshot.id) < kept_since
        )
    )


def due_rounds(session: Session, *, min_age: timedelta, now: datetime | None = None) -> list[Round]:
    """Live rounds whose votes or moderation moved and whose snapshot is older than ``min_age``;
    at once, rounds (reported ones too) whose results revision moved, since their map is hidden
    until recomputed."""
    now = now or utcnow()
    due = []
    phases = (*LIVE_PHASES, Phase.REPORTED)
    for round_ in session.exec(select(Round).where(col(Round.phase).in_(phases))):
        latest = latest_marks(session, round_.id)  # type: ignore[arg-type]
        current = marks(session, round_.id)  # type: ignore[arg-type]
        live = round_.phase in LIVE_PHASES
        if latest is None:
            moved = live and current[0] > 0
        else:
            revised = latest[2] != current[2]
            moved = revised or (live and latest[:3] != current and now - latest[3] >= min_age)
        if moved:
            due.append(round_)
    return due
