"""Council API tokens: created by owners only, shown once, stored hashed, revocable, audited."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session, select

from deliberation.models import ApiToken, AuditAction, AuditEntry, Role, TargetKind, TokenScope
from tests.factories import bearer, make_council, make_token, make_user, sign_in_as


def _secret(page: str) -> str:
    found = re.search(r'value="(plb_[^"]+)"', page)
    assert found is not None, "the new token is shown"
    return found.group(1)


def test_an_owner_creates_a_token_shown_once_and_stored_hashed(
    client: FlaskClient, session: Session
) -> None:
    owner = make_user(session)
    council = make_council(session, owners=[owner])
    sign_in_as(client, owner)
    response = client.post(
        f"/facilitate/councils/{council.id}/tokens",
        data={"label": "Council RIS", "scope": "respond"},
    )
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    secret = _secret(response.text)
    token = session.exec(select(ApiToken)).one()
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in token.token_hash
    assert (token.scope, token.label, token.created_by_id) == (
        TokenScope.RESPOND,
        "Council RIS",
        owner.id,
    )
    assert token.prefix == secret[:12]
    later = client.get(f"/facilitate/councils/{council.id}").text
    assert secret not in later, "shown once only"
    assert token.prefix in later
    assert client.get("/api/v1/rounds", headers=bearer(secret)).status_code == 200
    entry = session.exec(
        select(AuditEntry).where(AuditEntry.action == AuditAction.COUNCIL_TOKEN_CREATE)
    ).one()
    assert (entry.target_kind, entry.target_id, entry.actor_user_id) == (
        TargetKind.COUNCIL,
        council.id,
        owner.id,
    )
    assert entry.details["token_id"] == token.id
    assert secret not in str(entry.details)


def test_revoking_a_token_closes_the_api_to_it(client: FlaskClient, session: Session) -> None:
    owner = make_user(session)
    council = make_council(session, owners=[owner])
    sign_in_as(client, owner)
    secret = _secret(
        client.post(
            f"/facilitate/councils/{council.id}/tokens", data={"label": "RIS", "scope": "read"}
        ).text
    )
    token = session.exec(select(ApiToken)).one()
    revoked = client.post(
        f"/facilitate/councils/{council.id}/tokens/{token.id}/revoke", data={"confirmed": "yes"}
    )
    assert revoked.status_code == 303
    assert client.get("/api/v1/rounds", headers=bearer(secret)).status_code == 401
    again = client.post(
        f"/facilitate/councils/{council.id}/tokens/{token.id}/revoke", data={"confirmed": "yes"}
    )
    assert again.status_code == 409
    entries = session.exec(
        select(AuditEntry).where(AuditEntry.action == AuditAction.COUNCIL_TOKEN_REVOKE)
    ).all()
    assert [e.details["token_id"] for e in entries] == [token.id]


def test_only_owners_and_admins_manage_tokens(client: FlaskClient, session: Session) -> None:
    owner, other = make_user(session), make_user(session)
    admin = make_user(session, role=Role.ADMIN)
    council = make_council(session, owners=[owner])
    elsewhere = make_council(session, owners=[other])
    sign_in_as(client, other)
    refused = client.post(
        f"/facilitate/councils/{council.id}/tokens", data={"label": "x", "scope": "read"}
    )
    assert refused.status_code == 403
    assert "tokens-title" not in client.get(f"/facilitate/councils/{council.id}").text
    sign_in_as(client, admin)
    made = client.post(
        f"/facilitate/councils/{council.id}/tokens", data={"label": "x", "scope": "read"}
    )
    assert made.status_code == 201
    token = session.exec(select(ApiToken)).one()
    sign_in_as(client, other)
    assert (
        client.post(f"/facilitate/councils/{council.id}/tokens/{token.id}/revoke").status_code
        == 403
    )
    # A token revoked through another council's page is not found there.
    assert (
        client.post(f"/facilitate/councils/{elsewhere.id}/tokens/{token.id}/revoke").status_code
        == 404
    )
    session.refresh(token)
    assert token.revoked_at is None


def test_a_token_needs_a_label_and_a_known_scope(client: FlaskClient, session: Session) -> None:
    owner = make_user(session)
    council = make_council(session, owners=[owner])
    sign_in_as(client, owner)
    for data in ({"label": "", "scope": "read"}, {"label": "x", "scope": "admin"}):
        response = client.post(f"/facilitate/councils/{council.id}/tokens", data=data)
        assert response.status_code == 422
    assert session.exec(select(ApiToken)).first() is None


@pytest.fixture
def limited_api(app_config: dict[str, Any]) -> dict[str, Any]:
    app_config.update(RATELIMIT_ENABLED=True, RATELIMIT_API="2 per minute")
    return app_config


def test_each_token_has_its_own_rate_limit(
    limited_api: dict[str, Any], client: FlaskClient, session: Session
) -> None:
    first, second = make_token(session), make_token(session)
    codes = [client.get("/api/v1/rounds", headers=bearer(first)).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert client.get("/api/v1/territories", headers=bearer(first)).status_code == 429, (
        "one budget across the endpoints"
    )
    limited = client.get("/api/v1/rounds", headers=bearer(first))
    assert limited.json["error"]["code"] == "rate_limited"
    assert client.get("/api/v1/rounds", headers=bearer(second)).status_code == 200, (
        "another token from the same address has its own budget"
    )


def test_made_up_tokens_share_their_addresss_limit(
    limited_api: dict[str, Any], client: FlaskClient, session: Session
) -> None:
    revoked = make_token(session, revoked=True)
    codes = [
        client.get("/api/v1/rounds", headers=bearer(secret)).status_code
        for secret in ("plb_made_up_1", revoked, "plb_made_up_2")
    ]
    assert codes == [401, 401, 429], "a new made-up token is no new budget"
    assert client.get("/api/v1/rounds/rnd:none/reports").status_code == 429, "nor no token"
    assert client.get("/api/v1/rounds", headers=bearer(make_token(session))).status_code == 200
