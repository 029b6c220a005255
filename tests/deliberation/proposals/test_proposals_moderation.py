"""Moderation of what is written while drafting: facilitators hide proposals, amendments and
display names with a reason (and show them again), through the moderation page's new tab, with
htmx or without; every action is in the audit log and the moderation log."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session, select

from deliberation.models import (
    Amendment,
    AuditAction,
    AuditEntry,
    DisplayName,
    Participant,
    Phase,
    Proposal,
    Round,
    User,
)
from tests.factories import (
    act_as,
    make_participant,
    make_proposal,
    make_round,
    make_statement,
    make_user,
    sign_in_as,
)

HTMX = {"HX-Request": "true"}


@pytest.fixture
def facilitator(session: Session) -> User:
    return make_user(session)


@pytest.fixture
def round_(session: Session, facilitator: User) -> Round:
    return make_round(session, phase=Phase.DRAFTING, facilitators=[facilitator], privacy_k=1)


@pytest.fixture
def author(session: Session, round_: Round) -> Participant:
    participant = make_participant(session, round_)
    session.add(DisplayName(participant_id=participant.id, name="Rude Name"))  # type: ignore[arg-type]
    session.commit()
    return participant


@pytest.fixture
def proposal(session: Session, round_: Round, author: Participant) -> Proposal:
    proposal = make_proposal(session, round_, author=author, title="Shade for schools")
    session.commit()
    return proposal


@pytest.fixture
def amendment(session: Session, proposal: Proposal, author: Participant) -> Amendment:
    amendment = Amendment(
        proposal_id=proposal.id,  # type: ignore[arg-type]
        base_version=1,
        paragraph=0,
        original="Plant trees in every schoolyard.",
        replacement="Plant trees in every street.",
        rationale="Streets are hot too.",
        participant_id=author.id,
    )
    session.add(amendment)
    session.commit()
    return amendment


def as_participant(client: FlaskClient, participant: Participant) -> None:
    """The browser of ``participant`` alone (no facilitator signed in)."""
    with client.session_transaction() as browser_session:
        browser_session.clear()
    act_as(client, participant)


def url(round_: Round, kind: str, target_id: int | None) -> str:
    return f"/facilitate/rounds/{round_.id}/moderation/drafting/{kind}/{target_id}"


def test_the_moderation_page_has_a_tab_for_proposals_amendments_and_names(
    client: FlaskClient, round_: Round, facilitator: User, proposal: Proposal, amendment: Amendment
) -> None:
    sign_in_as(client, facilitator)

    statements = client.get(f"/facilitate/rounds/{round_.id}/moderation")
    drafting = client.get(f"/facilitate/rounds/{round_.id}/moderation/drafting")

    assert 'id="moderation-tabs"' in statements.text
    assert "Proposals, amendments, names" in statements.text
    assert drafting.status_code == 200
    assert "Shade for schools" in drafting.text
    assert "Plant trees in every street." in drafting.text
    assert "Rude Name" in drafting.text
    assert 'aria-current="page">Proposals, amendments, names' in drafting.text


def test_hiding_a_proposal_with_htmx_answers_its_row_and_the_tab_counts(
    client: FlaskClient,
    session: Session,
    *,
    round_: Round,
    facilitator: User,
    proposal: Proposal,
    author: Participant,
) -> None:
    sign_in_as(client, facilitator)

    answer = client.post(
        url(round_, "proposal", proposal.id),
        data={"action": "hide", "reason": "Insults another participant"},
        headers=HTMX,
    )

    assert answer.status_code == 200
    assert f'id="moderate-proposal-{proposal.id}"' in answer.text
    assert "Proposal hidden." in answer.text
    assert 'id="moderation-tabs"' in answer.text
    assert 'hx-swap-oob="true"' in answer.text
    assert "1 hidden" in answer.text
    session.refresh(proposal)
    assert proposal.hidden
    assert proposal.hidden_reason == "Insults another participant"
    entry = session.exec(
        select(AuditEntry).where(AuditEntry.action == AuditAction.PROPOSAL_HIDE)
    ).one()
    assert entry.details == {"reason": "Insults another participant"}
    log = client.get(f"/facilitate/rounds/{round_.id}/moderation/log")
    assert "Proposal hidden" in log.text
    assert "Insults another participant" in log.text

    reader = make_participant(session, round_)
    as_participant(client, reader)
    listed = client.get(f"/r/{round_.slug}/proposals")
    page = client.get(f"/r/{round_.slug}/proposals/{proposal.id}")
    assert "Shade for schools" not in listed.text
    assert "Shade for schools" not in page.text
    assert "Insults another participant" in page.text
    refused = client.post(f"/r/{round_.slug}/proposals/{proposal.id}/endorsement")
    assert refused.status_code == 409

    as_participant(client, author)
    own = client.get(f"/r/{round_.slug}/proposals/{proposal.id}")
    assert "Shade for schools" in own.text
    assert "Insults another participant" in own.text


def test_showing_again_without_javascript_redirects_with_a_message(
    client: FlaskClient, session: Session, round_: Round, facilitator: User, proposal: Proposal
) -> None:
    sign_in_as(client, facilitator)
    client.post(url(round_, "proposal", proposal.id), data={"action": "hide", "reason": "Spam"})

    shown = client.post(url(round_, "proposal", proposal.id), data={"action": "show"})

    assert shown.status_code == 303
    assert "Proposal shown again." in client.get(shown.headers["Location"]).text
    session.refresh(proposal)
    assert not proposal.hidden
    actions = session.exec(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-2:] == [AuditAction.PROPOSAL_HIDE, AuditAction.PROPOSAL_SHOW]


def test_a_hidden_display_name_is_credited_as_a_participant_until_it_changes(
    client: FlaskClient,
    session: Session,
    *,
    round_: Round,
    facilitator: User,
    proposal: Proposal,
    author: Participant,
) -> None:
    sign_in_as(client, facilitator)
    hidden = client.post(
        url(round_, "display-name", author.id), data={"action": "hide", "reason": "Offensive"}
    )
    assert hidden.status_code == 303

    page = client.get(f"/r/{round_.slug}/proposals/{proposal.id}")
    assert "Rude Name" not in page.text
    assert "A participant" in page.text

    as_participant(client, author)
    client.post(
        f"/r/{round_.slug}/proposals/{proposal.id}/edit",
        data={
            "title": "Shade for schools",
            "text": "Plant trees.",
            "base_version": "1",
            "display_name": "Kind Name",
        },
    )
    session.expire_all()
    name = session.get(DisplayName, author.id)
    assert name is not None
    assert name.name == "Kind Name"
    assert not name.hidden


def test_a_hidden_amendment_shows_the_reason_and_cannot_be_supported_or_accepted(
    client: FlaskClient,
    session: Session,
    *,
    round_: Round,
    facilitator: User,
    proposal: Proposal,
    amendment: Amendment,
    author: Participant,
) -> None:
    sign_in_as(client, facilitator)
    client.post(
        url(round_, "amendment", amendment.id), data={"action": "hide", "reason": "Off topic"}
    )

    as_participant(client, author)
    page = client.get(f"/r/{round_.slug}/proposals/{proposal.id}")
    assert "Off topic" in page.text
    assert "Streets are hot too." not in page.text
    support = client.post(
        f"/r/{round_.slug}/proposals/{proposal.id}/amendments/{amendment.id}/support"
    )
    accept = client.post(
        f"/r/{round_.slug}/proposals/{proposal.id}/amendments/{amendment.id}/accept"
    )
    assert support.status_code == 409
    assert accept.status_code == 409


@pytest.mark.parametrize(
    "data",
    [
        {"action": "hide", "reason": ""},
        {"action": "hide", "reason": "r" * 501},
        {"action": "hide", "reason": '<b hx-get="/x">no</b>'},
    ],
)
def test_a_bad_reason_re_renders_the_row_with_the_error_and_changes_nothing(
    client: FlaskClient,
    session: Session,
    *,
    round_: Round,
    facilitator: User,
    proposal: Proposal,
    data: dict[str, str],
) -> None:
    sign_in_as(client, facilitator)

    with_htmx = client.post(url(round_, "proposal", proposal.id), data=data, headers=HTMX)
    without = client.post(url(round_, "proposal", proposal.id), data=data)

    assert with_htmx.status_code == 422
    assert 'role="alert"' in with_htmx.text
    assert without.status_code == 422
    assert 'aria-invalid="true"' in without.text
    session.refresh(proposal)
    assert not proposal.hidden
    assert session.exec(select(AuditEntry).where(AuditEntry.round_id == round_.id)).all() == []


def test_only_the_rounds_facilitators_moderate(
    client: FlaskClient, session: Session, round_: Round, proposal: Proposal, author: Participant
) -> None:
    stranger = make_user(session)
    sign_in_as(client, stranger)
    other = client.post(
        url(round_, "proposal", proposal.id), data={"action": "hide", "reason": "x"}
    )
    page = client.get(f"/facilitate/rounds/{round_.id}/moderation/drafting")
    as_participant(client, author)

    assert other.status_code == 403
    assert page.status_code == 403
    other_round = make_round(session, phase=Phase.DRAFTING, facilitators=[stranger])
    elsewhere = make_proposal(session, other_round)
    session.commit()
    sign_in_as(client, stranger)
    wrong = client.post(
        url(other_round, "proposal", proposal.id), data={"action": "hide", "reason": "x"}
    )
    unknown = client.post(url(other_round, "petition", elsewhere.id), data={"action": "show"})
    assert wrong.status_code == 404
    assert unknown.status_code == 404
    session.refresh(proposal)
    assert not proposal.hidden


def test_statement_actions_say_what_happened_and_update_the_tabs(
    client: FlaskClient, session: Session, round_: Round, facilitator: User
) -> None:
    statement = make_statement(session, round_, text="Schools need shade in summer")
    session.commit()
    sign_in_as(client, facilitator)

    answer = client.post(
        f"/facilitate/rounds/{round_.id}/moderation/{statement.id}?status=accepted",
        data={"action": "meta"},
        headers=HTMX,
    )

    assert answer.status_code == 200
    assert "Flagged as meta." in answer.text
    assert 'id="moderation-tabs" aria-label' in answer.text
    assert 'hx-swap-oob="true"' in answer.text
