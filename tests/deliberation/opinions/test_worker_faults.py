"""Faults: the app under gunicorn and the opinions worker as real processes, killed mid-way.

Participants join through an invite link and vote over HTTP while a gunicorn worker and then
the opinions worker (while it holds a round's lease: mid-computation) are killed with SIGKILL.
A new opinions worker is started at once. Every acknowledged vote must be stored, the vote
counters must equal the rows, and a snapshot of the final votes must appear within a minute:
a dead worker's lease blocks the others for a few seconds only (``lease.TTL``).

Runs on PostgreSQL only (the production set-up: several processes on one database).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import requests
from flask import Flask
from sqlalchemy import func
from sqlmodel import Session, col, select

from deliberation.clock import utcnow
from deliberation.demo import bulk
from deliberation.models import (
    OpinionLease,
    OpinionSnapshot,
    Participant,
    Round,
    Statement,
    Vote,
    VoteEvent,
)
from deliberation.services.invites import invite_token
from deliberation.services.participation import get_participant
from tests.factories import first_territory_id, make_invite, make_round, make_statement

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

ROOT = Path(__file__).resolve().parents[3]
VOTERS = 8
STATEMENTS = 40
# Enough earlier votes that one computation of the map takes a noticeable time to kill.
CROWD, CROWD_VOTES = 2_000, 20
LIVENESS = 60.0
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
# The statement of the card, not the undo form's (the statement just voted on), which an
# answer without a next card (all voted) carries alone.
CARD = re.compile(r'data-statement-id="(\d+)"')
CHOICES = {"agree": 1, "disagree": -1, "pass": 0}


def _crowd(session: Session, round_: Round, statements: list[int]) -> None:
    """``CROWD`` participants who voted before the test starts, through the bulk loader."""
    rng = np.random.default_rng(3)
    territory_id = first_territory_id(session, round_)
    people = bulk.insert_returning_ids(
        session,
        Participant,
        [{"round_id": round_.id, "territory_id": territory_id, "language": "en"}] * CROWD,
    )
    participant = np.repeat(people, CROWD_VOTES)
    statement = np.concatenate([rng.choice(statements, CROWD_VOTES, replace=False) for _ in people])
    value = rng.choice([-1, 0, 1], participant.size)
    start = utcnow() - timedelta(hours=1)
    times = [start + timedelta(milliseconds=i) for i in range(participant.size)]
    bulk.write_votes(
        session,
        round_id=round_.id or 0,
        participant=participant,
        statement=statement,
        value=value,
        times=times,
    )
    session.commit()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def _process(
    command: list[str], env: dict[str, str], log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("ab") as output:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=output, stderr=output, start_new_session=True
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)


def _children(pid: int) -> list[int]:
    return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _wait_until(condition: object, seconds: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {seconds} s; log:\n{log.read_text()[-3000:]}")
        time.sleep(0.01)


@dataclass
class Voter:
    """One browser: joins through the invite, then votes on each card it is shown."""

    base: str
    invite: str
    slug: str
    browser: requests.Session = field(default_factory=requests.Session)
    csrf: str = ""
    card: int | None = None
    acknowledged: dict[int, int] = field(default_factory=dict)
    unsettled: dict[int, int] = field(default_factory=dict)
    votes: int = 0
    failures: int = 0
    errors: list[str] = field(default_factory=list)

    def join(self) -> None:
        form = self.browser.get(self.base + self.invite, timeout=30)
        token = CSRF.search(form.text)
        assert token is not None, form.text[:500]
        joined = self.browser.post(
            self.base + self.invite,
            data={"csrf_token": token.group(1), "language": "en", "accept": "y"},
            timeout=30,
        )
        assert joined.status_code == 200, joined.text[:500]
        self._read_card(joined.text)

    def _read_card(self, page: str) -> None:
        token, card = CSRF.search(page), CARD.search(page)
        self.csrf = token.group(1) if token else self.csrf
        self.card = int(card.group(1)) if card else None

    def vote_until(self, stop: threading.Event, rng: np.random.Generator) -> None:
        """Vote until ``stop``: on each card shown, then, every statement voted on, again on one
        of them (a changed vote), so that votes go on whatever the app's speed. A failed
        request (its worker killed) is not acknowledged and may or may not have been stored
        (``unsettled``, until a later vote on its statement is acknowledged): the page is read
        again for the next card."""
        while not stop.is_set() and (self.card is not None or self.acknowledged):
            choice = str(rng.choice(list(CHOICES)))
            statement = (
                self.card if self.card is not None else int(rng.choice(list(self.acknowledged)))
            )
            try:
                answer = self.browser.post(
                    f"{self.base}/r/{self.slug}/vote",
                    data={"csrf_token": self.csrf, "statement_id": statement, "vote": choice},
                    headers={"HX-Request": "true"},
                    timeout=30,
                )
                if answer.status_code != 200:
                    self.errors.append(f"{answer.status_code}: {answer.text[:300]}")
                    return
                self.acknowledged[statement] = CHOICES[choice]
                self.unsettled.pop(statement, None)
                self.votes += 1
                self._read_card(answer.text)
            except requests.RequestException:
                self.unsettled[statement] = CHOICES[choice]
                self.failures += 1
                self._reload(stop)

    def _reload(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                page = self.browser.get(f"{self.base}/r/{self.slug}", timeout=30)
                if page.status_code == 200:
                    self._read_card(page.text)
                    return
            except requests.RequestException:
                pass
            time.sleep(0.05)


def _held_by(session: Session, round_id: int, pid: int) -> bool:
    """Whether process ``pid`` holds the round's lease now (it is computing the round)."""
    session.expire_all()
    lease = session.get(OpinionLease, round_id)
    session.rollback()
    return lease is not None and f":{pid}:" in lease.holder and lease.expires_at > utcnow()


