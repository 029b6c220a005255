"""The demo's deciding round has an open Schulze decision and a closed stance decision with a
block and results by territory."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlmodel import Session, func, select

from deliberation.demo import seed as demo
from deliberation.models import (
    Decision,
    DecisionBallot,
    DecisionOption,
    DecisionStatus,
    DecisionTally,
    Phase,
    Proposal,
    ProposalStatus,
)


def test_the_deciding_round_has_an_open_and_a_closed_decision(
    session: Session, client: FlaskClient
) -> None:
    created = demo.seed_demo(session, participants=300, seed=7, password="a demo password")
    assert created is not None
    session.commit()
    deciding = created.rounds[Phase.DECIDING].round
    decisions = session.exec(select(Decision).where(Decision.round_id == deciding.id)).all()
    ranked = next(d for d in decisions if d.method == "schulze")
    stance = next(d for d in decisions if d.method == "consent")
    assert ranked.status == DecisionStatus.OPEN
    for decision, count in ((ranked, 4), (stance, 1)):
        linked = session.exec(
            select(Proposal.status, Proposal.round_id)
            .join(DecisionOption, DecisionOption.proposal_id == Proposal.id)
            .where(DecisionOption.decision_id == decision.id)
        ).all()
        assert linked == [(ProposalStatus.SELECTED, deciding.id)] * count, "options are proposals"
    cast = session.exec(select(func.count()).where(DecisionBallot.decision_id == ranked.id)).one()
    assert 150 < cast < 300
    assert stance.status == DecisionStatus.CLOSED
    tally = session.get(DecisionTally, stance.id)
    assert tally is not None
    assert tally.result["passed"] is False
    assert tally.result["explanation"]["blocked"] is True
    assert len(tally.result["territories"]) >= 3
    page = client.get(f"/decisions/{stance.id}/results").get_data(as_text=True)
    assert "The proposal does not pass." in page
    assert "the villages would get nothing" in page
    assert "Its own result" in page
