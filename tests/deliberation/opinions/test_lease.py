"""Leases (``deliberation/opinions/lease.py``): one worker computes a round at a time, and a
dead worker frees its rounds within seconds. Run on SQLite and on PostgreSQL."""

from __future__ import annotations

import time
from datetime import timedelta

from flask import Flask
from sqlmodel import Session

from deliberation.opinions import lease
from tests.factories import make_round

SHORT = timedelta(seconds=1)


def test_a_lease_admits_one_worker_at_a_time(session: Session) -> None:
    round_ = make_round(session)
    ttl = timedelta(minutes=1)
    assert lease.claim(session, round_.id, "a", ttl=ttl)
    assert not lease.claim(session, round_.id, "b", ttl=ttl)
    assert lease.claim(session, round_.id, "a", ttl=ttl)
    lease.release(session, round_.id, "a")
    assert lease.claim(session, round_.id, "b", ttl=ttl)
    assert lease.claim(session, round_.id, "c", ttl=timedelta(0)) is False
    lease.release(session, round_.id, "b")
    assert lease.claim(session, round_.id, "c", ttl=timedelta(0))
    assert lease.claim(session, round_.id, "d", ttl=ttl), "an expired lease is free"


def test_a_dead_holders_lease_frees_the_round_after_its_short_life(session: Session) -> None:
    round_ = make_round(session)
    assert timedelta(seconds=10) >= lease.TTL, "a dead worker blocks the others a few seconds"
    assert lease.claim(session, round_.id, "dead", ttl=SHORT)
    assert not lease.claim(session, round_.id, "alive", ttl=SHORT)
    time.sleep(SHORT.total_seconds() + 0.05)
    assert lease.claim(session, round_.id, "alive", ttl=SHORT)
    assert not lease.renew(session, round_.id, "dead", ttl=SHORT), "the dead holder lost it"


def test_a_held_lease_is_renewed_while_its_holder_computes(app: Flask, session: Session) -> None:
    round_ = make_round(session)
    with Session(app.extensions["palabre.engine"]) as other:
        with lease.held(session, round_.id, "computing", ttl=SHORT) as taken:
            assert taken
            for _ in range(5):  # 2.5 times the lease's life, in a long read of its own
                time.sleep(SHORT.total_seconds() / 2)
                assert not lease.claim(other, round_.id, "waiting", ttl=SHORT)
        assert lease.claim(other, round_.id, "waiting", ttl=SHORT), "released at the end"
        with lease.held(session, round_.id, "late", ttl=SHORT) as taken:
            assert not taken


def test_a_held_lease_is_released_when_the_computation_fails(session: Session) -> None:
    round_ = make_round(session)
    try:
        with lease.held(session, round_.id, "failing", ttl=timedelta(minutes=1)):
            raise RuntimeError("the computation failed")
    except RuntimeError:
        pass
    assert lease.claim(session, round_.id, "next", ttl=SHORT)
