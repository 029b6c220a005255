"""Council responses through the API (``respond`` tokens) and clerks' inboxes; clerk accounts."""

from __future__ import annotations

import io
import json
import re
from datetime import date, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator, FormatChecker
from sqlmodel import Session, select

from deliberation.clock import utcnow
from deliberation.models import (
    ActorKind,
    AuditAction,
    AuditEntry,
    CouncilClerk,
    CouncilResponse,
    ResponseDecision,
    Role,
    TokenScope,
    Translation,
    User,
)
from deliberation.models.translations import TextKind, TranslationOrigin
from tests.factories import (
    PASSWORD,
    bearer,
    make_council,
    make_outcome,
    make_token,
    make_user,
    sign_in_as,
)

ANSWER: dict[str, Any] = {
    "decision": "partially_accepted",
    "reason": "Trees in two yards this year, the others next year.",
    "decided_at": "2026-11-20T18:00:00+01:00",
    "reference": {"url": "https://oparl.example.org/paper/42", "kind": "oparl-paper"},
    "implementation_status": "in_progress",
    "progress": 40,
}


def _url(outcome_id: int | None) -> str:
    return f"/api/v1/outcomes/out:{outcome_id}/responses"


def test_a_respond_token_records_its_councils_answer(client: FlaskClient, session: Session) -> None:
    council = make_council(session)
    outcome = make_outcome(session, councils=[council])
    secret = make_token(session, council=council, scope=TokenScope.RESPOND)
    response = client.post(_url(outcome.id), json=ANSWER, headers=bearer(secret))
    assert response.status_code == 201, response.json
    body = response.json
    assert body["outcome"] == f"out:{outcome.id}"
    assert body["council"] == f"cnl:{council.slug}"
    assert body["decided_at"].startswith("2026-11-20T17:00:00"), "kept in UTC"
    stored = session.exec(select(CouncilResponse)).one()
    assert (stored.decision, stored.progress, stored.oparl_paper) == (
        ResponseDecision.PARTIALLY_ACCEPTED,
        40,
        True,
    )
    entry = session.exec(
        select(AuditEntry).where(AuditEntry.action == AuditAction.COUNCIL_RESPONSE)
    ).one()
    assert entry.actor_kind == ActorKind.TOKEN
    assert entry.details["token_id"] == stored.token_id
    assert (entry.target_id, entry.details["outcome_id"]) == (council.id, outcome.id)
    # Progress over time: a second answer adds a row; both are listed, oldest first.
    later = {
        **ANSWER,
        "decision": "accepted",
        "implementation_status": "completed",
        "progress": 100,
    }
    assert client.post(_url(outcome.id), json=later, headers=bearer(secret)).status_code == 201
    listed = client.get(_url(outcome.id), headers=bearer(secret)).json
    assert [item["progress"] for item in listed["items"]] == [40, 100]


def test_councils_read_and_write_the_outcome_documents_shape(
    client: FlaskClient, session: Session
) -> None:
    council = make_council(session)
    outcome = make_outcome(session, councils=[council])
    secret = make_token(session, council=council, scope=TokenScope.RESPOND)
    schema = client.get("/api/v1/schema/outcome.json").json
    entry = Draft202012Validator(
        {**schema["properties"]["council_responses"]["items"], "$defs": schema["$defs"]},
        format_checker=FormatChecker(),
    )
    written = client.post(_url(outcome.id), json=ANSWER, headers=bearer(secret)).json
    assert written["reference"] == ANSWER["reference"], "read as written"
    assert written["reason"] == {
        "lang": next(iter(council.names)),
        "value": ANSWER["reason"],
        "translations": {},
    }
    update = {"decision": "accepted", "reference": written["reference"], "progress": 60}
    assert client.post(_url(outcome.id), json=update, headers=bearer(secret)).status_code == 201
    listed = client.get(_url(outcome.id), headers=bearer(secret)).json["items"]
    inbox = client.get("/api/v1/council/outcomes", headers=bearer(secret)).json["items"]
    for answer in (written, *listed, inbox[0]["current_response"]):
        entry.validate(answer)
    assert listed[0] == written
    assert inbox[0]["current_response"] == listed[1]
    assert session.exec(select(CouncilResponse)).all()[1].oparl_paper is True


