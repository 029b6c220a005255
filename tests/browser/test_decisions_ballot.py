"""Ranking options by keyboard only, in a real browser, and axe on the decision pages.

A citizen joins, the round moves to its deciding phase with an open Schulze decision; the
citizen ranks two of three options with the move buttons, never touching the mouse, and casts
the ballot. The decision is closed and counted; the results page is audited too.
"""

from __future__ import annotations

import re

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from deliberation.clock import utcnow
from deliberation.decisions import worker
from deliberation.decisions.service import close_decision, open_decision
from deliberation.models import Decision, DecisionSeal, DecisionStatus, Phase
from tests.browser.accessibility import assert_accessible
from tests.browser.browsing import OpenContext, arrived
from tests.browser.world import TwinnedRound
from tests.factories import PASSWORD, make_decision

pytestmark = pytest.mark.browser


def tab_to(page: Page, name: str, *, limit: int = 60) -> None:
    """Press Tab until the focused element's accessible name is ``name``."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "() => { const e = document.activeElement;"
            " return e ? (e.innerText || e.value || '').trim() : ''; }"
        )
        if focused == name:
            return
    pytest.fail(f"{name!r} cannot be reached with the Tab key")


def test_rank_by_keyboard_only_and_audit_the_decision_pages(
    open_context: OpenContext, twinned_round: TwinnedRound, session: Session, app: Flask
) -> None:
    world = twinned_round
    page = open_context().new_page()
    page.goto(world.home_invite_url)
    page.locator("main form").get_by_label("I have read the privacy notice").check()
    page.locator("main form").get_by_role("button", name="Join as a resident of Chambéry").click()
    arrived(page, f"/r/{world.round.slug}")

    world.round.phase = Phase.DECIDING
    session.add(world.round)
    session.commit()
    decision = make_decision(session, world.round, options=["Parc", "Piscine", "Ombre"])
    open_decision(session, decision=decision, now=utcnow())
    session.commit()

    page.goto(f"/r/{world.round.slug}/decisions")
    assert_accessible(page, "the participant's decisions")
    page.goto(f"/r/{world.round.slug}/decisions/{decision.id}")
    assert_accessible(page, "the ranking ballot")

    tab_to(page, "Move Piscine up")
    page.keyboard.press("Enter")
    moved = page.get_by_role("button", name="Move Piscine up", exact=True)
    expect(moved).to_be_focused()
    expect(page.get_by_label("Rank of Piscine")).to_have_value("1")
    tab_to(page, "Move Ombre up")
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Move Ombre up", exact=True)).to_be_focused()
    expect(page.get_by_label("Rank of Ombre")).to_have_value("2")
    page.keyboard.press("Enter")  # Ombre, alone at rank 2, swaps with Piscine
    expect(page.get_by_label("Rank of Ombre")).to_have_value("1")
    expect(page.get_by_role("button", name="Move Ombre up", exact=True)).to_be_focused()
    page.keyboard.press("Tab")  # to "Move Ombre down"
    page.keyboard.press("Enter")  # and back below Piscine
    expect(page.get_by_label("Rank of Piscine")).to_have_value("1")
    expect(page.get_by_label("Rank of Ombre")).to_have_value("2")
    expect(page.get_by_label("Rank of Parc")).to_have_value("")
    headings = page.locator("ol.ranking h2")
    expect(headings).to_have_text(["B. Piscine", "C. Ombre", "A. Parc"])
    assert_accessible(page, "the ranking ballot after moves")

    tab_to(page, "Cast my ballot")
    page.keyboard.press("Enter")
    expect(page.locator("#messages")).to_contain_text("Your ballot is recorded.")
    assert_accessible(page, "the ranking ballot once cast")

    close_decision(session, decision=decision, round_=world.round, now=utcnow())
    session.commit()
    seal = session.exec(select(DecisionSeal)).one()
    assert b'"ballots":[[[0,1,2],"chambery","1",1]]' in seal.document  # Parc, Piscine, Ombre
    worker.run_once(session, now=utcnow())
    page.goto(f"/decisions/{decision.id}/results")
    expect(page.locator(".outcome")).to_have_text("Winner: Piscine")
    assert_accessible(page, "the results page")


def drag(page: Page, title: str, onto: str) -> None:
    """Drag ``title``'s handle with the mouse, in small steps, to the top of ``onto``'s."""
    handle = page.locator(f'li[data-title="{title}"] .drag-handle').bounding_box()
    target = page.locator(f'li[data-title="{onto}"] .drag-handle').bounding_box()
    assert handle is not None
    assert target is not None
    page.mouse.move(handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2)
    page.mouse.down()
    page.mouse.move(target["x"] + target["width"] / 2, target["y"] - 4, steps=20)
    page.mouse.up()


def test_drag_and_drop_ranks_options_and_announces_it(
    open_context: OpenContext, twinned_round: TwinnedRound, session: Session
) -> None:
    """With JavaScript, the options can also be dragged by their handle (SortableJS): the
    dragged option becomes ranked, the rank menus follow the new order, a live region says so,
    and the ballot is cast as shown."""
    world = twinned_round
    page = open_context().new_page()
    page.goto(world.home_invite_url)
    page.locator("main form").get_by_label("I have read the privacy notice").check()
    page.locator("main form").get_by_role("button", name="Join as a resident of Chambéry").click()
    arrived(page, f"/r/{world.round.slug}")
    world.round.phase = Phase.DECIDING
    session.add(world.round)
    session.commit()
    decision = make_decision(session, world.round, options=["Parc", "Piscine", "Ombre"])
    open_decision(session, decision=decision, now=utcnow())
    session.commit()

    page.set_viewport_size({"width": 1280, "height": 2400})  # the whole list on screen
    page.goto(f"/r/{world.round.slug}/decisions/{decision.id}")
    expect(page.locator("ol.ranking-draggable")).to_have_count(1)
    drag(page, "Ombre", "Parc")
    expect(page.get_by_label("Rank of Ombre")).to_have_value("1")
    expect(page.get_by_label("Rank of Parc")).to_have_value("")
    expect(page.locator("#ranking-status")).to_have_text("Ombre is now ranked 1.")
    drag(page, "Piscine", "Ombre")
    expect(page.get_by_label("Rank of Piscine")).to_have_value("1")
    expect(page.get_by_label("Rank of Ombre")).to_have_value("2")
    expect(page.locator("ol.ranking h2")).to_have_text(["B. Piscine", "C. Ombre", "A. Parc"])
    assert_accessible(page, "the ranking ballot after dragging")
    page.get_by_role("button", name="Cast my ballot").click()
    expect(page.locator("#messages")).to_contain_text("Your ballot is recorded.")
    expect(page.get_by_label("Rank of Piscine")).to_have_value("1")
    expect(page.get_by_label("Rank of Ombre")).to_have_value("2")


def test_a_facilitator_sets_up_and_opens_a_stance_decision(
    open_context: OpenContext, twinned_round: TwinnedRound, session: Session
) -> None:
    world = twinned_round
    page = open_context().new_page()
    page.goto("/facilitate/")
    page.get_by_label("Email").fill(world.facilitator.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    arrived(page, "/facilitate/")
    page.goto(f"/facilitate/rounds/{world.round.id}")
    page.get_by_role("navigation", name="This round").get_by_role(
        "link", name="Decisions", exact=True
    ).click()
    arrived(page, f"/facilitate/rounds/{world.round.id}/decisions")
    assert_accessible(page, "the round's decisions")
    page.get_by_role("link", name="Create a decision").click()
    assert_accessible(page, "the decision form")
    page.get_by_label("Method").select_option("consent")
    page.get_by_role("button", name="Show this method's settings").click()
    expect(page.get_by_label("Share of territories in favour required")).to_have_value("1/2")
    page.get_by_label(re.compile(r"^Title in ")).fill("Green roofs on every school")
    page.get_by_label("Double majority: also require a share of the territories in favour").check()
    page.get_by_label("Share of agreement required").fill("2")
    page.get_by_role("button", name="Save the decision").click()
    expect(page.locator(".field.has-error")).to_have_count(1)
    assert_accessible(page, "the decision form with an error")
    page.get_by_label("Share of agreement required").fill("2/3")
    page.get_by_role("button", name="Save the decision").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Green roofs on every school")
    assert_accessible(page, "the decision's page")
    page.get_by_label("Title", exact=True).fill("Green roofs")
    page.get_by_role("button", name="Add the option").click()
    expect(page.locator("#messages")).to_contain_text("The option is added.")
    page.get_by_role("button", name="Open the decision now").click()
    expect(page.locator("#messages")).to_contain_text("The decision is open")
    assert_accessible(page, "the open decision's page")
    decision = session.exec(select(Decision)).one()
    assert decision.method == "consent"
    assert decision.settings["threshold"] == "2/3"
    assert decision.settings["double_majority"] is True
    assert decision.status == DecisionStatus.OPEN
