"""Every page of the URL map in Chromium, at a desktop and a phone size (issue 14).

The world is the demo (one round per phase, with proposals, decisions, councils and a
published report), plus an admin, a council clerk and a participant in each live round. Every
GET route of ``app.url_map`` is either a page, visited by the viewer it is meant for, or a
file (JSON, CSV, scripts...) listed in ``FILES``: a route the test does not know fails it.

Each page is opened at 1280 × 800 and at 390 × 844 (a phone, touch and mobile viewport): it
must answer 200, raise no script error or CSP violation, have no serious or critical axe-core
violation, and, on the phone, never scroll sideways. On the phone, the participation card's
vote buttons are in the first screen. A full-page screenshot of each visit is written to
``screenshots/<size>/<endpoint>.<viewer>.jpeg`` (git-ignored) for people to look at. The
browser asks for British English; ``SWEEP_LOCALE=fr-FR`` (any locale) sweeps in
that language instead and writes to ``screenshots/fr-FR/<size>/``.

Several pages load and run axe at once (one browser, a few tabs), so that the sweep takes
about three minutes on a busy two-core machine.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from itertools import islice
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import BrowserContext, Page
from sqlmodel import Session, col, select

from deliberation.clock import utcnow
from deliberation.demo import seed as demo
from deliberation.models import (
    CoauthorInvite,
    CouncilClerk,
    Decision,
    DecisionStatus,
    Invite,
    NotificationSubscription,
    OutcomeCouncil,
    Phase,
    Proposal,
    Role,
    Statement,
    Territory,
)
from deliberation.proposals.drafting import coauthor_token
from deliberation.reports.publishing import publish_report
from deliberation.services import accounts, audit, notifications
from deliberation.services.invites import invite_token
from deliberation.services.notifications import stop_token
from deliberation.services.participation import issue_session_key
from tests.browser.accessibility import ROOT, axe_results, blocking_violations, start_axe
from tests.browser.browsing import OpenContext
from tests.factories import make_decision, make_participant, make_user

pytestmark = pytest.mark.browser

SCREENSHOTS = ROOT / "screenshots"
SIZES = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}
TABS = 4
"""Pages loaded and audited at once."""


@dataclass(frozen=True)
class Visit:
    """Who opens a page, and in which demo round (by phase) its round arguments are."""

    who: str
    phase: Phase = Phase.OPEN
    query: str = ""


STRANGER, PARTICIPANT, FACILITATOR, ADMIN, CLERK = (
    "stranger",
    "participant",
    "facilitator",
    "admin",
    "clerk",
)

PAGES: dict[str, Visit] = {
    "main.index": Visit(STRANGER),
    "auth.sign_in": Visit(STRANGER),
    "auth.set_password": Visit(STRANGER),
    "auth.change_password": Visit(FACILITATOR),
    "api.docs": Visit(STRANGER),
    "admin.account_list": Visit(ADMIN),
    "admin.log": Visit(ADMIN),
    # The citizen's pages.
    "participate.join": Visit(STRANGER),
    "participate.round_page": Visit(PARTICIPANT),
    "participate.reading_settings": Visit(PARTICIPANT),
    "participate.my_votes": Visit(PARTICIPANT),
    "participate.privacy_notice": Visit(PARTICIPANT),
    "participate.return_link": Visit(PARTICIPANT),
    "participate.come_back": Visit(STRANGER),
    "notices.subscribe": Visit(PARTICIPANT),
    "notices.stop": Visit(STRANGER),
    "opinions.opinion_map": Visit(PARTICIPANT),
    "proposals.proposal_list": Visit(PARTICIPANT, Phase.DRAFTING),
    "proposals.proposal_page": Visit(PARTICIPANT, Phase.DRAFTING),
    "proposals.new_proposal": Visit(PARTICIPANT, Phase.DRAFTING),
    "proposals.new_amendment": Visit(PARTICIPANT, Phase.DRAFTING),
    "proposals.edit_proposal": Visit(FACILITATOR, Phase.DRAFTING),
    "proposals.history": Visit(PARTICIPANT, Phase.DRAFTING),
    "proposals.compare": Visit(PARTICIPANT, Phase.DRAFTING),
    "proposals.join_as_coauthor": Visit(PARTICIPANT, Phase.DRAFTING),
    "decisions.participant_decisions": Visit(PARTICIPANT, Phase.DECIDING),
    "decisions.ballot_page": Visit(PARTICIPANT, Phase.DECIDING),
    "decisions.results_page": Visit(STRANGER, Phase.DECIDING),
    "reports.report_page": Visit(STRANGER, Phase.REPORTED),
    "reports.version_page": Visit(STRANGER, Phase.REPORTED),
    "reports.compare": Visit(STRANGER, Phase.REPORTED, "?from=1&to=2"),
    # The facilitator's pages.
    "facilitate.dashboard": Visit(FACILITATOR),
    "facilitate.new_round": Visit(FACILITATOR),
    "facilitate.round_page": Visit(FACILITATOR),
    "facilitate.edit_round": Visit(FACILITATOR),
    "facilitate.round_counts": Visit(FACILITATOR),
    "facilitate.round_log": Visit(FACILITATOR),
    "facilitate.invites": Visit(FACILITATOR),
    "facilitate.invite_poster": Visit(FACILITATOR),
    "facilitate.territory_posters": Visit(FACILITATOR),
    "facilitate.statements": Visit(FACILITATOR),
    "facilitate.statement_page": Visit(FACILITATOR),
    "facilitate.moderation_page": Visit(FACILITATOR),
    "facilitate.moderation_log": Visit(FACILITATOR),
    "facilitate.translations": Visit(FACILITATOR),
    "facilitate.territory_list": Visit(FACILITATOR),
    "facilitate.territory_page": Visit(FACILITATOR),
    "facilitate.new_territory": Visit(FACILITATOR),
    "facilitate.edit_territory": Visit(FACILITATOR),
    "proposals.facilitate_proposals": Visit(FACILITATOR, Phase.DRAFTING),
    "proposals.moderation_page": Visit(FACILITATOR, Phase.DRAFTING),
    "facilitate.single_use_invites_print": Visit(FACILITATOR, Phase.DECIDING),
    "decisions.round_decisions": Visit(FACILITATOR, Phase.DECIDING),
    "decisions.new_decision": Visit(FACILITATOR, Phase.DECIDING),
    "decisions.manage": Visit(FACILITATOR, Phase.DECIDING),
    "decisions.edit_decision": Visit(FACILITATOR, Phase.DECIDING),
    "reports.outcomes_page": Visit(FACILITATOR, Phase.REPORTED),
    "reports.edit_outcome": Visit(FACILITATOR, Phase.REPORTED),
    "councils.council_list": Visit(FACILITATOR),
    "councils.council_page": Visit(FACILITATOR),
    "councils.new_council": Visit(FACILITATOR),
    "councils.edit_council": Visit(FACILITATOR),
    # The council clerk's pages.
    "inbox.inbox": Visit(CLERK),
    "inbox.outcome_page": Visit(CLERK, Phase.REPORTED),
}

FILES = {
    "static",
    "main.htmx_js",
    "main.sortable_js",
    "main.healthz",
    "api.docs_asset",
    "api.openapi",
    "api.addressed_outcomes",
    "api.councils",
    "api.responses_of_outcome",
    "api.outcomes",
    "api.outcome",
    "api.rounds",
    "api.round_",
    "api.opinion_groups",
    "api.reports",
    "api.report",
    "api.latest_report",
    "api.statements",
    "api.territories",
    "api.territory",
    "api.decisions",
    "api.decision",
    "api.later_responses",
    "reports.outcome_schema_document",
    "reports.version_json",
    "reports.version_decidim",
    "reports.version_territory_csv",
    "reports.version_polis",
    "reports.version_markdown",
    "reports.version_package",
    "reports.round_feed",
    "reports.site_feed",
    "facilitate.single_use_invites_csv",
    "decisions.published_ballots",
    "decisions.published_receipts",
    "facilitate.export_po",
    "opinions.snapshot_download",
    "participate.my_data",
}
"""GET routes that answer a file or JSON rather than a page."""


@dataclass
class Sweep:
    """The demo world's argument values, and the pages' cookies per viewer."""

    app: Flask
    values: dict[Phase, dict[str, Any]]
    cookies: dict[str, str]
    locale: str = "en-GB"

    def url(self, endpoint: str, visit: Visit) -> str:
        rule = next(r for r in self.app.url_map.iter_rules() if r.endpoint == endpoint)
        values = self.values[visit.phase]
        missing = set(rule.arguments) - set(values)
        assert not missing, f"{rule}: give the sweep a value for {sorted(missing)}"
        with self.app.test_request_context():
            path = self.app.url_for(endpoint, **{a: values[a] for a in rule.arguments})
        return path + visit.query


def _first(session: Session, statement: Any) -> int:
    found = session.exec(statement).first()
    assert found is not None, f"the demo has nothing for {statement}"
    return int(found)


def _build(app: Flask, session: Session) -> Sweep:
    created = demo.seed_demo(session, participants=60, seed=14, password="a demo password")
    assert created is not None
    session.commit()
    rounds = {phase: seeded.round for phase, seeded in created.rounds.items()}
    admin = make_user(session, email="admin@example.org", role=Role.ADMIN)
    clerk = make_user(session, email="clerk@example.org", role=Role.COUNCIL)
    newcomer = make_user(session, email="newcomer@example.org")
    outcome_id, council_id = session.exec(
        select(OutcomeCouncil.outcome_id, OutcomeCouncil.council_id).order_by(
            col(OutcomeCouncil.outcome_id)
        )
    ).first() or (0, 0)
    session.add(CouncilClerk(user_id=clerk.id, council_id=council_id))  # type: ignore[arg-type]
    deciding = rounds[Phase.DECIDING]
    draft = make_decision(session, deciding, options=["Trees", "Fountains"])
    drafting = rounds[Phase.DRAFTING]
    proposal_id = _first(
        session,
        select(Proposal.id).where(Proposal.round_id == drafting.id).order_by(col(Proposal.id)),
    )
    coauthor = CoauthorInvite(proposal_id=proposal_id, key="every-page-sweep")
    session.add(coauthor)
    issued = accounts.reset_password(
        session, actor=audit.SYSTEM, user=newcomer, now=utcnow(), ttl=timedelta(days=1)
    )
    with app.test_request_context():  # a second version of the report, to compare
        publish_report(
            session, round_=rounds[Phase.REPORTED], user=created.facilitator, commit="sweep"
        )
    session.commit()
    keys = {}
    for phase in (Phase.OPEN, Phase.DRAFTING, Phase.DECIDING):
        participant = make_participant(session, rounds[phase])
        keys[str(rounds[phase].id)] = issue_session_key(participant)
        session.add(participant)
    notifications.subscribe(
        session, round_=rounds[Phase.OPEN], email="reader@example.org", language="fr"
    )
    session.commit()
    subscription = session.exec(select(NotificationSubscription)).first()
    assert subscription is not None

    common = {
        "territory_id": _first(session, select(Territory.id).order_by(col(Territory.id))),
        "council_id": council_id,
        "outcome_id": outcome_id,
        "number": 1,
        "language": "fr",
    }
    values: dict[Phase, dict[str, Any]] = {}
    with app.test_request_context():
        for phase, round_ in rounds.items():
            invite = session.exec(
                select(Invite).where(Invite.round_id == round_.id).order_by(col(Invite.id))
            ).first()
            assert invite is not None
            values[phase] = common | {
                "round_id": round_.id,
                "slug": round_.slug,
                "token": invite_token(invite),
                "invite_id": invite.id,
                "statement_id": _first(
                    session,
                    select(Statement.id)
                    .where(Statement.round_id == round_.id)
                    .order_by(col(Statement.id)),
                ),
            }
        values[Phase.DRAFTING] |= {
            "proposal_id": proposal_id,
            "token": coauthor_token(coauthor),
        }
        decisions = session.exec(
            select(Decision).where(Decision.round_id == deciding.id).order_by(col(Decision.id))
        ).all()
        values[Phase.DECIDING] |= {
            "decision_id": next(d.id for d in decisions if d.status == DecisionStatus.OPEN),
        }
        # The closed decision's results; the draft one is the one a facilitator edits.
        values[Phase.DECIDING]["closed_id"] = next(
            d.id for d in decisions if d.status == DecisionStatus.CLOSED
        )
        values[Phase.DECIDING]["draft_id"] = draft.id
    values[Phase.OPEN] |= {
        "password_token": issued.token,
        "key": keys[str(rounds[Phase.OPEN].id)],  # a return link's key is the session key
        "notice_token": stop_token(app.config["SECRET_KEY"], subscription),
    }

    cookies = {STRANGER: ""}
    name = app.config["SESSION_COOKIE_NAME"]
    for who, user in ((FACILITATOR, created.facilitator), (ADMIN, admin), (CLERK, clerk)):
        client = app.test_client()
        with client.session_transaction() as browser_session:
            browser_session["user_id"] = user.id
            browser_session["session_version"] = user.session_version
        cookie = client.get_cookie(name)
        assert cookie is not None
        cookies[who] = cookie.value
    client = app.test_client()
    with client.session_transaction() as browser_session:
        browser_session["participants"] = keys
    cookie = client.get_cookie(name)
    assert cookie is not None
    cookies[PARTICIPANT] = cookie.value
    return Sweep(app=app, values=values, cookies=cookies)


def _special(sweep: Sweep, endpoint: str, visit: Visit) -> str:
    """The URL of a page whose arguments differ from its round's defaults."""
    values = sweep.values[visit.phase]
    with sweep.app.test_request_context():
        if endpoint == "auth.set_password":
            return sweep.app.url_for(endpoint, token=sweep.values[Phase.OPEN]["password_token"])
        if endpoint == "notices.stop":
            return sweep.app.url_for(endpoint, token=values["notice_token"])
        if endpoint == "decisions.results_page":
            return sweep.app.url_for(endpoint, decision_id=values["closed_id"])
        if endpoint == "decisions.edit_decision":
            return sweep.app.url_for(endpoint, decision_id=values["draft_id"])
    return sweep.url(endpoint, visit)


