"""Joining a round through an invite, and withdrawing from it."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, delete, or_, update
from sqlmodel import Session, col, select

from deliberation.clock import utcnow
from deliberation.errors import Conflict, Forbidden, NotFound
from deliberation.models import Invite, Participant, Phase, Round, Statement, Vote, VoteEvent
from deliberation.services.rounds import require_open
from deliberation.translations.participants import set_reading_languages


def join_round(
    session: Session,
    *,
    invite: Invite,
    round_: Round,
    language: str,
    reads: Sequence[str] = (),
    translates: bool = False,
) -> Participant:
    """A new pseudonymous participant through ``invite``, with their interface ``language``,
    the languages they read (``language`` alone when none is given) and whether they help
    translate (only with two languages or more).

    The invite's use is counted by one conditional UPDATE, so caps hold under concurrency.
    """
    require_open(round_)
    claimed = session.execute(
        update(Invite)
        .where(
            and_(
                col(Invite.id) == invite.id,
                col(Invite.revoked_at).is_(None),
                or_(col(Invite.single_use).is_(False), col(Invite.uses) < 1),
                or_(
                    col(Invite.max_participants).is_(None),
                    col(Invite.uses) < col(Invite.max_participants),
                ),
            )
        )
        .values(uses=Invite.uses + 1)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise Forbidden(_l("This invite link cannot admit more participants."))
    participant = Participant(
        round_id=round_.id,  # type: ignore[arg-type]
        territory_id=invite.territory_id,
        invite_id=invite.id,
        language=language,
    )
    if reads or translates:
        set_reading_languages(
            session,
            round_=round_,
            participant=participant,
            reads=reads or [language],
            translates=translates,
        )
    else:
        participant.reads = [language]
    session.add(participant)
    session.flush()
    return participant


def get_participant(session: Session, round_: Round, participant_id: int | None) -> Participant:
    """The session's participant in ``round_``; 403 when they have none or withdrew."""
    participant = session.get(Participant, participant_id) if participant_id else None
    if participant is None or participant.round_id != round_.id or participant.withdrawn_at:
        raise Forbidden(_l("Join this round through an invite link first."))
    return participant


def withdraw(session: Session, participant: Participant) -> None:
    """Remove the participant's votes from future results and unlink their statements.

    Their current votes and vote history are deleted, the statement counters corrected, and
    their statements kept without any link to them.
    """
    if participant.withdrawn_at is not None:
        raise Conflict(_l("You have already withdrawn from this round."))
    round_ = session.get(Round, participant.round_id)
    if round_ is None:
        raise NotFound(_l("No round has this address."))
    if round_.phase == Phase.REPORTED:
        raise Conflict(_l("This round's report is published; its results can no longer change."))
    voted = select(Vote.statement_id).where(col(Vote.participant_id) == participant.id)
    session.execute(
        update(Statement)
        .where(col(Statement.id).in_(voted))
        .values(vote_count=Statement.vote_count - 1)
    )
    session.execute(delete(Vote).where(col(Vote.participant_id) == participant.id))
    session.execute(delete(VoteEvent).where(col(VoteEvent.participant_id) == participant.id))
    session.execute(
        update(Statement)
        .where(col(Statement.author_participant_id) == participant.id)
        .values(author_participant_id=None)
    )
    participant.withdrawn_at = utcnow()
    participant.vote_count = 0
    session.add(participant)
    session.flush()
