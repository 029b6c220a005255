"""Issue 14, participation: on a 390 × 844 phone the card and its three equal answers fit the
first screen, with no keyboard hint; each vote is announced in a live region and can be undone
(with htmx and without JavaScript); the end of the cards says what comes next; the language
is one tap; withdrawing asks first. axe-core finds nothing serious on the way."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.accessibility import assert_accessible, assert_accessible_without_javascript
from tests.browser.browsing import OpenContext, arrived, htmx_settled
from tests.browser.world import TwinnedRound

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _phone(open_context: OpenContext, **options: object) -> Page:
    context = open_context(viewport=PHONE, is_mobile=True, has_touch=True, **options)
    return context.new_page()


def _join(page: Page, world: TwinnedRound) -> None:
    page.goto(world.home_invite_url)
    page.locator("main form").get_by_label("I have read the privacy notice").check()
    page.get_by_role("button", name="Join as a resident of Chambéry").click()
    arrived(page, f"/r/{world.round.slug}")


def _answers_fit_the_first_screen(page: Page) -> None:
    buttons = page.locator("#card form.answers button")
    expect(buttons).to_have_count(3)
    boxes = [buttons.nth(i).bounding_box() for i in range(3)]
    assert all(box is not None for box in boxes)
    for box in boxes:
        assert box is not None
        assert box["y"] >= 0
        assert box["y"] + box["height"] <= PHONE["height"], f"an answer is below the fold: {box}"
        assert box["x"] + box["width"] <= PHONE["width"]
    widths = {round(box["width"]) for box in boxes if box is not None}
    assert max(widths) - min(widths) <= 1, f"the answers differ in width: {widths}"
    statement = page.locator("#card blockquote.statement").bounding_box()
    assert statement is not None
    assert statement["y"] + statement["height"] <= PHONE["height"]
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.evaluate("() => window.scrollY") == 0


def test_the_card_fits_a_phone_and_votes_are_announced_and_undone(
    open_context: OpenContext, twinned_round: TwinnedRound
) -> None:
    world = twinned_round
    page = _phone(open_context)
    _join(page, world)
    _answers_fit_the_first_screen(page)
    expect(page.locator(".keyboard-hint")).to_be_hidden()
    expect(page.locator("header").get_by_role("link", name="Facilitator sign-in")).to_have_count(0)
    expect(page.locator("footer").get_by_role("link", name="Facilitator sign-in")).to_be_visible()
    assert page.locator('link[rel="icon"]').get_attribute("href") == "/static/favicon.svg"
    assert_accessible(page, "the participation page on a phone")

    status = page.locator("#vote-status")
    expect(status).to_have_attribute("role", "status")
    first = page.locator("#card blockquote.statement").get_attribute("data-statement-id")
    with htmx_settled(page, "card"):
        page.get_by_role("button", name="Agree", exact=True).click()
    expect(status).to_have_text("Vote recorded: Agree.")
    expect(page.locator("#progress")).to_contain_text("Statements voted: 1 of 5")
    expect(page.locator("#card blockquote.statement")).not_to_have_attribute(
        "data-statement-id", str(first)
    )
    _answers_fit_the_first_screen(page)
    assert_accessible(page, "the participation page after a vote")

    with htmx_settled(page, "card"):
        page.get_by_role("button", name="Undo my last vote").click()
    expect(status).to_have_text("Your vote is undone.")
    expect(page.locator("#card blockquote.statement")).to_have_attribute(
        "data-statement-id", str(first)
    )
    expect(page.locator("#progress")).to_contain_text("Statements voted: 0 of 5")
    expect(page.get_by_role("button", name="Undo my last vote")).to_have_count(0)

    for number in range(1, 6):
        with htmx_settled(page, "card"):
            page.get_by_role("button", name="Pass / unsure", exact=True).click()
        expect(page.locator("#progress")).to_contain_text(f"Statements voted: {number} of 5")
    expect(page.get_by_role("heading", name="You have voted on every statement")).to_be_visible()
    next_steps = page.locator("#card .next-steps")
    expect(
        next_steps.get_by_role("link", name="See where you stand: the opinion map")
    ).to_be_visible()
    expect(next_steps.get_by_role("link", name="Add your own statement")).to_be_visible()
    assert_accessible(page, "the end of the cards")

    page.locator(".language-switcher").get_by_role("button", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    arrived(page, f"/r/{world.round.slug}")
    current = page.locator(".language-switcher button[aria-current=true]")
    expect(current).to_have_accessible_name("Français")
    expect(current.locator("[aria-hidden=true]")).to_have_text("FR")


def test_a_desktop_with_a_keyboard_shows_the_hint(
    open_context: OpenContext, twinned_round: TwinnedRound
) -> None:
    page = open_context(viewport={"width": 1280, "height": 800}).new_page()
    _join(page, twinned_round)
    expect(page.locator(".keyboard-hint")).to_be_visible()


def test_without_javascript_the_vote_is_announced_undone_and_withdrawal_asks_first(
    open_context: OpenContext, twinned_round: TwinnedRound
) -> None:
    world = twinned_round
    page = _phone(open_context, java_script_enabled=False)
    viewer = open_context().new_page()
    _join(page, world)
    _answers_fit_the_first_screen(page)
    expect(page.locator(".keyboard-hint")).to_be_hidden()
    first = page.locator("#card blockquote.statement").get_attribute("data-statement-id")
    page.get_by_role("button", name="Disagree", exact=True).click()
    arrived(page, f"/r/{world.round.slug}")
    expect(page).to_have_url(re.compile(rf"\?voted={first}$"))
    expect(page.locator("#vote-status")).to_have_text("Vote recorded: Disagree.")
    assert_accessible_without_javascript(page, viewer, "the page after a vote")

    page.get_by_role("button", name="Undo my last vote").click()
    arrived(page, f"/r/{world.round.slug}")
    expect(page.locator("#messages")).to_contain_text("Your vote is undone.")
    expect(page.locator("#card blockquote.statement")).to_have_attribute(
        "data-statement-id", str(first)
    )
    expect(page.locator("#progress")).to_contain_text("Statements voted: 0 of 5")

    page.goto(f"/r/{world.round.slug}/my-votes")
    page.get_by_role("button", name="Withdraw from this round").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Withdraw from this round?")
    assert_accessible_without_javascript(page, viewer, "the withdrawal confirmation")
    page.get_by_role("link", name="Cancel").click()
    arrived(page, f"/r/{world.round.slug}/my-votes")
    page.get_by_role("button", name="Withdraw from this round").click()
    page.locator("main form").get_by_role("button", name="Withdraw from this round").click()
    arrived(page, "/")
    expect(page.locator("#messages")).to_contain_text("You have withdrawn.")
