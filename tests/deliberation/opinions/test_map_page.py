"""The opinion map page: its sections, the picture and its words, the lists with "show all",
the territory heatmap; refresh; download; privacy."""

from __future__ import annotations

import re

import numpy as np
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from deliberation.models import Participant, Round, RoundFacilitator
from deliberation.opinions.picture import MAX_POINTS, map_picture
from deliberation.opinions.presentation import HEATMAP_ROWS, consensus_words, division_words
from deliberation.opinions.snapshots import compute_snapshot
from deliberation.services.rounds import round_territories
from tests.deliberation.opinions.rounds import planted_round
from tests.factories import act_as, make_participant, make_round, make_user, sign_in_as

HTMX = {"HX-Request": "true"}
SECTIONS = ["overview", "groups", "unites", "divides", "territories"]


def _placed_viewer(client: FlaskClient, session: Session) -> Round:
    round_ = planted_round(session)
    compute_snapshot(session, round_)
    viewer = session.exec(select(Participant).where(Participant.round_id == round_.id)).first()
    assert viewer is not None
    act_as(client, viewer)
    return round_


def _section(page: str, name: str) -> str:
    start = page.index(f'id="{name}"')
    following = [page.find("<section", start + 1)]
    return page[start : max(following) if following[0] > 0 else None]


def test_participants_see_the_map_with_their_position_groups_and_territories(
    client: FlaskClient, session: Session
) -> None:
    round_ = _placed_viewer(client, session)
    page = client.get(f"/r/{round_.slug}/map")
    assert page.status_code == 200
    assert '<svg viewBox="0 0 400.0 400.0"' in page.text
    assert 'role="img"' in page.text
    assert page.text.count('r="3" fill=') == 40
    assert page.text.count(">You</text>") == 1
    assert re.search(r"You are the ringed dot marked “You”, in group [AB]\.", page.text)
    assert ">Group A</text>" in page.text, "labels on the map"
    assert ">Group B</text>" in page.text
    assert "Each dot is one participant" in page.text, "a visible caption in words"
    assert 'id="map-caption"' in page.text
    assert "map-svg-title map-caption" in page.text
    assert "green is the share who agree, grey who pass and red who disagree" in page.text
    assert "Download the current snapshot" not in page.text


def test_the_page_has_a_summary_in_page_navigation_and_one_section_per_question(
    client: FlaskClient, session: Session
) -> None:
    round_ = _placed_viewer(client, session)
    page = client.get(f"/r/{round_.slug}/map").text
    assert re.findall(r'<section aria-labelledby="[a-z-]+" id="([a-z]+)"', page) == SECTIONS
    assert re.findall(r'<h2 id="[a-z]+-heading">([^<]+)</h2>', page) == [
        "Where people stand",
        "Opinion groups",
        "What unites",
        "What divides",
        "Territories",
    ]
    navigation = page[
        page.index('<nav class="page-nav"') : page.index(
            "</nav>", page.index('<nav class="page-nav"')
        )
    ]
    assert re.findall(r'href="#([a-z]+)"', navigation) == SECTIONS[1:]
    assert "Most common ground:" in page
    assert "Most divisive:" in page
    assert "<h3>Between opinion groups</h3>" in page
    assert "<h3>Between territories</h3>" in page


def test_long_lists_show_three_and_the_rest_behind_show_all_without_javascript(
    client: FlaskClient, session: Session
) -> None:
    round_ = _placed_viewer(client, session)
    unites = _section(client.get(f"/r/{round_.slug}/map").text, "unites")
    visible, rest = unites.split('<details class="show-all" id="unites-all">')
    assert visible.count('class="statement-line"') == 3
    assert "<summary>Show all 10<" in rest
    assert '<ol class="statement-list" start="4">' in rest
    assert rest.count('class="statement-line"') == 7, (
        "every statement is in the page: <details> needs no script"
    )
    assert "<script" not in unites


def test_consensus_is_said_in_words_with_the_number_in_view(
    client: FlaskClient, session: Session
) -> None:
    round_ = _placed_viewer(client, session)
    page = client.get(f"/r/{round_.slug}/map").text
    assert "consensus 0." not in page
    assert 'title="Group-informed' not in page, "a tooltip reaches neither keyboard nor touch"
    unites = _section(page, "unites")
    assert "The score after the words measures it: 1 would mean everybody agrees" in unites
    words = re.findall(
        r'<span class="agreement-words">([^<]+)</span> <span class="measure">score (0\.\d\d)</span>',
        unites,
    )
    assert len(words) == 10
    assert {w for w, _ in words} <= {
        "Broad agreement across groups",
        "Agreement across groups",
        "Partial agreement across groups",
        "Little common ground",
    }
    assert [float(v) for _, v in words] == sorted((float(v) for _, v in words), reverse=True)
    divides = _section(page, "divides")
    gaps = re.findall(
        r'<span class="division-words">[^<]+</span> <span class="measure">(\d+) points? apart</span>',
        divides,
    )
    assert gaps, "the gap between the groups is in view, in points"
    assert [int(g) for g in gaps] == sorted((int(g) for g in gaps), reverse=True)


