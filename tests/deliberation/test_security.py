"""Security: CSRF, headers, rate limits, cookies, secrets, sign-in."""

from __future__ import annotations

import itertools
import re
import time
import uuid
from typing import Any

import flask_wtf.csrf
import pytest
from flask import Flask, g
from flask.testing import FlaskClient
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlmodel import Session, select
from werkzeug.test import Client

from deliberation.config import ConfigurationError, load_config
from deliberation.models import Vote
from deliberation.security import DEFAULT_HEADERS, STRICT_TRANSPORT_SECURITY, SecurityHeaders
from tests.factories import (
    PASSWORD,
    act_as,
    make_participant,
    make_round,
    make_statement,
    make_user,
)


@pytest.fixture
def csrf_app(app_config: dict[str, Any]) -> dict[str, Any]:
    app_config["WTF_CSRF_ENABLED"] = True
    return app_config


def _token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html) or re.search(
        r'"X-CSRFToken": "([^"]+)"', html
    )
    assert match, "no CSRF token on the page"
    return match.group(1)


def test_state_changing_requests_need_a_csrf_token(
    csrf_app: dict[str, Any], client: FlaskClient, session: Session
) -> None:
    round_ = make_round(session)
    statement = make_statement(session, round_)
    act_as(client, make_participant(session, round_))
    data = {"statement_id": statement.id, "vote": "agree"}

    refused = client.post(f"/r/{round_.slug}/vote", data=data)
    assert refused.status_code == 400
    assert "expired" in refused.text
    assert session.exec(select(Vote)).all() == []

    token = _token(client.get(f"/r/{round_.slug}").text)
    by_header = client.post(
        f"/r/{round_.slug}/vote", data=data, headers={"X-CSRFToken": token, "HX-Request": "true"}
    )
    assert by_header.status_code == 200
    assert len(session.exec(select(Vote)).all()) == 1


