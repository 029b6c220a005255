"""The demo's reported round: outcomes addressed to the Strasbourg and Kehl councils, and a
published version that ``make run`` shows."""

from __future__ import annotations

from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from deliberation.demo.seed import Demo
from deliberation.models import Council, Outcome, Phase, ReportVersion, Round
from deliberation.reports.publishing import publish_report
from tests.factories import bearer, make_outcome, make_token


def test_the_demo_publishes_outcomes_to_strasbourg_and_kehl(
    client: FlaskClient, session: Session, demo_world: Demo, published: ReportVersion
) -> None:
    reported = demo_world.rounds[Phase.REPORTED].round
    outcomes = session.exec(select(Outcome).where(Outcome.round_id == reported.id)).all()
    assert {o.kind for o in outcomes} == {
        "recommendation",
        "question_to_council",
        "minority_report",
    }
    territories = {c["territory"] for c in published.document["councils"]}
    assert territories == {"ter:strasbourg", "ter:kehl"}
    levels = {o["type"]: o["support"]["level"] for o in published.document["outcomes"]}
    assert levels["recommendation"] == "strong"
    assert levels["minority_report"] == "contested"
    minority = next(o for o in published.document["outcomes"] if o["type"] == "minority_report")
    assert minority["dissent"]
    page = client.get(f"/r/{reported.slug}/report")
    assert page.status_code == 200
    assert "Strasbourg City Council" in page.text


def test_the_demo_command_names_the_report(app: Flask, session: Session) -> None:
    result = CliRunner().invoke(
        app.cli, ["demo", "seed", "--participants", "60"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    reported = session.exec(select(Round).where(Round.phase == Phase.REPORTED)).one()
    assert f"/r/{reported.slug}/report" in result.output
    assert session.exec(select(ReportVersion)).one().number == 1
    assert len(session.exec(select(Council)).all()) == 2


def test_the_demo_report_shows_proposals_decisions_and_a_later_answer(
    client: FlaskClient, session: Session, demo_world: Demo, published: ReportVersion
) -> None:
    """Version 1 holds the proposals and the counted decision; the council answer came after
    it, so the page shows it outside the frozen document, and version 2 carries it."""
    reported = demo_world.rounds[Phase.REPORTED].round
    document = published.document
    assert [p["status"] for p in document["proposals"]] == ["selected"] * 3
    [decision] = document["decisions"]
    assert decision["method"] == "approval"
    assert {r["group_id"] for r in decision["group_results"]} == {
        "all",
        "ter:strasbourg",
        "ter:kehl",
        "ter:ortenaukreis",
    }
    recommendation = next(o for o in document["outcomes"] if o["type"] == "recommendation")
    assert recommendation["derived_from"]["decisions"] == [decision["id"]]
    assert len(recommendation["derived_from"]["proposals"]) == 2
    assert document["council_responses"] == []
    assert recommendation["title"]["lang"] == "fr"
    assert recommendation["title"]["translations"]["de"]["method"] == "human"
    page = client.get(f"/r/{reported.slug}/report/v1", headers={"Accept-Language": "en"}).text
    frozen, later = page.split('id="responses-since-publication"')
    assert "Kehl Town Council" in later
    assert "Umweltausschuss" in later
    assert "Umweltausschuss" not in frozen
    assert "Eine zweisprachige Auenschule" in frozen
    api = client.get(f"/api/v1/rounds/rnd:{reported.slug}/reports/1/later-responses").get_json()
    assert [item["council"] for item in api["items"]] == ["cnl:kehl-gemeinderat"]
    second = publish_report(session, round_=reported, user=demo_world.facilitator, commit="t")
    session.commit()
    [carried] = second.document["council_responses"]
    assert carried["council"] == "cnl:kehl-gemeinderat"
    assert carried["decision"] == "under_review"
    assert carried["reason"]["lang"] == "de"
    page = client.get(f"/r/{reported.slug}/report/v2", headers={"Accept-Language": "en"}).text
    assert 'id="responses-since-publication"' not in page
    assert "Umweltausschuss" in page
    api = client.get(f"/api/v1/rounds/rnd:{reported.slug}/reports/2/later-responses").get_json()
    assert api["items"] == []


def test_tokens_read_the_published_outcomes(
    client: FlaskClient, session: Session, demo_world: Demo, published: ReportVersion
) -> None:
    reported = demo_world.rounds[Phase.REPORTED].round
    token = bearer(make_token(session))
    url = f"/api/v1/rounds/rnd:{reported.slug}/outcomes"
    listed = client.get(url, headers=token).get_json()
    assert listed["items"] == published.document["outcomes"]
    assert listed["total"] == len(published.document["outcomes"])
    first = client.get(f"{url}?per_page=1", headers=token).get_json()
    assert first["items"] == published.document["outcomes"][:1]
    assert first["next"].endswith(f"{url}?page=2&per_page=1")
    entry = published.document["outcomes"][1]
    assert client.get(f"/api/v1/outcomes/{entry['id']}", headers=token).get_json() == entry
    open_round = demo_world.rounds[Phase.OPEN].round
    assert (
        client.get(f"/api/v1/rounds/rnd:{open_round.slug}/outcomes", headers=token).get_json()[
            "items"
        ]
        == []
    )
    draft = make_outcome(session, round_=reported)
    unpublished = client.get(f"/api/v1/outcomes/out:{draft.id}", headers=token)
    assert unpublished.status_code == 404
    assert unpublished.get_json()["error"]["code"] == "not_found"
