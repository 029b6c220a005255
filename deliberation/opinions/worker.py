"""The snapshot worker: ``flask opinions worker`` in production, a thread of the app otherwise."""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import timedelta

from flask import Flask
from sqlmodel import Session

from deliberation import mail
from deliberation.clock import utcnow
from deliberation.decisions import worker as decisions_worker
from deliberation.opinions import lease
from deliberation.opinions.snapshots import compute_snapshot, due_rounds
from deliberation.services.notifications import erase_expired
from deliberation.services.participation import anonymise_expired
from deliberation.services.rounds import advance_schedules
from deliberation.translations.machine import MachinePass

log = logging.getLogger(__name__)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def run_once(app: Flask, *, holder: str) -> int:
    """Anonymise participants and erase notice addresses whose retention period is over, count
    decisions, send due email notices, then compute every due round this worker can lease;
    return how many snapshots it stored."""
    engine = app.extensions["palabre.engine"]
    min_age = timedelta(seconds=app.config["OPINIONS_MIN_INTERVAL"])
    stored = 0
    with Session(engine, expire_on_commit=False) as session:
        advance_schedules(session, now=utcnow())
        anonymised = anonymise_expired(session, now=utcnow())
        erased = erase_expired(session, now=utcnow())
        session.commit()
        if anonymised or erased:
            log.info(
                "after their rounds' retention period: %d participants anonymised, "
                "%d notice addresses erased",
                anonymised,
                erased,
            )
        decisions_worker.run_once(session, now=utcnow())
        mailed = mail.send_notices(app, session)
        if mailed:
            log.info("sent %d notice mails", mailed)
        for round_ in due_rounds(session, min_age=min_age):
            round_id: int = round_.id  # type: ignore[assignment]
            with lease.held(session, round_id, holder) as taken:
                if not taken:
                    continue
                try:
                    snapshot = compute_snapshot(session, round_, seed=app.config["OPINIONS_SEED"])
                    session.commit()
                except Exception:
                    session.rollback()
                    log.exception("opinion snapshot of round %s failed", round_.slug)
                    continue
            if snapshot is not None:
                stored += 1
                log.info(
                    "opinion snapshot of %s at vote %d: %d participants, k=%d, %.3f s",
                    round_.slug,
                    snapshot.watermark,
                    snapshot.participants,
                    snapshot.document.get("k", 0),
                    snapshot.seconds,
                )
    return stored


def run_forever(app: Flask, *, stop: threading.Event, poll: float) -> None:
    """Poll for due rounds until ``stop`` is set, then translate new statements by machine
    when a translation server is configured; errors are logged, never fatal."""
    holder = worker_name()
    machine = MachinePass(app)
    while not stop.is_set():
        try:
            run_once(app, holder=holder)
        except Exception:
            log.exception("opinion worker pass failed")
        try:
            machine.run()
        except Exception:
            log.exception("machine translation pass failed")
        stop.wait(poll)


def init_app(app: Flask) -> None:
    """Start the embedded worker thread with the first request, unless an external worker
    (``PALABRE_OPINIONS_WORKER=external``) does the job or the app is under test."""
    started = threading.Event()

    @app.before_request
    def _start_worker() -> None:
        if started.is_set() or app.testing or app.config["OPINIONS_WORKER"] != "thread":
            return
        started.set()
        start_background_thread(app)


def start_background_thread(app: Flask) -> threading.Event:
    """The embedded default: a daemon thread of the app doing the worker's job."""
    stop = threading.Event()
    thread = threading.Thread(
        target=run_forever,
        kwargs={"app": app, "stop": stop, "poll": app.config["OPINIONS_POLL"]},
        name="palabre-opinions",
        daemon=True,
    )
    thread.start()
    return stop
