"""The request owns the transaction: services never commit, a failed request stores nothing,
and the schedule's phase changes are conditional updates that never overwrite a facilitator."""

from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from deliberation.clock import utcnow
from deliberation.db import attached, detached, get_session
from deliberation.errors import Conflict
from deliberation.models import AuditEntry, Phase, Round, Territory
from deliberation.opinions.worker import run_once
from deliberation.services.rounds import advance_schedules, get_round, refresh_phase
from tests.factories import make_round

SERVICES = Path(__file__).resolve().parents[2] / "deliberation" / "services"


@pytest.mark.parametrize("path", sorted(SERVICES.glob("*.py")), ids=lambda p: p.name)
def test_services_never_commit(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    commits = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in {"commit", "rollback"}
    ]
    assert commits == [], f"{path.name} commits or rolls back on lines {commits}"


@pytest.fixture
def failing_routes(app: Flask) -> Flask:
    """Two routes that write a territory, then fail: with a domain error, and with a bug."""

    def _write() -> None:
        db = get_session()
        db.add(Territory(slug="half-written", names={"en": "Half written"}))
        db.flush()

    @app.post("/test/domain-error")
    def domain_error() -> str:
        _write()
        raise Conflict("refused after writing")

    @app.post("/test/bug")
    def bug() -> str:
        _write()
        raise RuntimeError("a bug after writing")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


@pytest.mark.parametrize(("url", "status"), [("/test/domain-error", 409), ("/test/bug", 500)])
def test_a_failed_request_stores_nothing(
    failing_routes: Flask, session: Session, url: str, status: int
) -> None:
    client = failing_routes.test_client()
    assert client.post(url).status_code == status
    assert session.exec(select(Territory).where(Territory.slug == "half-written")).first() is None


def test_a_read_applies_the_schedule_without_storing_it(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    round_ = make_round(session, phase=Phase.OPEN, closes_at=utcnow() - timedelta(minutes=1))
    with Session(app.extensions["palabre.engine"]) as reader, app.test_request_context():
        assert get_round(reader, round_.slug).phase == Phase.DRAFTING
    session.expire_all()
    assert session.get(Round, round_.id).phase == Phase.OPEN  # type: ignore[union-attr]
    assert run_once(app, holder="test") == 0
    session.expire_all()
    assert session.get(Round, round_.id).phase == Phase.DRAFTING  # type: ignore[union-attr]


def test_a_stale_schedule_never_overwrites_a_facilitator(session: Session, app: Flask) -> None:
    round_ = make_round(session, phase=Phase.OPEN, closes_at=utcnow() - timedelta(minutes=1))
    engine = app.extensions["palabre.engine"]
    with Session(engine, expire_on_commit=False) as reader:
        stale = reader.get(Round, round_.id)
        assert stale is not None
        assert stale.phase == Phase.OPEN
        round_.phase = Phase.DECIDING
        session.add(round_)
        session.commit()
        with app.test_request_context():
            shown = get_round(reader, round_.slug)
        assert shown.phase == Phase.DECIDING
        reader.commit()
    session.expire_all()
    assert session.get(Round, round_.id).phase == Phase.DECIDING  # type: ignore[union-attr]


def test_advance_schedules_follows_scheduled_phase(session: Session) -> None:
    now = utcnow()
    past, future = now - timedelta(hours=1), now + timedelta(hours=1)
    cases = {
        "draft-opens": (Phase.DRAFT, past, future, Phase.OPEN),
        "draft-waits": (Phase.DRAFT, future, None, Phase.DRAFT),
        "draft-over": (Phase.DRAFT, past - timedelta(hours=1), past, Phase.DRAFTING),
        "open-closes": (Phase.OPEN, past - timedelta(hours=1), past, Phase.DRAFTING),
        "open-stays": (Phase.OPEN, past, future, Phase.OPEN),
        "drafting-stays": (Phase.DRAFTING, past - timedelta(hours=1), past, Phase.DRAFTING),
    }
    for slug, (phase, opens_at, closes_at, _expected) in cases.items():
        make_round(session, slug=slug, phase=phase, opens_at=opens_at, closes_at=closes_at)
    assert advance_schedules(session, now=now) == 3
    session.commit()
    session.expire_all()
    for slug, (*_given, expected) in cases.items():
        round_ = session.exec(select(Round).where(Round.slug == slug)).one()
        assert round_.phase == expected, slug


@pytest.mark.parametrize("kept", [False, True], ids=["in-the-session", "detached"])
def test_a_phase_another_request_wrote_first_is_read_again(session: Session, kept: bool) -> None:
    """Two requests read a draft whose opening time passed: the first writes the open phase,
    the second's conditional write finds the row changed and reads the phase again, whether
    its round is in its session or a kept visit's detached copy."""
    now = utcnow()
    round_ = make_round(session, phase=Phase.DRAFT, opens_at=now - timedelta(hours=1))
    values = {column.name: getattr(round_, column.name) for column in Round.__table__.columns}  # type: ignore[attr-defined]
    refresh_phase(session, round_, now=now)
    session.commit()
    with Session(session.get_bind(), expire_on_commit=False) as late:
        stale = detached(Round, values) if kept else attached(late, Round, values)
        refresh_phase(late, stale, now=now)
        assert stale.phase == Phase.OPEN
        late.commit()
    entries = session.exec(select(AuditEntry).where(AuditEntry.target_id == round_.id)).all()
    assert len(entries) == 1, "one transition, written and recorded once"
