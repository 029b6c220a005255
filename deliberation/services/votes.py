"""Casting a vote: the hot path. One short transaction, an upsert, an event, two counters."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, insert, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from deliberation.clock import utcnow
from deliberation.errors import Invalid, NotFound
from deliberation.models import (
    ModerationMode,
    Participant,
    Round,
    Statement,
    StatementStatus,
    Vote,
    VoteEvent,
    VoteValue,
)
from deliberation.services.rounds import require_open


def votable_statuses(round_: Round) -> tuple[StatementStatus, ...]:
    """Accepted statements; pending ones too when the round moderates after the fact."""
    if round_.moderation_mode == ModerationMode.POST:
        return (StatementStatus.ACCEPTED, StatementStatus.PENDING)
    return (StatementStatus.ACCEPTED,)


def count_votable(session: Session, round_: Round) -> int:
    """How many statements of the round a participant can vote on (an indexed count)."""
    statement = select(func.count()).where(
        Statement.round_id == round_.id, col(Statement.status).in_(votable_statuses(round_))
    )
    return int(session.exec(statement).one())


def get_statement(session: Session, round_: Round, statement_id: int) -> Statement:
    """A statement of ``round_``; 404 if it belongs to another round or does not exist."""
    statement = session.get(Statement, statement_id)
    if statement is None or statement.round_id != round_.id:
        raise NotFound(_l("This statement does not exist in this round."))
    return statement


def cast_vote(
    session: Session,
    *,
    round_: Round,
    participant: Participant,
    statement_id: int,
    value: int,
    language: str | None = None,
) -> int:
    """Record ``value`` (+1 agree, 0 pass, -1 disagree) as the participant's current vote and
    return how many statements the participant has now voted on.

    ``language`` is the language the statement was shown in (None when unknown); one of the
    round's languages, else it is not recorded. Every call also appends a ``VoteEvent``; see
    ``record_vote``.
    """
    require_open(round_)
    if value not in set(VoteValue):
        raise Invalid(_l("A vote is agree, disagree or pass."))
    statement = session.exec(
        select(Statement.id).where(
            Statement.id == statement_id,
            Statement.round_id == round_.id,
            col(Statement.status).in_(votable_statuses(round_)),
        )
    ).first()
    if statement is None:
        raise NotFound(_l("This statement is not open for votes in this round."))
    counted = record_vote(
        session,
        round_id=round_.id,  # type: ignore[arg-type]
        participant_id=participant.id,  # type: ignore[arg-type]
        statement_id=statement_id,
        value=value,
        language=language if language in round_.languages else None,
    )
    session.flush()
    return participant.vote_count if counted is None else counted


def record_vote(
    session: Session,
    *,
    round_id: int,
    participant_id: int,
    statement_id: int,
    value: int,
    language: str | None = None,
) -> int | None:
    """The upsert, the counters and the event, without committing (the caller's use case does).

    Returns the participant's new number of current votes when the vote is new, None when it
    replaced an earlier vote (the number is then unchanged).

    Never read-then-write: an INSERT that does nothing on conflict tells whether the vote is new
    (then the counters move); otherwise one UPDATE replaces the value. Both are single atomic
    statements, correct under concurrent requests on PostgreSQL and SQLite alike.
    """
    now = utcnow()
    inserted = session.execute(
        _insert_ignore(session)
        .values(
            round_id=round_id,
            participant_id=participant_id,
            statement_id=statement_id,
            value=value,
            language=language,
            created_at=now,
            updated_at=now,
        )
        .returning(col(Vote.id))
    ).first()
    counted = None
    if inserted is None:
        session.execute(
            update(Vote)
            .where(
                and_(
                    col(Vote.participant_id) == participant_id,
                    col(Vote.statement_id) == statement_id,
                )
            )
            .values(value=value, language=language, updated_at=now)
        )
    else:
        session.execute(
            update(Statement)
            .where(col(Statement.id) == statement_id)
            .values(vote_count=Statement.vote_count + 1)
        )
        counted = session.execute(
            update(Participant)
            .where(col(Participant.id) == participant_id)
            .values(vote_count=Participant.vote_count + 1)
            .returning(col(Participant.vote_count))
        ).scalar_one()
    session.execute(
        insert(VoteEvent).values(
            round_id=round_id,
            participant_id=participant_id,
            statement_id=statement_id,
            value=value,
            language=language,
            created_at=now,
        )
    )
    return None if counted is None else int(counted)


def _insert_ignore(session: Session) -> postgresql.Insert | sqlite.Insert:
    """``INSERT ... ON CONFLICT DO NOTHING`` in the connected database's dialect."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(Vote).on_conflict_do_nothing(
        index_elements=["participant_id", "statement_id"]
    )
