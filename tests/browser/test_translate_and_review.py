"""Issue 9's flow in a real browser, with htmx and axe.

A bilingual resident of Kehl joins in German, says she reads German and French and offers to
help; her first card is a task: she translates a German statement into French. A bilingual
resident of Strasbourg joins in French and is asked whether that translation is faithful; he
says yes, and his next card shows the statement in French, labelled as a translation, with the
German original one click away. The facilitator then sees French and German covered. While a
round drafts, the same happens to a proposal on its page.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from deliberation.models import Phase, Translation, TranslationOrigin, TranslationReview
from deliberation.services.invites import create_invite, invite_token
from deliberation.services.statements import add_seed_statement
from tests.browser.accessibility import assert_accessible
from tests.browser.browsing import OpenContext, arrived, htmx_settled
from tests.browser.catalog import translated
from tests.factories import PASSWORD, make_proposal, make_round, make_territory, make_user

pytestmark = pytest.mark.browser

GERMAN = "Die Straßenbahn nach Kehl sollte am Wochenende die ganze Nacht fahren."
FRENCH = "Le tram vers Kehl devrait rouler toute la nuit le week-end."


def _join_as_helper(page: Page, url: str, slug: str, language: str, other: str) -> None:
    """Join with the browser's language, reading it and ``other``, offering to help."""
    page.goto(url)
    expect(page.locator("html")).to_have_attribute("lang", language)
    form = page.locator("main form")
    reads = form.get_by_role("group", name=translated(language, "Languages you read"))
    expect(reads.locator(f'input[value="{language}"]')).to_be_checked()
    reads.locator(f'input[value="{other}"]').check()
    form.get_by_label(
        translated(
            language,
            "I read several of these languages and can help: now and then, translate or review a statement.",
        )
    ).check()
    form.get_by_label(translated(language, "I have read the privacy notice")).check()
    assert_accessible(page, f"the join page in {language} with languages read")
    form.get_by_role("button").click()
    arrived(page, f"/r/{slug}")


def test_a_translation_is_made_reviewed_and_read(
    open_context: OpenContext, session: Session
) -> None:
    facilitator = make_user(session)
    kehl = make_territory(session, slug="kehl", names={"de": "Kehl", "fr": "Kehl"})
    strasbourg = make_territory(
        session, slug="strasbourg", names={"de": "Straßburg", "fr": "Strasbourg"}
    )
    round_ = make_round(
        session,
        territories=[kehl, strasbourg],
        facilitators=[facilitator],
        languages=["fr", "de"],
        title={"fr": "Le Rhin en commun", "de": "Der Rhein gemeinsam", "en": "The Rhine"},
    )
    statement = add_seed_statement(session, round_=round_, text=GERMAN, language="de")
    kehl_invite = create_invite(session, round_=round_, territory_id=kehl.id or 0)
    strasbourg_invite = create_invite(session, round_=round_, territory_id=strasbourg.id or 0)
    session.commit()

    # The translator, in German.
    writer = open_context(locale="de-DE").new_page()
    _join_as_helper(writer, f"/join/{invite_token(kehl_invite)}", round_.slug, "de", "fr")
    task = writer.locator("#card")
    expect(task.get_by_role("heading")).to_have_text(
        translated("de", "Translate this statement into %(language)s") % {"language": "Französisch"}
    )
    expect(task.locator('blockquote[lang="de"]')).to_have_text(GERMAN)
    assert_accessible(writer, "a translation task")
    task.get_by_label(
        translated("de", "Your translation into %(language)s") % {"language": "Französisch"}
    ).fill(FRENCH)
    with (
        htmx_settled(writer, "card"),
        writer.expect_response(re.compile(r"/tasks/translate$")) as answer,
    ):
        task.get_by_role("button", name=translated("de", "Send the translation")).click()
    assert answer.value.status == 200
    card = writer.locator("#card blockquote.statement")
    expect(card).to_have_attribute("data-statement-id", str(statement.id))
    expect(card).to_have_text(GERMAN)
    assert_accessible(writer, "the card after a translation")
    proposed = session.exec(select(Translation)).one()
    assert (proposed.text, proposed.origin, proposed.reviewed) == (
        FRENCH,
        TranslationOrigin.PARTICIPANT,
        False,
    )

    # The reviewer, in French.
    reviewer = open_context(locale="fr-FR").new_page()
    _join_as_helper(reviewer, f"/join/{invite_token(strasbourg_invite)}", round_.slug, "fr", "de")
    review = reviewer.locator("#card")
    expect(review.get_by_role("heading")).to_have_text(
        translated("fr", "Is this a faithful translation?")
    )
    expect(review.locator('blockquote[lang="fr"]')).to_have_text(FRENCH)
    assert_accessible(reviewer, "a review task")
    with htmx_settled(reviewer, "card"):
        review.get_by_role("button", name=translated("fr", "Yes, faithful")).click()
    card = reviewer.locator("#card blockquote.statement")
    expect(card).to_have_text(FRENCH)
    expect(card).to_have_attribute("lang", "fr")
    note = reviewer.locator("#card .translation-note")
    expect(note).to_contain_text(translated("fr", "Translated"))
    original = note.locator("details.original")
    expect(original.locator('p[lang="de"]')).not_to_be_visible()
    original.locator("summary").click()
    expect(original.locator("summary")).to_have_text(
        translated("fr", "Original in %(language)s") % {"language": "allemand"}
    )
    expect(original.locator('p[lang="de"]')).to_have_text(GERMAN)
    assert_accessible(reviewer, "a translated card with its original open")
    with htmx_settled(reviewer, "card"):
        reviewer.get_by_role("button", name=translated("fr", "Agree"), exact=True).click()
    session.expire_all()
    assert session.exec(select(Translation)).one().reviewed
    assert len(session.exec(select(TranslationReview)).all()) == 1

    # The facilitator sees both languages covered.
    desk = open_context().new_page()
    desk.goto("/auth/sign-in")
    desk.get_by_label("Email").fill(facilitator.email)
    desk.get_by_label("Password").fill(PASSWORD)
    desk.get_by_role("button", name="Sign in").click()
    arrived(desk, "/facilitate/")
    desk.goto(f"/facilitate/rounds/{round_.id}/translations")
    row = desk.locator("tbody tr", has_text=GERMAN)
    expect(row.locator(".coverage-reviewed")).to_have_count(1)
    expect(row.locator(".coverage-original")).to_have_count(1)
    assert_accessible(desk, "the translations page")
    desk.get_by_role("link", name=GERMAN).click()
    arrived(desk, f"/facilitate/rounds/{round_.id}/statements/{statement.id}")
    expect(desk.get_by_label("Translation into French")).to_have_value("")
    assert_accessible(desk, "a statement's translations")


