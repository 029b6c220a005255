"""Phases for drafting: people join while a round is open, drafts or decides; votes and
statements stay open-only; proposals only while it drafts (services: test_proposals_drafting)."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session, select

from deliberation.models import Participant, Phase
from deliberation.services.invites import invite_token
from tests.factories import act_as, make_invite, make_participant, make_round, make_statement


@pytest.mark.parametrize("phase", [Phase.OPEN, Phase.DRAFTING, Phase.DECIDING])
def test_people_join_while_the_round_is_open_drafts_or_decides(
    client: FlaskClient, session: Session, phase: Phase
) -> None:
    round_ = make_round(session, phase=phase)
    url = f"/join/{invite_token(make_invite(session, round_))}"

    joined = client.post(url, data={"language": "en", "accept": "y"})

    assert joined.status_code == 303
    assert len(session.exec(select(Participant)).all()) == 1


@pytest.mark.parametrize(
    ("phase", "message"),
    [
        (Phase.DRAFT, "not opened yet"),
        (Phase.CLOSED, "nobody can join"),
        (Phase.REPORTED, "nobody"),
    ],
)
def test_nobody_joins_before_the_round_opens_or_once_it_is_closed(
    client: FlaskClient, session: Session, phase: Phase, message: str
) -> None:
    round_ = make_round(session, phase=phase)
    url = f"/join/{invite_token(make_invite(session, round_))}"

    refused = client.post(url, data={"language": "en", "accept": "y"})

    assert refused.status_code == 409
    assert message in refused.text
    assert session.exec(select(Participant)).all() == []


def test_a_drafting_round_takes_no_more_votes(client: FlaskClient, session: Session) -> None:
    round_ = make_round(session, phase=Phase.DRAFTING)
    statement = make_statement(session, round_)
    act_as(client, make_participant(session, round_))

    vote = client.post(
        f"/r/{round_.slug}/vote", data={"statement_id": statement.id, "vote": "agree"}
    )

    assert vote.status_code == 409
