"""Publishing freezes versions: checksum, permalinks, comparison, the phase change."""

from __future__ import annotations

import json

from flask.testing import FlaskClient
from flask_babel import refresh
from sqlmodel import Session, select

from deliberation.models import AuditAction, AuditEntry, OpinionSnapshot, Phase, ReportVersion
from deliberation.reports.canonical import canonical_json, sha256
from tests.deliberation.reports.conftest import SmallWorld
from tests.factories import sign_in_as


def _write_outcome(client: FlaskClient, world: SmallWorld, title: str) -> None:
    answer = client.post(
        f"/facilitate/rounds/{world.round.id}/outcomes",
        data={
            "kind": "recommendation",
            "language": "en",
            "title": title,
            "text": "Plant trees.",
            "statement_ids": [str(world.statements[0].id), str(world.statements[1].id)],
        },
    )
    assert answer.status_code == 303


def _publish(client: FlaskClient, world: SmallWorld) -> str:
    answer = client.post(f"/facilitate/rounds/{world.round.id}/publish")
    assert answer.status_code == 303
    return answer.headers["Location"]


def test_publishing_freezes_a_version_and_reports_the_round(
    client: FlaskClient, session: Session, small_world: SmallWorld
) -> None:
    sign_in_as(client, small_world.facilitator)
    _write_outcome(client, small_world, "Trees first")
    location = _publish(client, small_world)
    slug = small_world.round.slug
    assert location.endswith(f"/r/{slug}/report/v1")
    version = session.exec(select(ReportVersion)).one()
    assert version.number == 1
    assert version.published_by_id == small_world.facilitator.id
    assert version.document["package_id"] == version.id
    assert version.sha256 == sha256(version.document)
    session.refresh(small_world.round)
    assert small_world.round.phase == Phase.REPORTED
    actions = session.exec(
        select(AuditEntry.action, AuditEntry.details).where(
            AuditEntry.round_id == small_world.round.id
        )
    ).all()
    assert (AuditAction.ROUND_PHASE, {"phase": ["closed", "reported"], "by": "publication"}) in [
        (a, d) for a, d in actions
    ]
    assert (AuditAction.REPORT_PUBLISH, {"version": 1, "sha256": version.sha256}) in [
        (a, d) for a, d in actions
    ]
    # The JSON form, read back by anyone, has the published checksum over its canonical form.
    anonymous = client.application.test_client()
    served = anonymous.get(f"/r/{slug}/report/v1/outcome.json")
    assert served.status_code == 200
    assert served.headers["Cache-Control"].startswith("public")
    assert served.headers["ETag"]
    assert sha256(json.loads(served.data)) == version.sha256
    again = anonymous.get(
        f"/r/{slug}/report/v1/outcome.json", headers={"If-None-Match": served.headers["ETag"]}
    )
    assert again.status_code == 304
    # Forms written in the reader's language are one representation per language (``refresh``:
    # the test's app context outlives each request, and with it Babel's chosen locale).
    for form in ("report.md", "outcomes_by_territory.csv"):
        refresh()
        english = anonymous.get(f"/r/{slug}/report/v1/{form}", headers={"Accept-Language": "en"})
        refresh()
        french = anonymous.get(
            f"/r/{slug}/report/v1/{form}",
            headers={"Accept-Language": "fr", "If-None-Match": english.headers["ETag"]},
        )
        assert french.status_code == 200, form
        assert french.headers["Content-Language"] == "fr"
        assert french.headers["ETag"] != english.headers["ETag"]
        assert {"Accept-Language", "Cookie"} <= set(french.headers["Vary"].split(", "))
        if form == "report.md":
            assert english.data != french.data, "its headings are in the reader's language"


def test_publishing_again_makes_a_new_version_and_keeps_the_old(
    client: FlaskClient, session: Session, small_world: SmallWorld
) -> None:
    sign_in_as(client, small_world.facilitator)
    _write_outcome(client, small_world, "Trees first")
    _publish(client, small_world)
    first = session.exec(select(ReportVersion)).one()
    frozen = canonical_json(first.document)
    _write_outcome(client, small_world, "Fountains at night")
    assert _publish(client, small_world).endswith("/report/v2")
    session.expire_all()
    versions = session.exec(select(ReportVersion).order_by(ReportVersion.number)).all()
    assert [v.number for v in versions] == [1, 2]
    assert canonical_json(versions[0].document) == frozen
    assert [o["title"]["value"] for o in versions[1].document["outcomes"]] == [
        "Trees first",
        "Fountains at night",
    ]
    slug = small_world.round.slug
    assert "Fountains at night" not in client.get(f"/r/{slug}/report/v1").text
    assert "Fountains at night" in client.get(f"/r/{slug}/report").text
    compared = client.get(f"/r/{slug}/report/compare?from=1&to=2")
    assert compared.status_code == 200
    assert 'class="diff-added"' in compared.text
    assert "Fountains at night" in compared.text
    # A phase change entry is written once: the round was already reported the second time.
    phases = session.exec(
        select(AuditEntry).where(AuditEntry.action == AuditAction.ROUND_PHASE)
    ).all()
    assert len(phases) == 1


def test_unknown_versions_and_bad_comparisons_are_clear_errors(
    client: FlaskClient, small_world: SmallWorld
) -> None:
    slug = small_world.round.slug
    assert client.get(f"/r/{slug}/report").status_code == 404
    sign_in_as(client, small_world.facilitator)
    _publish(client, small_world)
    assert client.get(f"/r/{slug}/report/v2").status_code == 404
    assert client.get(f"/r/{slug}/report/v0").status_code == 404
    assert client.get(f"/r/{slug}/report/compare?from=1").status_code == 422
    assert client.get(f"/r/{slug}/report/compare?from=1&to=9").status_code == 404
    assert (
        client.get(f"/r/{slug}/report/v1/outcomes.decidim-accountability.nope.csv").status_code
        == 404
    )


def test_a_round_without_an_opinion_map_cannot_be_published(
    client: FlaskClient, session: Session, small_world: SmallWorld
) -> None:
    for snapshot in session.exec(select(OpinionSnapshot)).all():
        session.delete(snapshot)
    session.commit()
    sign_in_as(client, small_world.facilitator)
    answer = client.post(f"/facilitate/rounds/{small_world.round.id}/publish")
    assert answer.status_code == 409
    assert session.exec(select(ReportVersion)).all() == []
