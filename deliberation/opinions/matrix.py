"""Reading a round's votes for the opinion engine: one query, arrays, no row-by-row work."""

from __future__ import annotations

import numpy as np
from sqlalchemy import func
from sqlmodel import Session, col, select

from deliberation.models import (
    ModerationLog,
    Participant,
    Round,
    Statement,
    StatementStatus,
    Territory,
    VoteEvent,
)
from voting.opinions import Conversation, Votes


def marks(session: Session, round_id: int) -> tuple[int, int]:
    """(last vote event id, last moderation log id) of the round; 0 when there is none.

    Both are indexed lookups; a snapshot is stale when either moved.
    """
    watermark = session.exec(
        select(func.max(VoteEvent.id)).where(VoteEvent.round_id == round_id)
    ).one()
    moderation = session.exec(
        select(func.max(ModerationLog.id)).where(ModerationLog.round_id == round_id)
    ).one()
    return int(watermark or 0), int(moderation or 0)


def load_conversation(session: Session, round_: Round, *, watermark: int) -> Conversation:
    """Every vote event of ``round_`` up to ``watermark`` in time order, with each voter's
    territory slug, the rejected and meta statements.

    Events of withdrawn participants were deleted with them, so they are absent here.
    """
    rows = session.execute(
        select(
            VoteEvent.participant_id,
            VoteEvent.statement_id,
            VoteEvent.value,
            Participant.territory_id,
        )
        .join(Participant, col(Participant.id) == col(VoteEvent.participant_id))
        .where(col(VoteEvent.round_id) == round_.id, col(VoteEvent.id) <= watermark)
        .order_by(col(VoteEvent.id))
    ).all()
    table = np.array(rows, dtype=np.int64).reshape(-1, 4)
    slugs: dict[int, str] = dict(session.execute(select(Territory.id, Territory.slug)).all())
    voters, first = np.unique(table[:, 0], return_index=True)
    territory = {int(p): slugs[int(t)] for p, t in zip(voters, table[first, 3], strict=True)}
    moderation = session.execute(
        select(Statement.id, Statement.status, Statement.is_meta).where(
            col(Statement.round_id) == round_.id,
            (col(Statement.status) == StatementStatus.REJECTED) | col(Statement.is_meta),
        )
    ).all()
    return Conversation(
        votes=Votes(
            table[:, 0].copy(),
            table[:, 1].copy(),
            table[:, 2].astype(np.int8),
            in_time_order=True,
        ),
        rejected=frozenset(i for i, status, _ in moderation if status == StatementStatus.REJECTED),
        meta=frozenset(i for i, _, is_meta in moderation if is_meta),
        territory=territory,
    )
