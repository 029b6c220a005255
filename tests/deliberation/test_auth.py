"""Sign-in sessions end on the server: sign-out, password changes and disabling make every
copy of an account's session cookie useless."""

from __future__ import annotations

import itertools
import time
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from deliberation.clock import utcnow
from deliberation.models import AuditAction, AuditEntry
from deliberation.services import accounts, audit
from tests.factories import PASSWORD, make_user

NEW_PASSWORD = "a brand new passphrase"


def signed_in(app: Flask, email: str, password: str = PASSWORD) -> FlaskClient:
    client = app.test_client()
    response = client.post("/auth/sign-in", data={"email": email, "password": password})
    assert response.status_code == 303
    return client


def copy_of(app: Flask, client: FlaskClient) -> FlaskClient:
    """Another browser holding a copy of ``client``'s session cookie."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    return thief


@pytest.fixture
def sign_in_limit(app_config: dict[str, Any]) -> dict[str, Any]:
    """Rate limits on, with the default sign-in limit (10 per minute per address)."""
    app_config["RATELIMIT_ENABLED"] = True
    return app_config


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Too many sign-in attempts. Please try again in 1 minute."),
        ("fr", "Trop de tentatives de connexion. Réessayez dans 1 minute."),
    ],
)
def test_too_many_sign_ins_say_so_and_when_to_try_again(
    sign_in_limit: dict[str, Any],
    app: Flask,
    session: Session,
    language: str,
    message: str,
) -> None:
    """The 11th sign-in in a minute (the right password changes nothing) is refused with a
    429 that says why and when to try again, on the sign-in form, not a bare form or the
    general error page; nobody is signed in."""
    user = make_user(session)
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    for _attempt in range(10):
        wrong = client.post("/auth/sign-in", data={"email": user.email, "password": "nope"})
        assert wrong.status_code == 422
    refused = client.post("/auth/sign-in", data={"email": user.email, "password": PASSWORD})
    assert refused.status_code == 429
    page = refused.text
    assert f'<html lang="{language}">' in page
    assert f'<div class="alert" role="alert">\n  <p hx-disable>{message}</p>' in page
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert f'value="{user.email}"' in page, "the email typed is kept"
    assert 'name="password"' in page
    assert client.get("/facilitate/").status_code == 303, "not signed in"


def test_the_wait_said_is_never_longer_than_the_limit(
    sign_in_limit: dict[str, Any],
    app: Flask,
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """flask-limiter rounds a window's end up past the next whole second: a window begun just
    after a whole second and broken within that second would say 61 seconds, "2 minutes", for
    a limit of 10 per minute. The wait said is at most the window."""
    user = make_user(session)
    clock = itertools.count(1_800_000_000.001, 0.0001)  # every request within one second
    monkeypatch.setattr(time, "time", lambda: next(clock))
    client = app.test_client()
    for _attempt in range(10):
        client.post("/auth/sign-in", data={"email": user.email, "password": "nope"})
    refused = client.post("/auth/sign-in", data={"email": user.email, "password": PASSWORD})
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "60"
    assert "Please try again in 1 minute." in refused.text


def test_a_copied_cookie_stops_working_after_sign_out(app: Flask, session: Session) -> None:
    user = make_user(session)
    client = signed_in(app, user.email)
    thief = copy_of(app, client)
    assert thief.get("/facilitate/").status_code == 200
    client.post("/auth/sign-out")
    assert client.get("/facilitate/").status_code == 303
    assert thief.get("/facilitate/").status_code == 303
    again = signed_in(app, user.email)
    assert again.get("/facilitate/").status_code == 200


def test_changing_the_password_ends_the_other_sessions(app: Flask, session: Session) -> None:
    user = make_user(session)
    here, elsewhere = signed_in(app, user.email), signed_in(app, user.email)
    assert here.get("/auth/password").status_code == 200
    wrong = here.post(
        "/auth/password",
        data={"current_password": "nope", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert wrong.status_code == 422
    assert "not your current password" in wrong.text
    changed = here.post(
        "/auth/password",
        data={"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert changed.status_code == 303
    assert here.get("/facilitate/").status_code == 200, "this session goes on"
    assert elsewhere.get("/facilitate/").status_code == 303
    assert (
        app.test_client()
        .post("/auth/sign-in", data={"email": user.email, "password": PASSWORD})
        .status_code
        == 422
    )
    signed_in(app, user.email, NEW_PASSWORD)
    assert (
        session.exec(
            select(AuditEntry).where(AuditEntry.action == AuditAction.ACCOUNT_PASSWORD_SET)
        )
        .one()
        .actor_user_id
        == user.id
    )


def test_mismatched_or_short_new_passwords_are_form_errors(app: Flask, session: Session) -> None:
    user = make_user(session)
    client = signed_in(app, user.email)
    differ = client.post(
        "/auth/password",
        data={"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": "other one!!"},
    )
    assert differ.status_code == 422
    assert "The two passwords differ" in differ.text
    short = client.post(
        "/auth/password",
        data={"current_password": PASSWORD, "password": "short", "confirm": "short"},
    )
    assert short.status_code == 422
    assert "between 10 and 1024 characters" in short.text
    assert client.get("/facilitate/").status_code == 200


def test_a_cookie_without_the_current_version_signs_nobody_in(app: Flask, session: Session) -> None:
    user = make_user(session)
    client = app.test_client()
    with client.session_transaction() as browser_session:
        browser_session["user_id"] = user.id  # a cookie made before session versions
    assert client.get("/facilitate/").status_code == 303


def test_one_time_tokens_stay_out_of_the_request_log(
    app: Flask, session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    user = make_user(session)
    issued = accounts.reset_password(
        session, actor=audit.SYSTEM, user=user, now=utcnow(), ttl=timedelta(hours=1)
    )
    session.commit()
    with caplog.at_level("INFO", logger="palabre.requests"):
        assert app.test_client().get(f"/auth/set-password/{issued.token}").status_code == 200
    lines = [record.getMessage() for record in caplog.records]
    assert any("GET /auth/set-password/<token> 200" in line for line in lines)
    assert all(issued.token not in line for line in lines)
