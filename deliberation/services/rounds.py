"""Rounds: lookup, authorization, schedule-driven phase changes."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from deliberation.clock import utcnow
from deliberation.errors import Conflict, Forbidden, NotFound
from deliberation.models import (
    AuditAction,
    Phase,
    Round,
    RoundFacilitator,
    RoundTerritory,
    TargetKind,
    Territory,
    User,
)
from deliberation.services import audit


def get_round(session: Session, slug: str, *, now: datetime | None = None) -> Round:
    """The round with ``slug``, its phase brought up to date with its schedule; 404 if none."""
    round_ = session.exec(select(Round).where(Round.slug == slug)).first()
    if round_ is None:
        raise NotFound(_l("No round has this address."))
    refresh_phase(session, round_, now=now or utcnow())
    return round_


def round_by_id(session: Session, round_id: int, *, now: datetime | None = None) -> Round:
    """The round with ``round_id``, its phase brought up to date; 404 if none."""
    round_ = session.get(Round, round_id)
    if round_ is None:
        raise NotFound(_l("No round has this address."))
    refresh_phase(session, round_, now=now or utcnow())
    return round_


def scheduled_phase(round_: Round, now: datetime) -> Phase:
    """The phase the schedule implies: a draft opens at ``opens_at``; at ``closes_at`` an open
    round stops taking votes and statements and moves on to drafting proposals. Later phases
    are set by facilitators and never changed by the clock."""
    if round_.phase == Phase.DRAFT and round_.opens_at and round_.opens_at <= now:
        if round_.closes_at and round_.closes_at <= now:
            return Phase.DRAFTING
        return Phase.OPEN
    if round_.phase == Phase.OPEN and round_.closes_at and round_.closes_at <= now:
        return Phase.DRAFTING
    return round_.phase


def refresh_phase(session: Session, round_: Round, *, now: datetime) -> None:
    """Apply the schedule to ``round_``, in the request's transaction.

    The write is a conditional update (``WHERE phase = <the phase read>``): requests racing
    through the same transition write the same row once, and a facilitator's concurrent phase
    change is never overwritten by a stale schedule. Nothing is committed here: a use case
    commits it with its own changes; a read leaves it to be applied again next time (the
    in-memory round shows the scheduled phase either way)."""
    phase = scheduled_phase(round_, now)
    before = round_.phase
    if phase == before:
        return
    written = session.execute(
        update(Round)
        .where(col(Round.id) == round_.id, col(Round.phase) == round_.phase)
        .values(phase=phase)
    )
    if written.rowcount == 1:  # type: ignore[attr-defined]
        _record_scheduled(session, round_, before=before, after=phase)
        set_committed_value(round_, "phase", phase)
    else:  # written by another request since it was read: read it again
        current = session.exec(select(Round.phase).where(col(Round.id) == round_.id)).first()
        if current is None:
            raise NotFound(_l("No round has this address."))
        set_committed_value(round_, "phase", current)


def advance_schedules(session: Session, *, now: datetime) -> int:
    """Write every round's scheduled phase (what ``scheduled_phase`` says), as conditional
    updates in the caller's transaction; return how many rounds changed. The worker calls it,
    so lists filtered by phase in SQL follow the schedule even when nobody writes."""
    opens = col(Round.opens_at).is_not(None) & (col(Round.opens_at) <= now)
    closes = col(Round.closes_at).is_not(None) & (col(Round.closes_at) <= now)
    changed = 0
    for before, condition, after in (
        (Phase.DRAFT, opens & closes, Phase.DRAFTING),
        (Phase.DRAFT, opens, Phase.OPEN),
        (Phase.OPEN, closes, Phase.DRAFTING),
    ):
        written = session.execute(
            update(Round)
            .where(col(Round.phase) == before, condition)
            .values(phase=after)
            .returning(col(Round.id))
        )
        for round_id in written.scalars().all():
            round_ = session.get(Round, round_id)
            if round_ is not None:
                _record_scheduled(session, round_, before=before, after=after)
                changed += 1
    return changed


def _record_scheduled(session: Session, round_: Round, *, before: Phase, after: Phase) -> None:
    """The audit entry of a phase change made by the schedule (the system acts)."""
    audit.record(
        session,
        actor=audit.SYSTEM,
        action=AuditAction.ROUND_PHASE,
        target_kind=TargetKind.ROUND,
        target_id=round_.id,
        round_=round_,
        details={"phase": [before, after], "by": "schedule"},
    )


def is_facilitator(session: Session, round_: Round, user: User | None) -> bool:
    if user is None:
        return False
    if user.is_admin:
        return True
    link = session.get(RoundFacilitator, (round_.id, user.id))
    return link is not None


def require_facilitator(session: Session, round_: Round, user: User | None) -> None:
    """Raise ``Forbidden`` unless ``user`` facilitates ``round_`` (admins facilitate all)."""
    if not is_facilitator(session, round_, user):
        raise Forbidden(_l("Only this round's facilitators can do this."))


def require_open(round_: Round) -> None:
    """Raise ``Conflict`` unless the round takes votes and statements now."""
    if round_.phase == Phase.DRAFT:
        raise Conflict(_l("This round has not opened yet."))
    if not round_.accepts_contributions:
        raise Conflict(_l("This round is closed: it no longer takes votes or statements."))


JOINABLE = frozenset({Phase.OPEN, Phase.DRAFTING, Phase.DECIDING})


def require_joinable(round_: Round) -> None:
    """Raise ``Conflict`` unless people can join the round now: while it is open, drafts
    proposals or decides (votes and statements need ``require_open``)."""
    if round_.phase == Phase.DRAFT:
        raise Conflict(_l("This round has not opened yet."))
    if round_.phase not in JOINABLE:
        raise Conflict(_l("This round is closed: nobody can join it any more."))


def round_territories(session: Session, round_: Round) -> list[Territory]:
    """The territories taking part in ``round_``, by slug."""
    statement = (
        select(Territory)
        .join(RoundTerritory, col(RoundTerritory.territory_id) == Territory.id)
        .where(RoundTerritory.round_id == round_.id)
        .order_by(Territory.slug)
    )
    return list(session.exec(statement))
