"""Drafting services: new proposals, versions, stale edits, authors, co-author links, checks."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlmodel import Session, func, select

from deliberation.errors import Conflict, Forbidden, NotFound
from deliberation.models import (
    Phase,
    Proposal,
    ProposalAuthor,
    ProposalStatement,
    ProposalStatus,
    ProposalVersion,
    Round,
)
from deliberation.models.proposals import EditInput, ProposalInput
from deliberation.proposals import drafting
from deliberation.proposals.drafting import Drafter, StaleEdit
from deliberation.services.validation import FieldInvalid, validate_input
from tests.factories import (
    make_participant,
    make_proposal,
    make_round,
    make_statement,
    make_user,
)


@pytest.fixture
def round_(session: Session) -> Round:
    return make_round(session, phase=Phase.DRAFTING)


def as_participant(session: Session, round_: Round) -> Drafter:
    return Drafter(make_participant(session, round_), None, False)


def new(**overrides: object) -> ProposalInput:
    data: dict[str, object] = {"title": "A title", "text": "A text.", "language": "en"}
    data.update(overrides)
    return validate_input(ProposalInput, data)


def edit(base_version: int = 1, **overrides: object) -> EditInput:
    data: dict[str, object] = {"title": "T", "text": "Edited.", "base_version": base_version}
    data.update(overrides)
    return validate_input(EditInput, data)


def count(session: Session, model: type) -> int:
    return int(session.exec(select(func.count()).select_from(model)).one())


def test_a_participant_drafts_a_proposal_linked_to_statements(
    app: Flask, session: Session, round_: Round
) -> None:
    statement = make_statement(session, round_)
    drafter = as_participant(session, round_)

    proposal = drafting.create_proposal(
        session,
        round_=round_,
        drafter=drafter,
        fields=new(
            title="  Shade   for schools ",
            text="Plant trees.\r\n\r\nOpen cool rooms.",
            language="fr",
            statements=[statement.id, statement.id],
        ),
    )
    session.commit()

    assert proposal.title == "Shade for schools"
    assert proposal.text == "Plant trees.\n\nOpen cool rooms."
    assert proposal.language == "fr"
    assert proposal.status == ProposalStatus.DRAFT
    assert proposal.territory_id == drafter.territory_id
    assert [v.number for v in drafting.versions(session, proposal)] == [1]
    links = session.exec(select(ProposalStatement)).all()
    assert [link.statement_id for link in links] == [statement.id]
    assert drafting.is_author(session, proposal, drafter)


def test_a_facilitator_drafts_as_their_account(app: Flask, session: Session, round_: Round) -> None:
    user = make_user(session)
    proposal = drafting.create_proposal(
        session,
        round_=round_,
        drafter=Drafter(None, user, True),
        fields=new(),
    )
    assert proposal.territory_id is None
    author = session.exec(select(ProposalAuthor)).one()
    assert author.user_id == user.id
    assert author.participant_id is None


@pytest.mark.parametrize(
    ("field", "values"),
    [
        ("title", {"title": "   "}),
        ("title", {"title": "x" * 161}),
        ("text", {"text": "y" * 20_001}),
        ("text", {"text": ""}),
        ("title", {"title": "<b>Bold</b> title"}),
        ("text", {"text": 'Click <a hx-post="/facilitate/">here</a>'}),
        ("text", {"text": "<div hx-get='/x' hx-trigger='load'></div>"}),
        ("message", {"message": "<img src=x onerror=alert(1)>"}),
        ("display_name", {"display_name": "<i hx-on:click='x'>Ana</i>"}),
        ("display_name", {"display_name": "n" * 61}),
        ("title", {"title": "Nul\x00byte"}),
        ("language", {"language": "xx"}),
        ("statements_0", {"statements": ["abc"]}),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(
    app: Flask, session: Session, round_: Round, field: str, values: dict[str, str]
) -> None:
    with pytest.raises(FieldInvalid) as raised:
        drafting.create_proposal(
            session, round_=round_, drafter=as_participant(session, round_), fields=new(**values)
        )
    session.rollback()
    assert raised.value.field == field
    assert count(session, Proposal) == 0
    assert count(session, ProposalVersion) == 0


def test_a_less_than_sign_before_a_space_is_text_not_markup(
    app: Flask, session: Session, round_: Round
) -> None:
    text = "Fares fall when income < median, and 3 <= zones."
    proposal = drafting.create_proposal(
        session, round_=round_, drafter=as_participant(session, round_), fields=new(text=text)
    )
    assert proposal.text == text


def test_a_language_the_round_does_not_offer_is_refused(app: Flask, session: Session) -> None:
    round_ = make_round(session, phase=Phase.DRAFTING, languages=["fr", "de"])
    with pytest.raises(FieldInvalid) as raised:
        drafting.create_proposal(
            session, round_=round_, drafter=as_participant(session, round_), fields=new()
        )
    assert raised.value.field == "language"


def test_a_less_than_sign_is_text_not_markup(app: Flask, session: Session, round_: Round) -> None:
    proposal = drafting.create_proposal(
        session,
        round_=round_,
        drafter=as_participant(session, round_),
        fields=new(title="Below 3 < 5 degrees", text="Keep indoor heat < 28 °C."),
    )
    assert proposal.text == "Keep indoor heat < 28 °C."


def test_statements_of_another_round_are_refused(
    app: Flask, session: Session, round_: Round
) -> None:
    other = make_statement(session, make_round(session, phase=Phase.DRAFTING))
    with pytest.raises(FieldInvalid) as raised:
        drafting.create_proposal(
            session,
            round_=round_,
            drafter=as_participant(session, round_),
            fields=new(statements=[other.id]),
        )
    session.rollback()
    assert raised.value.field == "statements"
    assert count(session, Proposal) == 0


@pytest.mark.parametrize("phase", [Phase.OPEN, Phase.DECIDING, Phase.CLOSED])
def test_proposals_are_drafted_only_in_the_drafting_phase(
    app: Flask, session: Session, phase: Phase
) -> None:
    round_ = make_round(session, phase=phase)
    with pytest.raises(Conflict):
        drafting.create_proposal(
            session,
            round_=round_,
            drafter=as_participant(session, round_),
            fields=new(),
        )


def test_an_edit_is_a_new_version(app: Flask, session: Session, round_: Round) -> None:
    author = make_participant(session, round_)
    proposal = make_proposal(session, round_, author=author)

    version = drafting.edit_proposal(
        session,
        round_=round_,
        proposal=proposal,
        drafter=Drafter(author, None, False),
        fields=edit(title=proposal.title, text="Plant oaks.", message="Oaks give more shade"),
    )
    session.commit()

    assert version.number == 2
    assert version.message == "Oaks give more shade"
    assert version.participant_id == author.id
    assert proposal.version == 2
    assert proposal.text == "Plant oaks."
    assert [v.number for v in drafting.versions(session, proposal)] == [2, 1]


def test_a_stale_edit_is_refused_with_the_current_proposal(
    app: Flask, session: Session, round_: Round
) -> None:
    author = make_participant(session, round_)
    proposal = make_proposal(session, round_, author=author)
    drafter = Drafter(author, None, False)
    where = {"round_": round_, "proposal": proposal, "drafter": drafter}
    drafting.edit_proposal(session, fields=edit(text="First save."), **where)  # type: ignore[arg-type]
    session.commit()

    with pytest.raises(StaleEdit) as raised:
        drafting.edit_proposal(session, fields=edit(text="Second save."), **where)  # type: ignore[arg-type]
    session.rollback()

    assert raised.value.status == 409
    assert raised.value.current.text == "First save."
    assert count(session, ProposalVersion) == 2


def test_the_conditional_update_refuses_a_save_on_a_replaced_base(
    app: Flask, session: Session, round_: Round
) -> None:
    """Two requests that both read version 1: the second save finds the base gone."""
    proposal = make_proposal(session, round_)
    drafter = Drafter(None, make_user(session), True)
    drafting.save_version(
        session, proposal, drafter, base_version=1, title="T", text="One.", message=""
    )
    with pytest.raises(StaleEdit):
        drafting.save_version(
            session, proposal, drafter, base_version=1, title="T", text="Two.", message=""
        )


def test_saving_the_same_text_is_refused(app: Flask, session: Session, round_: Round) -> None:
    author = make_participant(session, round_)
    proposal = make_proposal(session, round_, author=author)
    with pytest.raises(FieldInvalid):
        drafting.edit_proposal(
            session,
            round_=round_,
            proposal=proposal,
            drafter=Drafter(author, None, False),
            fields=edit(title=proposal.title, text=proposal.text),
        )


def test_who_may_edit(app: Flask, session: Session, round_: Round) -> None:
    proposal = make_proposal(session, round_)
    stranger = Drafter(make_participant(session, round_), None, False)
    other_facilitator = make_user(session)
    make_round(session, facilitators=[other_facilitator], phase=Phase.DRAFTING)

    for drafter in (stranger, Drafter(None, other_facilitator, False)):
        with pytest.raises(Forbidden):
            drafting.edit_proposal(
                session,
                round_=round_,
                proposal=proposal,
                drafter=drafter,
                fields=edit(title="Taken over"),
            )
    assert drafting.can_edit(session, proposal, Drafter(None, make_user(session), True))


def test_a_coauthor_link_makes_a_participant_an_author(
    app: Flask, session: Session, round_: Round
) -> None:
    first = make_participant(session, round_)
    proposal = make_proposal(session, round_, author=first)
    invite = drafting.create_coauthor_invite(
        session, round_=round_, proposal=proposal, drafter=Drafter(first, None, False)
    )
    session.commit()
    token = drafting.coauthor_token(invite)
    coauthor = Drafter(make_participant(session, round_), None, False)

    resolved = drafting.resolve_coauthor_invite(session, round_, token)
    drafting.join_as_coauthor(session, round_=round_, invite=resolved, drafter=coauthor)
    session.commit()

    assert drafting.can_edit(session, proposal, coauthor)
    with pytest.raises(Conflict):
        drafting.join_as_coauthor(session, round_=round_, invite=resolved, drafter=coauthor)


def test_a_revoked_or_forged_coauthor_link_admits_nobody(
    app: Flask, session: Session, round_: Round
) -> None:
    first = make_participant(session, round_)
    proposal = make_proposal(session, round_, author=first)
    drafter = Drafter(first, None, False)
    invite = drafting.create_coauthor_invite(
        session, round_=round_, proposal=proposal, drafter=drafter
    )
    token = drafting.coauthor_token(invite)
    drafting.revoke_coauthor_invite(
        session,
        proposal=proposal,
        drafter=drafter,
        invite_id=invite.id,  # type: ignore[arg-type]
    )
    session.commit()

    with pytest.raises(Forbidden):
        drafting.resolve_coauthor_invite(session, round_, token)
    with pytest.raises(NotFound):
        drafting.resolve_coauthor_invite(session, round_, token[:-2] + "xx")
    other_round = make_round(session, phase=Phase.DRAFTING)
    with pytest.raises(NotFound):
        drafting.resolve_coauthor_invite(session, other_round, token)


def test_only_authors_make_coauthor_links(app: Flask, session: Session, round_: Round) -> None:
    proposal = make_proposal(session, round_)
    with pytest.raises(Forbidden):
        drafting.create_coauthor_invite(
            session, round_=round_, proposal=proposal, drafter=as_participant(session, round_)
        )


def test_authors_submit_and_withdraw(app: Flask, session: Session, round_: Round) -> None:
    author = make_participant(session, round_)
    proposal = make_proposal(session, round_, author=author)
    drafter = Drafter(author, None, False)
    drafting.change_status(
        session, round_=round_, proposal=proposal, drafter=drafter, status=ProposalStatus.SUBMITTED
    )
    drafting.change_status(
        session, round_=round_, proposal=proposal, drafter=drafter, status=ProposalStatus.WITHDRAWN
    )
    assert proposal.status == ProposalStatus.WITHDRAWN
    with pytest.raises(Conflict):
        drafting.change_status(
            session, round_=round_, proposal=proposal, drafter=drafter, status=ProposalStatus.DRAFT
        )
    with pytest.raises(Conflict):
        drafting.edit_proposal(
            session,
            round_=round_,
            proposal=proposal,
            drafter=drafter,
            fields=edit(title="Back"),
        )


def test_display_names_are_set_changed_and_removed(
    app: Flask, session: Session, round_: Round
) -> None:
    participant = make_participant(session, round_)
    drafter = Drafter(participant, None, False)
    proposal = drafting.create_proposal(
        session, round_=round_, drafter=drafter, fields=new(display_name="  Ana   from the coast ")
    )
    assert drafting.display_name(session, participant) == "Ana from the coast"
    where = {"round_": round_, "proposal": proposal, "drafter": drafter}
    drafting.edit_proposal(session, fields=edit(display_name="Ana"), **where)  # type: ignore[arg-type]
    assert drafting.display_name(session, participant) == "Ana"
    drafting.edit_proposal(session, fields=edit(2, text="Again."), **where)  # type: ignore[arg-type]
    assert drafting.display_name(session, participant) == ""