# Who tries to answer an outcome addressed to a council: (token, status of a POST); a GET of
# the answers is 200 for the tokens refused with 403 (they may read), else 401.
ANSWERERS = {
    "no token": (None, 401),
    "unknown token": ("unknown", 401),
    "revoked respond token": ("revoked", 401),
    "read token": ("read", 403),
    "respond token of another council": ("elsewhere", 403),
}


@pytest.mark.parametrize(("who", "status"), ANSWERERS.values(), ids=ANSWERERS.keys())
def test_the_write_endpoint_authorization_matrix(
    client: FlaskClient, session: Session, who: str | None, status: int
) -> None:
    council, other = make_council(session), make_council(session)
    outcome = make_outcome(session, councils=[council])
    secrets = {
        "unknown": "plb_nope",
        "revoked": make_token(session, council=council, scope=TokenScope.RESPOND, revoked=True),
        "read": make_token(session, council=council),
        "elsewhere": make_token(session, council=other, scope=TokenScope.RESPOND),
    }
    headers = bearer(secrets[who]) if who is not None else {}
    response = client.post(_url(outcome.id), json=ANSWER, headers=headers)
    assert response.status_code == status
    assert response.json["error"]["code"] in {"unauthorized", "forbidden"}
    assert session.exec(select(CouncilResponse)).first() is None
    expected = 200 if status == 403 else 401
    assert client.get(_url(outcome.id), headers=headers).status_code == expected


def test_authentication_comes_before_the_bodys_validation(
    client: FlaskClient, session: Session
) -> None:
    outcome = make_outcome(session, councils=[make_council(session)])
    assert client.post(_url(outcome.id), json={"decision": "maybe"}).status_code == 401


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"decision": "maybe"}, "decision"),
        ({"progress": 101}, "progress"),
        ({"progress": -1}, "progress"),
        ({"reference": {"url": "javascript:alert(1)"}}, "reference"),
        ({"reference": {"url": "https://ris.example.org/7", "kind": "pdf"}}, "reference"),
        ({"reference": {"kind": "url"}}, "reference"),
        ({"reference_url": "https://ris.example.org/7"}, "reference_url"),
        ({"decided_at": "2026-11-20T18:00:00"}, "decided_at"),
        ({"decided_at": "0001-01-01T00:00:00+01:00"}, "decided_at"),
        ({"reason": "x" * 5001}, "reason"),
        ({"reason": "nul \x00 byte"}, "reason"),
        ({"extra": 1}, "extra"),
    ],
)
def test_bad_answers_are_refused_and_change_nothing(
    client: FlaskClient, session: Session, change: dict[str, Any], field: str
) -> None:
    council = make_council(session)
    outcome = make_outcome(session, councils=[council])
    secret = make_token(session, council=council, scope=TokenScope.RESPOND)
    response = client.post(_url(outcome.id), json={**ANSWER, **change}, headers=bearer(secret))
    assert response.status_code == 422
    assert response.json["error"]["code"] == "invalid"
    assert field in response.json["error"]["message"]
    assert session.exec(select(CouncilResponse)).first() is None


def test_answers_need_json_and_an_existing_outcome(client: FlaskClient, session: Session) -> None:
    council = make_council(session)
    outcome = make_outcome(session, councils=[council])
    secret = bearer(make_token(session, council=council, scope=TokenScope.RESPOND))
    # The last one is nested deeper than the parser's recursion limit: invalid, not a 500.
    for body in ("{bad", "[]", '"accepted"', "[" * 100_000 + "]" * 100_000):
        broken = client.post(
            _url(outcome.id), data=body, content_type="application/json", headers=secret
        )
        assert broken.status_code == 400, body[:10]
        assert broken.json["error"] == {
            "code": "bad_request",
            "message": "The body is not a JSON object.",
        }
    missing = client.post(_url(999_999), json=ANSWER, headers=secret)
    assert missing.status_code == 404
    assert client.get(_url(999_999), headers=secret).status_code == 404


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        None,
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/xml",
    ],
)
def test_a_body_that_is_not_json_is_refused_as_such(
    client: FlaskClient, session: Session, content_type: str | None
) -> None:
    """A JSON document sent as another media type (or none) is not read as ``{}`` (which was
    a 422 "decision: Field required"), nor skipped: a 415 saying what to send."""
    council = make_council(session)
    outcome = make_outcome(session, councils=[council])
    secret = make_token(session, council=council, scope=TokenScope.RESPOND)
    headers = bearer(secret) | ({"Content-Type": content_type} if content_type else {})
    refused = client.post(_url(outcome.id), data=json.dumps(ANSWER), headers=headers)
    assert refused.status_code == 415
    assert refused.json["error"] == {
        "code": "unsupported_media_type",
        "message": "The body must be JSON (Content-Type: application/json).",
    }
    assert session.exec(select(CouncilResponse)).first() is None
    # Authentication still comes first; a JSON media type with parameters or a suffix is JSON.
    assert client.post(_url(outcome.id), data="{}", content_type="text/plain").status_code == 401
    for json_type in ("application/json; charset=utf-8", "application/merge-patch+json"):
        accepted = client.post(
            _url(outcome.id),
            data=json.dumps(ANSWER),
            content_type=json_type,
            headers=bearer(secret),
        )
        assert accepted.status_code == 201, json_type


