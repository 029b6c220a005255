"""The admins' accounts page and ``flask users reset-password``: invitations, one-time links,
disabling, roles, all in the audit log."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from deliberation.clock import utcnow
from deliberation.models import AccountLink, AuditAction, AuditEntry, Role, User
from deliberation.services import accounts
from tests.factories import PASSWORD, make_user, sign_in_as

NEW_PASSWORD = "a brand new passphrase"
LINK = re.compile(r"https?://[^\"<\s]+/auth/set-password/([\w-]+)")


def admin_client(client: FlaskClient, session: Session) -> User:
    admin = make_user(session, role=Role.ADMIN)
    sign_in_as(client, admin)
    return admin


def link_in(text: str) -> str:
    match = LINK.search(text)
    assert match, "the page shows a one-time link"
    return match.group(0).split("localhost", 1)[-1]


def actions(session: Session) -> list[AuditAction]:
    session.expire_all()
    return list(session.exec(select(AuditEntry.action).order_by(AuditEntry.id)))


ADMIN_POSTS = {
    "invite": ("/admin/accounts", {"email": "new@example.org", "role": "admin"}),
    "disable": ("/admin/accounts/{other}/disable", {}),
    "reset password": ("/admin/accounts/{other}/reset-password", {}),
    "own role": ("/admin/accounts/{me}/role", {"role": "admin"}),
}


@pytest.mark.parametrize("url", ["/admin/accounts", "/admin/log"])
def test_facilitators_cannot_read_the_admin_pages(
    client: FlaskClient, session: Session, url: str
) -> None:
    sign_in_as(client, make_user(session))
    assert client.get(url).status_code == 403


@pytest.mark.parametrize(("url", "data"), ADMIN_POSTS.values(), ids=ADMIN_POSTS.keys())
def test_facilitators_cannot_act_as_admins(
    client: FlaskClient, session: Session, url: str, data: dict[str, str]
) -> None:
    facilitator, other = make_user(session), make_user(session)
    sign_in_as(client, facilitator)
    response = client.post(url.format(me=facilitator.id, other=other.id), data=data)
    assert response.status_code == 403
    session.expire_all()
    assert session.get(User, facilitator.id).role == Role.FACILITATOR
    assert session.get(User, other.id).disabled_at is None
    assert session.exec(select(User).where(User.email == "new@example.org")).first() is None


def test_an_invited_facilitator_sets_a_password_once_with_the_link(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    admin_client(client, session)
    response = client.post(
        "/admin/accounts", data={"email": "Nia@Example.org", "role": "facilitator"}
    )
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    url = link_in(response.text)
    user = session.exec(select(User).where(User.email == "nia@example.org")).one()
    assert user.password_hash == ""
    link = session.exec(select(AccountLink)).one()
    assert url.rsplit("/", 1)[1] not in link.token_hash, "only the token's hash is stored"

    visitor = app.test_client()
    assert (
        visitor.post("/auth/sign-in", data={"email": "nia@example.org", "password": ""}).status_code
        == 422
    )
    page = visitor.get(url)
    assert page.status_code == 200
    assert "nia@example.org" in page.text
    mismatch = visitor.post(url, data={"password": NEW_PASSWORD, "confirm": "something else"})
    assert mismatch.status_code == 422
    done = visitor.post(url, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 303
    assert visitor.get(url).status_code == 404, "a link works once"
    assert (
        visitor.post(
            url, data={"password": "another passphrase", "confirm": "another passphrase"}
        ).status_code
        == 404
    )
    signed = visitor.post(
        "/auth/sign-in", data={"email": "nia@example.org", "password": NEW_PASSWORD}
    )
    assert signed.status_code == 303
    assert actions(session)[-2:] == [AuditAction.ACCOUNT_INVITE, AuditAction.ACCOUNT_PASSWORD_SET]


def test_an_existing_address_or_a_bad_one_is_a_form_error(
    client: FlaskClient, session: Session
) -> None:
    admin = admin_client(client, session)
    taken = client.post("/admin/accounts", data={"email": admin.email, "role": "facilitator"})
    assert taken.status_code == 422
    assert "already exists" in taken.text
    bad = client.post("/admin/accounts", data={"email": "no address", "role": "facilitator"})
    assert bad.status_code == 422
    wrong_role = client.post("/admin/accounts", data={"email": "x@example.org", "role": "king"})
    assert wrong_role.status_code == 422
    assert session.exec(select(AccountLink)).all() == []


def test_links_expire(app: Flask, session: Session) -> None:
    admin = make_user(session, role=Role.ADMIN)
    issued = accounts.invite_account(
        session,
        actor=admin,
        email="late@example.org",
        role=Role.FACILITATOR,
        now=utcnow() - timedelta(days=4),
        ttl=timedelta(days=3),
    )
    session.commit()
    response = app.test_client().get(f"/auth/set-password/{issued.token}")
    assert response.status_code == 404
    assert "expired" in response.text
    assert app.test_client().get("/auth/set-password/made-up-token").status_code == 404


def test_a_reset_ends_sessions_voids_the_old_password_and_older_links(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    admin_client(client, session)
    user = make_user(session)
    victim = app.test_client()
    victim.post("/auth/sign-in", data={"email": user.email, "password": PASSWORD})
    assert victim.get("/facilitate/").status_code == 200
    first = link_in(client.post(f"/admin/accounts/{user.id}/reset-password").text)
    second = link_in(client.post(f"/admin/accounts/{user.id}/reset-password").text)
    assert victim.get("/facilitate/").status_code == 303
    assert (
        victim.post("/auth/sign-in", data={"email": user.email, "password": PASSWORD}).status_code
        == 422
    )
    assert victim.get(first).status_code == 404, "a new link voids the older one"
    assert (
        victim.post(second, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code
        == 303
    )
    assert (
        victim.post(
            "/auth/sign-in", data={"email": user.email, "password": NEW_PASSWORD}
        ).status_code
        == 303
    )
    assert actions(session).count(AuditAction.ACCOUNT_PASSWORD_RESET) == 2


def test_a_disabled_account_cannot_sign_in_and_its_sessions_stop(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    admin = admin_client(client, session)
    user = make_user(session)
    live = app.test_client()
    live.post("/auth/sign-in", data={"email": user.email, "password": PASSWORD})
    assert client.post(f"/admin/accounts/{user.id}/disable").status_code == 303
    assert live.get("/facilitate/").status_code == 303
    refused = app.test_client().post(
        "/auth/sign-in", data={"email": user.email, "password": PASSWORD}
    )
    assert refused.status_code == 422
    assert client.post(f"/admin/accounts/{user.id}/disable").status_code == 409
    assert client.post(f"/admin/accounts/{admin.id}/disable").status_code == 409
    assert client.post(f"/admin/accounts/{user.id}/enable").status_code == 303
    assert (
        app.test_client()
        .post("/auth/sign-in", data={"email": user.email, "password": PASSWORD})
        .status_code
        == 303
    )
    assert actions(session)[-2:] == [AuditAction.ACCOUNT_DISABLE, AuditAction.ACCOUNT_ENABLE]


def test_admins_change_roles_but_not_their_own(client: FlaskClient, session: Session) -> None:
    admin = admin_client(client, session)
    user = make_user(session)
    assert client.post(f"/admin/accounts/{user.id}/role", data={"role": "admin"}).status_code == 303
    session.expire_all()
    assert session.get(User, user.id).role == Role.ADMIN
    assert (
        client.post(f"/admin/accounts/{admin.id}/role", data={"role": "facilitator"}).status_code
        == 409
    )
    assert client.post(f"/admin/accounts/{user.id}/role", data={"role": "king"}).status_code == 422
    assert client.post("/admin/accounts/99999/role", data={"role": "admin"}).status_code == 404
    entry = session.exec(
        select(AuditEntry).where(AuditEntry.action == AuditAction.ACCOUNT_ROLE)
    ).one()
    assert (entry.actor_user_id, entry.target_id) == (admin.id, user.id)
    assert entry.details["role"] == ["facilitator", "admin"]


@pytest.mark.parametrize(
    ("language", "texts"),
    [
        ("en", ["Accounts", "Invite a facilitator", "Disable", "Audit log"]),
        ("fr", ["Comptes", "Inviter", "Désactiver", "Journal"]),
    ],
)
def test_the_admin_pages_are_translated(
    client: FlaskClient, session: Session, language: str, texts: list[str]
) -> None:
    admin_client(client, session)
    make_user(session)
    client.post("/language", data={"language": language, "next": "/"})
    page = client.get("/admin/accounts")
    assert page.status_code == 200
    log = client.get("/admin/log")
    assert log.status_code == 200
    for text in texts:
        assert text in page.text + log.text


def test_the_cli_prints_a_one_time_link(app: Flask, session: Session) -> None:
    user = make_user(session, email="ops@example.org")
    result = app.test_cli_runner().invoke(args=["users", "reset-password", "OPS@example.org"])
    assert result.exit_code == 0, result.output
    match = LINK.search(result.output)
    assert match
    client = app.test_client()
    assert (
        client.post("/auth/sign-in", data={"email": user.email, "password": PASSWORD}).status_code
        == 422
    )
    url = match.group(0).split("5000", 1)[1]
    assert (
        client.post(url, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code
        == 303
    )
    entry = session.exec(
        select(AuditEntry).where(AuditEntry.action == AuditAction.ACCOUNT_PASSWORD_RESET)
    ).one()
    assert entry.actor_kind == "system"
    unknown = app.test_cli_runner().invoke(args=["users", "reset-password", "nobody@example.org"])
    assert unknown.exit_code != 0
    assert "No account" in unknown.output
