"""No count of fewer than k people in any form of a report; no author, account or participant."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from typing import Any

from flask.testing import FlaskClient
from sqlmodel import Session, select

from deliberation.models import Participant
from tests.deliberation.reports.conftest import SmallWorld
from tests.factories import sign_in_as

PEOPLE = {"participants", "voters", "size", "seen", "n"}


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


def test_counts_by_language_hide_small_languages_and_their_complement(
    client: FlaskClient, session: Session, small_world: SmallWorld
) -> None:
    people = session.exec(
        select(Participant).where(Participant.round_id == small_world.round.id)
    ).all()
    for person, language in zip(people, ["de"] * 6 + ["fr"] * 3 + ["en"] * 12, strict=True):
        person.language = language
        session.add(person)
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
