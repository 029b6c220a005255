"""Facilitators set up decisions: the settings form from the registry, options, opening with
the committed seed, authorization."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session, select

from deliberation.decisions.methods import AUTOMATIC_SETTINGS, METHOD_NAMES, SETTING_LABELS
from deliberation.models import (
    Decision,
    DecisionOption,
    DecisionStatus,
    Phase,
    ProposalStatus,
    Translation,
)
from deliberation.models.proposals import MAX_TEXT
from tests.deliberation.test_facilitate_rounds import SKIPPED, field_error
from tests.factories import (
    act_as,
    make_decision,
    make_participant,
    make_proposal,
    make_round,
    make_statement,
    make_territory,
    make_translation,
    make_user,
    sign_in_as,
)
from voting.methods import REGISTRY


def decision_form(**overrides: str) -> dict[str, str]:
    data = {
        "method": "schulze",
        "title": "Which project first?",
        "eligibility": "joined",
        "opens_at": "",
        "closes_at": "2030-07-01T18:00",
        "setting_strength": "margin",
        "setting_weighting": "none",
        "setting_min_territory_ballots": "0",
        "setting_quorum_ballots": "0",
        "setting_quorum_share": "0",
    }
    data.update(overrides)
    return data


def test_every_registry_method_and_setting_has_a_translatable_label() -> None:
    assert set(METHOD_NAMES) == set(REGISTRY)
    for spec in REGISTRY.values():
        for setting in spec.settings:
            assert setting.name in SETTING_LABELS or setting.name in AUTOMATIC_SETTINGS


def test_a_facilitator_creates_a_decision_from_the_registry_form(
    client: FlaskClient, session: Session
) -> None:
    user = make_user(session)
    round_ = make_round(session, facilitators=[user], time_zone="Europe/Paris")
    sign_in_as(client, user)
    page = client.get(f"/facilitate/rounds/{round_.id}/decisions/new?method=consent")
    assert page.status_code == 200
    assert 'name="setting_territory_threshold"' in page.get_data(as_text=True)
    response = client.post(f"/facilitate/rounds/{round_.id}/decisions/new", data=decision_form())
    assert response.status_code == 303
    decision = session.exec(select(Decision)).one()
    assert decision.method == "schulze"
    assert decision.live_results is False
    assert decision.receipts is False
    edited = client.post(
        f"/facilitate/decisions/{decision.id}/edit",
        data=decision_form(live_results="true", receipts="true"),
    )
    assert edited.status_code == 303
    session.refresh(decision)
    assert decision.live_results is True
    assert decision.receipts is True
    assert decision.settings["strength"] == "margin"
    assert decision.settings["quorum_share"] == "0"
    # 18:00 in Paris in July is 16:00 UTC.
    assert decision.closes_at is not None
    assert decision.closes_at.hour == 16


def test_settings_out_of_the_registry_bounds_rerender_and_store_nothing(
    client: FlaskClient, session: Session
) -> None:
    user = make_user(session)
    round_ = make_round(session, facilitators=[user])
    sign_in_as(client, user)
    for data in (
        decision_form(setting_quorum_share="3/2"),
        decision_form(setting_quorum_ballots="-1"),
        decision_form(setting_strength="loudest"),
        decision_form(
            method="score", setting_scale_min="5", setting_scale_max="1", setting_strength=""
        ),
        decision_form(title="   "),
        decision_form(closes_at="tomorrow"),
        decision_form(opens_at="2030-07-02T18:00"),
        decision_form(closes_at="9999-01-01T00:00"),
        decision_form(title="Nul\x00"),
        decision_form(title="x" * 201),
        decision_form(eligibility="everyone"),
    ):
        response = client.post(f"/facilitate/rounds/{round_.id}/decisions/new", data=data)
        assert response.status_code == 422, data
        assert 'aria-invalid="true"' in response.get_data(as_text=True)
    early = decision_form(opens_at="2030-07-02T18:00")
    page = client.post(f"/facilitate/rounds/{round_.id}/decisions/new", data=early).text
    assert "The closing time must come after the opening time." in page
    assert session.exec(select(Decision)).all() == []


@pytest.mark.parametrize("name", ["opens_at", "closes_at"])
def test_decision_times_the_clocks_skip_are_refused_and_those_shown_twice_are_the_first(
    client: FlaskClient, session: Session, name: str
) -> None:
    """Decision times are typed in the round's zone, with the round form's rules: 02:30 on 29
    March 2026 does not exist in Paris; 02:30 on 25 October 2026 is its first occurrence."""
    user = make_user(session)
    round_ = make_round(session, facilitators=[user], time_zone="Europe/Paris")
    sign_in_as(client, user)
    times = {"opens_at": "2030-03-20T09:00", "closes_at": "2030-04-20T09:00"}
    url = f"/facilitate/rounds/{round_.id}/decisions/new"
    refused = client.post(url, data=decision_form(**{**times, name: "2026-03-29T02:30"}))
    assert refused.status_code == 422
    assert field_error(refused.text, name).startswith(SKIPPED)
    assert session.exec(select(Decision)).all() == []
    ambiguous = {"opens_at": "2026-10-25T02:30", "closes_at": "2030-04-20T09:00"}
    assert client.post(url, data=decision_form(**ambiguous)).status_code == 303
    decision = session.exec(select(Decision)).one()
    assert decision.opens_at == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    edited = client.post(
        f"/facilitate/decisions/{decision.id}/edit",
        data=decision_form(**{**times, name: "2026-03-29T02:30"}),
    )
    assert edited.status_code == 422
    assert field_error(edited.text, name).startswith(SKIPPED)
    session.refresh(decision)
    assert decision.opens_at == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_population_weighting_needs_every_population(client: FlaskClient, session: Session) -> None:
    user = make_user(session)
    round_ = make_round(session, facilitators=[user], territories=[make_territory(session)])
    sign_in_as(client, user)
    response = client.post(
        f"/facilitate/rounds/{round_.id}/decisions/new",
        data=decision_form(setting_weighting="sqrt_population"),
    )
    assert response.status_code == 422
    assert session.exec(select(Decision)).all() == []


def test_only_the_rounds_facilitators_manage_its_decisions(
    client: FlaskClient, session: Session
) -> None:
    owner, other = make_user(session), make_user(session)
    round_ = make_round(session, facilitators=[owner])
    decision = make_decision(session, round_, options=["Parc", "Piscine"])
    sign_in_as(client, other)
    assert client.get(f"/facilitate/decisions/{decision.id}").status_code == 403
    assert client.post(f"/facilitate/decisions/{decision.id}/open").status_code == 403
    response = client.post(f"/facilitate/rounds/{round_.id}/decisions/new", data=decision_form())
    assert response.status_code == 403
    session.refresh(decision)
    assert decision.status == DecisionStatus.DRAFT


def test_options_are_added_removed_and_frozen_at_opening(
    client: FlaskClient, session: Session
) -> None:
    user = make_user(session)
    round_ = make_round(session, facilitators=[user], phase=Phase.DECIDING)
    decision = make_decision(session, round_)
    sign_in_as(client, user)
    url = f"/facilitate/decisions/{decision.id}"
    for title in ("Parc", "Piscine", "Ombre"):
        assert (
            client.post(f"{url}/options", data={"title": title, "text": "*x*"}).status_code == 303
        )
    duplicate = client.post(f"{url}/options", data={"title": "Parc"})
    assert duplicate.status_code == 422
    bad_proposal = client.post(f"{url}/options", data={"title": "Lac", "proposal_id": "x"})
    assert bad_proposal.status_code == 422
    for too_long in ({"title": "L" * 201}, {"title": "Lac", "text": "x" * (MAX_TEXT + 1)}):
        refused = client.post(f"{url}/options", data=too_long)
        assert refused.status_code == 422
        assert "at most" in refused.text
    options = session.exec(select(DecisionOption).order_by(DecisionOption.label)).all()
    assert [(o.label, o.title) for o in options] == [
        ("A", "Parc"),
        ("B", "Piscine"),
        ("C", "Ombre"),
    ]
    assert (
        client.post(f"{url}/options/{options[2].id}/remove", data={"confirmed": "yes"}).status_code
        == 303
    )
    assert client.post(f"{url}/open").status_code == 303
    late = client.post(f"{url}/options", data={"title": "Lac"})
    assert late.status_code == 409
    assert len(session.exec(select(DecisionOption)).all()) == 2


def test_opening_commits_to_the_seed_and_hides_it_until_close(
    client: FlaskClient, session: Session
) -> None:
    user = make_user(session)
    round_ = make_round(session, facilitators=[user], phase=Phase.DECIDING)
    decision = make_decision(session, round_, options=["Parc", "Piscine"])
    sign_in_as(client, user)
    assert client.post(f"/facilitate/decisions/{decision.id}/open").status_code == 303
    session.refresh(decision)
    assert decision.status == DecisionStatus.OPEN
    assert decision.seed_hex is not None
    assert len(decision.seed_hex) == 64
    int(decision.seed_hex, 16)
    assert decision.seed_sha256 == hashlib.sha256(decision.seed_hex.encode("ascii")).hexdigest()
    page = client.get(f"/facilitate/decisions/{decision.id}").get_data(as_text=True)
    assert decision.seed_sha256 in page
    assert decision.seed_hex not in page
    results = client.get(f"/decisions/{decision.id}/results").get_data(as_text=True)
    assert decision.seed_hex not in results
    assert client.post(f"/facilitate/decisions/{decision.id}/open").status_code == 409


def test_a_decision_needs_its_options_to_open(client: FlaskClient, session: Session) -> None:
    user = make_user(session)
    round_ = make_round(session, facilitators=[user], phase=Phase.DECIDING)
    ranked = make_decision(session, round_, options=["Parc"])
    stance = make_decision(session, round_, method="consent", options=[])
    sign_in_as(client, user)
    assert client.post(f"/facilitate/decisions/{ranked.id}/open").status_code == 409
    assert client.post(f"/facilitate/decisions/{stance.id}/open").status_code == 409
    for title in ("Parc", "Piscine"):
        client.post(f"/facilitate/decisions/{stance.id}/options", data={"title": title})
    assert (
        len(
            session.exec(
                select(DecisionOption).where(DecisionOption.decision_id == stance.id)
            ).all()
        )
        == 1
    )
    assert client.post(f"/facilitate/decisions/{stance.id}/open").status_code == 303


def test_options_come_from_selected_proposals_with_their_statements(
    client: FlaskClient, session: Session
) -> None:
    """A selected proposal becomes an option with its title and text; a proposal of another
    round or not selected is refused; the ballot shows the statements it answers, translated
    for the reader, and leaves rejected ones out."""
    user = make_user(session)
    round_ = make_round(session, facilitators=[user], phase=Phase.DECIDING)
    heat = make_statement(
        session, round_, text="Les cours d'école sont trop chaudes.", language="fr"
    )
    make_translation(session, heat, language="en", text="Schoolyards are too hot.")
    hidden = make_statement(session, round_, text="Rejected words", status="rejected")
    chosen = make_proposal(
        session, round_, title="Shade", text="Trees *now*.", statements=[heat, hidden]
    )
    chosen.status = ProposalStatus.SELECTED
    draft = make_proposal(session, round_, title="Draft idea")
    elsewhere = make_proposal(session, make_round(session), title="Elsewhere")
    elsewhere.status = ProposalStatus.SELECTED
    session.add_all([chosen, elsewhere])
    session.commit()
    decision = make_decision(session, round_, options=["Pools"])
    sign_in_as(client, user)
    url = f"/facilitate/decisions/{decision.id}"
    page = client.get(url)
    assert "Shade" in page.text
    assert "Draft idea" not in page.text
    assert "Elsewhere" not in page.text
    for refused in (draft, elsewhere):
        answer = client.post(f"{url}/options", data={"proposal_id": str(refused.id)})
        assert answer.status_code == 422
        assert "selected in drafting" in answer.text
    assert client.post(f"{url}/options", data={"proposal_id": str(chosen.id)}).status_code == 303
    option = session.exec(select(DecisionOption).where(DecisionOption.title == "Shade")).one()
    assert (option.text, option.proposal_id) == ("Trees *now*.", chosen.id)
    assert client.post(f"{url}/open").status_code == 303

    act_as(client, make_participant(session, round_))
    ballot = client.get(f"/r/{round_.slug}/decisions/{decision.id}")
    assert ballot.status_code == 200
    assert "Schoolyards are too hot." in ballot.text
    assert "Original in French" in ballot.text
    assert "Rejected words" not in ballot.text
    assert "<em>now</em>" in ballot.text


def test_option_translations_show_in_the_readers_language(
    client: FlaskClient, session: Session
) -> None:
    """A facilitator translates a draft option; readers of that language see the translation
    on the ballot; bad translations
    re-render with 422 and store nothing."""
    user = make_user(session)
    round_ = make_round(session, facilitators=[user], phase=Phase.DECIDING, languages=["de", "en"])
    decision = make_decision(session, round_, options=["Schattenbäume", "Freibad"])
    options = session.exec(select(DecisionOption).order_by(DecisionOption.label)).all()
    options[0].text = "Bäume *jetzt*."
    session.add(options[0])
    session.commit()
    sign_in_as(client, user)
    url = f"/facilitate/decisions/{decision.id}/options/{options[0].id}/translations"
    page = client.get(f"/facilitate/decisions/{decision.id}")
    own_language = '<input type="hidden" name="language" value="de">'
    assert '<input type="hidden" name="language" value="en">' in page.text
    assert own_language not in page.text

    for data in (
        {"language": "de", "translation_title": "X", "translation_text": "Y"},
        {"language": "en", "translation_title": "Shade trees", "translation_text": ""},
        {"language": "en", "translation_title": "Shade", "translation_text": "x" * (MAX_TEXT + 1)},
    ):
        answer = client.post(url, data=data)
        assert answer.status_code == 422
    assert session.exec(select(Translation)).all() == []

    saved = client.post(
        url,
        data={
            "language": "en",
            "translation_title": "Shade trees",
            "translation_text": "Trees *now*.",
        },
    )
    assert saved.status_code == 303
    assert "Shade trees" in client.get(f"/facilitate/decisions/{decision.id}").text
    assert client.post(f"/facilitate/decisions/{decision.id}/open").status_code == 303
    assert client.post(url, data={"language": "en"}).status_code == 409  # frozen

    act_as(client, make_participant(session, round_))
    ballot = client.get(f"/r/{round_.slug}/decisions/{decision.id}")
    assert "A. Shade trees" in ballot.text
    assert "Trees <em>now</em>." in ballot.text
    assert "B. Freibad" in ballot.text
    # The original one click away (a <details>, no JavaScript), only for the translated option.
    assert ballot.text.count("Original in German") == 1
    original = ballot.text.split("Original in German", 1)[1].split("</details>", 1)[0]
    assert '<div lang="de" dir="auto" hx-disable>' in original
    assert "<strong>Schattenbäume</strong>" in original
    assert "Bäume <em>jetzt</em>." in original
