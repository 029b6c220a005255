"""No count of fewer than k people in any form of a report; no author, account or participant."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlmodel import Session, col, select

from deliberation.clock import utcnow
from deliberation.decisions.counting import store_tally
from deliberation.decisions.service import close_decision, open_decision
from deliberation.models import DecisionBallot, Participant, Vote
from tests.deliberation.reports.conftest import SmallWorld
from tests.factories import make_decision, sign_in_as

PEOPLE = {"participants", "voters", "size", "seen", "n", "ballots"}


def _people_counts(value: Any, path: str = "") -> Iterator[tuple[str, int]]:
    """Every count of people in a document: (its path, its value)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in PEOPLE and isinstance(item, int) and not isinstance(item, bool):
                yield f"{path}/{key}", item
            else:
                yield from _people_counts(item, f"{path}/{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _people_counts(item, f"{path}/{index}")


def _publish(client: FlaskClient, world: SmallWorld) -> dict[str, Any]:
    sign_in_as(client, world.facilitator)
    client.post(
        f"/facilitate/rounds/{world.round.id}/outcomes",
        data={
            "kind": "minority_report",
            "language": "en",
            "title": "Not everyone wants cars out",
            "text": "Half of Grandville disagrees.",
            "statement_ids": [str(s.id) for s in world.statements[1:3]],
        },
    )
    assert client.post(f"/facilitate/rounds/{world.round.id}/publish").status_code == 303
    document: dict[str, Any] = client.get(
        f"/r/{world.round.slug}/report/v1/outcome.json"
    ).get_json()
    return document


def test_no_count_under_k_in_the_document(client: FlaskClient, small_world: SmallWorld) -> None:
    document = _publish(client, small_world)
    k = document["privacy"]["k"]
    assert k == 5
    small = [(path, n) for path, n in _people_counts(document) if 0 < n < k]
    assert small == []
    village = next(r for r in document["participation"] if r["territory"] == "ter:petitbourg")
    assert village == {
        "territory": "ter:petitbourg",
        "participants": None,
        "voters": None,
        "statements_submitted": None,
        "votes_cast": None,
        "rate_per_1000": None,
        "suppressed": True,
    }
    town = next(r for r in document["participation"] if r["territory"] == "ter:grandville")
    assert (town["participants"], town["rate_per_1000"]) == (12, 0.5)
    [outcome] = document["outcomes"]
    village_support = next(
        r for r in outcome["territory_support"] if r["territory"] == "ter:petitbourg"
    )
    assert village_support["suppressed"]
    assert village_support["n"] is None
    # Authors: the town's statement carries its territory, the village's does not.
    authors = {s["text"]["value"]: s["author_territory"] for s in document["statements"]}
    assert authors[small_world.statements[2].text] == "ter:grandville"
    assert authors[small_world.statements[3].text] is None
    assert authors[small_world.statements[0].text] is None
    assert document["privacy"]["personal_data"] == "none"
    assert small_world.facilitator.email not in str(document)


def test_no_count_under_k_on_the_page_or_in_the_files(
    client: FlaskClient, small_world: SmallWorld
) -> None:
    document = _publish(client, small_world)
    slug = small_world.round.slug
    page = client.get(f"/r/{slug}/report/v1", headers={"Accept-Language": "en"}).text
    assert 'data-figure="participation/ter:petitbourg/participants" data-suppressed="true"' in page
    assert "fewer than 5" in page
    rows = list(
        csv.DictReader(
            io.StringIO(client.get(f"/r/{slug}/report/v1/outcomes_by_territory.csv").text)
        )
    )
    village = [row for row in rows if row["territory_id"] == "ter:petitbourg"]
    assert village
    assert all(row["n"] == "" and row["agree_rate"] == "" for row in village)
    assert all(row["n"] == "" or int(row["n"]) >= 5 for row in rows)
    markdown = client.get(f"/r/{slug}/report/v1/report.md", headers={"Accept-Language": "en"}).text
    assert "| Petitbourg | fewer than 5 | fewer than 5 | fewer than 5 | fewer than 5 |" in markdown
    assert document["outcomes"][0]["id"] in markdown
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/r/{slug}/report/v1/polis.zip").data))
    comments = list(csv.DictReader(io.StringIO(archive.read("comments.csv").decode())))
    assert {row["author-id"] for row in comments} == {""}
    participants = list(
        csv.DictReader(io.StringIO(archive.read("participants-votes.csv").decode()))
    )
    assert {row["territory"] for row in participants} == {"grandville", ""}


def test_counts_by_language_hide_small_languages_and_their_complement(
    client: FlaskClient, session: Session, small_world: SmallWorld
) -> None:
    people = session.exec(
        select(Participant).where(Participant.round_id == small_world.round.id)
    ).all()
    for person, language in zip(people, ["de"] * 6 + ["fr"] * 3 + ["en"] * 12, strict=True):
        for vote in session.exec(select(Vote).where(Vote.participant_id == person.id)):
            vote.language = language
            session.add(vote)
    session.commit()
    document = _publish(client, small_world)
    first = next(
        s for s in document["statements"] if s["text"]["value"] == small_world.statements[0].text
    )
    by_language = first["counts"]["by_language"]
    # English readers: the last three of the town, the middle town, the village.
    assert by_language["en"] == {
        "agree": 10,
        "disagree": 1,
        "pass": 1,
        "seen": 12,
        "suppressed": False,
    }
    hidden = {"agree": None, "disagree": None, "pass": None, "seen": None, "suppressed": True}
    assert by_language["fr"] == hidden
    assert by_language["de"] == hidden


def test_decisions_hide_small_territories_and_small_counts(
    client: FlaskClient, session: Session, small_world: SmallWorld
) -> None:
    """A stance decision: the village's 3 ballots are hidden with their complement (the
    middle town), and so is every stance count of fewer than k people, with its complements."""
    round_ = small_world.round
    decision = make_decision(session, round_, method="consent", options=["Trees"])
    now = utcnow()
    open_decision(session, decision=decision, now=now - timedelta(hours=2))
    people = session.exec(
        select(Participant).where(Participant.round_id == round_.id).order_by(col(Participant.id))
    ).all()
    stances = ["agree"] * 9 + ["disagree"] * 3 + ["agree"] * 6 + ["agree", "block", "agree"]
    session.add_all(
        DecisionBallot(
            decision_id=decision.id or 0,
            participant_id=person.id or 0,
            territory_id=person.territory_id,
            choice={"stance": stance, "reason": "No."} if stance == "block" else {"stance": stance},
        )
        for person, stance in zip(people, stances, strict=True)
    )
    session.flush()
    close_decision(session, decision=decision, round_=round_, now=now - timedelta(hours=1))
    store_tally(session, decision)
    session.commit()
    document = _publish(client, small_world)
    [entry] = document["decisions"]
    results = {r["group_id"]: r for r in entry["group_results"]}
    assert results["all"]["ballots"] == 21
    assert results["ter:grandville"]["ballots"] == 12
    for hidden in ("ter:petitbourg", "ter:moyenville"):
        assert results[hidden] == {
            "group_id": hidden,
            "ballots": None,
            "result": None,
            "suppressed": True,
        }
    counts = {(c["group_id"], c["option"]): c["value"] for c in entry["counts"]}
    assert counts[("all", "agree")] == 17
    assert counts[("all", "block")] is None  # one person
    # Grandville: 9 agree, 3 disagree. The 3 are hidden, and the 9 with them (the row adds
    # up to the 12 ballots shown); the zeros stay.
    assert counts[("ter:grandville", "disagree")] is None
    assert counts[("ter:grandville", "agree")] is None
    assert counts[("ter:grandville", "abstain")] == 0
    assert all(value is None or value == 0 or value >= 5 for value in counts.values())
    page = client.get(f"/r/{round_.slug}/report/v1", headers={"Accept-Language": "en"}).text
    figure = f'data-figure="decisions/{entry["id"]}/ballots/ter:petitbourg" data-suppressed="true"'
    assert figure in page
