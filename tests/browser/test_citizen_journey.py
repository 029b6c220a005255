"""Issue 2's scenario in a real browser, with htmx.

A citizen of Chambéry joins through an invite in French, votes on five statements card by card
(one by a keyboard shortcut, none reloading the page), changes a vote from "my votes" and writes
a statement; the facilitator accepts it in the moderation queue; it then reaches a participant
of the twin town, Turin, who joined through that town's invite.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, col, select

from deliberation.models import (
    AuditAction,
    AuditEntry,
    Participant,
    Statement,
    StatementStatus,
    TargetKind,
    Vote,
)
from tests.browser.accessibility import assert_accessible
from tests.browser.browsing import OpenContext, arrived, htmx_settled
from tests.browser.catalog import translated
from tests.browser.world import TwinnedRound
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

STATEMENT = "Il faudrait planter des arbres le long de toutes les rues exposées au soleil."


def fr(message: str, **values: object) -> str:
    return translated("fr", message, **values)


def _shown_statement_id(page: Page) -> int:
    value = page.locator("#card blockquote.statement").get_attribute("data-statement-id")
    assert value is not None, "the card shows no statement"
    return int(value)


def _progress(voted: int, total: int) -> str:
    return fr("Statements voted: %(voted)s of %(total)s", voted=voted, total=total)


def _button(page: Page, message: str) -> Callable[[], None]:
    return lambda: page.get_by_role("button", name=fr(message), exact=True).click()


def _key(page: Page, key: str) -> Callable[[], None]:
    return lambda: page.keyboard.press(key)


def _key_down(page: Page, key: str) -> Callable[[], None]:
    return lambda: page.keyboard.down(key)


def _after_holding(page: Page, key: str, then: Callable[[], None]) -> Callable[[], None]:
    """The key pressed down before repeats (``KeyboardEvent.repeat``), then is released: a
    held key must not vote on the next card unread."""

    def act() -> None:
        page.keyboard.down(key)
        page.keyboard.up(key)
        then()

    return act


def _without_form_token(page: Page, then: Callable[[], None]) -> Callable[[], None]:
    """Remove the card form's hidden CSRF field first: only htmx's header can carry it."""

    def act() -> None:
        page.locator("#card input[name=csrf_token]").evaluate("(input) => input.remove()")
        then()

    return act


def join_in_french(page: Page, world: TwinnedRound) -> None:
    """Open the invite, switch the interface to French, accept the notice and join."""
    page.goto(world.home_invite_url)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Heat in our towns")
    assert_accessible(page, "the join page")

    switcher = page.get_by_role("navigation", name="Language")
    switcher.get_by_role("button", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    arrived(page, world.home_invite_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("La chaleur dans nos villes")
    expect(page.get_by_role("heading", name=fr("Privacy"))).to_be_visible()
    assert_accessible(page, "the join page in French")

    join_form = page.locator("main form")
    expect(join_form.get_by_label(fr("Your language in this round"))).to_have_value("fr")
    # The seed statements are in English: she reads it too (only readable ones are sent).
    reads = join_form.get_by_role("group", name=fr("Languages you read"))
    expect(reads.get_by_label("Français")).to_be_checked()
    reads.get_by_label("English").check()
    join_form.get_by_label(fr("I have read the privacy notice")).check()
    join_form.get_by_role(
        "button", name=fr("Join as a resident of %(territory)s", territory="Chambéry")
    ).click()
    arrived(page, f"/r/{world.round.slug}")
    expect(page.locator("html")).to_have_attribute("lang", "fr")


def vote_on_every_card(page: Page, world: TwinnedRound) -> dict[int, int]:
    """Vote on the five cards with htmx; return the votes cast, statement id to value."""
    total = len(world.seeds)
    expect(page.locator("#progress")).to_contain_text(_progress(0, total))
    expect(page.get_by_role("heading", name=fr("Do you agree?"))).to_be_visible()
    assert_accessible(page, "the participation page")
    page.evaluate("() => { window.__marker = 1; }")
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    steps = (
        (_button(page, "Agree"), 1),
        (_key_down(page, "d"), -1),
        (_after_holding(page, "d", _button(page, "Pass / unsure")), 0),
        (_without_form_token(page, _button(page, "Disagree")), -1),
        (_key(page, "a"), 1),
    )
    votes_cast: dict[int, int] = {}
    for number, (act, value) in enumerate(steps, start=1):
        shown = _shown_statement_id(page)
        with htmx_settled(page, "card"), page.expect_request(re.compile(r"/vote$")) as sent:
            act()
        headers = sent.value.all_headers()
        assert headers.get("hx-request") == "true", f"vote {number} did not go through htmx"
        assert headers.get("x-csrftoken"), "htmx sends the CSRF header set in base.html"
        response = sent.value.response()
        assert response is not None
        assert response.status == 200
        votes_cast[shown] = value
        expect(page.locator("#progress")).to_contain_text(_progress(number, total))
        expect(page.locator("#progress progress")).to_have_attribute("value", str(number))
        if number < total:
            expect(page.locator("#card blockquote.statement")).not_to_have_attribute(
                "data-statement-id", str(shown)
            )
        if number in (1, total):
            assert_accessible(page, f"the participation page after vote {number}")
    expect(page.locator("#card .done")).to_have_text(
        fr(
            "You have voted on every statement for now. Come back later for new ones, "
            "or add your own."
        )
    )
    assert page.evaluate("() => window.__marker") == 1, "a vote reloaded the whole page"
    assert len([url for url in requests if url.endswith("/vote")]) == total
    return votes_cast


def change_vote_to_disagree(page: Page, world: TwinnedRound, statement_id: int) -> None:
    """From "my votes", turn the vote on ``statement_id`` (an agree) into a disagree."""
    page.get_by_role("link", name=fr("My votes and statements")).click()
    arrived(page, f"/r/{world.round.slug}/my-votes")
    expect(page.get_by_role("heading", level=1)).to_have_text(fr("My votes and statements"))
    assert_accessible(page, "my votes")
    page.evaluate("() => { window.__marker = 2; }")
    row = page.locator(f"#vote-{statement_id}")
    agree = row.get_by_role("button", name=fr("Agree"), exact=True)
    disagree = row.get_by_role("button", name=fr("Disagree"), exact=True)
    expect(agree).to_have_attribute("aria-pressed", "true")
    with (
        htmx_settled(page, f"vote-{statement_id}"),
        page.expect_response(re.compile(f"/my-votes/{statement_id}$")) as answer,
    ):
        disagree.click()
    assert answer.value.status == 200
    expect(disagree).to_have_attribute("aria-pressed", "true")
    expect(agree).to_have_attribute("aria-pressed", "false")
    assert page.evaluate("() => window.__marker") == 2, "changing a vote reloaded the page"
    assert_accessible(page, "my votes after a change")


def write_statement(page: Page, world: TwinnedRound) -> None:
    """Send an empty statement (422, the form comes back with its error), then a real one."""
    total = len(world.seeds)
    page.get_by_role("link", name=fr("Back to voting")).click()
    arrived(page, f"/r/{world.round.slug}")
    expect(page.locator("#progress")).to_contain_text(_progress(total, total))
    page.evaluate("() => { window.__marker = 3; }")
    form = page.locator("#statement-form")
    with (
        htmx_settled(page, "statement-form"),
        page.expect_response(re.compile(r"/statements$")) as answer,
    ):
        form.get_by_role("button", name=fr("Send my statement")).click()
    assert answer.value.status == 422
    expect(form.locator(".error")).to_have_text(fr("Write a statement first."))
    expect(form.get_by_label(fr("Your statement"))).to_have_attribute("aria-invalid", "true")
    assert_accessible(page, "the statement form with an error")

    form.get_by_label(fr("Your statement")).fill(STATEMENT)
    with (
        htmx_settled(page, "statement-form"),
        page.expect_response(re.compile(r"/statements$")) as answer,
    ):
        form.get_by_role("button", name=fr("Send my statement")).click()
    assert answer.value.status == 200
    expect(form.get_by_role("status")).to_contain_text(fr("Thank you: your statement is sent."))
    expect(form.get_by_role("status")).to_contain_text(fr("The facilitators will review it."))
    expect(form.get_by_label(fr("Your statement"))).to_have_value("")
    assert page.evaluate("() => window.__marker") == 3, "sending a statement reloaded the page"
    assert_accessible(page, "the statement form once sent")

    # "My votes" shows it awaiting review, thanks nobody twice, and offers no vote change
    # that the server would refuse (a pending statement takes no votes under pre-moderation).
    page.get_by_role("link", name=fr("My votes and statements")).click()
    arrived(page, f"/r/{world.round.slug}/my-votes")
    expect(page.locator("#messages")).to_be_empty()
    mine = page.locator(".statement-list li", has_text=STATEMENT)
    expect(mine).to_contain_text(fr("Awaiting review"))
    own_vote = page.locator(".vote-row", has_text=STATEMENT)
    expect(own_vote).to_contain_text(fr("Awaiting review"))
    for button in own_vote.get_by_role("button").all():
        expect(button).to_be_disabled()
    expect(own_vote.get_by_role("button", name=fr("Agree"), exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    assert_accessible(page, "my votes with a statement awaiting review")


def accept_in_moderation_queue(page: Page, world: TwinnedRound, statement_id: int) -> None:
    """Sign in as the round's facilitator and accept the statement from the queue."""
    round_id = world.round.id
    page.goto("/facilitate/")
    arrived(page, "/auth/sign-in")
    assert_accessible(page, "the sign-in page")
    page.get_by_label("Email").fill(world.facilitator.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    arrived(page, "/facilitate/")
    assert_accessible(page, "the facilitator's rounds")
    page.get_by_role("link", name="Heat in our towns").click()
    arrived(page, f"/facilitate/rounds/{round_id}")
    assert_accessible(page, "the round's overview")
    round_nav = page.get_by_role("navigation", name="This round")
    round_nav.get_by_role("link", name="Moderation", exact=True).click()
    arrived(page, f"/facilitate/rounds/{round_id}/moderation")
    assert_accessible(page, "the moderation queue")

    row = page.locator(f"#statement-{statement_id}")
    expect(row).to_contain_text(STATEMENT)
    expect(row).not_to_contain_text("Chambéry")  # its only participant is under the round's k
    expect(row).to_contain_text("Hidden: fewer than 5 participants there")
    with htmx_settled(page, f"statement-{statement_id}"):
        row.get_by_role("button", name="Accept", exact=True).click()
    expect(row.get_by_role("status")).to_have_text("Accepted.")
    assert_accessible(page, "the moderation queue after accepting")

    round_nav.get_by_role("link", name="Moderation log").click()
    arrived(page, f"/facilitate/rounds/{round_id}/moderation/log")
    entry = page.locator("tbody tr", has_text=STATEMENT[:40])
    expect(entry).to_contain_text(world.facilitator.email)
    expect(entry).to_contain_text("Statement accepted")
    assert_accessible(page, "the moderation log")


def reach_twin_town(page: Page, world: TwinnedRound, statement_id: int) -> None:
    """Join through Turin's invite (German browser), pass the seeds, find the statement."""
    total = len(world.seeds) + 1
    page.goto(world.twin_invite_url)
    expect(page.locator("html")).to_have_attribute("lang", "de")
    assert_accessible(page, "the join page in German")
    join_form = page.locator("main form")
    for language in ("English", "Français"):
        join_form.get_by_label(language, exact=True).check()
    join_form.get_by_label(translated("de", "I have read the privacy notice")).check()
    join_form.get_by_role("button", name=re.compile("Turin")).click()
    arrived(page, f"/r/{world.round.slug}")
    expect(page.locator("#progress progress")).to_have_attribute("max", str(total))
    for _seed in world.seeds:
        assert _shown_statement_id(page) != statement_id, "seed statements come first"
        with htmx_settled(page, "card"):
            page.keyboard.press("p")
    card = page.locator("#card blockquote.statement")
    expect(card).to_have_text(STATEMENT)
    expect(card).to_have_attribute("lang", "fr")
    expect(card).to_have_attribute("data-statement-id", str(statement_id))
    assert_accessible(page, "the twin town's card with the accepted statement")
    with htmx_settled(page, "card"):
        page.keyboard.press("a")
    expect(page.locator("#progress progress")).to_have_attribute("value", str(total))
    expect(page.locator("#card .done")).to_be_visible()


def test_a_statement_from_one_town_reaches_its_twin(
    open_context: OpenContext, twinned_round: TwinnedRound, session: Session
) -> None:
    world = twinned_round
    citizen = open_context().new_page()
    join_in_french(citizen, world)
    participant = session.exec(select(Participant)).one()
    assert participant.language == "fr"

    votes_cast = vote_on_every_card(citizen, world)
    recorded = session.exec(select(Vote).where(Vote.participant_id == participant.id)).all()
    assert {v.statement_id: v.value for v in recorded} == votes_cast

    first = next(iter(votes_cast))
    change_vote_to_disagree(citizen, world, first)
    session.expire_all()
    changed = session.exec(
        select(Vote).where(Vote.participant_id == participant.id, Vote.statement_id == first)
    ).one()
    assert changed.value == -1

    write_statement(citizen, world)
    statement = session.exec(
        select(Statement).where(col(Statement.author_participant_id) == participant.id)
    ).one()
    assert (statement.text, statement.language) == (STATEMENT, "fr")
    assert statement.status == StatementStatus.PENDING
    statement_id = statement.id or 0

    accept_in_moderation_queue(open_context().new_page(), world, statement_id)
    session.expire_all()
    assert session.get(Statement, statement_id).status == StatementStatus.ACCEPTED
    log = session.exec(
        select(AuditEntry).where(
            AuditEntry.target_kind == TargetKind.STATEMENT, AuditEntry.target_id == statement_id
        )
    )
    assert [(e.action, e.actor_user_id) for e in log] == [
        (AuditAction.STATEMENT_ACCEPT, world.facilitator.id)
    ]

    reach_twin_town(open_context(locale="de-DE").new_page(), world, statement_id)
    twin = session.exec(select(Participant).where(Participant.id != participant.id)).one()
    assert twin.territory_id != participant.territory_id
    assert twin.language == "de"
    assert (
        session.exec(
            select(Vote).where(Vote.participant_id == twin.id, Vote.statement_id == statement_id)
        )
        .one()
        .value
        == 1
    )