PROPOSAL_TITLE = "Nachtbahn am Wochenende"
PROPOSAL_TEXT = "Die Straßenbahn fährt freitags und samstags die ganze Nacht."


def test_a_proposal_is_translated_reviewed_and_read(
    open_context: OpenContext, session: Session
) -> None:
    """While the round drafts, the same helpers translate a proposal on its page and review
    each other's translation; readers then see it in French with the German original."""
    kehl = make_territory(session, slug="kehl", names={"de": "Kehl", "fr": "Kehl"})
    strasbourg = make_territory(
        session, slug="strasbourg", names={"de": "Straßburg", "fr": "Strasbourg"}
    )
    round_ = make_round(
        session,
        territories=[kehl, strasbourg],
        languages=["fr", "de"],
        phase=Phase.DRAFTING,
        title={"fr": "Le Rhin en commun", "de": "Der Rhein gemeinsam", "en": "The Rhine"},
    )
    proposal = make_proposal(
        session, round_, title=PROPOSAL_TITLE, text=PROPOSAL_TEXT, language="de"
    )
    kehl_invite = create_invite(session, round_=round_, territory_id=kehl.id or 0)
    strasbourg_invite = create_invite(session, round_=round_, territory_id=strasbourg.id or 0)
    session.commit()
    url = f"/r/{round_.slug}/proposals/{proposal.id}"

    writer = open_context(locale="de-DE").new_page()
    _join_as_helper(writer, f"/join/{invite_token(kehl_invite)}", round_.slug, "de", "fr")
    writer.goto(url)
    form = writer.locator(
        "form", has=writer.get_by_role("button", name=translated("de", "Save the translation"))
    )
    expect(form.get_by_label(translated("de", "Into"))).to_have_value("fr")
    assert_accessible(writer, "a proposal a helper can translate")
    form.get_by_label(translated("de", "Title")).fill("Tram de nuit le week-end")
    form.locator('textarea[name="text"]').fill(
        "Le tram roule toute la nuit le vendredi et le samedi."
    )
    form.get_by_role("button", name=translated("de", "Save the translation")).click()
    arrived(writer, url)
    expect(writer.locator(".flash, [role=status]").first).to_contain_text(
        translated("de", "Thank you: another participant will review your translation.")
    )
    expect(writer.locator("h1")).to_have_text(PROPOSAL_TITLE)

    reviewer = open_context(locale="fr-FR").new_page()
    _join_as_helper(reviewer, f"/join/{invite_token(strasbourg_invite)}", round_.slug, "fr", "de")
    reviewer.goto(url)
    expect(reviewer.locator("h1")).to_have_text(PROPOSAL_TITLE)  # not reviewed yet
    reviews = reviewer.locator("ul.reviews > li")
    expect(reviews).to_have_count(2)
    assert_accessible(reviewer, "a proposal's translations to review")
    for _ in range(2):
        reviews.first.get_by_role("button", name=translated("fr", "Yes, faithful")).click()
        arrived(reviewer, url)
    expect(reviews).to_have_count(0)
    expect(reviewer.locator("h1")).to_have_text("Tram de nuit le week-end")
    expect(reviewer.locator("h1")).to_have_attribute("lang", "fr")
    original = reviewer.locator("article .translation-note details.original")
    original.locator("summary").click()
    expect(original.locator('div[lang="de"]')).to_contain_text(PROPOSAL_TEXT)
    assert_accessible(reviewer, "a translated proposal with its original open")
    session.expire_all()
    assert all(t.reviewed for t in session.exec(select(Translation)))
