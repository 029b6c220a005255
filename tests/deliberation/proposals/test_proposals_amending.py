"""Endorsements (per territory, k-suppressed), amendments (support, accept, reject, outdated),
merging and selection by a facilitator, and how withdrawn participants are counted and named."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlmodel import Session, select

from deliberation.clock import utcnow
from deliberation.errors import Conflict, Forbidden
from deliberation.models import (
    AmendmentStatus,
    AuditAction,
    AuditEntry,
    Participant,
    Phase,
    Proposal,
    ProposalStatus,
    Round,
    TargetKind,
    Territory,
)
from deliberation.models.proposals import (
    AmendmentInput,
    EditInput,
    MergeInput,
    RejectionInput,
)
from deliberation.proposals import amendments, curation, drafting, endorsements, listing
from deliberation.proposals.drafting import Drafter
from deliberation.services import participation
from deliberation.services.validation import FieldInvalid, validate_input
from tests.factories import (
    make_participant,
    make_proposal,
    make_round,
    make_statement,
    make_territory,
    make_user,
)


def amendment_input(paragraph: int, replacement: str, rationale: str) -> AmendmentInput:
    return AmendmentInput(paragraph=paragraph, replacement=replacement, rationale=rationale)


def merge_input(first: Proposal, second: Proposal, title: str, language: str = "en") -> MergeInput:
    return MergeInput(first=first.id or 0, second=second.id or 0, title=title, language=language)


TEXT = "Plant trees in schoolyards.\n\nOpen cool rooms in summer.\n\nMeasure the heat."


@pytest.fixture
def towns(session: Session) -> list[Territory]:
    return [make_territory(session), make_territory(session)]


@pytest.fixture
def round_(session: Session, towns: list[Territory]) -> Round:
    return make_round(session, territories=towns, phase=Phase.DRAFTING, privacy_k=3)


def people(session: Session, round_: Round, territory: Territory, n: int) -> list[Participant]:
    return [make_participant(session, round_, territory_id=territory.id) for _ in range(n)]


def test_endorsements_are_counted_per_territory_with_small_counts_hidden(
    app: Flask, session: Session, round_: Round, towns: list[Territory]
) -> None:
    proposal = make_proposal(session, round_, text=TEXT)
    many, few = people(session, round_, towns[0], 3), people(session, round_, towns[1], 2)
    for participant in many + few:
        endorsements.endorse(session, round_=round_, proposal=proposal, participant=participant)
    session.commit()

    tally = endorsements.endorsement_tally(session, round_, proposal)

    assert tally.total == 5
    by_slug = {row.territory.slug: row.count for row in tally.territories}
    # 2 < k is hidden; so is the 3, else the total would give the 2 away.
    assert by_slug == {towns[0].slug: None, towns[1].slug: None}
    with pytest.raises(Conflict):
        endorsements.endorse(session, round_=round_, proposal=proposal, participant=many[0])


def test_withdrawn_participants_endorsements_no_longer_count(
    app: Flask, session: Session, round_: Round, towns: list[Territory]
) -> None:
    proposal = make_proposal(session, round_, text=TEXT)
    endorsers = people(session, round_, towns[0], 3)
    for participant in endorsers:
        endorsements.endorse(session, round_=round_, proposal=proposal, participant=participant)
    participation.withdraw(session, endorsers[0])
    session.commit()

    assert endorsements.endorsement_tally(session, round_, proposal).total == 2
    assert listing.endorsement_counts(session, [proposal.id]) == {proposal.id: 2}  # type: ignore[list-item,dict-item]


def test_endorsing_needs_a_participant_and_the_drafting_phase(
    app: Flask, session: Session, round_: Round
) -> None:
    proposal = make_proposal(session, round_)
    with pytest.raises(Forbidden):
        endorsements.endorse(session, round_=round_, proposal=proposal, participant=None)
    round_.phase = Phase.DECIDING
    with pytest.raises(Conflict):
        endorsements.endorse(
            session,
            round_=round_,
            proposal=proposal,
            participant=make_participant(session, round_),
        )


def test_an_accepted_amendment_is_a_version_crediting_its_author(
    app: Flask, session: Session, round_: Round
) -> None:
    author = make_participant(session, round_)
    proposal = make_proposal(session, round_, author=author, text=TEXT)
    amender = make_participant(session, round_)
    amendment = amendments.propose_amendment(
        session,
        round_=round_,
        proposal=proposal,
        drafter=Drafter(amender, None, False),
        fields=amendment_input(1, "Open cool rooms from June to September.", "Heat comes early."),
    )
    amendments.support(
        session,
        round_=round_,
        proposal=proposal,
        amendment=amendment,
        participant=make_participant(session, round_),
    )

    version = amendments.accept(
        session,
        round_=round_,
        proposal=proposal,
        amendment=amendment,
        drafter=Drafter(author, None, False),
    )
    session.commit()

    assert version.number == 2
    assert version.amendment_id == amendment.id
    assert version.participant_id == amender.id
    assert proposal.text == (
        "Plant trees in schoolyards.\n\nOpen cool rooms from June to September.\n\nMeasure the heat."
    )
    assert amendment.status == AmendmentStatus.ACCEPTED
    assert amendments.support_tally(session, round_, amendment).total == 1


def test_an_amendment_applies_when_only_other_paragraphs_changed_and_is_outdated_otherwise(
    app: Flask, session: Session, round_: Round
) -> None:
    author = make_participant(session, round_)
    drafter = Drafter(author, None, False)
    proposal = make_proposal(session, round_, author=author, text=TEXT)

    def amend(paragraph: int, replacement: str) -> object:
        return amendments.propose_amendment(
            session,
            round_=round_,
            proposal=proposal,
            drafter=Drafter(make_participant(session, round_), None, False),
            fields=amendment_input(paragraph, replacement, "Better."),
        )

    on_first, on_third = amend(0, "Plant oaks in schoolyards."), amend(2, "Measure it daily.")
    drafting.edit_proposal(
        session,
        round_=round_,
        proposal=proposal,
        drafter=drafter,
        fields=validate_input(
            EditInput,
            {
                "title": proposal.title,
                "text": "Plant trees in every schoolyard.\n\nOpen cool rooms in summer.\n\n"
                "Measure the heat.",
                "base_version": 1,
            },
        ),
    )

    assert amendments.is_outdated(on_first, proposal)  # type: ignore[arg-type]
    assert not amendments.is_outdated(on_third, proposal)  # type: ignore[arg-type]
    with pytest.raises(Conflict):
        amendments.accept(
            session,
            round_=round_,
            proposal=proposal,
            amendment=on_first,
            drafter=drafter,  # type: ignore[arg-type]
        )
    amendments.accept(
        session,
        round_=round_,
        proposal=proposal,
        amendment=on_third,
        drafter=drafter,  # type: ignore[arg-type]
    )
    assert proposal.text.endswith("Open cool rooms in summer.\n\nMeasure it daily.")
    assert proposal.text.startswith("Plant trees in every schoolyard.")


def test_a_rejection_needs_a_reason_and_an_author(
    app: Flask, session: Session, round_: Round
) -> None:
    author = make_participant(session, round_)
    proposal = make_proposal(session, round_, author=author, text=TEXT)
    amendment = amendments.propose_amendment(
        session,
        round_=round_,
        proposal=proposal,
        drafter=Drafter(make_participant(session, round_), None, False),
        fields=amendment_input(0, "Pave the schoolyards.", "Cheaper."),
    )
    stranger = Drafter(make_participant(session, round_), None, False)
    with pytest.raises(Forbidden):
        amendments.reject(
            session,
            round_=round_,
            proposal=proposal,
            amendment=amendment,
            drafter=stranger,
            fields=RejectionInput(reason="No."),
        )
    with pytest.raises(FieldInvalid):
        validate_input(RejectionInput, {"reason": "  "})
    amendments.reject(
        session,
        round_=round_,
        proposal=proposal,
        amendment=amendment,
        drafter=Drafter(author, None, False),
        fields=RejectionInput(reason="Trees cool, asphalt heats."),
    )
    assert amendment.status == AmendmentStatus.REJECTED
    assert amendment.reason == "Trees cool, asphalt heats."
    with pytest.raises(Conflict):
        amendments.support(
            session,
            round_=round_,
            proposal=proposal,
            amendment=amendment,
            participant=make_participant(session, round_),
        )


@pytest.mark.parametrize(
    "status", [ProposalStatus.MERGED, ProposalStatus.WITHDRAWN, ProposalStatus.SELECTED]
)
def test_amendments_of_a_proposal_no_longer_drafted_are_neither_supported_nor_decided(
    app: Flask, session: Session, round_: Round, status: ProposalStatus
) -> None:
    """Once merged, withdrawn or selected, a proposal's open amendments stay as they are:
    no new amendment, no support, no acceptance, no rejection."""
    author = make_participant(session, round_)
    proposal = make_proposal(session, round_, author=author, text=TEXT)
    amendment = amendments.propose_amendment(
        session,
        round_=round_,
        proposal=proposal,
        drafter=Drafter(make_participant(session, round_), None, False),
        fields=amendment_input(0, "Plant oaks in schoolyards.", "Shade."),
    )
    proposal.status = status
    session.add(proposal)
    session.flush()
    drafter = Drafter(author, None, False)

    with pytest.raises(Conflict):
        amendments.support(
            session,
            round_=round_,
            proposal=proposal,
            amendment=amendment,
            participant=make_participant(session, round_),
        )
    with pytest.raises(Conflict):
        amendments.accept(
            session, round_=round_, proposal=proposal, amendment=amendment, drafter=drafter
        )
    with pytest.raises(Conflict):
        amendments.reject(
            session,
            round_=round_,
            proposal=proposal,
            amendment=amendment,
            drafter=drafter,
            fields=RejectionInput(reason="Too late."),
        )
    with pytest.raises(Conflict):
        amendments.propose_amendment(
            session,
            round_=round_,
            proposal=proposal,
            drafter=Drafter(make_participant(session, round_), None, False),
            fields=amendment_input(1, "Open cool rooms all year.", "Heat."),
        )

    assert amendment.status == AmendmentStatus.OPEN
    assert amendments.support_tally(session, round_, amendment).total == 0
    assert len(amendments.amendments(session, proposal)) == 1


def test_amendments_of_a_hidden_proposal_are_not_supported(
    app: Flask, session: Session, round_: Round
) -> None:
    proposal = make_proposal(session, round_, text=TEXT)
    amendment = amendments.propose_amendment(
        session,
        round_=round_,
        proposal=proposal,
        drafter=Drafter(make_participant(session, round_), None, False),
        fields=amendment_input(0, "Plant oaks in schoolyards.", "Shade."),
    )
    proposal.hidden_at, proposal.hidden_reason = utcnow(), "Off topic."
    session.add(proposal)

    with pytest.raises(Conflict):
        amendments.support(
            session,
            round_=round_,
            proposal=proposal,
            amendment=amendment,
            participant=make_participant(session, round_),
        )
    assert amendments.support_tally(session, round_, amendment).total == 0


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"paragraph": 3}, "paragraph"),
        ({"paragraph": -1}, "paragraph"),
        ({"replacement": "<em hx-get='/x'>x</em>"}, "replacement"),
        ({"rationale": ""}, "rationale"),
        ({"replacement": "Measure the heat."}, "replacement"),
        ({"rationale": "r" * 1001}, "rationale"),
        ({"display_name": "<b>me</b>"}, "display_name"),
    ],
)
def test_bad_amendments_are_refused(
    app: Flask, session: Session, round_: Round, fields: dict[str, object], field: str
) -> None:
    proposal = make_proposal(session, round_, text=TEXT)
    values: dict[str, object] = {"paragraph": 2, "replacement": "New.", "rationale": "Why."}
    values.update(fields)
    with pytest.raises(FieldInvalid) as raised:
        amendments.propose_amendment(
            session,
            round_=round_,
            proposal=proposal,
            drafter=Drafter(make_participant(session, round_), None, False),
            fields=validate_input(AmendmentInput, values),
        )
    assert raised.value.field == field
    assert amendments.amendments(session, proposal) == []


def test_a_facilitator_merges_two_proposals(
    app: Flask, session: Session, round_: Round, towns: list[Territory]
) -> None:
    user = make_user(session)
    round_ = make_round(session, territories=towns, phase=Phase.DRAFTING, facilitators=[user])
    s1, s2 = make_statement(session, round_), make_statement(session, round_)
    a_author, b_author = make_participant(session, round_), make_participant(session, round_)
    a = make_proposal(session, round_, author=a_author, statements=[s1], text="Trees.")
    b = make_proposal(session, round_, author=b_author, statements=[s1, s2], text="Rooms.")
    both, only_a = make_participant(session, round_), make_participant(session, round_)
    for participant, proposal in ((both, a), (both, b), (only_a, a)):
        endorsements.endorse(session, round_=round_, proposal=proposal, participant=participant)

    merged = curation.merge_proposals(
        session,
        round_=round_,
        user=user,
        fields=merge_input(a, b, "Cool city"),
    )
    session.commit()

    assert merged.text == "Trees.\n\nRooms."
    assert a.status == b.status == ProposalStatus.MERGED
    assert a.merged_into_id == b.merged_into_id == merged.id
    assert {s.id for s in listing.linked_statements(session, merged)} == {s1.id, s2.id}
    author_ids = {x.participant_id for x in listing.authors(session, merged)}
    assert {a_author.id, b_author.id} <= author_ids
    assert endorsements.endorsement_tally(session, round_, merged).total == 2
    assert [p.id for p in curation.merged_from(session, merged)] == [a.id, b.id]
    assert [v.number for v in drafting.versions(session, a)] == [1]
    entry = session.exec(
        select(AuditEntry).where(AuditEntry.target_kind == TargetKind.PROPOSAL)
    ).one()
    assert (entry.action, entry.target_id, entry.actor_user_id) == (
        AuditAction.PROPOSAL_MERGE,
        merged.id,
        user.id,
    )
    assert entry.details == {"merged": [a.id, b.id]}
    with pytest.raises(Conflict):
        curation.merge_proposals(
            session,
            round_=round_,
            user=user,
            fields=merge_input(a, merged, "x"),
        )


def test_the_merged_proposal_is_in_the_language_the_facilitator_names(
    app: Flask, session: Session, towns: list[Territory]
) -> None:
    """The facilitator writes the merged text: its language is the one they name, not the
    first proposal's; it must be one of the round's languages."""
    user = make_user(session)
    round_ = make_round(
        session,
        territories=towns,
        phase=Phase.DRAFTING,
        facilitators=[user],
        languages=["de", "en"],
    )
    german = make_proposal(session, round_, language="de", text="Wärmepumpen fördern.")
    english = make_proposal(session, round_, language="en", text="Free boilers.")
    for refused in ("fr", "xx"):  # not the round's, not a language at all
        with pytest.raises(FieldInvalid) as raised:
            curation.merge_proposals(
                session,
                round_=round_,
                user=user,
                fields=validate_input(
                    MergeInput,
                    {
                        "first": german.id,
                        "second": english.id,
                        "title": "Fair heating",
                        "language": refused,
                    },
                ),
            )
        assert raised.value.field == "language"
    assert german.status == english.status == ProposalStatus.DRAFT

    merged = curation.merge_proposals(
        session,
        round_=round_,
        user=user,
        fields=merge_input(german, english, "Fair heating", language="en"),
    )

    assert merged.language == "en"


def test_only_the_rounds_facilitators_merge_and_select(
    app: Flask, session: Session, round_: Round
) -> None:
    outsider = make_user(session)
    a, b = make_proposal(session, round_), make_proposal(session, round_)
    with pytest.raises(Forbidden):
        curation.merge_proposals(
            session,
            round_=round_,
            user=outsider,
            fields=merge_input(a, b, "x"),
        )
    with pytest.raises(Forbidden):
        curation.select_proposal(session, round_=round_, user=outsider, proposal_id=a.id)  # type: ignore[arg-type]


def test_a_facilitator_selects_a_proposal_for_the_decision(
    app: Flask, session: Session, towns: list[Territory]
) -> None:
    user = make_user(session)
    round_ = make_round(session, territories=towns, phase=Phase.DECIDING, facilitators=[user])
    proposal = make_proposal(session, round_)
    curation.select_proposal(session, round_=round_, user=user, proposal_id=proposal.id)  # type: ignore[arg-type]
    assert proposal.status == ProposalStatus.SELECTED
    entry = session.exec(
        select(AuditEntry).where(AuditEntry.target_kind == TargetKind.PROPOSAL)
    ).one()
    assert (entry.action, entry.target_kind, entry.round_id) == (
        AuditAction.PROPOSAL_SELECT,
        TargetKind.PROPOSAL,
        round_.id,
    )
    with pytest.raises(Conflict):
        curation.select_proposal(session, round_=round_, user=user, proposal_id=proposal.id)  # type: ignore[arg-type]


def test_people_are_credited_by_name_by_territory_when_k_allows_or_as_former(
    app: Flask, session: Session, round_: Round, towns: list[Territory]
) -> None:
    crowd = people(session, round_, towns[0], 3)
    alone = people(session, round_, towns[1], 1)[0]
    named = crowd[1]
    drafting.sign(session, Drafter(named, None, False), "Ana")
    participation.withdraw(session, crowd[2])
    crowd.append(make_participant(session, round_, territory_id=towns[0].id))
    session.commit()

    names = listing.credits(
        session, round_, [crowd[0].id, named.id, crowd[2].id, alone.id, None], language="en"
    )

    assert str(names.participant(crowd[0].id)) == f"a participant from {towns[0].name('en')}"
    assert names.participant(named.id) == "Ana"
    assert str(names.participant(crowd[2].id)) == "a former participant"
    assert str(names.participant(alone.id)) == "a participant"
    assert str(names.participant(None)) == "a former participant"
    assert str(names.person(None, 7)) == "a facilitator"
    assert str(names.participant(alone.id, start=True)) == "A participant"
    assert str(names.person(None, 7, start=True)) == "A facilitator"
