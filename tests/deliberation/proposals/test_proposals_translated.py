"""Proposals and amendments read across languages: the reading rule for their parts, the
facilitators' translation form on the proposal page, and who may translate."""

from __future__ import annotations

import pytest
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
    return make_round(session, phase=Phase.DRAFTING, facilitators=[facilitator], privacy_k=1)


@pytest.fixture
def author(session: Session, round_: Round) -> Participant:
    return make_participant(session, round_)


@pytest.fixture
def proposal(session: Session, round_: Round, author: Participant) -> Proposal:
    return make_proposal(
        session, round_, author=author, title="Schatten", text=GERMAN_TEXT, language="de"
    )


def _translate(
    session: Session, proposal: Proposal, kind: TextKind, text: str, **extra: object
) -> None:
    fields: dict[str, object] = {
        "round_id": proposal.round_id,
        "kind": kind,
        "text_id": proposal.id,
        "language": "en",
        "text": text,
        "origin": TranslationOrigin.HUMAN,
        "reviewed": True,
        "status": StatementStatus.ACCEPTED,
    }
    fields.update(extra)
    session.add(Translation(**fields))
    session.commit()


def test_a_reader_sees_the_translation_and_the_original_beside_it(
    session: Session, round_: Round, proposal: Proposal
) -> None:
    _translate(session, proposal, TextKind.PROPOSAL_TITLE, "Shade")
    _translate(session, proposal, TextKind.PROPOSAL_TEXT, "Shade for every schoolyard.")

    english = read_proposals(session, round_, [proposal], ["en"])[proposal.id or 0]
    german = read_proposals(session, round_, [proposal], ["de", "en"])[proposal.id or 0]

    assert (english.title.text, english.title.language, english.title.translated) == (
        "Shade",
        "en",
        True,
    )
    assert english.text.original_text == GERMAN_TEXT
    assert english.text.original_language == "de"
    assert german.title.text == "Schatten"
    assert not german.title.translated


def test_an_unreviewed_participant_translation_is_not_shown_and_the_original_is(
    session: Session, round_: Round, proposal: Proposal, author: Participant
) -> None:
    _translate(
        session,
        proposal,
        TextKind.PROPOSAL_TITLE,
        "Shade (unreviewed)",
        origin=TranslationOrigin.PARTICIPANT,
        reviewed=False,
        author_participant_id=author.id,
    )

    reading = read_proposals(session, round_, [proposal], ["en", "fr"])[proposal.id or 0]

    assert reading.title.text == "Schatten"
    assert not reading.title.translated


def test_an_amendment_is_read_in_its_proposal_s_language_with_its_translations(
    session: Session, round_: Round, proposal: Proposal, author: Participant
) -> None:
    amendment = Amendment(
        proposal_id=proposal.id,  # type: ignore[arg-type]
        base_version=1,
        paragraph=0,
        original="Schatten für jeden Schulhof.",
        replacement="Bäume für jeden Schulhof.",
        rationale="Bäume kühlen besser.",
        participant_id=author.id,
    )
    session.add(amendment)
    session.commit()
    session.add(
        Translation(
            round_id=round_.id,  # type: ignore[arg-type]
            kind=TextKind.AMENDMENT_RATIONALE,
            text_id=amendment.id,  # type: ignore[arg-type]
            language="en",
            text="Trees cool better.",
            origin=TranslationOrigin.HUMAN,
            reviewed=True,
        )
    )
    session.commit()

    read = read_amendments(session, round_, proposal, [amendment], ["en"])[amendment.id or 0]

    assert read.rationale.text == "Trees cool better."
    assert read.rationale.original_language == "de"
    assert read.text.text == "Bäume für jeden Schulhof."
    assert not read.text.translated


def test_a_facilitator_translates_a_proposal_and_readers_see_it_on_the_list_and_the_page(
    client: FlaskClient,
    session: Session,
    *,
    round_: Round,
    proposal: Proposal,
    facilitator: User,
    author: Participant,
) -> None:
    sign_in_as(client, facilitator)
    page = client.get(f"/r/{round_.slug}/proposals/{proposal.id}")
    assert f'action="/r/{round_.slug}/proposals/{proposal.id}/translations"' in page.text

    saved = client.post(
        f"/r/{round_.slug}/proposals/{proposal.id}/translations",
        data={"language": "en", "title": "Shade & cool", "text": "Shade for **every** schoolyard."},
    )

    assert saved.status_code == 303
    rows = session.exec(
        select(Translation).where(col(Translation.kind).in_(["proposal_title", "proposal_text"]))
    ).all()
    assert {(t.language, t.origin, t.reviewed) for t in rows} == {("en", "human", True)}
    assert session.exec(
        select(AuditEntry).where(AuditEntry.action == AuditAction.PROPOSAL_TRANSLATE)
    ).one()
    corrected = client.post(
        f"/r/{round_.slug}/proposals/{proposal.id}/translations",
        data={"language": "en", "title": "Shade & cool", "text": "Shade for each schoolyard."},
    )
    assert corrected.status_code == 303
    session.expire_all()
    assert len(session.exec(select(Translation)).all()) == 2

    reader = client.application.test_client()
    act_as(reader, author)
    listed = reader.get(f"/r/{round_.slug}/proposals")
    shown = reader.get(f"/r/{round_.slug}/proposals/{proposal.id}")

    assert "Shade &amp; cool" in listed.text
    assert "<summary>Original in German</summary>" in listed.text
    assert "Shade for each schoolyard." in shown.text
    assert "<summary>Original in German</summary>" in shown.text
    assert "Kühle Räume im Sommer." in shown.text
    assert f'action="/r/{round_.slug}/proposals/{proposal.id}/translations"' not in shown.text
    history = reader.get(f"/r/{round_.slug}/proposals/{proposal.id}/history")
    assert "Shade &amp; cool" not in history.text


@pytest.mark.parametrize(
    "data",
    [
        {"language": "de", "title": "Schatten", "text": "Text"},
        {"language": "xx", "title": "Shade", "text": "Text"},
        {"language": "en", "title": "", "text": "Text"},
        {"language": "en", "title": "Shade", "text": "x" * 20_001},
        {"language": "en", "title": "Shade", "text": '<b hx-get="/x">bold</b>'},
    ],
)
def test_a_bad_translation_is_refused_with_the_form_and_nothing_is_stored(
    client: FlaskClient,
    session: Session,
    *,
    round_: Round,
    proposal: Proposal,
    facilitator: User,
    data: dict[str, str],
) -> None:
    sign_in_as(client, facilitator)

    refused = client.post(f"/r/{round_.slug}/proposals/{proposal.id}/translations", data=data)

    assert refused.status_code == 422
    assert 'class="error"' in refused.text or "aria-invalid" in refused.text
    assert '<b hx-get="/x">' not in refused.text
    assert session.exec(select(Translation)).all() == []


def test_a_stranger_a_participant_and_another_round_s_facilitator_cannot_translate(
    client: FlaskClient, session: Session, round_: Round, proposal: Proposal, author: Participant
) -> None:
    url = f"/r/{round_.slug}/proposals/{proposal.id}/translations"
    data = {"language": "en", "title": "Shade", "text": "Shade."}
    other = make_user(session)
    make_round(session, facilitators=[other])

    assert client.post(url, data=data).status_code == 403
    act_as(client, author)
    assert client.post(url, data=data).status_code == 403
    sign_in_as(client, other)
    assert client.post(url, data=data).status_code == 403
    assert session.exec(select(Translation)).all() == []
