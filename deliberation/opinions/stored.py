"""Reading stored snapshots: the latest one of a round, or only its marks or its id, and the
current one (of the round's results revision), the only one pages, downloads and exports may
show. Pages, exports and routing read snapshots through here; only the job (``snapshots``)
writes them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from deliberation.models import OpinionSnapshot, Round


def latest_snapshot_id_query(round_id: Any) -> SelectOfScalar[Any]:
    """The id of the round's most recent snapshot (no row before the first one); ``round_id``
    an id or a column (which makes it a correlated subquery)."""
    return (
        select(OpinionSnapshot.id)
        .where(OpinionSnapshot.round_id == round_id)
        .order_by(col(OpinionSnapshot.id).desc())
        .limit(1)
    )


def latest_snapshot(session: Session, round_id: int) -> OpinionSnapshot | None:
    """The round's most recent snapshot, or None before the first one."""
    return session.exec(
        select(OpinionSnapshot)
        .where(OpinionSnapshot.round_id == round_id)
        .order_by(col(OpinionSnapshot.id).desc())
        .limit(1)
    ).first()


def current_snapshot(session: Session, round_: Round) -> OpinionSnapshot | None:
    """The latest snapshot if it is of the round's current results revision, else None.

    A snapshot of an older revision may hold the votes of someone who withdrew since, or follow
    privacy settings that changed: no page, download or export shows it; they treat the round
    as "being recomputed" until the worker has stored a snapshot of the current revision.
    """
    snapshot = latest_snapshot(session, round_.id)  # type: ignore[arg-type]
    if snapshot is None or snapshot.revision != round_.results_revision:
        return None
    return snapshot


def latest_marks(session: Session, round_id: int) -> tuple[int, int, int, datetime] | None:
    """(watermark, moderation mark, revision, computed at) of the latest snapshot, without its
    payload."""
    row = session.exec(
        select(
            OpinionSnapshot.watermark,
            OpinionSnapshot.moderation_mark,
            OpinionSnapshot.revision,
            OpinionSnapshot.computed_at,
        )
        .where(OpinionSnapshot.round_id == round_id)
        .order_by(col(OpinionSnapshot.id).desc())
        .limit(1)
    ).first()
    return None if row is None else (row[0], row[1], row[2], row[3])
