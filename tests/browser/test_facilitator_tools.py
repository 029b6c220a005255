"""The facilitators' scripted helpers (issue 14): copying an invite link, the round form
showing only the chosen languages and proposing the address, finding a territory as one
types; and the same pages without JavaScript."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from deliberation.models import Round, RoundTerritory
from tests.browser.accessibility import assert_accessible
from tests.browser.browsing import OpenContext, arrived, htmx_settled
from tests.browser.world import TwinnedRound
from tests.factories import PASSWORD, make_territory

pytestmark = pytest.mark.browser


def _signed_in(page: Page, email: str) -> None:
    page.goto("/auth/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    arrived(page, "/facilitate/")


def test_copy_a_link_and_open_its_poster(
    open_context: OpenContext, twinned_round: TwinnedRound
) -> None:
    world = twinned_round
    context = open_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    _signed_in(page, world.facilitator.email)
    page.goto(f"/facilitate/rounds/{world.round.id}/invites")
    first = page.locator("tbody tr").first
    first.get_by_role("button", name="Copy").click()
    expect(page.locator("#copy-status")).to_have_text("The link is copied.")
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied.endswith(world.home_invite_url)
    assert_accessible(page, "the invite links")

    first.get_by_role("link", name="Poster").click()
    expect(page.locator(".poster svg[role='img']")).to_have_count(1)
    expect(page.get_by_role("button", name="Print")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.get_by_role("button", name="Print")).to_be_hidden()
    expect(page.locator(".poster code.invite")).to_contain_text(world.home_invite_url)


def test_the_round_form_shows_chosen_languages_and_proposes_the_address(
    open_context: OpenContext, twinned_round: TwinnedRound, session: Session
) -> None:
    page = open_context().new_page()
    _signed_in(page, twinned_round.facilitator.email)
    page.goto("/facilitate/rounds/new")
    german = page.locator('fieldset[data-language="de"]')
    expect(german).to_be_hidden()  # only English is ticked
    page.locator('input[name="languages"][value="de"]').check()
    expect(german).to_be_visible()
    page.locator('input[name="languages"][value="de"]').uncheck()
    expect(german).to_be_hidden()

    page.locator("#title_en").fill("Shade in the Schoolyards, 2027!")
    expect(page.get_by_label("Address")).to_have_value("shade-in-the-schoolyards-2027")
    page.get_by_label("Address").fill("shade")
    page.locator("#title_en").fill("Something else")
    expect(page.get_by_label("Address")).to_have_value("shade")
    page.locator("#question_en").fill("Where do we need shade?")
    page.get_by_role("button", name="Create the round").click()
    page.wait_for_load_state("load")
    assert session.exec(select(Round).where(Round.slug == "shade")).one()


def test_find_a_territory_as_one_types_and_without_javascript(
    open_context: OpenContext, twinned_round: TwinnedRound, session: Session
) -> None:
    world = twinned_round
    lyon = make_territory(session, slug="lyon", names={"fr": "Lyon", "it": "Lione"})
    for scripted in (True, False):
        page = open_context(java_script_enabled=scripted).new_page()
        _signed_in(page, world.facilitator.email)
        page.goto(f"/facilitate/rounds/{world.round.id}")
        search = page.get_by_label("Name of the territory, in any language")
        if scripted:
            with htmx_settled(page, "territory-results"):
                search.fill("lione")
        else:
            search.fill("lione")
            page.get_by_role("button", name="Search", exact=True).click()
            page.wait_for_load_state("load")
        results = page.locator("#territory-results")
        expect(results).to_contain_text("Lyon")
        if scripted:
            assert_accessible(page, "the round page with search results")
            continue
        results.get_by_role("button", name="Add to the round").click()
        page.wait_for_load_state("load")
        expect(page.get_by_text("The territory takes part in this round.")).to_be_visible()
    assert session.get(RoundTerritory, (world.round.id, lyon.id)) is not None
