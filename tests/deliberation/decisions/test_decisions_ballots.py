"""Participants cast ballots: every ballot type's form round trip, replacement, invalid ballots,
the deciding phase, eligibility, and the ranking's move buttons without JavaScript."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import update
from sqlmodel import Session, col, select

from deliberation.clock import utcnow
from deliberation.decisions.ballots import move
from deliberation.decisions.service import cast_ballot, open_decision
from deliberation.errors import Conflict, Invalid
from deliberation.models import Decision, DecisionBallot, Phase, Round
from tests.factories import act_as, make_decision, make_invite, make_participant, make_round


def open_one(session: Session, round_: Round, **overrides: Any) -> Decision:
    decision = make_decision(session, round_, **overrides)
    open_decision(session, decision=decision, now=utcnow())
    session.commit()
    return decision


def ballots(session: Session) -> list[DecisionBallot]:
    session.expire_all()
    return list(session.exec(select(DecisionBallot)))


@pytest.fixture
def deciding(session: Session) -> Round:
    return make_round(session, phase=Phase.DECIDING)


def test_ranked_ballot_with_ties_and_truncation_round_trips_and_is_replaced(
    client: FlaskClient, session: Session, deciding: Round
) -> None:
    decision = open_one(session, deciding, options=["Parc", "Piscine", "Ombre", "Lac"])
    act_as(client, make_participant(session, deciding))
    url = f"/r/{deciding.slug}/decisions/{decision.id}"
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="rank_A"' in page.get_data(as_text=True)
    response = client.post(url, data={"rank_A": "2", "rank_B": "1", "rank_C": "2", "rank_D": ""})
    assert response.status_code == 303
    [stored] = ballots(session)
    assert stored.choice == {"ranking": [["B"], ["A", "C"]]}
    again = client.get(url).get_data(as_text=True)
    assert '<option value="1" selected>' in again
    client.post(url, data={"rank_D": "1"})
    [replaced] = ballots(session)
    assert replaced.choice == {"ranking": [["D"]]}


@pytest.mark.parametrize("method", ["schulze", "instant_runoff", "plurality"])
def test_a_ranking_that_ranks_nothing_is_refused_and_changes_nothing(
    client: FlaskClient, session: Session, deciding: Round, method: str
) -> None:
    """The ranked form offers no abstention: a ballot with no option ranked is refused with
    a message (422), no ballot is stored, and a ballot cast before stays as it was."""
    decision = open_one(session, deciding, method=method, options=["Parc", "Piscine", "Ombre"])
    participant = make_participant(session, deciding)
    act_as(client, participant)
    url = f"/r/{deciding.slug}/decisions/{decision.id}"
    unranked = {"rank_A": "", "rank_B": "", "rank_C": ""}

    for empty in ({}, unranked):
        refused = client.post(url, data=empty)
        assert refused.status_code == 422
        assert "Rank at least one option: give your favourite rank 1." in refused.text
        assert ballots(session) == []
    assert client.post(url, data={**unranked, "rank_B": "1"}).status_code == 303
    assert "Your ballot is recorded" in client.get(url).text
    [cast] = ballots(session)
    cast_at = cast.cast_at
    refused = client.post(url, data=unranked)
    assert refused.status_code == 422
    assert "Your ballot is recorded" not in refused.text
    [kept] = ballots(session)
    assert (kept.choice, kept.cast_at) == ({"ranking": [["B"]]}, cast_at)
    for choice in ({"ranking": []}, {"ranking": [[]]}):
        with pytest.raises(Invalid):
            cast_ballot(
                session,
                decision=decision,
                round_=deciding,
                participant=participant,
                choice=choice,
                now=utcnow(),
            )


def test_move_buttons_rearrange_the_ranking_without_storing(
    client: FlaskClient, session: Session, deciding: Round
) -> None:
    decision = open_one(session, deciding, options=["Parc", "Piscine", "Ombre"])
    act_as(client, make_participant(session, deciding))
    url = f"/r/{deciding.slug}/decisions/{decision.id}"
    response = client.post(url, data={"rank_A": "1", "rank_B": "2", "move": "up:B"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.index('id="option-B"') < html.index('id="option-A"')
    assert 'value="up:B" autofocus' in html
    assert ballots(session) == []
    assert client.post(url, data={"move": "up:Z"}).status_code == 422
    unranked_last = client.post(
        url, data={"rank_A": "", "rank_B": "2", "rank_C": "1", "move": "down:C"}
    ).get_data(as_text=True)
    positions = [unranked_last.index(f'id="option-{label}"') for label in "BCA"]
    assert positions == sorted(positions)


def test_move_rules() -> None:
    labels = ["A", "B", "C"]
    assert move([["A"], ["B"]], labels, "B", up=True) == [["B"], ["A"]]
    assert move([["A", "B"]], labels, "B", up=True) == [["B"], ["A"]]
    assert move([["A", "B"]], labels, "B", up=False) == [["A"], ["B"]]
    assert move([["A"]], labels, "C", up=True) == [["A"], ["C"]]
    assert move([["A"], ["B"]], labels, "B", up=False) == [["A"]]
    assert move([["A"], ["B"]], labels, "A", up=True) == [["A"], ["B"]]


def test_approval_score_and_grades_round_trip(
    client: FlaskClient, session: Session, deciding: Round
) -> None:
    act_as(client, make_participant(session, deciding))
    approval = open_one(session, deciding, method="approval", options=["Parc", "Piscine"])
    url = f"/r/{deciding.slug}/decisions/{approval.id}"
    assert client.post(url, data={"approve": ["A", "B"]}).status_code == 303
    score = open_one(session, deciding, method="score", options=["Parc", "Piscine"])
    url = f"/r/{deciding.slug}/decisions/{score.id}"
    assert client.post(url, data={"score_A": "5", "score_B": ""}).status_code == 303
    graded = open_one(session, deciding, method="majority_judgment", options=["Parc", "Piscine"])
    url = f"/r/{deciding.slug}/decisions/{graded.id}"
    page = client.get(url).get_data(as_text=True)
    assert "Excellent" in page
    assert "To reject" in page
    assert client.post(url, data={"score_A": "0", "score_B": "4"}).status_code == 303
    assert [b.choice for b in ballots(session)] == [
        {"approved": ["A", "B"]},
        {"scores": {"A": 5}},
        {"scores": {"A": 0, "B": 4}},
    ]


def test_grades_are_named_in_the_readers_language(
    client: FlaskClient, session: Session, deciding: Round
) -> None:
    client.post("/language", data={"language": "fr", "next": "/"})
    act_as(client, make_participant(session, deciding))
    graded = open_one(session, deciding, method="majority_judgment", options=["Parc", "Piscine"])
    page = client.get(f"/r/{deciding.slug}/decisions/{graded.id}").get_data(as_text=True)
    assert '<html lang="fr">' in page
    assert "À rejeter" in page
    assert "Très bien" in page
    assert "To reject" not in page


def test_stance_with_a_block_needs_a_reason(
    client: FlaskClient, session: Session, deciding: Round
) -> None:
    decision = open_one(session, deciding, method="consent", options=["Parc"])
    act_as(client, make_participant(session, deciding))
    url = f"/r/{deciding.slug}/decisions/{decision.id}"
    refused = client.post(url, data={"stance": "block", "reason": "  "})
    assert refused.status_code == 422
    assert 'role="alert"' in refused.get_data(as_text=True)
    assert ballots(session) == []
    assert client.post(url, data={"stance": "block", "reason": "Trop cher"}).status_code == 303
    assert ballots(session)[0].choice == {"stance": "block", "reason": "Trop cher"}
    assert client.post(url, data={"stance": "agree"}).status_code == 303
    assert ballots(session)[0].choice == {"stance": "agree"}


@pytest.mark.parametrize(
    ("method", "data"),
    [
        ("schulze", {"rank_Z": "1"}),
        ("schulze", {"rank_A": "9"}),
        ("schulze", {"rank_A": "one"}),
        ("approval", {"approve": ["A", "Z"]}),
        ("score", {"score_A": "6"}),
        ("score", {"score_A": "lots"}),
        ("score", {"score_Z": "1"}),
        ("consent", {"stance": "maybe"}),
    ],
)
def test_invalid_ballots_rerender_with_422_and_store_nothing(
    client: FlaskClient, session: Session, deciding: Round, method: str, data: dict[str, Any]
) -> None:
    options = ["Parc"] if method == "consent" else ["Parc", "Piscine"]
    decision = open_one(session, deciding, method=method, options=options)
    act_as(client, make_participant(session, deciding))
    response = client.post(f"/r/{deciding.slug}/decisions/{decision.id}", data=data)
    assert response.status_code == 422
    assert 'id="ballot-error"' in response.get_data(as_text=True)
    assert ballots(session) == []


def test_ballots_only_while_the_round_is_deciding_and_the_decision_open(
    client: FlaskClient, session: Session
) -> None:
    round_ = make_round(session, phase=Phase.DRAFTING)
    decision = open_one(session, round_, options=["Parc", "Piscine"])
    draft = make_decision(session, round_, options=["Parc", "Piscine"])
    act_as(client, make_participant(session, round_))
    assert (
        client.post(f"/r/{round_.slug}/decisions/{decision.id}", data={"rank_A": "1"}).status_code
        == 409
    )
    assert client.get(f"/r/{round_.slug}/decisions/{draft.id}").status_code == 404
    assert (
        client.post(f"/r/{round_.slug}/decisions/{draft.id}", data={"rank_A": "1"}).status_code
        == 404
    )
    assert ballots(session) == []


def test_only_eligible_participants_vote(client: FlaskClient, session: Session) -> None:
    round_ = make_round(session, phase=Phase.DECIDING)
    decision = open_one(
        session, round_, options=["Parc", "Piscine"], eligibility="single_use_invites"
    )
    url = f"/r/{round_.slug}/decisions/{decision.id}"
    shared = make_participant(session, round_, invite_id=make_invite(session, round_).id)
    act_as(client, shared)
    assert client.post(url, data={"rank_A": "1"}).status_code == 403
    personal = make_invite(session, round_, single_use=True)
    act_as(client, make_participant(session, round_, invite_id=personal.id))
    assert client.post(url, data={"rank_A": "1"}).status_code == 303
    other_round = make_round(session, phase=Phase.DECIDING)
    act_as(client, make_participant(session, other_round))
    assert client.post(url, data={"rank_A": "1"}).status_code == 403
    assert len(ballots(session)) == 1


def test_a_ballot_is_refused_once_the_decision_closed_meanwhile(
    session: Session, deciding: Round
) -> None:
    decision = open_one(session, deciding, options=["Parc", "Piscine"])
    participant = make_participant(session, deciding)
    stale = session.get(Decision, decision.id)
    assert stale is not None
    session.execute(
        update(Decision)
        .where(col(Decision.id) == decision.id)
        .values(status="closed")
        .execution_options(synchronize_session=False)
    )
    session.commit()
    assert stale.status == "open"  # the copy in memory has not seen the close
    with pytest.raises(Conflict):
        cast_ballot(
            session,
            decision=stale,
            round_=deciding,
            participant=participant,
            choice={"ranking": [["A"]]},
            now=utcnow(),
        )
    session.rollback()
    assert ballots(session) == []
