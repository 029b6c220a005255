"""The same citizen's loop with JavaScript off: plain forms, 303 redirects, full pages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, Response, expect
from sqlmodel import Session, select

from deliberation.models import Participant, Statement, StatementStatus, Vote
from tests.browser.accessibility import assert_accessible_without_javascript
from tests.browser.browsing import OpenContext
from tests.browser.world import TwinnedRound

pytestmark = pytest.mark.browser


def _submitted(page: Page, button: str, *, within: str = "main") -> Response:
    """Click a submit button and return the answer of the page it leads to."""
    with page.expect_response(_final_document) as answer:
        page.locator(within).get_by_role("button", name=button, exact=True).click()
    page.wait_for_load_state("load")
    return answer.value


def _final_document(response: Response) -> bool:
    """A page's own answer (not a redirect, not a stylesheet)."""
    return response.request.is_navigation_request() and not 300 <= response.status < 400


def _redirected_after_post(response: Response, path: str) -> None:
    """``response`` is the page a POST answered with a 303 redirect to ``path``."""
    assert response.status == 200
    assert response.url.endswith(path)
    post = response.request.redirected_from
    assert post is not None, "the form was answered with a page, not a redirect"
    assert post.method == "POST"
    redirect = post.response()
    assert redirect is not None
    assert redirect.status == 303


def test_join_vote_change_and_write_without_javascript(
    open_context: OpenContext, twinned_round: TwinnedRound, session: Session
) -> None:
    world = twinned_round
    slug = world.round.slug
    total = len(world.seeds)
    page = open_context(java_script_enabled=False).new_page()
    viewer = open_context().new_page()
    page.goto(world.twin_invite_url)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert_accessible_without_javascript(page, viewer, "the join page")

    refused = _submitted(page, "Join as a resident of Turin")
    assert refused.status == 422
    expect(page.locator("main .error")).to_have_text(
        "Please read and accept the privacy notice to take part."
    )
    assert_accessible_without_javascript(page, viewer, "the join page with an error")

    page.get_by_label("I have read the privacy notice").check()
    _redirected_after_post(_submitted(page, "Join as a resident of Turin"), f"/r/{slug}")
    expect(page.locator("#progress")).to_contain_text(f"Statements voted: 0 of {total}")
    expect(page.locator(".meta")).to_contain_text("Taking part as a resident of Turin.")
    assert_accessible_without_javascript(page, viewer, "the participation page")

    votes_cast: dict[int, int] = {}
    for number, (button, value) in enumerate(
        (("Agree", 1), ("Disagree", -1), ("Pass / unsure", 0)), start=1
    ):
        shown = int(page.locator("#card blockquote").get_attribute("data-statement-id") or 0)
        _redirected_after_post(_submitted(page, button, within="#card"), f"/r/{slug}?voted={shown}")
        votes_cast[shown] = value
        expect(page.locator("#progress")).to_contain_text(f"Statements voted: {number} of {total}")
        expect(page.locator("#card blockquote")).not_to_have_attribute(
            "data-statement-id", str(shown)
        )

    participant = session.exec(select(Participant)).one()
    recorded = session.exec(select(Vote).where(Vote.participant_id == participant.id)).all()
    assert {v.statement_id: v.value for v in recorded} == votes_cast

    text = "Shaded bus stops would help older people in the heat."
    page.get_by_label("Your statement").fill(text)
    _redirected_after_post(_submitted(page, "Send my statement"), f"/r/{slug}")
    expect(page.locator("#messages")).to_contain_text(
        "Thank you: the facilitators will review your statement."
    )
    assert_accessible_without_javascript(page, viewer, "the participation page, thanked")
    statement = session.exec(select(Statement).where(Statement.text == text)).one()
    assert statement.status == StatementStatus.PENDING
    assert statement.author_participant_id == participant.id

    page.get_by_role("link", name="My votes and statements").click()
    expect(page).to_have_url(re.compile(f"/r/{slug}/my-votes$"))
    expect(page.locator(".statement-list")).to_contain_text("Awaiting review")
    changed = next(iter(votes_cast))
    row = page.locator(f"#vote-{changed}")
    _redirected_after_post(
        _submitted(page, "Pass / unsure", within=f"#vote-{changed}"), "/my-votes"
    )
    expect(page.locator("#messages")).to_contain_text("Your vote is changed: Pass / unsure.")
    expect(row.get_by_role("button", name="Pass / unsure")).to_have_attribute(
        "aria-pressed", "true"
    )
    assert_accessible_without_javascript(page, viewer, "my votes")
    session.expire_all()
    vote = session.exec(
        select(Vote).where(Vote.participant_id == participant.id, Vote.statement_id == changed)
    ).one()
    assert vote.value == 0

    # Reopening the invite link in the same browser keeps the same participant.
    page.goto(world.twin_invite_url)
    expect(page).to_have_url(re.compile(f"/r/{slug}$"))
    assert len(session.exec(select(Participant)).all()) == 1