def test_a_session_keeps_one_signed_csrf_token_that_no_other_session_can_use(
    csrf_app: dict[str, Any],
    app: Flask,
    client: FlaskClient,
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Templates sign a session's token once (tokens do not expire), not in every request;
    every token signed for the session stays valid, another session's token is refused."""
    round_ = make_round(session)
    statements = [make_statement(session, round_, text=f"Statement {n}") for n in range(3)]
    act_as(client, make_participant(session, round_))
    token = _token(client.get(f"/r/{round_.slug}").text)
    other = app.test_client()
    act_as(other, make_participant(session, round_))
    g.pop("csrf_token", None)  # the tests' requests share one app context, and its g
    other_token = _token(other.get(f"/r/{round_.slug}").text)
    assert other_token != token

    def vote(statement_id: int | None, signed: str) -> Any:
        g.pop("csrf_token", None)
        return client.post(
            f"/r/{round_.slug}/vote",
            data={"statement_id": statement_id, "vote": "agree"},
            headers={"HX-Request": "true", "X-CSRFToken": signed},
        )

    assert vote(statements[0].id, other_token).status_code == 400
    # Each signing a second later than the one before: a token signed anew would differ.
    seconds = itertools.count(int(time.time()))

    class TickingSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return next(seconds)

    class TickingSerializer(URLSafeTimedSerializer):
        default_signer = TickingSigner

    monkeypatch.setattr(flask_wtf.csrf, "URLSafeTimedSerializer", TickingSerializer)
    first = vote(statements[0].id, token)
    assert first.status_code == 200
    signed = _token(first.text)
    second = vote(statements[1].id, signed)
    assert second.status_code == 200
    assert _token(second.text) == signed
    assert vote(statements[2].id, token).status_code == 200
    assert len(session.exec(select(Vote)).all()) == 3


def test_pages_carry_a_strict_content_security_policy_and_no_inline_script(
    client: FlaskClient, session: Session
) -> None:
    round_ = make_round(session)
    act_as(client, make_participant(session, round_))
    for url in ("/", f"/r/{round_.slug}", "/auth/sign-in"):
        response = client.get(url)
        policy = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy
        assert "unsafe-inline" not in policy
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        scripts = re.findall(r"<script([^>]*)>", response.text)
        assert scripts, "htmx and the app script are loaded"
        assert all("src=" in attributes for attributes in scripts)
        assert " style=" not in response.text


def test_htmx_is_served_by_the_app_itself(client: FlaskClient) -> None:
    with client.get("/vendor/htmx.min.js") as response:
        assert response.status_code == 200
        assert 'version:"2.0.' in response.get_data(as_text=True)


def test_session_cookie_is_httponly_and_samesite(client: FlaskClient) -> None:
    response = client.post("/language", data={"language": "fr", "next": "/"})
    assert response.status_code == 303
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


@pytest.fixture
def limited_app(app_config: dict[str, Any]) -> dict[str, Any]:
    app_config.update(RATELIMIT_ENABLED=True, RATELIMIT_VOTE="2 per minute")
    return app_config


def test_votes_are_rate_limited_with_a_clear_answer(
    limited_app: dict[str, Any], client: FlaskClient, session: Session
) -> None:
    round_ = make_round(session)
    statements = [make_statement(session, round_) for _ in range(3)]
    act_as(client, make_participant(session, round_))
    codes = [
        client.post(
            f"/r/{round_.slug}/vote", data={"statement_id": s.id, "vote": "agree"}
        ).status_code
        for s in statements
    ]
    assert codes == [303, 303, 429]
    assert len(session.exec(select(Vote)).all()) == 2
    refused = client.post(
        f"/r/{round_.slug}/vote",
        data={"statement_id": statements[2].id, "vote": "agree"},
        headers={"HX-Request": "true"},
    )
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 61  # the window's end, rounded up
    assert "try again in 1 minute" in refused.get_data(as_text=True)
    assert refused.headers["HX-Retarget"] == "#messages"
    assert len(session.exec(select(Vote)).all()) == 2


@pytest.fixture
def statements_limited(app_config: dict[str, Any]) -> dict[str, Any]:
    app_config.update(RATELIMIT_ENABLED=True, RATELIMIT_STATEMENT="2 per hour")
    return app_config


def test_a_broken_limit_says_in_how_many_minutes_to_try_again(
    statements_limited: dict[str, Any], client: FlaskClient, session: Session
) -> None:
    round_ = make_round(session)
    act_as(client, make_participant(session, round_))
    url = f"/r/{round_.slug}/statements"
    codes = [client.post(url, data={"text": f"Statement number {n}"}).status_code for n in range(3)]
    assert codes == [303, 303, 429]
    refused = client.post(url, data={"text": "One more"}, headers={"HX-Request": "true"})
    assert refused.status_code == 429
    assert 3540 <= int(refused.headers["Retry-After"]) <= 3601  # the window's end, rounded up
    assert re.search(r"Please try again in (59|60) minutes\.", refused.text), refused.text


def test_the_app_refuses_the_default_secret_outside_development(tmp_path: Any) -> None:
    with pytest.raises(ConfigurationError, match="PALABRE_SECRET_KEY"):
        load_config(str(tmp_path), {"PALABRE_ENV": "production"})
    with pytest.raises(ConfigurationError):
        load_config(
            str(tmp_path),
            {"PALABRE_SECRET_KEY": "palabre-development-only-secret"},
        )
    development = load_config(str(tmp_path), {"PALABRE_ENV": "development"})
    assert development["SECRET_KEY"]
    assert development["SESSION_COOKIE_SECURE"] is False
    production = load_config(
        str(tmp_path),
        {"PALABRE_SECRET_KEY": "s3cret" * 6, "DATABASE_URL": "postgres://u@h/db"},
    )
    assert production["DATABASE_URL"] == "postgresql+psycopg://u@h/db"
    assert production["SESSION_COOKIE_SECURE"] is True


def test_sign_in_and_out(client: FlaskClient, session: Session) -> None:
    user = make_user(session, email="ana@example.org")
    wrong = client.post("/auth/sign-in", data={"email": "ana@example.org", "password": "nope"})
    assert wrong.status_code == 422
    assert "do not match" in wrong.text
    right = client.post("/auth/sign-in", data={"email": "Ana@Example.org ", "password": PASSWORD})
    assert right.status_code == 303
    assert client.get("/facilitate/").status_code == 200
    client.post("/auth/sign-out")
    assert client.get("/facilitate/").status_code == 303
    assert user.password_hash != PASSWORD


def test_healthz_and_unknown_pages(client: FlaskClient) -> None:
    assert client.get("/healthz").json == {"status": "ok"}
    missing = client.get("/nowhere")
    assert missing.status_code == 404
    assert "does not exist" in missing.text
    assert client.get("/r/x/vote").status_code == 405


def test_open_redirects_are_refused(client: FlaskClient) -> None:
    response = client.post("/language", data={"language": "de", "next": "//evil.example/"})
    assert response.headers["Location"] == "/"
    assert client.post("/language", data={"language": "xx"}).status_code == 400


def test_the_app_runs_on_the_tests_own_database(app: Flask, database_url: str) -> None:
    engine = app.extensions["palabre.engine"]
    assert engine.url.render_as_string(hide_password=False) == database_url


def test_requests_are_logged(client: FlaskClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("INFO", logger="palabre.requests"):
        client.get("/healthz?token=secret")
    assert any("GET /healthz 200" in r.getMessage() for r in caplog.records)
    assert all("secret" not in r.getMessage() for r in caplog.records)


@pytest.fixture
def redis_limits(app_config: dict[str, Any]) -> dict[str, Any]:
    redis = pytest.importorskip("redis")
    try:
        redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis server on 127.0.0.1:6379")
    app_config.update(
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/15",
        RATELIMIT_SIGNIN="2 per minute",
        RATELIMIT_KEY_PREFIX=f"palabre-test-{uuid.uuid4().hex}",
    )
    return app_config


def test_rate_limits_can_live_in_redis(redis_limits: dict[str, Any], client: FlaskClient) -> None:
    codes = [
        client.post("/auth/sign-in", data={"email": "x@example.org", "password": "y"}).status_code
        for _ in range(3)
    ]
    assert codes == [422, 422, 429]


def test_a_signed_out_htmx_poll_redirects_the_page(client: FlaskClient) -> None:
    response = client.get("/facilitate/", headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"].startswith("/auth/sign-in")


def test_statements_with_control_characters_are_refused(
    client: FlaskClient, session: Session
) -> None:
    round_ = make_round(session)
    act_as(client, make_participant(session, round_))
    response = client.post(f"/r/{round_.slug}/statements", data={"text": "bad\x00text"})
    assert response.status_code == 422
    assert "control characters" in response.text


def test_oversized_requests_are_refused_cleanly(client: FlaskClient, session: Session) -> None:
    round_ = make_round(session)
    act_as(client, make_participant(session, round_))
    response = client.post(f"/r/{round_.slug}/statements", data={"text": "x" * (9 * 1024 * 1024)})
    assert response.status_code == 413
    assert "too large" in response.text


def test_every_response_carries_each_security_header_once(
    client: FlaskClient, session: Session
) -> None:
    round_ = make_round(session)
    statement = make_statement(session, round_)
    act_as(client, make_participant(session, round_))
    responses = [
        client.get("/no-such-page"),
        client.post(f"/r/{round_.slug}/vote", data={"statement_id": "x", "vote": "agree"}),
        client.post(
            f"/r/{round_.slug}/vote",
            data={"statement_id": statement.id, "vote": "agree"},
            headers={"HX-Request": "true"},
        ),
    ]
    assert [response.status_code for response in responses] == [404, 422, 200]
    for response in responses:
        for name, value in DEFAULT_HEADERS:
            assert response.headers.getlist(name) == [value], (response.status_code, name)


def test_a_response_that_sets_a_security_header_keeps_its_own() -> None:
    def own_policy(_environ: Any, start_response: Any) -> list[bytes]:
        start_response("200 OK", [("content-security-policy", "default-src 'none'")])
        return [b""]

    response = Client(SecurityHeaders(own_policy)).get("/", base_url="https://palabre.example")
    assert response.headers.getlist("Content-Security-Policy") == ["default-src 'none'"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Strict-Transport-Security"] == STRICT_TRANSPORT_SECURITY
