"""Validation rules live once, in the input models: the forms hold none of their own, and a
form refuses exactly what the model (and so the service that takes it) refuses."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pydantic import ValidationError
from sqlmodel import Session, select
from wtforms.validators import Length, NumberRange, Regexp

from deliberation.forms.facilitate import InputForm
from deliberation.models import Round, Territory
from deliberation.models.council_inputs import CouncilInput, CouncilResponseInput
from deliberation.models.inputs import DecisionInput, InviteBatchInput, RoundInput, TerritoryInput
from deliberation.models.proposals import (
    AmendmentInput,
    AmendmentTranslationInput,
    EditInput,
    HideInput,
    MergeInput,
    ProposalInput,
    ProposalTranslationInput,
    RejectionInput,
)
from deliberation.models.reports import OutcomeInput, OutcomeTranslationInput
from deliberation.services.validation import FieldInvalid, input_problems, validate_input
from tests.deliberation.test_facilitate_rounds import round_data
from tests.factories import make_user, sign_in_as

LIMITS = (Length, NumberRange, Regexp)


def _input_forms() -> list[type[InputForm]]:
    found, todo = [], list(InputForm.__subclasses__())
    while todo:
        form = todo.pop()
        found.append(form)
        todo.extend(form.__subclasses__())
    return found


def test_every_input_form_is_found() -> None:
    assert {form.input_model for form in _input_forms()} == {
        RoundInput,
        TerritoryInput,
        CouncilInput,
        CouncilResponseInput,
        OutcomeInput,
        ProposalInput,
        EditInput,
        AmendmentInput,
        RejectionInput,
        MergeInput,
        HideInput,
        ProposalTranslationInput,
        AmendmentTranslationInput,
        OutcomeTranslationInput,
        DecisionInput,
        InviteBatchInput,
    }


@pytest.mark.parametrize("form_class", _input_forms(), ids=lambda f: f.__name__)
def test_input_forms_hold_no_limit_of_their_own(app: Flask, form_class: type[InputForm]) -> None:
    with app.test_request_context():
        form = form_class(meta={"csrf": False})
    own = [
        f"{field.name}: {type(validator).__name__}"
        for field in form
        for validator in field.validators
        if isinstance(validator, LIMITS)
    ]
    assert own == [], "limits belong to the input model"


ROUND_CASES = [
    ({"privacy_k": "1001"}, "privacy_k", "Between 1 and 1000."),
    ({"privacy_k": "0"}, "privacy_k", "Between 1 and 1000."),
    ({"min_votes_for_map": "5000"}, "min_votes_for_map", "Between 1 and 1000."),
    ({"max_statement_length": "2001"}, "max_statement_length", "Between 20 and 2000 characters."),
    ({"title_en": "x" * 201}, "title_en", "At most 200 characters."),
    ({"framing_en": "x" * 20001}, "framing_en", "At most 20000 characters."),
    ({"slug": "a" * 81}, "slug", "At most 80 characters."),
    ({"topic": "Not a topic"}, "topic", "Not a valid choice."),
]


def _round_input(form: dict[str, Any]) -> dict[str, Any]:
    """What the round form hands to the model, for the same typed values."""
    languages = form["languages"]
    return {
        "slug": form["slug"],
        "title": {code: form.get(f"title_{code}", "") for code in languages},
        "question": {code: form.get(f"question_{code}", "") for code in languages},
        "framing": {code: form.get(f"framing_{code}", "") for code in languages},
        "topic": form["topic"],
        "languages": tuple(languages),
        "opens_at": None,
        "closes_at": None,
        "phase": form["phase"],
        "moderation_mode": form["moderation_mode"],
        "max_statement_length": int(form["max_statement_length"]),
        "time_zone": form["time_zone"],
        "privacy_k": int(form["privacy_k"]),
        "min_votes_for_map": int(form["min_votes_for_map"]),
    }


@pytest.mark.parametrize(("overrides", "field", "message"), ROUND_CASES)
def test_the_round_form_and_its_model_refuse_the_same(
    client: FlaskClient, session: Session, overrides: dict[str, Any], field: str, message: str
) -> None:
    sign_in_as(client, make_user(session))
    data = round_data(**overrides)
    response = client.post("/facilitate/rounds/new", data=data)
    assert response.status_code == 422
    assert message in response.text
    assert session.exec(select(Round)).all() == []
    if field == "topic":  # the form's choice list refuses it before the model
        return
    with pytest.raises(FieldInvalid) as refused:
        validate_input(RoundInput, _round_input(data))
    assert refused.value.field == field
    assert str(refused.value.message) == message


def test_problems_across_fields_name_every_field() -> None:
    data = _round_input(round_data(title_fr="", question_fr=""))
    with pytest.raises(ValidationError) as refused:
        RoundInput.model_validate(data)
    assert set(input_problems(refused.value)) == {"title_fr", "question_fr"}


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"population": -1}, "population", "Zero or more."),
        ({"nuts": "frf1", "nuts_year": 1800}, "nuts_year", "A year between 1900 and 2100."),
        ({"wikidata": "90"}, "wikidata", "A Wikidata identifier looks like Q90."),
        ({"names": {"en": "x" * 121}}, "names_en", "At most 120 characters."),
        ({"names": {"en": "Nul\x00"}}, "names_en", "This text holds a character"),
    ],
)
def test_territory_rules_hold_for_every_caller(
    overrides: dict[str, Any], field: str, message: str
) -> None:
    data: dict[str, Any] = {"slug": "kehl", "names": {"en": "Kehl"}} | overrides
    with pytest.raises(FieldInvalid) as refused:
        validate_input(TerritoryInput, data)
    assert refused.value.field == field
    assert str(refused.value.message).startswith(message)


def test_identifiers_are_normalised_by_the_model() -> None:
    territory = validate_input(
        TerritoryInput,
        {"slug": "kehl", "names": {"de": "Kehl"}, "nuts": " de134 ", "nuts_year": 2021},
    )
    assert territory.nuts == "DE134"
    assert (
        validate_input(TerritoryInput, {"slug": "k", "names": {"de": "K"}, "nuts": " "}).nuts
        is None
    )


def test_the_territory_form_shows_the_models_message(client: FlaskClient, session: Session) -> None:
    sign_in_as(client, make_user(session))
    response = client.post(
        "/facilitate/territories/new",
        data={
            "slug": "kehl",
            "kind": "municipality",
            "name_de": "Kehl",
            "population": "-5",
            "population_year": "2020",
        },
    )
    assert response.status_code == 422
    assert "Zero or more." in response.text
    assert session.exec(select(Territory)).all() == []
