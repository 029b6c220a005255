"""schemathesis against the served OpenAPI document: generated requests (valid and invalid)
to every operation, with and without a token; no 5xx, and every answer conforms to the
document (status, content type, body schema)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import negative_data_rejection
from sqlmodel import Session

from deliberation.models import ReportVersion, Territory, TokenScope
from deliberation.opinions.snapshots import compute_snapshot
from deliberation.services.rounds import round_territories
from tests.deliberation.opinions.rounds import planted_round
from tests.factories import (
    bearer,
    make_council,
    make_counted_decision,
    make_outcome,
    make_token,
)

EXAMPLES_PER_OPERATION = 40
MIN_CASES = 500


def _decided_already(body: Any) -> None:
    """A council's ``decided_at`` is not later than now, which a JSON Schema cannot say: a
    generated valid one in the future is moved to now (it would rightly be refused)."""
    if not isinstance(body, dict) or not isinstance(body.get("decided_at"), str):
        return
    try:
        decided = datetime.fromisoformat(body["decided_at"])
    except ValueError:
        return
    now = datetime.now(UTC)
    if decided.tzinfo is not None and decided > now:
        body["decided_at"] = now.isoformat()


def test_generated_requests_never_fail_and_conform(app: Flask, session: Session) -> None:
    round_ = planted_round(session, participants=8, statements=4)
    compute_snapshot(session, round_)
    session.commit()
    big, small = round_territories(session, round_)
    ranked = [(big, {"ranking": [["B"], ["A", "C"]]})] * 3 + [(small, {"ranking": [["A"]]})]
    make_counted_decision(session, round_, ranked)
    session.add(
        ReportVersion(round_id=round_.id, number=1, document={"number": 1}, sha256="0" * 64)
    )
    session.commit()
    council = make_council(session)
    outcome = make_outcome(session, councils=[council])
    # Generated strings seldom name an object: half the cases name the stored ones.
    stored = {
        "round_id": f"rnd:{round_.slug}",
        "territory_id": f"ter:{session.get_one(Territory, council.territory_id).slug}",
        "outcome_id": f"out:{outcome.id}",
    }
    tokens: list[dict[str, str]] = [
        {},
        bearer(make_token(session, council=council)),
        bearer(make_token(session, council=council, scope=TokenScope.RESPOND)),
        bearer(make_token(session, council=council, revoked=True)),
    ]
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    calls: list[str] = []

    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(
                case=operation.as_strategy(generation_mode=mode),
                headers=st.sampled_from(tokens),
                name_stored=st.booleans(),
                negative=st.just(mode == GenerationMode.NEGATIVE),
            )
            @settings(
                max_examples=EXAMPLES_PER_OPERATION,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def check(
                case: Any, headers: dict[str, str], name_stored: bool, negative: bool
            ) -> None:
                named = set(case.path_parameters or {}) & set(stored) if name_stored else set()
                for name in named:
                    case.path_parameters[name] = stored[name]
                if not negative:
                    _decided_already(case.body)
                # A token or a stored id put in a generated invalid request may make it valid:
                # then it is rightly accepted, and "invalid data rejected" is not checked.
                repaired = negative and bool(headers or named)
                response = case.call_and_validate(
                    headers=headers, excluded_checks=[negative_data_rejection] if repaired else []
                )
                assert response.status_code < 500
                calls.append(case.operation.label)

            check()
    assert len(calls) >= MIN_CASES, f"only {len(calls)} generated cases"
    assert {label.split(" ", 1)[1] for label in calls} >= {
        "/api/v1/rounds/{round_id}/statements",
        "/api/v1/rounds/{round_id}/opinion-groups",
        "/api/v1/outcomes/{outcome_id}/responses",
        "/api/v1/rounds/{round_id}/reports/{number}",
        "/api/v1/rounds/{round_id}/decisions",
        "/api/v1/decisions/{decision_id}",
    }
