"""Proposals and amendments translated by participants who help translate (reviewed by
another helper, moderated as statements), and amendments translated by facilitators."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, col, select

from deliberation.models import (
    Amendment,
    AuditAction,
    AuditEntry,
    Participant,
    Phase,
    Proposal,
    Round,
    StatementStatus,
    TextKind,
    Translation,
    TranslationOrigin,
    User,
)
from deliberation.proposals.translating import read_amendments, read_proposals
from tests.factories import (
    act_as,
    make_participant,
    make_proposal,
    make_round,
    make_user,
    sign_in_as,
)

GERMAN_TEXT = "Schatten für jeden Schulhof.\n\nKühle Räume im Sommer."


@pytest.fixture
def facilitator(session: Session) -> User:
    return make_user(session)


@pytest.fixture
def round_(session: Session, facilitator: User) -> Round:
    return make_round(
        session, phase=Phase.DRAFTING, facilitators=[facilitator], languages=["de", "fr", "en"]
    )


@pytest.fixture
def proposal(session: Session, round_: Round) -> Proposal:
    author = make_participant(session, round_, language="de")
    return make_proposal(
        session, round_, author=author, title="Schatten", text=GERMAN_TEXT, language="de"
    )


@pytest.fixture
def amendment(session: Session, proposal: Proposal) -> Amendment:
    found = Amendment(
        proposal_id=proposal.id,  # type: ignore[arg-type]
        base_version=1,
        paragraph=0,
        original="Schatten für jeden Schulhof.",
        replacement="Bäume für jeden Schulhof.",
        rationale="Bäume kühlen besser.",
    )
    session.add(found)
    session.commit()
    return found


def _helper(session: Session, round_: Round) -> Participant:
    return make_participant(session, round_, language="fr", reads=["fr", "de"], translates=True)


def _client(app: Flask, participant: Participant) -> FlaskClient:
    client = app.test_client()
    act_as(client, participant)
    return client


def _url(round_: Round, proposal: Proposal, tail: str = "") -> str:
    return f"/r/{round_.slug}/proposals/{proposal.id}{tail}"


def test_a_helper_translates_a_proposal_another_reviews_it_then_readers_see_it(
    app: Flask, session: Session, round_: Round, proposal: Proposal, facilitator: User
) -> None:
    writer, reviewer = _helper(session, round_), _helper(session, round_)
    writing = _client(app, writer)
    page = writing.get(_url(round_, proposal))
    assert f'action="{_url(round_, proposal, "/translations")}"' in page.text
    assert "Proposal title into French" in page.text
    assert '<option value="en">' not in page.text  # the writer does not read English

    saved = writing.post(
        _url(round_, proposal, "/translations"),
        data={"language": "fr", "title": "De l'ombre", "text": "De l'ombre pour chaque cour."},
    )
    assert saved.status_code == 303
    rows = session.exec(select(Translation)).all()
    assert {(t.kind, t.origin, t.status, t.reviewed) for t in rows} == {
        ("proposal_title", "participant", "pending", False),
        ("proposal_text", "participant", "pending", False),
    }
    assert read_proposals(session, round_, [proposal], ["fr"])[proposal.id or 0].title.text == (
        "Schatten"
    )
    assert "Is this a faithful translation?" not in writing.get(_url(round_, proposal)).text

    reviewing = _client(app, reviewer)
    page = reviewing.get(_url(round_, proposal))
    assert "Is this a faithful translation?" in page.text
    title = next(t for t in rows if t.kind == TextKind.PROPOSAL_TITLE)
    text = next(t for t in rows if t.kind == TextKind.PROPOSAL_TEXT)
    review = _url(round_, proposal, f"/translations/{title.id}/review")
    assert reviewing.post(review, data={"verdict": "yes"}).status_code == 303
    assert reviewing.post(review, data={"verdict": "yes"}).status_code == 409
    better = reviewing.post(
        _url(round_, proposal, f"/translations/{text.id}/review"),
        data={"verdict": "better", "better": "De l'ombre dans chaque cour."},
    )
    assert better.status_code == 303
    session.expire_all()
    read = read_proposals(session, round_, [proposal], ["fr"])[proposal.id or 0]
    assert read.title.text == "De l'ombre"
    assert read.title.origin == TranslationOrigin.PARTICIPANT
    assert read.text.text == GERMAN_TEXT  # declined; the better one waits for its review

    sign_in_as(writing, facilitator)  # the queue shows proposals' translations too
    queue = writing.get(f"/facilitate/rounds/{round_.id}/moderation")
    assert "De l&#39;ombre dans chaque cour." in queue.text
    assert "Proposal text" in queue.text
    suggestion = session.exec(
        select(Translation).where(Translation.text == "De l'ombre dans chaque cour.")
    ).one()
    rejected = writing.post(
        f"/facilitate/rounds/{round_.id}/translations/{suggestion.id}/moderate",
        data={"action": "reject", "reason": "Not faithful"},
    )
    assert rejected.status_code == 303
    assert rejected.headers["Location"].endswith(f"/facilitate/rounds/{round_.id}/moderation")
    entry = session.exec(
        select(AuditEntry).where(AuditEntry.action == AuditAction.TRANSLATION_REJECT)
    ).one()
    assert entry.details == {
        "language": "fr",
        "kind": "proposal_text",
        "text": proposal.id,
        "reason": "Not faithful",
    }


def test_helpers_translate_and_review_amendments(
    app: Flask, session: Session, round_: Round, proposal: Proposal, amendment: Amendment
) -> None:
    writer, reviewer = _helper(session, round_), _helper(session, round_)
    writing = _client(app, writer)
    url = _url(round_, proposal, f"/amendments/{amendment.id}/translations")
    assert f'action="{url}"' in writing.get(_url(round_, proposal)).text
    saved = writing.post(
        url,
        data={
            "language": "fr",
            "text": "Des arbres pour chaque cour.",
            "rationale": "Les arbres rafraîchissent mieux.",
        },
    )
    assert saved.status_code == 303
    reviewing = _client(app, reviewer)
    for translation in session.exec(select(Translation)).all():
        answered = reviewing.post(
            _url(round_, proposal, f"/translations/{translation.id}/review"),
            data={"verdict": "yes"},
        )
        assert answered.status_code == 303
    session.expire_all()
    read = read_amendments(session, round_, proposal, [amendment], ["fr"])[amendment.id or 0]
    assert (read.text.text, read.rationale.text) == (
        "Des arbres pour chaque cour.",
        "Les arbres rafraîchissent mieux.",
    )


def test_a_facilitator_translates_an_amendment_reviewed_at_once(
    client: FlaskClient,
    session: Session,
    *,
    round_: Round,
    proposal: Proposal,
    amendment: Amendment,
    facilitator: User,
) -> None:
    sign_in_as(client, facilitator)
    url = _url(round_, proposal, f"/amendments/{amendment.id}/translations")
    prefix = f"amendment-{amendment.id}-"
    page = client.get(_url(round_, proposal))
    assert f'action="{url}"' in page.text
    assert f'id="{prefix}rationale"' in page.text
    data = {
        "language": "en",
        "text": "Trees for every schoolyard.",
        "rationale": "Trees cool better.",
    }
    assert client.post(url, data=data).status_code == 303
    assert client.post(url, data=data).status_code == 303  # a correction replaces in place
    rows = session.exec(select(Translation)).all()
    assert {(t.kind, t.origin, t.reviewed, t.status) for t in rows} == {
        ("amendment_text", "human", True, "accepted"),
        ("amendment_rationale", "human", True, "accepted"),
    }
    assert session.exec(
        select(AuditEntry).where(AuditEntry.action == AuditAction.PROPOSAL_TRANSLATE)
    ).all()
    read = read_amendments(session, round_, proposal, [amendment], ["en"])[amendment.id or 0]
    assert read.rationale.text == "Trees cool better."
    assert "Trees cool better." in client.get(_url(round_, proposal)).text


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("language", "de"),
        ("language", "xx"),
        ("text", ""),
        ("rationale", "x" * 1001),
        ("text", "Ein\x00Text"),
    ],
)
def test_a_bad_amendment_translation_is_refused_with_the_form_and_changes_nothing(
    client: FlaskClient,
    session: Session,
    *,
    round_: Round,
    proposal: Proposal,
    amendment: Amendment,
    facilitator: User,
    field: str,
    value: str,
) -> None:
    sign_in_as(client, facilitator)
    data = {
        "language": "en",
        "text": "Trees for every schoolyard.",
        "rationale": "Trees cool better.",
    }
    data[field] = value
    refused = client.post(
        _url(round_, proposal, f"/amendments/{amendment.id}/translations"), data=data
    )
    assert refused.status_code == 422
    assert "aria-invalid" in refused.text or 'role="alert"' in refused.text
    assert '<details class="translate-amendment" open>' in refused.text
    assert session.exec(select(Translation)).all() == []


def test_who_may_translate_and_review_proposals(
    app: Flask,
    client: FlaskClient,
    session: Session,
    *,
    round_: Round,
    proposal: Proposal,
    amendment: Amendment,
) -> None:
    url = _url(round_, proposal, "/translations")
    data = {"language": "fr", "title": "Ombre", "text": "De l'ombre."}
    # a participant who did not offer to help, or who does not read the proposal's language
    plain = make_participant(session, round_, language="fr", reads=["fr", "de"])
    assert _client(app, plain).post(url, data=data).status_code == 403
    stranger = make_participant(session, round_, language="fr", reads=["fr", "en"], translates=True)
    refused = _client(app, stranger).post(url, data=data)
    assert refused.status_code == 422
    assert session.exec(select(Translation)).all() == []
    # the author of a translation does not review it; a helper reviews only what they read
    writer = _helper(session, round_)
    assert _client(app, writer).post(url, data=data).status_code == 303
    title = session.exec(
        select(Translation).where(Translation.kind == TextKind.PROPOSAL_TITLE)
    ).one()
    review = _url(round_, proposal, f"/translations/{title.id}/review")
    assert _client(app, writer).post(review, data={"verdict": "yes"}).status_code == 409
    assert _client(app, stranger).post(review, data={"verdict": "yes"}).status_code == 422
    bad = _client(app, _helper(session, round_)).post(review, data={"verdict": "maybe"})
    assert bad.status_code == 422
    assert "Answer yes, no, or suggest a better translation." in bad.text
    empty = _client(app, _helper(session, round_)).post(
        review, data={"verdict": "better", "better": " "}
    )
    assert empty.status_code == 422
    # a translation of another proposal is not reviewed from this one's page
    other = make_proposal(session, round_, language="de")
    elsewhere = _client(app, _helper(session, round_)).post(
        _url(round_, other, f"/translations/{title.id}/review"), data={"verdict": "yes"}
    )
    assert elsewhere.status_code == 404
    session.expire_all()
    assert not session.get(Translation, title.id).reviewed  # type: ignore[union-attr]
    # outside the drafting phase, helpers neither translate nor review
    round_.phase = Phase.DECIDING
    session.add(round_)
    session.commit()
    helper = _helper(session, round_)
    assert _client(app, helper).post(url, data=data).status_code == 403
    assert _client(app, helper).post(review, data={"verdict": "yes"}).status_code == 409
    assert (
        session.exec(
            select(Translation).where(col(Translation.status) == StatementStatus.ACCEPTED)
        ).all()
        == []
    )