def _assert_counters_equal_rows(
    session: Session, round_id: int, model: type[Participant | Statement], key: Any
) -> None:
    """``vote_count`` of every participant or statement of the round is its number of votes."""
    counted = dict(
        session.exec(select(key, func.count()).where(Vote.round_id == round_id).group_by(key)).all()
    )
    counters = dict(
        session.exec(select(model.id, model.vote_count).where(model.round_id == round_id)).all()
    )
    assert counters == {i: counted.get(i, 0) for i in counters}


def _kill_while_computing(
    session: Session, round_id: int, worker: subprocess.Popen[bytes], log: Path
) -> None:
    """SIGKILL ``worker`` while it holds the round's lease. It is frozen first (SIGSTOP), so
    that the lease is checked on a process that can no longer give it back."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if _held_by(session, round_id, worker.pid):
            os.killpg(worker.pid, signal.SIGSTOP)
            if _held_by(session, round_id, worker.pid):
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait(timeout=10)
                return
            os.killpg(worker.pid, signal.SIGCONT)
        time.sleep(0.005)
    raise AssertionError(f"the worker never held the lease; log:\n{log.read_text()[-3000:]}")


def test_killed_processes_lose_no_vote_and_do_not_stop_the_map(
    app: Flask, session: Session, database_url: str, tmp_path: Path
) -> None:
    round_ = make_round(session, languages=["en"])
    round_id = round_.id or 0
    statements = [make_statement(session, round_).id or 0 for _ in range(STATEMENTS)]
    invite = f"/join/{invite_token(make_invite(session, round_))}"

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PALABRE_ENV": "development",
        "PALABRE_SECRET_KEY": app.config["SECRET_KEY"],
        "PALABRE_DATABASE_URL": database_url,
        "PALABRE_INSTANCE_PATH": str(tmp_path / "instance"),
        "PALABRE_RATELIMIT_ENABLED": "false",
        "PALABRE_OPINIONS_WORKER": "external",
        "PALABRE_OPINIONS_MIN_INTERVAL": "0",
    }
    log = tmp_path / "processes.log"
    gunicorn = [sys.executable, "-m", "gunicorn", "--workers", "2", "--threads", "2"]
    gunicorn += ["--bind", f"127.0.0.1:{port}", "app:create_app()"]
    worker = [sys.executable, "-m", "flask", "--app", "app", "opinions", "worker", "--poll", "0.1"]

    def latest_snapshot_id() -> int:
        session.rollback()
        found = session.exec(
            select(func.max(OpinionSnapshot.id)).where(OpinionSnapshot.round_id == round_id)
        ).one()
        return int(found or 0)

    with _process(gunicorn, env, log) as server, _process(worker, env, log) as first_worker:
        _crowd(session, round_, statements)  # while the processes start

        def serving() -> bool:
            try:
                return requests.get(base + invite, timeout=5).status_code == 200
            except requests.RequestException:
                return False

        _wait_until(serving, 60, "gunicorn serves", log)
        _wait_until(lambda: latest_snapshot_id() > 0, 60, "the first snapshot", log)
        voters = [Voter(base, invite, round_.slug) for _ in range(VOTERS)]
        for voter in voters:
            voter.join()
        stop = threading.Event()
        threads = [
            threading.Thread(target=voter.vote_until, args=(stop, np.random.default_rng(n)))
            for n, voter in enumerate(voters)
        ]
        for thread in threads:
            thread.start()
        try:
            time.sleep(1.0)
            os.kill(_children(server.pid)[0], signal.SIGKILL)
            before = sum(voter.votes for voter in voters)
            _kill_while_computing(session, round_id, first_worker, log)
            with _process(worker, env, log):
                restarted = time.monotonic()
                time.sleep(2.0)
                stop.set()
                for thread in threads:
                    thread.join(timeout=60)
                after = sum(voter.votes for voter in voters)
                assert after > before, "votes go on after the kills"

                def final_snapshot() -> bool:
                    session.rollback()
                    last_vote = session.exec(
                        select(func.max(VoteEvent.id)).where(VoteEvent.round_id == round_id)
                    ).one()
                    snapshot = session.exec(
                        select(OpinionSnapshot.watermark)
                        .where(OpinionSnapshot.round_id == round_id)
                        .order_by(col(OpinionSnapshot.id).desc())
                        .limit(1)
                    ).first()
                    return snapshot == last_vote

                _wait_until(
                    final_snapshot,
                    LIVENESS - (time.monotonic() - restarted),
                    "a snapshot of the final votes",
                    log,
                )
        finally:
            stop.set()

    assert [error for voter in voters for error in voter.errors] == []
    session.rollback()
    for voter in voters:
        cookie = voter.browser.cookies.get("session")
        key = app.session_interface.get_signing_serializer(app).loads(cookie)  # type: ignore[attr-defined]
        participant = get_participant(session, round_, key["participants"][str(round_id)])
        stored = dict(
            session.exec(
                select(Vote.statement_id, Vote.value).where(Vote.participant_id == participant.id)
            ).all()
        )
        for statement, value in voter.acknowledged.items():
            # A later vote on the statement whose answer was lost may have replaced it.
            possible = {value, voter.unsettled.get(statement, value)}
            assert stored.get(statement) in possible, "every acknowledged vote is stored"
        assert len(stored) - len(voter.acknowledged) in (0, 1), "one unacknowledged at most"
    _assert_counters_equal_rows(session, round_id, Participant, Vote.participant_id)
    _assert_counters_equal_rows(session, round_id, Statement, Vote.statement_id)
