"""Reading a round's votes for the opinion engine: one query, arrays, no row-by-row work."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import func
from sqlalchemy.sql.expression import ClauseElement
from sqlmodel import Session, col, select

from deliberation.models import (
    MODERATION_ACTIONS,
    AuditEntry,
    Participant,
    Round,
    Statement,
    StatementStatus,
    Territory,
    VoteEvent,
)
from voting.opinions import Conversation, Votes

CHUNK = 200_000
# A retraction event (no value) as read into the integer table; no vote has this value.
RETRACTED = 2


def marks(session: Session, round_id: int) -> tuple[int, int, int]:
    """The round's snapshot key: (last vote event id, last moderation entry id in the audit log,
    results revision); 0 when there is none.

    Indexed lookups; a snapshot is stale when any of the three moved. The revision moves on what
    the other two cannot see: a withdrawal deletes vote events (the last id may stay the same)
    and a change of privacy settings touches no vote.
    """
    watermark = session.exec(
        select(func.max(VoteEvent.id)).where(VoteEvent.round_id == round_id)
    ).one()
    moderation = session.exec(
        select(func.max(AuditEntry.id)).where(
            AuditEntry.round_id == round_id,
            col(AuditEntry.action).in_([action.value for action in MODERATION_ACTIONS]),
        )
    ).one()
    revision = session.exec(select(Round.results_revision).where(Round.id == round_id)).one()
    return int(watermark or 0), int(moderation or 0), int(revision)


def _integer_table(session: Session, query: ClauseElement, *, columns: int) -> NDArray[np.int64]:
    """All rows of an all-integer query as an (n, columns) array.

    Read through the driver's cursor in chunks of plain tuples: building one ORM row object
    per vote (millions of them) costs far more than the query itself. The query holds integers
    only, so it is rendered with literal values.
    """
    sql = str(
        query.compile(dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True})
    )
    cursor = session.connection().connection.cursor()
    try:
        cursor.execute(sql)
        chunks = [np.zeros((0, columns), dtype=np.int64)]
        while rows := cursor.fetchmany(CHUNK):
            chunks.append(np.array(rows, dtype=np.int64).reshape(-1, columns))
    finally:
        cursor.close()
    return np.concatenate(chunks)


def without_retracted(table: NDArray[np.int64]) -> NDArray[np.int64]:
    """The rows of a time-ordered event table (participant, statement, value, ...) without the
    retractions (value ``RETRACTED``) nor the events they retract: every earlier event on a
    (participant, statement) pair whose latest event is a retraction.

    A pair voted on again after a retraction keeps its events (the latest still wins).
    """
    retraction = table[:, 2] == RETRACTED
    if not retraction.any():
        return table
    pairs = np.unique(table[:, :2], axis=0, return_inverse=True)[1].reshape(-1)
    last = np.zeros(int(pairs.max()) + 1, dtype=np.int64)
    np.maximum.at(last, pairs, np.arange(len(pairs)))  # each pair's latest row
    retracted = retraction[last]
    return table[~retracted[pairs] & ~retraction]


def load_conversation(session: Session, round_: Round, *, watermark: int) -> Conversation:
    """Every vote event of ``round_`` up to ``watermark`` in time order, with each voter's
    territory slug, the rejected and meta statements.

    Events of withdrawn participants were deleted with them, so they are absent here. A vote
    undone by a retraction is absent too (see ``without_retracted``).
    """
    query = (
        select(
            VoteEvent.participant_id,
            VoteEvent.statement_id,
            func.coalesce(VoteEvent.value, RETRACTED),
            Participant.territory_id,
        )
        .join(Participant, col(Participant.id) == col(VoteEvent.participant_id))
        .where(col(VoteEvent.round_id) == round_.id, col(VoteEvent.id) <= watermark)
        .order_by(col(VoteEvent.id))
    )
    table = without_retracted(_integer_table(session, query, columns=4))
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
