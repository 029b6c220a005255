"""The authorization matrix of every operation of ``/api/v1``, read from the served OpenAPI
document (a new operation without a row here fails the test): without a token, with an unknown
or revoked token, with a read token of the council, with a respond token of another council,
and with a respond token of the council."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session

from deliberation.clock import utcnow
from deliberation.models import Phase, ReportVersion, TokenScope
from tests.factories import (
    bearer,
    make_council,
    make_counted_decision,
    make_outcome,
    make_round,
    make_territory,
    make_token,
)

PUBLIC, READ, RESPOND = "public", "read", "respond"
ACCESS = {
    ("get", "/api/v1/territories"): READ,
    ("get", "/api/v1/territories/{territory_id}"): READ,
    ("get", "/api/v1/councils"): READ,
    ("get", "/api/v1/rounds"): READ,
    ("get", "/api/v1/rounds/{round_id}"): READ,
    ("get", "/api/v1/rounds/{round_id}/statements"): READ,
    ("get", "/api/v1/rounds/{round_id}/opinion-groups"): READ,
    ("get", "/api/v1/rounds/{round_id}/decisions"): READ,
    ("get", "/api/v1/decisions/{decision_id}"): READ,
    ("get", "/api/v1/rounds/{round_id}/reports"): PUBLIC,
    ("get", "/api/v1/rounds/{round_id}/reports/latest"): PUBLIC,
    ("get", "/api/v1/rounds/{round_id}/reports/{number}"): PUBLIC,
    ("get", "/api/v1/rounds/{round_id}/reports/{number}/later-responses"): PUBLIC,
    ("get", "/api/v1/rounds/{round_id}/outcomes"): READ,
    ("get", "/api/v1/outcomes/{outcome_id}"): READ,
    ("get", "/api/v1/council/outcomes"): READ,
    ("get", "/api/v1/outcomes/{outcome_id}/responses"): READ,
    ("post", "/api/v1/outcomes/{outcome_id}/responses"): RESPOND,
}
CREDENTIALS = ("none", "unknown", "revoked", "read", "respond_elsewhere", "respond")
# The status each credential gets, by the operation's access.
EXPECTED = {
    PUBLIC: {c: {200} for c in CREDENTIALS},
    READ: {
        "none": {401},
        "unknown": {401},
        "revoked": {401},
        "read": {200},
        "respond_elsewhere": {200},
        "respond": {200},
    },
    RESPOND: {
        "none": {401},
        "unknown": {401},
        "revoked": {401},
        "read": {403},
        "respond_elsewhere": {403},
        "respond": {201},
    },
}


@pytest.fixture
def world(session: Session) -> dict[str, Any]:
    territory = make_territory(session)
    round_ = make_round(session, territories=[territory], phase=Phase.REPORTED)
    council = make_council(session, territory=territory)
    outcome = make_outcome(session, round_=round_, councils=[council])
    session.add(
        ReportVersion(
            round_id=round_.id,
            number=1,
            document={"outcomes": [{"id": f"out:{outcome.id}"}]},
            sha256="0" * 64,
            published_at=utcnow() - timedelta(days=1),
        )
    )
    session.commit()
    decision = make_counted_decision(session, round_, [(territory, {"ranking": [["A"]]})])
    return {
        "ids": {
            "territory_id": f"ter:{territory.slug}",
            "round_id": f"rnd:{round_.slug}",
            "number": 1,
            "outcome_id": f"out:{outcome.id}",
            "decision_id": f"dec:{decision.id}",
        },
        "headers": {
            "none": {},
            "unknown": bearer("plb_unknown_secret"),
            "revoked": bearer(make_token(session, council=council, revoked=True)),
            "read": bearer(make_token(session, council=council)),
            "respond_elsewhere": bearer(make_token(session, scope=TokenScope.RESPOND)),
            "respond": bearer(make_token(session, council=council, scope=TokenScope.RESPOND)),
        },
    }


def test_every_operation_is_in_the_matrix(client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    operations = {
        (method, path)
        for path, item in document["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }
    assert operations == set(ACCESS)
    for (method, path), access in ACCESS.items():
        secured = bool(document["paths"][path][method].get("security"))
        assert secured == (access != PUBLIC), (method, path)


@pytest.mark.parametrize(("method", "path"), sorted(ACCESS))
def test_the_authorization_matrix(
    client: FlaskClient, world: dict[str, Any], method: str, path: str
) -> None:
    url = path.format(**world["ids"])
    body = {"decision": "under_review", "reason": "We will discuss it."}
    for credential in CREDENTIALS:
        headers = world["headers"][credential]
        if method == "post":
            answer = client.post(url, headers=headers, json=body)
        else:
            answer = client.get(url, headers=headers)
        expected = EXPECTED[ACCESS[(method, path)]][credential]
        assert answer.status_code in expected, (credential, answer.status_code, answer.json)
        assert answer.mimetype == "application/json"
        if answer.status_code >= 400:
            assert set(answer.json["error"]) == {"code", "message"}
        if answer.status_code == 401:
            assert answer.headers["WWW-Authenticate"].startswith("Bearer")
