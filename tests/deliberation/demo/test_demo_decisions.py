"""The demo's deciding round has an open Schulze decision and a closed stance decision with a
block and results by territory, their titles written in French and translated, their options
translated; the reported round's decision too."""

from __future__ import annotations

from flask.testing import FlaskClient
from flask_babel import refresh
from sqlmodel import Session, func, select

from deliberation.demo import seed as demo
from deliberation.models import (
    Decision,
    DecisionBallot,
    DecisionOption,
    DecisionStatus,
    DecisionTally,
    Participant,
    Phase,
    Proposal,
    ProposalStatus,
    ReportVersion,
)
from deliberation.services.participation import NOTICE_VERSION
from tests.factories import act_as


def _read_in(client: FlaskClient, language: str) -> None:
    """Switch the interface language (the test's app context caches the locale: refresh it)."""
    client.post("/language", data={"language": language, "next": "/"})
    refresh()


def test_the_deciding_round_has_an_open_and_a_closed_decision(
    session: Session, client: FlaskClient
) -> None:
    created = demo.seed_demo(session, participants=300, seed=7, password="a demo password")
    assert created is not None
    session.commit()
    deciding = created.rounds[Phase.DECIDING].round
    decisions = session.exec(select(Decision).where(Decision.round_id == deciding.id)).all()
    ranked = next(d for d in decisions if d.method == "schulze")
    stance = next(d for d in decisions if d.method == "consent")
    assert ranked.status == DecisionStatus.OPEN
    for decision, count in ((ranked, 4), (stance, 1)):
        linked = session.exec(
            select(Proposal.status, Proposal.round_id)
            .join(DecisionOption, DecisionOption.proposal_id == Proposal.id)
            .where(DecisionOption.decision_id == decision.id)
        ).all()
        assert linked == [(ProposalStatus.SELECTED, deciding.id)] * count, "options are proposals"
    cast = session.exec(select(func.count()).where(DecisionBallot.decision_id == ranked.id)).one()
    assert 150 < cast < 300
    assert stance.status == DecisionStatus.CLOSED
    tally = session.get(DecisionTally, stance.id)
    assert tally is not None
    assert tally.result["passed"] is False
    assert tally.result["explanation"]["blocked"] is True
    assert len(tally.result["territories"]) >= 3
    page = client.get(f"/decisions/{stance.id}/results").get_data(as_text=True)
    assert "The proposal does not pass." in page
    assert "the villages would get nothing" in page
    assert "Its own result" in page

    # A German reader sees the titles and options in German, the originals one click away.
    _read_in(client, "de")
    reader = session.exec(
        select(Participant).where(Participant.round_id == deciding.id).order_by(Participant.id)
    ).first()
    assert reader is not None
    reader.notice_version = NOTICE_VERSION  # the demo's crowd never opened the privacy notice
    act_as(client, reader)
    listing = client.get(f"/r/{deciding.slug}/decisions").text
    assert "Welcher Nachtverkehr soll zuerst finanziert werden?" in listing
    assert "Original auf Französisch" in listing
    ballot = client.get(f"/r/{deciding.slug}/decisions/{ranked.id}").text
    assert (
        '<h1 hx-disable lang="de" dir="auto">Welcher Nachtverkehr soll zuerst finanziert werden?'
        in ballot
    )
    assert "Quel service de nuit financer en premier" in ballot  # the original
    assert "B. Nachtbus Straßburg – Kehl – Offenburg" in ballot
    assert "Original auf Englisch" in ballot
    assert "Tram D all night" not in ballot.split("Original auf Englisch")[0]
    _read_in(client, "es")
    results = client.get(f"/decisions/{stance.id}/results")
    assert "¿Financiar el autobús nocturno Estrasburgo" in results.text
    _read_in(client, "fr")
    french = client.get(f"/r/{deciding.slug}/decisions/{ranked.id}")
    assert "Le tram D toute la nuit les vendredis et samedis" in french.text
    assert "Original en français" not in french.text  # the title is French already

    # The reported round's published report carries its decision's translations.
    reported = created.rounds[Phase.REPORTED].round
    version = session.exec(select(ReportVersion).where(ReportVersion.round_id == reported.id)).one()
    (entry,) = version.document["decisions"]
    assert entry["title"]["lang"] == "fr"
    assert set(entry["title"]["translations"]) == {"de", "en", "es"}
    assert entry["title"]["translations"]["de"] == {
        "value": "Welche Vorschläge soll der Bericht den Räten vorlegen?",
        "method": "human",
        "reviewed": True,
    }
    for option in entry["options"]:
        assert {option["title"]["lang"], *option["title"]["translations"]} == {
            "fr",
            "de",
            "en",
            "es",
        }
    _read_in(client, "de")
    page = client.get(f"/r/{reported.slug}/report").text
    assert (
        '-title" lang="de" dir="auto">Welche Vorschläge soll der Bericht den Räten vorlegen?</h4>'
        in page
    )
    _read_in(client, "en")
    markdown = client.get(f"/r/{reported.slug}/report/v{version.number}/report.md").text
    assert "### Which proposals should the report take to the councils?" in markdown
