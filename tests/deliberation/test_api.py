"""``/api/v1``: token authentication, JSON errors, pagination, caching, and what the read
endpoints answer (k-suppressed counts, no draft rounds)."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session

from deliberation.models import Phase, ReportVersion, TokenScope
from deliberation.opinions.snapshots import compute_snapshot
from tests.deliberation.opinions.rounds import planted_round
from tests.factories import (
    bearer,
    make_council,
    make_round,
    make_statement,
    make_territory,
    make_token,
)

READ_PATHS = [
    "/api/v1/territories",
    "/api/v1/territories/{territory}",
    "/api/v1/councils",
    "/api/v1/rounds",
    "/api/v1/rounds/{round}",
    "/api/v1/rounds/{round}/statements",
    "/api/v1/rounds/{round}/opinion-groups",
    "/api/v1/council/outcomes",
]


@pytest.fixture
def world(session: Session) -> dict[str, object]:
    territory = make_territory(session)
    round_ = make_round(session, territories=[territory])
    return {"territory": f"ter:{territory.slug}", "round": f"rnd:{round_.slug}"}


@pytest.mark.parametrize("path", READ_PATHS)
def test_every_read_endpoint_needs_a_live_token(
    client: FlaskClient, session: Session, world: dict[str, object], path: str
) -> None:
    url = path.format(**world)
    council = make_council(session)
    read = make_token(session, council=council)
    respond_elsewhere = make_token(session, scope=TokenScope.RESPOND)
    revoked = make_token(session, council=council, revoked=True)
    for headers in ({}, bearer("plb_unknown"), bearer(revoked), {"Authorization": read}):
        response = client.get(url, headers=headers)
        assert response.status_code == 401, headers
        assert response.json == {
            "error": {"code": "unauthorized", "message": response.json["error"]["message"]}
        }
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    for secret in (read, respond_elsewhere):
        assert client.get(url, headers=bearer(secret)).status_code == 200


@pytest.mark.parametrize(
    ("url", "status", "code"),
    [
        ("/api/v1/rounds/999", 404, "not_found"),
        ("/api/v1/rounds/rnd:NOT%20A%20SLUG", 404, "not_found"),
        ("/api/v1/rounds/rnd:%00", 404, "not_found"),
        ("/api/v1/territories/ter:", 404, "not_found"),
        ("/api/v1/outcomes/out:1x/responses", 404, "not_found"),
        ("/api/v1/outcomes/12/responses", 404, "not_found"),
        ("/api/v1/nothing-here", 404, "not_found"),
        ("/api/v1/rounds?page=0", 422, "invalid"),
        ("/api/v1/rounds?per_page=1000", 422, "invalid"),
        ("/api/v1/rounds?page=abc", 422, "invalid"),
        ("/api/v1/rounds/99999999999", 404, "not_found"),
    ],
)
def test_errors_are_json_never_html(
    client: FlaskClient, session: Session, url: str, status: int, code: str
) -> None:
    response = client.get(url, headers=bearer(make_token(session)))
    assert response.status_code == status
    assert response.mimetype == "application/json"
    assert response.json["error"]["code"] == code


def test_an_unknown_method_is_json_too(client: FlaskClient, session: Session) -> None:
    token = bearer(make_token(session))
    refused = client.delete("/api/v1/rounds", headers=token)
    assert refused.status_code == 405
    assert refused.json["error"]["code"] == "method_not_allowed"
    # An id out of range names no outcome, whatever the method.
    respond = bearer(make_token(session, scope=TokenScope.RESPOND))
    answer = {"decision": "accepted", "reason": "Yes."}
    for url in ("/api/v1/outcomes/out:0/responses", "/api/v1/outcomes/out:99999999999/responses"):
        for found in (
            client.post(url, headers=respond, json=answer),
            client.get(url, headers=token),
        ):
            assert found.status_code == 404, url
            assert found.json["error"]["code"] == "not_found"
    wrong_method = client.post("/api/v1/rounds/rnd:nowhere", headers=token)
    assert wrong_method.status_code == 405
    assert wrong_method.json["error"]["code"] == "method_not_allowed"


def test_paths_take_the_outcome_document_ids(client: FlaskClient) -> None:
    """The ids of paths are those of the answers and of outcome documents, with their form
    in the OpenAPI document."""
    spec = client.get("/api/v1/openapi.json").json
    parameters = {
        p["name"]: p["schema"]
        for item in spec["paths"].values()
        for operation in item.values()
        for p in operation.get("parameters", [])
        if p["in"] == "path"
    }
    assert parameters["round_id"]["pattern"].startswith("^rnd:")
    assert parameters["territory_id"]["pattern"].startswith("^ter:")
    assert parameters["outcome_id"]["pattern"] == "^out:[1-9][0-9]*$"


def test_draft_rounds_are_not_in_the_api(client: FlaskClient, session: Session) -> None:
    token = bearer(make_token(session))
    draft = make_round(session, phase=Phase.DRAFT)
    shown = make_round(session, phase=Phase.OPEN)
    listed = client.get("/api/v1/rounds", headers=token).json
    assert [item["id"] for item in listed["items"]] == [f"rnd:{shown.slug}"]
    assert client.get(f"/api/v1/rounds/rnd:{draft.slug}", headers=token).status_code == 404
    one = client.get(f"/api/v1/rounds/rnd:{shown.slug}", headers=token).json
    assert one["title"] == {
        "lang": "en",
        "value": shown.title["en"],
        "translations": {"fr": {"value": shown.title["fr"], "method": "human", "reviewed": True}},
    }


def test_lists_are_paged_with_a_next_link(client: FlaskClient, session: Session) -> None:
    token = bearer(make_token(session))
    for _ in range(4):
        make_territory(session)
    first = client.get("/api/v1/territories?per_page=2", headers=token).json
    assert (first["page"], first["per_page"], first["total"]) == (1, 2, 5)
    assert first["next"].endswith("/api/v1/territories?page=2&per_page=2")
    last = client.get("/api/v1/territories?page=3&per_page=2", headers=token).json
    assert len(last["items"]) == 1
    assert last["next"] is None
    seen = {item["id"] for item in first["items"]} | {item["id"] for item in last["items"]}
    assert len(seen) == 3


def test_reads_carry_strong_etags(client: FlaskClient, session: Session) -> None:
    token = bearer(make_token(session))
    first = client.get("/api/v1/territories", headers=token)
    etag = first.headers["ETag"]
    assert not etag.startswith("W/")
    assert "Authorization" in first.headers["Vary"]
    again = client.get("/api/v1/territories", headers={**token, "If-None-Match": etag})
    assert again.status_code == 304
    make_territory(session)
    changed = client.get("/api/v1/territories", headers={**token, "If-None-Match": etag})
    assert changed.status_code == 200


def test_statements_carry_counts_with_small_cells_suppressed(
    client: FlaskClient, session: Session
) -> None:
    round_ = planted_round(session, participants=8, statements=4)
    round_.privacy_k = 5
    session.add(round_)
    session.commit()
    assert compute_snapshot(session, round_) is not None
    make_statement(session, round_, is_meta=True)
    token = bearer(make_token(session))
    listed = client.get(f"/api/v1/rounds/rnd:{round_.slug}/statements", headers=token).json
    assert listed["total"] == 4, "meta statements are left out"
    first = listed["items"][0]
    assert first["counts"]["suppressed"] is False
    assert first["counts"]["seen"] == 8
    for cell in first["by_territory"].values():
        # 4 people per town, k = 5: every territory cell is suppressed.
        assert cell == {
            "agree": None,
            "disagree": None,
            "pass": None,
            "seen": None,
            "suppressed": True,
        }
    assert all(key.startswith("ter:") for key in first["by_territory"])
    groups = client.get(f"/api/v1/rounds/rnd:{round_.slug}/opinion-groups", headers=token).json
    assert groups["computed_at"] is not None
    for group in groups["groups"]:
        assert group["size"] is None or group["size"] >= 5
        assert all(size is None or size >= 5 for size in group["composition"].values())


def test_statements_before_any_analysis_have_no_counts(
    client: FlaskClient, session: Session
) -> None:
    round_ = make_round(session)
    make_statement(session, round_)
    token = bearer(make_token(session))
    listed = client.get(f"/api/v1/rounds/rnd:{round_.slug}/statements", headers=token).json
    assert listed["items"][0]["counts"] is None
    groups = client.get(f"/api/v1/rounds/rnd:{round_.slug}/opinion-groups", headers=token).json
    assert groups == {"computed_at": None, "groups": []}


def test_the_openapi_document_and_its_page_are_public(client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json")
    assert document.status_code == 200
    spec = document.json
    assert spec["openapi"].startswith("3.1")
    assert "/api/v1/rounds/{round_id}/statements" in spec["paths"]
    assert spec["components"]["securitySchemes"]["token"] == {"type": "http", "scheme": "bearer"}
    assert "/api/v1/openapi.json" not in spec["paths"]
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    assert "swagger-ui-bundle.js" in page.text
    assert "<script>" not in page.text, "no inline script: the CSP forbids it"
    with client.get("/api/v1/docs/assets/swagger-ui-bundle.js") as bundle:
        assert bundle.status_code == 200
    assert client.get("/api/v1/docs/assets/package.json").status_code == 404


def test_published_reports_are_public_and_versions_immutable(
    client: FlaskClient, session: Session
) -> None:
    round_ = make_round(session, phase=Phase.REPORTED)
    for number in (1, 2):
        session.add(
            ReportVersion(
                round_id=round_.id,
                number=number,
                document={"schema_version": "1", "number": number},
                sha256=f"{number:064x}",
            )
        )
    session.commit()
    listed = client.get(f"/api/v1/rounds/rnd:{round_.slug}/reports")
    assert listed.status_code == 200, "no token needed"
    assert [item["number"] for item in listed.json["items"]] == [2, 1]
    paged = client.get(f"/api/v1/rounds/rnd:{round_.slug}/reports?per_page=1").json
    assert ([item["number"] for item in paged["items"]], paged["total"]) == ([2], 2)
    assert paged["next"].endswith(f"/api/v1/rounds/rnd:{round_.slug}/reports?page=2&per_page=1")
    first_url = listed.json["items"][1]["document"]
    assert first_url.endswith(f"/api/v1/rounds/rnd:{round_.slug}/reports/1")
    first = client.get(f"/api/v1/rounds/rnd:{round_.slug}/reports/1")
    assert first.json == {"schema_version": "1", "number": 1}
    assert first.headers["ETag"] == f'"{1:064x}"'
    assert first.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    again = client.get(
        f"/api/v1/rounds/rnd:{round_.slug}/reports/1",
        headers={"If-None-Match": first.headers["ETag"]},
    )
    assert again.status_code == 304
    latest = client.get(f"/api/v1/rounds/rnd:{round_.slug}/reports/latest")
    assert latest.json["number"] == 2
    assert latest.headers["Cache-Control"] == "public, no-cache"
    missing = client.get(f"/api/v1/rounds/rnd:{round_.slug}/reports/3")
    assert missing.status_code == 404
    assert missing.json["error"]["code"] == "not_found"
    unpublished = make_round(session)
    assert client.get(f"/api/v1/rounds/rnd:{unpublished.slug}/reports/latest").status_code == 404
    assert client.get(f"/api/v1/rounds/rnd:{unpublished.slug}/reports").json["items"] == []
