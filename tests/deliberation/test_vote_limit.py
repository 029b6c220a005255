"""Every route that casts or changes a vote draws from one rate-limit bucket."""

from __future__ import annotations

import time
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from deliberation.extensions import SweptMemoryStorage, limiter
from deliberation.models import Round, Statement
from tests.factories import act_as, make_participant, make_round, make_statement

LIMIT = 3


@pytest.fixture
def limited_app(app_config: dict[str, Any]) -> dict[str, Any]:
    app_config.update(RATELIMIT_ENABLED=True, RATELIMIT_VOTE=f"{LIMIT} per minute")
    return app_config


def _vote_routes(app: Flask) -> list[str]:
    """Every POST route of the URL map about votes on statements."""
    return sorted(
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "POST" in (rule.methods or set()) and "vote" in rule.rule
    )


def _cast(client: FlaskClient, endpoint: str, round_: Round, statement: Statement) -> int:
    url = {
        "participate.vote": f"/r/{round_.slug}/vote",
        "participate.change_vote": f"/r/{round_.slug}/my-votes/{statement.id}",
        "participate.undo_vote": f"/r/{round_.slug}/vote/undo",
    }[endpoint]
    response = client.post(url, data={"statement_id": statement.id, "vote": "agree"})
    return response.status_code


def test_every_vote_route_shares_one_bucket(
    limited_app: dict[str, Any], app: Flask, client: FlaskClient, session: Session
) -> None:
    routes = _vote_routes(app)
    assert routes == ["participate.change_vote", "participate.undo_vote", "participate.vote"], (
        "a new vote route: add it to _cast and to the shared vote limit"
    )
    casting = ["participate.change_vote", "participate.vote"]  # an undo needs a vote first
    round_ = make_round(session)
    statements = [make_statement(session, round_) for _ in range(LIMIT + 1)]
    for last in routes:
        act_as(client, make_participant(session, round_))
        others = [r for r in casting if r != last]
        spent = [
            _cast(client, others[i % len(others)], round_, statements[i]) for i in range(LIMIT)
        ]
        assert all(code < 500 and code != 429 for code in spent), spent
        assert _cast(client, last, round_, statements[LIMIT]) == 429, last


def test_the_default_storage_counts_windows_and_sweeps_expired_ones(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The in-process storage behind the limits: counts per key, a window restarts once
    expired, and the sweep (at most once a second, in a request) frees expired keys."""
    storage = limiter.storage
    assert isinstance(storage, SweptMemoryStorage)
    assert [storage.incr("a", 60) for _ in range(3)] == [1, 2, 3]
    storage.incr("gone", 0.01)
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 120)
    monkeypatch.setattr(storage, "_swept", time.monotonic() - SweptMemoryStorage.SWEEP_SECONDS)
    assert storage.incr("a", 60) == 1
    assert "gone" not in storage.storage
    assert "gone" not in storage.expirations