def _batches(items: list[tuple[str, str, str]], size: int) -> Iterator[list[tuple[str, str, str]]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _context(
    open_context: OpenContext, live_server: str, sweep: Sweep, who: str, size: str
) -> BrowserContext:
    context = open_context(locale=sweep.locale, **SIZES[size])
    context.set_default_timeout(30_000)  # several pages load at once, on a shared machine
    if sweep.cookies[who]:
        context.add_cookies(
            [
                {
                    "name": sweep.app.config["SESSION_COOKIE_NAME"],
                    "value": sweep.cookies[who],
                    "url": live_server,
                }
            ]
        )
    return context


# The elements that stick out of the page, not counting those inside a region that scrolls
# by itself (a .table-scroll), outermost first.
_SIDEWAYS = """() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width) return [];
  const clipped = (e) => {
    for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== "visible") return true;
    }
    return false;
  };
  const found = [...document.querySelectorAll("body *")]
    .filter((e) => e.getBoundingClientRect().right > width + 1 && !clipped(e))
    .filter((e) => !e.parentElement || e.parentElement.getBoundingClientRect().right <= width + 1)
    .slice(0, 5)
    .map((e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
      + (e.className && typeof e.className === "string" ? "." + e.className.split(" ").join(".") : "")
      + " (right " + Math.round(e.getBoundingClientRect().right) + ")");
  // A word too long for its line sticks out as text, not as an element.
  return found.length ? found : ["text wider than the page (" + document.documentElement.scrollWidth + " px)"];
}"""


def _vote_buttons_problem(page: Page) -> str | None:
    buttons = page.locator(".vote-buttons button")
    if buttons.count() == 0:
        return "no vote buttons on the participation page"
    for index in range(buttons.count()):
        box = buttons.nth(index).bounding_box()
        if box is None or box["y"] + box["height"] > 844:
            return f"vote button {index + 1} is below the first screen ({box})"
    return None


def _sweep(open_context: OpenContext, live_server: str, sweep: Sweep, size: str) -> list[str]:
    """Every page at ``size``, ``TABS`` at a time; the problems found."""
    problems: list[str] = []
    folder = SCREENSHOTS / size if sweep.locale == "en-GB" else SCREENSHOTS / sweep.locale / size
    folder.mkdir(parents=True, exist_ok=True)
    visits = [
        (visit.who, endpoint, _special(sweep, endpoint, visit))
        for endpoint, visit in sorted(PAGES.items(), key=lambda item: item[1].who)
    ]
    contexts: dict[str, BrowserContext] = {}
    tabs: dict[str, list[Page]] = {}
    for batch in _batches(visits, TABS):
        pages: list[tuple[Page, str, str, str]] = []
        for who, endpoint, url in batch:
            if who not in contexts:
                contexts[who] = _context(open_context, live_server, sweep, who, size)
                tabs[who] = []
            free = [tab for tab in tabs[who] if all(tab is not p for p, *_ in pages)]
            if not free:
                free = [contexts[who].new_page()]
                tabs[who] += free
            pages.append((free[0], who, endpoint, url))
        answers = [page.goto(url, wait_until="commit") for page, _who, _endpoint, url in pages]
        for (page, who, endpoint, url), answer in zip(pages, answers, strict=True):
            page.wait_for_load_state("load")
            if endpoint == "api.docs":  # Swagger UI draws the page after loading
                page.locator(".swagger-ui .opblock").first.wait_for()
            where = f"{endpoint} ({url}) as {who} on the {size}"
            if answer is None or answer.status != 200 or page.url != live_server + url:
                status = answer.status if answer else None
                problems.append(f"{where}: status {status}, ended at {page.url}")
            if size == "phone":
                sideways = page.evaluate(_SIDEWAYS)
                if sideways:
                    problems.append(f"{where} scrolls sideways: {', '.join(sideways)}")
                if endpoint == "participate.round_page":
                    problem = _vote_buttons_problem(page)
                    if problem:
                        problems.append(f"{where}: {problem}")
            start_axe(page)
        for page, who, endpoint, url in pages:
            problems += blocking_violations(
                axe_results(page), f"{endpoint} ({url}) as {who} on the {size}"
            )
            page.screenshot(path=str(folder / f"{endpoint}.{who}.jpeg"), full_page=True, quality=70)
    return problems


def test_the_sweep_knows_every_get_route(app: Flask) -> None:
    routes = {r.endpoint for r in app.url_map.iter_rules() if "GET" in (r.methods or set())}
    assert set(PAGES) & FILES == set()
    assert routes - set(PAGES) - FILES == set(), "routes the sweep does not visit: add them"
    assert (set(PAGES) | FILES) - routes == set(), "the sweep lists routes that are gone"


def test_every_page_at_every_size(
    app: Flask, session: Session, open_context: OpenContext, live_server: str
) -> None:
    sweep = _build(app, session)
    sweep.locale = os.environ.get("SWEEP_LOCALE", sweep.locale)
    problems = [p for size in SIZES for p in _sweep(open_context, live_server, sweep, size)]
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)
