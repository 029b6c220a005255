"""The demo's drafting round has proposals in French, German and English, with versions,
amendments, endorsements, one merge and facilitators' translations, and their pages show."""

from __future__ import annotations

from flask import Flask, url_for
from flask.testing import FlaskClient
from sqlmodel import Session, col, select

from deliberation.demo import seed as demo
from deliberation.models import (
    Amendment,
    AmendmentStatus,
    AuditAction,
    AuditEntry,
    Phase,
    Proposal,
    ProposalStatus,
    ProposalVersion,
    TargetKind,
)
from deliberation.proposals import endorsements, listing
from tests.factories import sign_in_as


def test_the_drafting_round_has_proposals_amendments_endorsements_and_a_merge(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    created = demo.seed_demo(session, participants=120, seed=3, password="a demo password")
    assert created is not None
    session.commit()
    round_ = created.rounds[Phase.DRAFTING].round

    proposals = session.exec(
        select(Proposal).where(Proposal.round_id == round_.id).order_by(col(Proposal.id))
    ).all()
    assert {p.language for p in proposals} == {"fr", "de", "en"}
    assert len(proposals) == 4
    merged = proposals[-1]
    assert [p.status for p in proposals] == [
        ProposalStatus.SUBMITTED,
        ProposalStatus.MERGED,
        ProposalStatus.MERGED,
        ProposalStatus.DRAFT,
    ]
    assert {p.merged_into_id for p in proposals[1:3]} == {merged.id}
    assert merged.title.startswith("A fair heating transition")
    assert merged.language == "en"  # as the facilitator wrote it, not its first source's "de"
    versions = session.exec(
        select(ProposalVersion.number).where(ProposalVersion.proposal_id == proposals[0].id)
    ).all()
    assert sorted(versions) == [1, 2, 3]
    decided = session.exec(select(Amendment.status).order_by(col(Amendment.id))).all()
    assert decided == [AmendmentStatus.ACCEPTED, AmendmentStatus.REJECTED, AmendmentStatus.OPEN]
    tally = endorsements.endorsement_tally(session, round_, merged)
    sources = [endorsements.endorsement_tally(session, round_, p).total for p in proposals[1:3]]
    assert max(sources) <= tally.total < sum(sources)
    assert len(listing.linked_statements(session, merged)) == 2
    merge = session.exec(
        select(AuditEntry).where(
            AuditEntry.target_kind == TargetKind.PROPOSAL, AuditEntry.target_id == merged.id
        )
    ).one()
    assert merge.action == AuditAction.PROPOSAL_MERGE

    sign_in_as(client, created.facilitator)
    for proposal in proposals:
        assert client.get(f"/r/{round_.slug}/proposals/{proposal.id}").status_code == 200
    listed = client.get(f"/r/{round_.slug}/proposals?sort=endorsements")
    assert listed.status_code == 200
    assert "Un réseau de chaleur commun au port du Rhin" in listed.text
    assert "Heat pump grants by income" in listed.text
    assert "<summary>Original in German</summary>" in listed.text
    assert client.get(f"/facilitate/rounds/{round_.id}/proposals").status_code == 200
    with app.test_request_context(base_url="http://127.0.0.1:5000"):
        lines = list(demo.describe(session, url_for))
    assert f"  proposals: http://127.0.0.1:5000/r/{round_.slug}/proposals" in lines
