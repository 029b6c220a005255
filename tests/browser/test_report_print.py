"""The published report prints to clean A4 pages through Chromium's print to PDF."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlmodel import Session

from deliberation.demo import seed as demo
from deliberation.models import Phase
from tests.browser.accessibility import assert_accessible
from tests.browser.browsing import OpenContext

pytestmark = pytest.mark.browser

A4_POINTS = (595.28, 841.89)


def _pages(pdf: bytes) -> list[tuple[float, float]]:
    """The (width, height) in points of every page of a PDF that Chromium wrote."""
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    pages = len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))
    assert pages == len(boxes), "every page carries its own media box"
    return [(float(width), float(height)) for width, height in boxes]


def test_the_report_is_accessible_and_prints_on_a4(
    session: Session, open_context: OpenContext
) -> None:
    created = demo.seed_demo(session, participants=90, seed=5, password="a demo password")
    assert created is not None
    session.commit()
    slug = created.rounds[Phase.REPORTED].round.slug
    page = open_context().new_page()
    page.goto(f"/r/{slug}/report/v1")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page, "the published report")
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator("#agreement-map-table")).to_be_visible()
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    pages = _pages(pdf)
    assert 2 <= len(pages) <= 12
    for width, height in pages:
        assert abs(width - A4_POINTS[0]) < 1
        assert abs(height - A4_POINTS[1]) < 1
