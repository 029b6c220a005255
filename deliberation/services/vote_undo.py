"""Undoing one's last vote: the previous value comes back, or the vote is retracted.

Kept apart from ``services/votes.py`` (the hot path): an undo is rare, reads the history first,
and appends one event like every vote does, so the event log stays the whole story.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, delete, insert, update
from sqlmodel import Session, col, select

from deliberation.clock import utcnow
from deliberation.errors import Conflict
from deliberation.models import Participant, Round, Statement, Vote, VoteEvent
from deliberation.services.rounds import require_open
from deliberation.services.votes import record_vote


@dataclass(frozen=True)
class UndoneVote:
    """What an undo did: ``restored`` is the value the statement has again (None: no vote)."""

    statement_id: int
    restored: int | None


def last_vote(session: Session, participant: Participant) -> VoteEvent | None:
    """The participant's latest vote event if it is a vote (not a retraction), else None."""
    event = session.exec(
        select(VoteEvent)
        .where(VoteEvent.participant_id == participant.id)
        .order_by(col(VoteEvent.id).desc())
        .limit(1)
    ).first()
    return event if event is not None and event.value is not None else None


def undo_last_vote(
    session: Session, *, round_: Round, participant: Participant, statement_id: int
) -> UndoneVote:
    """Undo the participant's last vote, which must be on ``statement_id`` (the one the page
    offered to undo: a stale page never undoes a later vote).

    If the participant had voted on that statement before, that value is recorded again (a new
    event, like any change of vote). Otherwise a retraction event (no value) is appended, the
    current vote is deleted and both vote counters go down by one. The caller commits.

    Raises ``Conflict`` when the round is not open or the last vote is not on that statement.
    """
    require_open(round_)
    last = last_vote(session, participant)
    if last is None or last.statement_id != statement_id:
        raise Conflict(_l("Only your last vote can be undone, and it is already undone."))
    previous = session.exec(
        select(VoteEvent.value, VoteEvent.language)
        .where(
            VoteEvent.participant_id == participant.id,
            VoteEvent.statement_id == statement_id,
            col(VoteEvent.id) < last.id,
        )
        .order_by(col(VoteEvent.id).desc())
        .limit(1)
    ).first()
    if previous is not None and previous[0] is not None:
        record_vote(
            session,
            round_id=round_.id,  # type: ignore[arg-type]
            participant_id=participant.id,  # type: ignore[arg-type]
            statement_id=statement_id,
            value=previous[0],
            language=previous[1],
        )
        session.flush()
        return UndoneVote(statement_id=statement_id, restored=previous[0])
    _retract(session, participant=participant, round_id=last.round_id, statement_id=statement_id)
    return UndoneVote(statement_id=statement_id, restored=None)


def _retract(
    session: Session, *, participant: Participant, round_id: int, statement_id: int
) -> None:
    deleted = session.execute(
        delete(Vote).where(
            and_(
                col(Vote.participant_id) == participant.id,
                col(Vote.statement_id) == statement_id,
            )
        )
    )
    if deleted.rowcount:  # type: ignore[attr-defined]
        session.execute(
            update(Statement)
            .where(col(Statement.id) == statement_id)
            .values(vote_count=Statement.vote_count - 1)
        )
        session.execute(
            update(Participant)
            .where(col(Participant.id) == participant.id)
            .values(vote_count=Participant.vote_count - 1)
        )
    session.execute(
        insert(VoteEvent).values(
            round_id=round_id,
            participant_id=participant.id,
            statement_id=statement_id,
            value=None,
            created_at=utcnow(),
        )
    )
    session.flush()
    session.refresh(participant, ["vote_count"])
