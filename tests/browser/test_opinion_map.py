"""The opinion map page and the report's heatmap in a real browser, on a desktop (1280 x 800) and
a phone (390 x 844): axe finds nothing serious, nothing scrolls sideways, the overview fits the
first screen, and "show all" and the heatmap's sort work without JavaScript."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from playwright.sync_api import BrowserContext, Page, expect
from sqlmodel import Session, select

from deliberation.demo import seed as demo
from deliberation.models import Participant, Phase
from deliberation.opinions.snapshots import compute_snapshot
from deliberation.services.participation import issue_session_key
from tests.browser.accessibility import assert_accessible, assert_accessible_without_javascript
from tests.browser.browsing import OpenContext
from tests.deliberation.opinions.rounds import planted_round

pytestmark = pytest.mark.browser

SIZES = {"desktop": (1280, 800), "phone": (390, 844)}


def _as_participant(
    app: Flask, context: BrowserContext, base_url: str, participant: Participant
) -> None:
    """Give the browser ``context`` the session cookie of ``participant``."""
    key = issue_session_key(participant)
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    assert serializer is not None
    value = serializer.dumps({"participants": {str(participant.round_id): key}})
    context.add_cookies([{"name": app.config["SESSION_COOKIE_NAME"], "value": value,
                          "url": base_url}])  # fmt: skip


def _no_sideways_scroll(page: Page, where: str) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{where} scrolls sideways ({width} px)"  # type: ignore[index]


@pytest.mark.parametrize("size", SIZES)
def test_the_opinion_map_is_accessible_and_fits_a_desktop_and_a_phone(
    app: Flask, session: Session, open_context: OpenContext, live_server: str, size: str
) -> None:
    round_ = planted_round(session)
    compute_snapshot(session, round_)
    viewer = session.exec(select(Participant).where(Participant.round_id == round_.id)).first()
    assert viewer is not None
    width, height = SIZES[size]
    context = open_context(viewport={"width": width, "height": height})
    _as_participant(app, context, live_server, viewer)
    session.add(viewer)
    session.commit()
    page = context.new_page()
    page.goto(f"/r/{round_.slug}/map")
    expect(page.get_by_role("heading", level=2, name="Where people stand")).to_be_visible()
    assert_accessible(page, f"the opinion map ({size})")
    _no_sideways_scroll(page, f"the opinion map ({size})")
    picture = page.get_by_role("img", name="Opinion map")
    expect(picture).to_be_visible()
    expect(picture.locator("text", has_text="You")).to_have_count(1)
    if size == "desktop":
        box = page.locator(".page-nav").bounding_box()
        assert box is not None
        assert box["y"] + box["height"] <= height, "the overview and its navigation fit one screen"
    page.get_by_role("link", name="What divides").click()
    expect(page).to_have_url(re.compile(r"#divides$"))


def test_show_all_and_the_heatmap_sort_work_without_javascript_on_a_phone(
    app: Flask, session: Session, open_context: OpenContext, live_server: str
) -> None:
    round_ = planted_round(session)
    compute_snapshot(session, round_)
    viewer = session.exec(select(Participant).where(Participant.round_id == round_.id)).first()
    assert viewer is not None
    context = open_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    _as_participant(app, context, live_server, viewer)
    session.add(viewer)
    session.commit()
    page = context.new_page()
    page.goto(f"/r/{round_.slug}/map")
    unites = page.locator("#unites")
    hidden = unites.locator("details.show-all li .statement-line").first
    expect(hidden).to_be_hidden()
    unites.locator("details.show-all summary").click()
    expect(hidden).to_be_visible()
    heatmap = page.locator("#territory-map")
    expect(heatmap.locator("svg[role=img]")).to_be_visible()
    sort = heatmap.locator(".heatmap-sort a").nth(1)
    territory = sort.inner_text()
    sort.click()
    expect(page).to_have_url(re.compile(r"\?sort=[^#]+#territory-map$"))
    expect(page.locator("#territory-map th[aria-sort=descending]")).to_have_text(territory)
    page.get_by_role("link", name=re.compile(r"Show all \d+ statements")).click()
    expect(page).to_have_url(re.compile(r"all=1"))
    _no_sideways_scroll(page, "the sorted heatmap without JavaScript")
    assert_accessible_without_javascript(
        page, open_context(viewport={"width": 390, "height": 844}).new_page(), "the opinion map"
    )


def test_an_open_show_all_stays_open_when_the_map_refreshes_itself(
    app: Flask, session: Session, open_context: OpenContext, live_server: str
) -> None:
    round_ = planted_round(session)
    compute_snapshot(session, round_)
    viewer = session.exec(select(Participant).where(Participant.round_id == round_.id)).first()
    assert viewer is not None
    context = open_context(viewport={"width": 1280, "height": 800})
    _as_participant(app, context, live_server, viewer)
    session.add(viewer)
    session.commit()
    page = context.new_page()
    page.goto(f"/r/{round_.slug}/map")
    expect(page.locator("#opinion-map[hx-trigger]")).to_have_count(1)
    page.locator("#unites-all summary").click()
    expect(page.locator("#unites-all")).to_have_attribute("open", "")
    # What the polling does when the map changed: the region replaced by a fresh copy.
    page.evaluate(
        """(url) => { document.getElementById("opinion-map").dataset.old = "yes";
        return htmx.ajax("GET", url, {target: "#opinion-map", swap: "outerHTML"}); }""",
        f"/r/{round_.slug}/map",
    )
    expect(page.locator("#opinion-map[data-old]")).to_have_count(0)
    expect(page.locator("#unites-all")).to_have_attribute("open", "")
    expect(page.locator("#divides-groups-all")).not_to_have_attribute("open", "")
    expect(page.locator("#unites-all li .statement-line").first).to_be_visible()


def test_the_reports_heatmap_is_the_same_component_and_fits_a_phone(
    session: Session, open_context: OpenContext
) -> None:
    created = demo.seed_demo(session, participants=60, seed=5, password="a demo password")
    assert created is not None
    session.commit()
    slug = created.rounds[Phase.REPORTED].round.slug
    page = open_context(viewport={"width": 390, "height": 844}).new_page()
    page.goto(f"/r/{slug}/report/v1")
    figure = page.locator("figure.heatmap#agreement-map")
    expect(figure.locator("svg[role=img]")).to_be_visible()
    expect(figure.locator("#agreement-map-table")).to_be_visible()
    assert_accessible(page, "the published report (phone)")
    _no_sideways_scroll(page, "the published report (phone)")
    figure.locator(".heatmap-sort a", has_text="gap between territories").click()
    expect(page).to_have_url(re.compile(r"\?sort=spread#agreement-map$"))
    expect(page.locator("#agreement-map-table th[aria-sort=descending]")).to_have_count(1)
