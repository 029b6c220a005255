"""The opinion map page: SVG, groups, consensus, territories; refresh; download; privacy."""

from __future__ import annotations

import numpy as np
from flask.testing import FlaskClient
from sqlmodel import Session, select

from deliberation.models import Participant, RoundFacilitator
from deliberation.opinions.picture import MAX_POINTS, map_picture
from deliberation.opinions.snapshots import compute_snapshot
from tests.deliberation.opinions.rounds import planted_round
from tests.factories import act_as, make_round, make_user, sign_in_as

HTMX = {"HX-Request": "true"}


def test_participants_see_the_map_with_their_position_groups_and_territories(
    client: FlaskClient, session: Session
) -> None:
    round_ = planted_round(session)
    compute_snapshot(session, round_)
    viewer = session.exec(select(Participant).where(Participant.round_id == round_.id)).first()
    act_as(client, viewer)
    page = client.get(f"/r/{round_.slug}/map")
    assert page.status_code == 200
    assert '<svg viewBox="0 0 400.0 400.0"' in page.text
    assert 'role="img"' in page.text
    assert page.text.count("<circle") == 40 + 1
    assert ">You</text>" in page.text
    assert "You are in group" in page.text
    assert "Group A" in page.text
    assert "Group B" in page.text
    assert "What unites the groups" in page.text
    assert "Statements that divide territories" in page.text
    assert "Download the current snapshot" not in page.text


def test_the_page_refreshes_only_when_the_watermark_moved(
    client: FlaskClient, session: Session
) -> None:
    round_ = planted_round(session)
    snapshot = compute_snapshot(session, round_)
    act_as(client, session.exec(select(Participant)).first())
    same = client.get(
        f"/r/{round_.slug}/map?watermark={snapshot.watermark}.{snapshot.moderation_mark}.{snapshot.revision}",
        headers=HTMX,
    )
    assert same.status_code == 204
    moved = client.get(f"/r/{round_.slug}/map?watermark=0.0.0", headers=HTMX)
    assert moved.status_code == 200
    assert moved.text.lstrip().startswith('<div id="opinion-map"')
    assert 'hx-trigger="every 10s"' in moved.text


def test_facilitators_see_counts_and_download_the_snapshot(
    client: FlaskClient, session: Session
) -> None:
    round_ = planted_round(session)
    compute_snapshot(session, round_)
    facilitator = make_user(session)
    session.add(RoundFacilitator(round_id=round_.id, user_id=facilitator.id))
    session.commit()
    sign_in_as(client, facilitator)
    page = client.get(f"/r/{round_.slug}/map")
    assert page.status_code == 200
    assert " of 20" in page.text or " of 19" in page.text or " of 18" in page.text
    download = client.get(f"/r/{round_.slug}/map/snapshot.json")
    assert download.status_code == 200
    assert "attachment" in download.headers["Content-Disposition"]
    assert download.json["schema"] == "palabre.opinion-snapshot/2"
    assert download.json["k"] == 2


def test_strangers_are_refused_and_an_empty_round_says_so(
    client: FlaskClient, session: Session
) -> None:
    round_ = planted_round(session, participants=6, statements=3)
    assert client.get(f"/r/{round_.slug}/map").status_code == 403
    assert client.get(f"/r/{round_.slug}/map/snapshot.json").status_code == 403
    empty = make_round(session)
    facilitator = make_user(session)
    session.add(RoundFacilitator(round_id=empty.id, user_id=facilitator.id))
    session.commit()
    sign_in_as(client, facilitator)
    assert "appears once enough people have voted" in client.get(f"/r/{empty.slug}/map").text
    assert client.get(f"/r/{empty.slug}/map/snapshot.json").status_code == 404


def test_many_participants_are_drawn_as_hexagons() -> None:
    rng = np.random.default_rng(0)
    n = MAX_POINTS + 500
    participants = {
        "ids": list(range(n)),
        "x": rng.normal(size=n).tolist(),
        "y": rng.normal(size=n).tolist(),
        "group": [int(g) for g in rng.integers(0, 3, size=n)],
    }
    picture = map_picture(participants, 3, viewer_id=7)
    assert picture.dots == ()
    assert sum(h.count for h in picture.hexagons) == n
    assert len(picture.regions) == 3
    assert picture.viewer is not None
