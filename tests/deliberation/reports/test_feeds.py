"""The Atom feeds: one per public round and one for the site, announcing phase changes,
published report versions and council answers; well-formed, escaped, nobody named."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from flask.testing import FlaskClient
from sqlmodel import Session

from deliberation.demo.seed import Demo
from deliberation.models import Phase, ReportVersion
from deliberation.models.council_inputs import CouncilResponseInput
from deliberation.services.council_responses import record_response
from deliberation.services.round_admin import change_phase
from tests.factories import make_council, make_outcome, make_round, make_user

ATOM = "{http://www.w3.org/2005/Atom}"


def _entries(client: FlaskClient, url: str) -> list[ET.Element]:
    answer = client.get(url, headers={"Accept-Language": "en"})
    assert answer.status_code == 200
    assert answer.mimetype == "application/atom+xml"
    feed = ET.fromstring(answer.data)
    assert feed.tag == f"{ATOM}feed"
    assert feed.find(f"{ATOM}updated") is not None
    return feed.findall(f"{ATOM}entry")


def _titles(entries: list[ET.Element]) -> list[str]:
    return [entry.findtext(f"{ATOM}title") or "" for entry in entries]


def test_the_round_feed_announces_phases_publications_and_answers(
    client: FlaskClient, demo_world: Demo, published: ReportVersion
) -> None:
    round_ = demo_world.rounds[Phase.REPORTED].round
    entries = _entries(client, f"/r/{round_.slug}/feed.atom")
    ids = [entry.findtext(f"{ATOM}id") or "" for entry in entries]
    assert len(set(ids)) == len(ids)
    kinds = {i.rsplit(":", 1)[1].split("-")[0] for i in ids}
    assert kinds == {"report", "response"}
    titles = _titles(entries)
    assert any("report version 1 published" in t for t in titles)
    assert any(t.startswith("Kehl Town Council: Under review") for t in titles)
    links = [e.find(f"{ATOM}link").get("href") for e in entries]  # type: ignore[union-attr]
    assert all(link and link.startswith("http") for link in links)
    body = client.get(f"/r/{round_.slug}/feed.atom").text
    assert demo_world.facilitator.email not in body
    # Newest first.
    updated = [e.findtext(f"{ATOM}updated") or "" for e in entries]
    assert updated == sorted(updated, reverse=True)


def test_phase_changes_are_announced_from_the_audit_log(
    client: FlaskClient, session: Session
) -> None:
    facilitator = make_user(session)
    round_ = make_round(session, phase=Phase.OPEN, facilitators=[facilitator])
    change_phase(session, round_=round_, user=facilitator, phase=Phase.DRAFTING)
    session.commit()
    entries = _entries(client, f"/r/{round_.slug}/feed.atom")
    assert _titles(entries) == [f"{round_.text('title', 'en')}: now Drafting proposals"]
    assert "phase-" in (entries[0].findtext(f"{ATOM}id") or "")


def test_the_site_feed_covers_every_public_round_and_no_draft(
    client: FlaskClient, session: Session, demo_world: Demo, published: ReportVersion
) -> None:
    draft = make_round(session, phase=Phase.DRAFT)
    assert client.get(f"/r/{draft.slug}/feed.atom").status_code == 404
    entries = _entries(client, "/feed.atom")
    titles = " ".join(_titles(entries))
    assert demo_world.rounds[Phase.REPORTED].round.text("title", "en") in titles
    assert draft.text("title", "en") not in titles
    page = client.get("/")
    assert 'type="application/atom+xml"' in page.text


def test_feed_texts_are_escaped(client: FlaskClient, session: Session) -> None:
    council = make_council(session, names={"en": "<b>Council</b> & co"})
    outcome = make_outcome(session, councils=[council], title="Trees <script>alert(1)</script>")
    record_response(
        session,
        council=council,
        outcome_id=outcome.id or 0,
        fields=CouncilResponseInput(decision="accepted", reason="Yes ]]> <i>really</i>"),
        actor=make_user(session),
    )
    session.commit()
    answer = client.get("/feed.atom", headers={"Accept-Language": "en"})
    assert "<script>" not in answer.text
    assert "<i>really</i>" not in answer.text
    entries = ET.fromstring(answer.data).findall(f"{ATOM}entry")
    [response] = [e for e in entries if "response-" in (e.findtext(f"{ATOM}id") or "")]
    assert response.findtext(f"{ATOM}summary") == "Yes ]]> <i>really</i>"
    assert "<script>alert(1)</script>" in (response.findtext(f"{ATOM}title") or "")