@pytest.mark.parametrize(
    ("mean", "groups", "words"),
    [
        (0.8, 2, "Broad agreement across groups"),
        (0.8, 5, "Broad agreement across groups"),
        (0.75, 3, "Broad agreement across groups"),
        (0.7, 2, "Agreement across groups"),
        (0.6, 4, "Agreement across groups"),
        (0.5, 2, "Partial agreement across groups"),
        (0.3, 2, "Little common ground"),
        (0.3, 1, "Little common ground"),
    ],
)
def test_consensus_words_read_the_agreement_each_group_needs(
    app: object, mean: float, groups: int, words: str
) -> None:
    """The value is a product over the groups: the words read its per-group mean."""
    assert str(consensus_words(mean**groups * (1 + 1e-12), groups)) == words


@pytest.mark.parametrize(
    ("gap", "words"),
    [
        (0.8, "Sharply divides the groups"),
        (0.5, "Sharply divides the groups"),
        (0.3, "Divides the groups"),
        (0.1, "The groups differ a little"),
    ],
)
def test_division_words(app: object, gap: float, words: str) -> None:
    assert str(division_words(gap)) == words


def test_you_appear_only_once_placed_and_the_page_says_how_to_get_there(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    round_ = planted_round(session)
    compute_snapshot(session, round_)
    newcomer = make_participant(session, round_)
    voted = make_participant(session, round_, vote_count=round_.min_votes_for_map)
    act_as(client, newcomer)
    page = client.get(f"/r/{round_.slug}/map").text
    assert ">You</text>" not in page
    assert f"Vote on {round_.min_votes_for_map} more statements to be placed on the map" in page
    other = app.test_client()
    act_as(other, voted)
    page = other.get(f"/r/{round_.slug}/map").text
    assert ">You</text>" not in page
    assert "You have voted enough: you will appear on the map" in page


def test_an_unplaced_viewer_has_no_mark_on_the_picture() -> None:
    participants = {"ids": [1, 2, 3], "x": [0.0, 1.0, 2.0], "y": [0.0, 1.0, 0.0],
                    "group": [0, 0, None]}  # fmt: skip
    assert map_picture(participants, 1, viewer_id=3).viewer is None
    assert map_picture(participants, 1, viewer_id=1).viewer is not None


def _territory_rows(page: str, slug: str) -> list[float]:
    pattern = rf'data-figure="statements/\d+/by_territory/{slug}/agree_rate">([\d.]+)%'
    return [float(v) for v in re.findall(pattern, page)]


def test_the_territory_heatmap_sorts_by_a_column_and_shows_all_through_links(
    client: FlaskClient, session: Session
) -> None:
    round_ = _placed_viewer(client, session)
    page = client.get(f"/r/{round_.slug}/map").text
    territories = _section(page, "territories")
    assert territories.count('<tr id="statement-') == HEATMAP_ROWS
    assert "bar table" not in territories
    assert territories.count('class="shares"') == 0
    assert "Show all 16 statements" in territories
    slug = round_territories(session, round_)[0].slug
    assert f"/r/{round_.slug}/map?sort={slug}#territory-map" in territories
    sorted_page = client.get(f"/r/{round_.slug}/map?sort={slug}").text
    rates = _territory_rows(sorted_page, slug)
    assert len(rates) == HEATMAP_ROWS
    assert rates == sorted(rates, reverse=True)
    assert 'aria-sort="descending"' in sorted_page
    assert f"sort={slug}" in sorted_page[: sorted_page.index("hx-trigger")], "refresh keeps it"
    everything = client.get(f"/r/{round_.slug}/map?all=1&sort={slug}").text
    assert everything.count('<tr id="statement-') == 16
    assert "Show all 16 statements" not in everything
    assert _territory_rows(everything, slug) == sorted(
        _territory_rows(everything, slug), reverse=True
    )


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
    assert re.search(r"\(n = (18|19|20)\)", page.text)
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
