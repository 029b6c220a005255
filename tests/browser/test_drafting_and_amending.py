"""Drafting and amending in a real browser, with axe on every page: a citizen drafts a
proposal from a statement (live preview), a citizen of the twin town amends a paragraph, the
author accepts it; a facilitator hides a display name from the moderation queue, whose row and
tab counts are swapped by htmx."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session

from deliberation.models import Phase
from tests.browser.accessibility import assert_accessible
from tests.browser.browsing import OpenContext, arrived
from tests.browser.world import TwinnedRound
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def join(page: Page, invite_url: str, town: str, slug: str) -> None:
    page.goto(invite_url)
    page.locator("main form").get_by_label("I have read the privacy notice").check()
    page.locator("main form").get_by_role("button", name=f"Join as a resident of {town}").click()
    arrived(page, f"/r/{slug}")


def test_draft_amend_accept_and_moderate(
    open_context: OpenContext, twinned_round: TwinnedRound, session: Session
) -> None:
    world = twinned_round
    slug = world.round.slug
    world.round.phase = Phase.DRAFTING
    session.add(world.round)
    session.commit()
    seed = world.seeds[0]

    author = open_context().new_page()
    join(author, world.home_invite_url, "Chambéry", slug)
    author.goto(f"/r/{slug}/proposals/new?statements={seed.id}")
    assert_accessible(author, "the new proposal form")
    author.get_by_label("Title").fill("Shade for every school")
    author.get_by_label("Text", exact=True).fill(
        "Plant **trees** in every schoolyard.\n\nWater them all summer."
    )
    expect(author.locator("#preview strong")).to_have_text("trees")  # live preview (htmx)
    author.get_by_label("Your display name (optional)").fill("Camille")
    author.get_by_role("button", name="Save", exact=True).click()
    expect(author.get_by_role("heading", level=1)).to_have_text("Shade for every school")
    expect(author.locator("#messages")).to_contain_text("Your proposal is saved as a draft.")
    assert_accessible(author, "the proposal page")
    proposal_url = author.url

    amender = open_context().new_page()
    join(amender, world.twin_invite_url, "Turin", slug)
    amender.goto(proposal_url)
    amender.get_by_text("Propose an amendment to a paragraph").click()
    amender.get_by_role("link", name="Amend paragraph 2").click()
    assert_accessible(amender, "the amendment form")
    amender.get_by_label("The paragraph as you would write it").fill(
        "Water them all summer with rainwater."
    )
    amender.get_by_label("Why this change?").fill("Drinking water is scarce in a heat wave.")
    amender.get_by_role("button", name="Propose the amendment").click()
    expect(amender.locator("#messages")).to_contain_text("Your amendment is proposed")
    expect(amender.locator(".diff ins")).to_contain_text("with rainwater.")
    assert_accessible(amender, "the proposal page with an amendment")

    author.reload()
    author.get_by_role("button", name="Accept").click()
    expect(author.locator("#messages")).to_contain_text("accepted as version 2")
    expect(author.locator(".proposal-text")).to_contain_text("with rainwater.")
    author.get_by_role("link", name="History").click()
    assert_accessible(author, "the history page")

    facilitator = open_context().new_page()
    facilitator.goto("/facilitate/")
    facilitator.get_by_label("Email").fill(world.facilitator.email)
    facilitator.get_by_label("Password").fill(PASSWORD)
    facilitator.get_by_role("button", name="Sign in").click()
    arrived(facilitator, "/facilitate/")
    facilitator.goto(f"/facilitate/rounds/{world.round.id}/moderation/drafting")
    assert_accessible(facilitator, "the drafting moderation queue")
    tabs = facilitator.locator("#moderation-tabs")
    expect(tabs).not_to_contain_text("hidden")
    row = facilitator.locator("tr", has_text="Camille")
    row.get_by_text("Hide…").click()
    row.get_by_label("Reason to hide").fill("A real name: participants stay pseudonymous")
    row.get_by_role("button", name="Hide", exact=True).click()
    expect(facilitator.locator("tr", has_text="Camille")).to_contain_text("Display name hidden.")
    expect(tabs).to_contain_text("1 hidden")  # the tabs came out of band, without a reload
    assert_accessible(facilitator, "the queue after an htmx action")

    author.goto(proposal_url)
    expect(author.locator("#authors-title + ul")).to_contain_text("A participant")
    expect(author.locator("#authors-title + ul")).not_to_contain_text("Camille")
