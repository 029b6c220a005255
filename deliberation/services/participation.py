"""Joining a round through an invite, the browser's session key, the privacy notice a
participant accepted, withdrawing, and anonymisation after the round's retention period.

The browser holds a random session key per round; the database keeps only its SHA-256, so the
signed cookie is the only link between a person and their rows, and erasing the hash
(anonymisation) cuts it for good.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, delete, or_, update
from sqlmodel import Session, col, select

from deliberation.clock import utcnow
from deliberation.errors import Conflict, Forbidden, NotFound
from deliberation.models import (
    DecisionBallot,
    Invite,
    Participant,
    Phase,
    Round,
    Statement,
    Vote,
    VoteEvent,
)
from deliberation.opinions.snapshots import invalidate_results
from deliberation.services.rounds import require_joinable
from deliberation.translations.participants import set_reading_languages

# The version of the privacy notice (templates/participate/_privacy_notice.html). Bump it
# whenever the notice's text changes: returning participants then read and accept it again.
NOTICE_VERSION = 3


class NoticeOutdated(Conflict):
    """The participant accepted an older privacy notice than the current one (``slug``: the
    round's, so that the edge can send them to the notice)."""

    def __init__(self, slug: str) -> None:
        super().__init__(
            _l("The privacy notice has changed: please read and accept it before going on.")
        )
        self.slug = slug


def key_hash(key: str) -> str:
    """What the database keeps of a session key."""
    return hashlib.sha256(key.encode()).hexdigest()


def issue_session_key(participant: Participant) -> str:
    """A new random session key for ``participant`` (the browser keeps it; the row its hash)."""
    key = secrets.token_urlsafe(32)
    participant.session_key_hash = key_hash(key)
    return key


def join_round(
    session: Session,
    *,
    invite: Invite,
    round_: Round,
    language: str,
    reads: Sequence[str] = (),
    translates: bool = False,
) -> tuple[Participant, str]:
    """A new pseudonymous participant through ``invite``, who accepted the current privacy
    notice, with their interface ``language``, the languages they read (``language`` alone
    when none is given) and whether they help translate (only with two languages or more);
    and the session key for their browser.

    The invite's use is counted by one conditional UPDATE, so caps hold under concurrency.
    """
    require_joinable(round_)
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
        notice_version=NOTICE_VERSION,
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
    key = issue_session_key(participant)
    session.add(participant)
    session.flush()
    return participant, key


def get_participant(session: Session, round_: Round, key: str | None) -> Participant:
    """The participant in ``round_`` whose browser holds session ``key``; 403 when there is
    none, they withdrew or they were anonymised."""
    participant = None
    if isinstance(key, str) and key:
        participant = session.exec(
            select(Participant).where(Participant.session_key_hash == key_hash(key))
        ).first()
    return require_participant(round_, participant)


def require_participant(round_: Round, participant: Participant | None) -> Participant:
    """``participant`` if they take part in ``round_``; 403 when None, of another round, or
    withdrawn (anonymised ones have no key, so no browser finds them)."""
    if participant is None or participant.round_id != round_.id or participant.withdrawn_at:
        raise Forbidden(_l("Join this round through an invite link first."))
    return participant


def require_current_notice(round_: Round, participant: Participant) -> None:
    """Refuse to go on until the participant accepted the current privacy notice."""
    if participant.notice_version < NOTICE_VERSION:
        raise NoticeOutdated(round_.slug)


def accept_notice(participant: Participant) -> None:
    """Record that the participant accepted the current privacy notice (the caller commits)."""
    participant.notice_version = NOTICE_VERSION


def anonymise_expired(session: Session, *, now: datetime) -> int:
    """Anonymise the participants of every round whose retention period after ``reported`` is
    over; return how many were anonymised. The caller commits.

    What links a person to their rows is erased: the session key hash (their cookie no longer
    leads anywhere), the invite they came through and their language. Display names and other
    personal fields added later are erased here too. Votes, statements and counts stay, as rows
    of an anonymous participant, so published aggregates do not change.
    """
    anonymised = 0
    rounds = session.exec(
        select(Round).where(
            col(Round.retention_days).is_not(None), col(Round.reported_at).is_not(None)
        )
    )
    for round_ in rounds:
        reported_at, days = round_.reported_at, round_.retention_days
        if reported_at is None or days is None or reported_at + timedelta(days=days) > now:
            continue
        result = session.execute(
            update(Participant)
            .where(
                col(Participant.round_id) == round_.id,
                col(Participant.anonymised_at).is_(None),
            )
            .values(session_key_hash=None, invite_id=None, language="", anonymised_at=now)
        )
        anonymised += int(result.rowcount)  # type: ignore[attr-defined]
    return anonymised


def withdraw(session: Session, participant: Participant) -> None:
    """Remove the participant's votes from the results at once and unlink their statements.

    Their current votes and vote history are deleted, the statement counters corrected, their
    ballots in decisions still open deleted (closed decisions keep no ballot linked to anyone),
    their statements kept without any link to them, their browser's session key forgotten, and
    the round's results revision bumped: every snapshot computed with their votes stops being
    shown until the worker has recomputed.
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
        delete(DecisionBallot).where(col(DecisionBallot.participant_id) == participant.id)
    )
    session.execute(
        update(Statement)
        .where(col(Statement.author_participant_id) == participant.id)
        .values(author_participant_id=None)
    )
    participant.withdrawn_at = utcnow()
    participant.vote_count = 0
    participant.session_key_hash = None
    session.add(participant)
    session.flush()
    invalidate_results(session, round_)
