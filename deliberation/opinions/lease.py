"""Leases: at most one worker computes a round's snapshot at a time, on any database.

A lease is a row per round with a holder and an expiry, taken by one conditional UPDATE (a
compare-and-set), so two workers never compute the same round at once; a crashed worker's lease
simply expires. The snapshot itself is written in one transaction at the end, so a crash leaves
the previous snapshot in place.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from deliberation.clock import utcnow
from deliberation.models import OpinionLease


def claim(session: Session, round_id: int, holder: str, *, ttl: timedelta) -> bool:
    """Take the round's lease for ``holder`` if it is free, expired or already theirs."""
    now = utcnow()
    if session.get(OpinionLease, round_id) is None:
        session.add(OpinionLease(round_id=round_id, holder="", expires_at=now))
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
    taken = session.execute(
        update(OpinionLease)
        .where(
            and_(
                col(OpinionLease.round_id) == round_id,
                or_(col(OpinionLease.expires_at) <= now, col(OpinionLease.holder) == holder),
            )
        )
        .values(holder=holder, expires_at=now + ttl)
    )
    session.commit()
    return bool(taken.rowcount == 1)  # type: ignore[attr-defined]


def release(session: Session, round_id: int, holder: str) -> None:
    """Give the lease back (only if ``holder`` still has it)."""
    session.execute(
        update(OpinionLease)
        .where(and_(col(OpinionLease.round_id) == round_id, col(OpinionLease.holder) == holder))
        .values(holder="", expires_at=utcnow())
    )
    session.commit()
