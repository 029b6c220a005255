"""Leases: at most one worker computes a round's snapshot at a time, on any database.

A lease is a row per round with a holder and an expiry, taken by one conditional UPDATE (a
compare-and-set), so two workers never compute the same round at once. The lease is short
(``TTL``, a few seconds) and renewed by a heartbeat while its holder computes (``held``): a
worker that dies (killed, crashed, its machine gone) stops renewing, and its rounds are free
again a few seconds later, however long the computation would have taken. The snapshot itself
is written in one transaction at the end, so a death leaves the previous snapshot in place.

Expiry is read on each worker's own clock: machines sharing a database are assumed to keep
their clocks within a second of each other (NTP), well inside ``TTL``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import Connection, Engine, and_, or_, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlmodel import Session, col

from deliberation.clock import utcnow
from deliberation.models import OpinionLease

log = logging.getLogger(__name__)
# How long a lease outlives its last renewal; the heartbeat renews it three times as often.
TTL = timedelta(seconds=6)


def claim(session: Session, round_id: int, holder: str, *, ttl: timedelta = TTL) -> bool:
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


def renew(session: Session, round_id: int, holder: str, *, ttl: timedelta = TTL) -> bool:
    """Push the expiry of ``holder``'s lease ``ttl`` from now; False when it is no longer
    theirs (it expired and another worker took it)."""
    renewed = session.execute(
        update(OpinionLease)
        .where(and_(col(OpinionLease.round_id) == round_id, col(OpinionLease.holder) == holder))
        .values(expires_at=utcnow() + ttl)
    )
    session.commit()
    return bool(renewed.rowcount == 1)  # type: ignore[attr-defined]


def release(session: Session, round_id: int, holder: str) -> None:
    """Give the lease back (only if ``holder`` still has it)."""
    session.execute(
        update(OpinionLease)
        .where(and_(col(OpinionLease.round_id) == round_id, col(OpinionLease.holder) == holder))
        .values(holder="", expires_at=utcnow())
    )
    session.commit()


@contextmanager
def held(session: Session, round_id: int, holder: str, *, ttl: timedelta = TTL) -> Iterator[bool]:
    """Claim the round's lease with ``session`` and yield whether it was taken; while the block
    runs, a heartbeat thread renews it every third of ``ttl`` through a session of its own (the
    block may hold ``session`` in a long read); the lease is released when the block ends,
    whatever happens in it.

    A heartbeat that finds the lease taken by another (this process stalled longer than
    ``ttl``) logs it and stops: both may then compute the round, and the snapshot's unique key
    keeps only one result.
    """
    if not claim(session, round_id, holder, ttl=ttl):
        yield False
        return
    stop = threading.Event()
    heartbeat = threading.Thread(
        target=_beat,
        args=(session.get_bind(), round_id, holder, ttl, stop),
        name=f"palabre-lease-{round_id}",
        daemon=True,
    )
    heartbeat.start()
    try:
        yield True
    finally:
        stop.set()
        heartbeat.join()
        release(session, round_id, holder)


def _beat(
    bind: Engine | Connection, round_id: int, holder: str, ttl: timedelta, stop: threading.Event
) -> None:
    with Session(bind) as session:
        while not stop.wait(ttl.total_seconds() / 3):
            try:
                if not renew(session, round_id, holder, ttl=ttl):
                    log.warning("lease of round %s lost by %s while computing", round_id, holder)
                    return
            except SQLAlchemyError:
                session.rollback()
                log.exception("lease of round %s: renewal failed", round_id)