def test_an_over_large_body_is_a_413_with_the_apis_error(
    app_config: dict[str, Any], client: FlaskClient, session: Session
) -> None:
    """The API's bodies are small JSON documents: the app's 8 MB limit is for CSV uploads.
    Declared or streamed, a body over ``API_MAX_BODY_BYTES`` is a 413, whatever its type."""
    limit = app_config.get("API_MAX_BODY_BYTES", 256 * 1024)
    council = make_council(session)
    outcome = make_outcome(session, councils=[council])
    secret = bearer(make_token(session, council=council, scope=TokenScope.RESPOND))
    large = json.dumps({**ANSWER, "reason": "x" * 3_000_000})
    for content_type in ("application/json", "text/plain"):
        refused = client.post(
            _url(outcome.id), data=large, content_type=content_type, headers=secret
        )
        assert refused.status_code == 413, content_type
        assert refused.json["error"] == {
            "code": "too_large",
            "message": f"The body may not be larger than {limit} bytes.",
        }
    # A body of unknown length (chunked, which the server ends) stops being read at the limit.
    streamed = client.post(
        _url(outcome.id),
        input_stream=io.BytesIO(large.encode()),
        content_type="application/json",
        headers=secret | {"Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert streamed.status_code == 413
    assert streamed.json["error"]["code"] == "too_large"
    # The largest valid answer, every character escaped as a surrogate pair, fits.
    escaped = json.dumps({**ANSWER, "reason": "\U0001f333" * 5000}, ensure_ascii=True)
    assert len(escaped) > 60_000
    accepted = client.post(
        _url(outcome.id), data=escaped, content_type="application/json", headers=secret
    )
    assert accepted.status_code == 201, accepted.json
    assert session.exec(select(CouncilResponse)).one().reason == "\U0001f333" * 5000


@pytest.fixture
def csrf_app(app_config: dict[str, Any]) -> dict[str, Any]:
    app_config["WTF_CSRF_ENABLED"] = True
    return app_config


def test_the_api_needs_no_csrf_token_but_the_inbox_does(
    csrf_app: dict[str, Any], client: FlaskClient, session: Session
) -> None:
    council = make_council(session)
    outcome = make_outcome(session, councils=[council])
    secret = make_token(session, council=council, scope=TokenScope.RESPOND)
    assert client.post(_url(outcome.id), json=ANSWER, headers=bearer(secret)).status_code == 201
    clerk = _clerk(session, council)
    sign_in_as(client, clerk)
    refused = client.post(f"/inbox/outcomes/{outcome.id}", data={"decision": "accepted"})
    assert refused.status_code == 400
    assert len(session.exec(select(CouncilResponse)).all()) == 1


# --- Clerks -----------------------------------------------------------------------------------


def _clerk(session: Session, council: Any) -> User:
    clerk = make_user(session, role=Role.COUNCIL)
    session.add(CouncilClerk(user_id=clerk.id, council_id=council.id))
    session.commit()
    return clerk


def test_owners_create_clerk_accounts_with_a_one_time_link(
    client: FlaskClient, session: Session
) -> None:
    owner, stranger = make_user(session), make_user(session)
    council = make_council(session, owners=[owner])
    sign_in_as(client, stranger)
    assert (
        client.post(f"/facilitate/councils/{council.id}/clerks", data={"email": "a@b.org"})
    ).status_code == 403
    sign_in_as(client, owner)
    response = client.post(
        f"/facilitate/councils/{council.id}/clerks", data={"email": "Clerk@Strasbourg.eu"}
    )
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    link = re.search(r'value="(http[^"]+/auth/set-password/[^"]+)"', response.text)
    assert link is not None
    clerk = session.exec(select(User).where(User.email == "clerk@strasbourg.eu")).one()
    assert clerk.role == Role.COUNCIL
    assert clerk.password_hash == ""
    assert session.exec(select(CouncilClerk)).one().council_id == council.id
    actions = {
        e.action: e
        for e in session.exec(select(AuditEntry).where(AuditEntry.actor_user_id == owner.id))
    }
    assert actions[AuditAction.COUNCIL_CLERK_ADD].target_id == council.id
    assert actions[AuditAction.ACCOUNT_INVITE].target_id == clerk.id
    duplicate = client.post(
        f"/facilitate/councils/{council.id}/clerks", data={"email": "clerk@strasbourg.eu"}
    )
    assert duplicate.status_code == 422
    # The link sets the password; the clerk then lands in the inbox.
    path = link.group(1).split("://", 1)[1].split("/", 1)[1]
    client.post("/auth/sign-out")
    assert (
        client.post(f"/{path}", data={"password": PASSWORD, "confirm": PASSWORD}).status_code == 303
    )
    signed_in = client.post(
        "/auth/sign-in", data={"email": "clerk@strasbourg.eu", "password": PASSWORD}
    )
    assert signed_in.headers["Location"].endswith("/inbox/")


def test_clerks_see_only_their_inbox(client: FlaskClient, session: Session) -> None:
    council = make_council(session)
    clerk = _clerk(session, council)
    sign_in_as(client, clerk)
    assert client.get("/inbox/").status_code == 200
    for page in ("/facilitate/", "/facilitate/councils/", "/facilitate/territories"):
        assert client.get(page).status_code == 403, page
    sign_in_as(client, make_user(session))
    assert client.get("/inbox/").status_code == 403
    client.post("/auth/sign-out")
    assert client.get("/inbox/").status_code == 303


def test_the_inbox_lists_addressed_outcomes_with_due_dates_and_overdue_marks(
    client: FlaskClient, session: Session
) -> None:
    council, other = make_council(session), make_council(session)
    today = utcnow().date()
    late = make_outcome(
        session, councils=[council], title="Late one", response_due=today - timedelta(days=3)
    )
    make_outcome(
        session, councils=[council], title="Soon one", response_due=today + timedelta(days=9)
    )
    answered = make_outcome(
        session, councils=[council], title="Answered one", response_due=today - timedelta(days=1)
    )
    make_outcome(session, councils=[other], title="Not ours")
    session.add(
        CouncilResponse(
            outcome_id=answered.id, council_id=council.id, decision=ResponseDecision.ACCEPTED
        )
    )
    session.commit()
    sign_in_as(client, _clerk(session, council))
    page = client.get("/inbox/").text
    assert "Not ours" not in page
    assert page.index("Late one") < page.index("Soon one") < page.index("Answered one")
    assert page.count("Overdue") == 1, "an answered outcome is not overdue"
    cards = re.findall(r'<li class="card( overdue)?">', page)
    assert cards == [" overdue", "", ""]
    assert "Accepted" in page
    assert late.title in client.get(f"/inbox/outcomes/{late.id}").text


def test_a_clerk_answers_through_the_form_like_the_api(
    client: FlaskClient, session: Session
) -> None:
    council = make_council(session)
    outcome = make_outcome(session, councils=[council], response_due=date(2026, 1, 1))
    foreign = make_outcome(session, councils=[make_council(session)])
    clerk = _clerk(session, council)
    sign_in_as(client, clerk)
    form = {
        "decision": "under_review",
        "reason": "On the agenda of the December session.",
        "decided_at": "",
        "reference_url": "https://ris.example.org/vorlage/7",
        "oparl_paper": "",
        "implementation_status": "",
        "progress": "",
    }
    bad = client.post(f"/inbox/outcomes/{outcome.id}", data={**form, "progress": "150"})
    assert bad.status_code == 422
    bad_url = client.post(
        f"/inbox/outcomes/{outcome.id}", data={**form, "reference_url": "ftp://x"}
    )
    assert bad_url.status_code == 422
    assert session.exec(select(CouncilResponse)).first() is None
    done = client.post(f"/inbox/outcomes/{outcome.id}", data=form)
    assert done.status_code == 303
    stored = session.exec(select(CouncilResponse)).one()
    assert (stored.decision, stored.user_id, stored.token_id) == (
        ResponseDecision.UNDER_REVIEW,
        clerk.id,
        None,
    )
    assert stored.implementation_status is None
    entry = session.exec(
        select(AuditEntry).where(AuditEntry.action == AuditAction.COUNCIL_RESPONSE)
    ).one()
    assert (entry.actor_kind, entry.actor_user_id) == (ActorKind.ACCOUNT, clerk.id)
    page = client.get(f"/inbox/outcomes/{outcome.id}").text
    assert "On the agenda of the December session." in page
    assert 'value="https://ris.example.org/vorlage/7"' in page, (
        "the form starts from the last answer"
    )
    assert client.get(f"/inbox/outcomes/{foreign.id}").status_code == 403
    assert client.post(f"/inbox/outcomes/{foreign.id}", data=form).status_code == 403
    assert client.get("/inbox/outcomes/999999").status_code == 404
    assert len(session.exec(select(CouncilResponse)).all()) == 1


def test_a_token_reads_its_councils_outcomes_like_the_inbox(
    client: FlaskClient, session: Session
) -> None:
    council, other = make_council(session), make_council(session)
    today = utcnow().date()
    late = make_outcome(session, councils=[council], response_due=today - timedelta(days=2))
    make_outcome(session, councils=[other])
    secret = make_token(session, council=council, scope=TokenScope.RESPOND)
    assert client.get("/api/v1/council/outcomes").status_code == 401
    listed = client.get("/api/v1/council/outcomes", headers=bearer(secret)).json
    assert listed["council"] == f"cnl:{council.slug}"
    assert [item["id"] for item in listed["items"]] == [f"out:{late.id}"]
    assert listed["items"][0]["overdue"] is True
    assert listed["items"][0]["current_response"] is None
    client.post(_url(late.id), json=ANSWER, headers=bearer(secret))
    answered = client.get("/api/v1/council/outcomes", headers=bearer(secret)).json["items"][0]
    assert answered["overdue"] is False
    assert answered["current_response"]["progress"] == 40


def test_clerks_and_tokens_read_outcomes_with_their_translations(
    client: FlaskClient, session: Session
) -> None:
    council = make_council(session)
    outcome = make_outcome(session, councils=[council], title="Shade the schoolyards")
    outcome.rationale = "Every territory agrees."
    for kind, text in (
        (TextKind.OUTCOME_TITLE, "Ombrager les cours <d’école>"),
        (TextKind.OUTCOME_RATIONALE, "Tous les territoires sont d’accord."),
    ):
        session.add(
            Translation(
                round_id=outcome.round_id,
                kind=kind,
                text_id=outcome.id,
                language="fr",
                text=text,
                origin=TranslationOrigin.HUMAN,
                reviewed=True,
            )
        )
    session.commit()
    secret = make_token(session, council=council)
    item = client.get("/api/v1/council/outcomes", headers=bearer(secret)).json["items"][0]
    assert item["title"] == {
        "lang": "en",
        "value": "Shade the schoolyards",
        "translations": {
            "fr": {"value": "Ombrager les cours <d’école>", "method": "human", "reviewed": True}
        },
    }
    assert item["text"]["translations"] == {}
    assert item["rationale"]["translations"]["fr"]["value"] == (
        "Tous les territoires sont d’accord."
    )
    sign_in_as(client, _clerk(session, council))
    client.post("/language", data={"language": "fr", "next": "/"})
    inbox = client.get("/inbox/").text
    assert 'lang="fr" dir="auto">Ombrager les cours &lt;d’école&gt;</a>' in inbox
    page = client.get(f"/inbox/outcomes/{outcome.id}").text
    assert '<h1 hx-disable lang="fr" dir="auto">Ombrager les cours &lt;d’école&gt;</h1>' in page
    assert f'<p lang="en" dir="auto">{outcome.text}</p>' in page, (
        "untranslated parts stay in theirs"
    )
    assert '<p lang="fr" dir="auto">Tous les territoires sont d’accord.</p>' in page
