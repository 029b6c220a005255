"""Reading stored snapshots: the latest one of a round, or only its marks or its id. Pages,
exports and routing read snapshots through here; only the job (``snapshots``) writes them."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from deliberation.models import OpinionSnapshot


def latest_snapshot_id(session: Session, round_id: int) -> int | None:
    """The id of the round's most recent snapshot, or None before the first one."""
    return session.exec(
        select(OpinionSnapshot.id)
        .where(OpinionSnapshot.round_id == round_id)
        .order_by(col(OpinionSnapshot.id).desc())
        .limit(1)
    ).first()


def latest_snapshot(session: Session, round_id: int) -> OpinionSnapshot | None:
    """The round's most recent snapshot, or None before the first one."""
    return session.exec(
        select(OpinionSnapshot)
        .where(OpinionSnapshot.round_id == round_id)
        .order_by(col(OpinionSnapshot.id).desc())
        .limit(1)
    ).first()


def latest_marks(session: Session, round_id: int) -> tuple[int, int, datetime] | None:
    """(watermark, moderation mark, computed at) of the latest snapshot, without its payload."""
    row = session.exec(
        select(
            OpinionSnapshot.watermark,
            OpinionSnapshot.moderation_mark,
            OpinionSnapshot.computed_at,
        )
        .where(OpinionSnapshot.round_id == round_id)
        .order_by(col(OpinionSnapshot.id).desc())
        .limit(1)
    ).first()
    return None if row is None else (row[0], row[1], row[2])
