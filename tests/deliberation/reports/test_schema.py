"""The outcome schema (draft 2020-12) is served, accepts the demo's documents and is strict."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator, FormatChecker

from deliberation.models import ReportVersion
from tests.deliberation.reports.conftest import SmallWorld
from tests.factories import sign_in_as

Document = dict[str, Any]


@pytest.fixture
def validator(client: FlaskClient) -> Draft202012Validator:
    answer = client.get("/api/v1/schema/outcome.json")
    assert answer.status_code == 200
    assert answer.mimetype == "application/schema+json"
    schema = answer.get_json(force=True)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


def test_the_demo_document_is_valid(
    validator: Draft202012Validator, client: FlaskClient, published: ReportVersion
) -> None:
    served = client.get(published.document["distributions"][1]["url"].split("5000", 1)[1])
    document = served.get_json()
    assert document == published.document
    errors = [error.message for error in validator.iter_errors(document)]
    assert errors == []
    assert {c["id"] for c in document["councils"]} == {
        "cnl:strasbourg-conseil-municipal",
        "cnl:kehl-gemeinderat",
    }


def test_a_document_with_suppressed_cells_is_valid(
    validator: Draft202012Validator, client: FlaskClient, small_world: SmallWorld
) -> None:
    sign_in_as(client, small_world.facilitator)
    client.post(f"/facilitate/rounds/{small_world.round.id}/publish")
    document = client.get(f"/r/{small_world.round.slug}/report/v1/outcome.json").get_json()
    assert any(row["suppressed"] for row in document["participation"])
    assert [error.message for error in validator.iter_errors(document)] == []


def _extra_top_level(d: Document) -> None:
    d["author"] = "someone@example.org"


def _extra_in_outcome(d: Document) -> None:
    d["outcomes"][0]["votes_by_person"] = []


def _typed_support(d: Document) -> None:
    d["outcomes"][0]["support"]["level"] = "unanimous"


def _missing_privacy(d: Document) -> None:
    del d["privacy"]


def _personal_data(d: Document) -> None:
    d["privacy"]["personal_data"] = "some"


def _suppressed_cell_with_numbers(d: Document) -> None:
    cell = d["statements"][0]["counts"]["overall"]
    cell["suppressed"] = True


def _shown_cell_without_numbers(d: Document) -> None:
    d["statements"][0]["counts"]["by_territory"]["ter:kehl"]["seen"] = None


def _territory_without_prefix(d: Document) -> None:
    d["territories"][0]["id"] = "kehl"


def _rate_above_one(d: Document) -> None:
    d["outcomes"][0]["territory_support"][0]["agree_rate"] = 1.5


def _translation_with_extra_field(d: Document) -> None:
    d["round"]["title"]["translations"]["de"]["author"] = "x"


def _bad_date(d: Document) -> None:
    d["outcomes"][0]["response_due"] = "next spring"


def _proposal_with_extra_field(d: Document) -> None:
    d["proposals"][0]["author"] = "x"


def _draft_proposal(d: Document) -> None:
    d["proposals"][0]["status"] = "draft"


def _suppressed_decision_count_with_a_value(d: Document) -> None:
    d["decisions"][0]["counts"][0]["suppressed"] = True


def _shown_territory_result_without_ballots(d: Document) -> None:
    d["decisions"][0]["group_results"][1]["ballots"] = None


def _decision_with_ballots(d: Document) -> None:
    d["decisions"][0]["ballots"] = [{"participant": 1, "approved": ["A"]}]


def _response_with_a_made_up_decision(d: Document) -> None:
    d["council_responses"].append(
        {
            "id": "rsp:1",
            "outcome": d["outcomes"][0]["id"],
            "council": d["councils"][0]["id"],
            "decision": "ignored",
            "reason": None,
            "decided_at": None,
            "reference": None,
            "implementation_status": None,
            "progress": None,
            "recorded_at": "2026-12-01T10:00:00+00:00",
        }
    )


def _response_naming_its_clerk(d: Document) -> None:
    _response_with_a_made_up_decision(d)
    d["council_responses"][0]["decision"] = "accepted"
    d["council_responses"][0]["clerk"] = "clerk@example.org"


BREAKERS = (
    _extra_top_level,
    _extra_in_outcome,
    _typed_support,
    _missing_privacy,
    _personal_data,
    _suppressed_cell_with_numbers,
    _shown_cell_without_numbers,
    _territory_without_prefix,
    _rate_above_one,
    _translation_with_extra_field,
    _bad_date,
    _proposal_with_extra_field,
    _draft_proposal,
    _suppressed_decision_count_with_a_value,
    _shown_territory_result_without_ballots,
    _decision_with_ballots,
    _response_with_a_made_up_decision,
    _response_naming_its_clerk,
)


def test_documents_that_must_fail(
    validator: Draft202012Validator, published: ReportVersion
) -> None:
    assert validator.is_valid(published.document)
    answered = copy.deepcopy(published.document)
    _response_naming_its_clerk(answered)
    del answered["council_responses"][0]["clerk"]
    assert validator.is_valid(answered)
    passing = []
    for breaks in BREAKERS:
        document = copy.deepcopy(published.document)
        breaks(document)
        if validator.is_valid(document):
            passing.append(breaks.__name__)
    assert passing == []
