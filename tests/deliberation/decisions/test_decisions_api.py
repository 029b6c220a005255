"""Decisions through ``/api/v1``: options, the stored result with small territories
suppressed, the revealed seed and the published ballots' address."""

from __future__ import annotations

import hashlib

from flask.testing import FlaskClient
from sqlmodel import Session

from deliberation.clock import utcnow
from deliberation.decisions.service import open_decision
from deliberation.models import DecisionTally, Phase
from tests.factories import (
    bearer,
    make_council,
    make_counted_decision,
    make_decision,
    make_round,
    make_territory,
    make_token,
)


def test_a_counted_decision_with_small_territories_suppressed(
    client: FlaskClient, session: Session
) -> None:
    nord = make_territory(session, slug="nord", population=10_000)
    sud = make_territory(session, slug="sud", population=2_500)
    est = make_territory(session, slug="est", population=900)
    round_ = make_round(session, territories=[nord, sud, est], phase=Phase.CLOSED, privacy_k=2)
    counted = make_counted_decision(
        session,
        round_,
        [(nord, {"ranking": [["A"], ["B"]]})] * 4
        + [(sud, {"ranking": [["B"], ["A"]]})] * 2
        + [(est, {"ranking": [["B"], ["A"]]})],
        options=["Parc", "Piscine"],
        settings={"weighting": "equal_territory"},
    )
    still_open = make_decision(session, round_, options=["Parc", "Piscine"])
    open_decision(session, decision=still_open, now=utcnow())
    make_decision(session, round_, options=["Draft"])
    session.commit()
    headers = bearer(make_token(session, council=make_council(session, territory=nord)))

    listed = client.get(f"/api/v1/rounds/rnd:{round_.slug}/decisions", headers=headers).json
    assert [d["id"] for d in listed["items"]] == [f"dec:{counted.id}", f"dec:{still_open.id}"]
    opened = listed["items"][1]
    assert opened["status"] == "open"
    assert opened["seed"] is None
    assert len(opened["seed_sha256"]) == 64
    assert opened["result"] is None

    body = client.get(f"/api/v1/decisions/dec:{counted.id}", headers=headers).json
    assert body["ballot"] == "ranked"
    assert [o["title"]["value"] for o in body["options"]] == ["Parc", "Piscine"]
    assert body["seed"] == counted.seed_hex
    assert hashlib.sha256(body["seed"].encode()).hexdigest() == body["seed_sha256"]
    result = body["result"]
    assert result["result"]["winners"] == ["B"]
    assert result["unweighted"]["winners"] == ["A"]
    assert result["weighting"] == "equal_territory"
    assert result["ballots"] == 7
    shown = result["by_territory"]
    assert shown[f"ter:{nord.slug}"]["ballots"] == 4
    assert shown[f"ter:{nord.slug}"]["result"]["winners"] == ["A"]
    assert shown[f"ter:{est.slug}"] == {
        "ballots": None,
        "result": None,
        "counts": {"A": None, "B": None},
        "suppressed": True,
    }
    tally = session.get(DecisionTally, counted.id)
    assert tally is not None
    assert result["published_sha256"] == tally.published_sha256
    download = client.get(result["published_ballots"])
    assert hashlib.sha256(download.data).hexdigest() == tally.published_sha256

    draft_id = still_open.id + 1  # type: ignore[operator]
    assert client.get(f"/api/v1/decisions/dec:{draft_id}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/decisions/dec:{counted.id}").status_code == 401
