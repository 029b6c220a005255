"""Facilitators compose outcomes in the closed phase; bad input changes nothing."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlmodel import Session, select

from deliberation.models import (
    AuditAction,
    AuditEntry,
    Outcome,
    OutcomeCouncil,
    Phase,
)
from tests.deliberation.reports.conftest import SmallWorld
from tests.factories import make_council, make_statement, make_user, sign_in_as


def _form(world: SmallWorld, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "kind": "recommendation",
        "language": "en",
        "title": "Plant trees in every street",
        "text": "Both territories agree: plant trees.",
        "rationale": "Everyone agrees.",
        "statement_ids": [str(world.statements[0].id)],
        "response_due": "2027-03-01",
    }
    data.update(overrides)
    return data


def _outcomes(session: Session) -> list[Outcome]:
    session.expire_all()
    return list(session.exec(select(Outcome)))


def test_a_facilitator_writes_an_outcome_addressed_to_a_council(
    client: FlaskClient, session: Session, small_world: SmallWorld
) -> None:
    council = make_council(session, territory=small_world.town)
    sign_in_as(client, small_world.facilitator)
    url = f"/facilitate/rounds/{small_world.round.id}/outcomes"
    page = client.get(url)
    assert page.status_code == 200
    assert small_world.statements[0].text in page.text
    answer = client.post(url, data=_form(small_world, council_ids=[str(council.id)]))
    assert answer.status_code == 303
    [outcome] = _outcomes(session)
    assert (outcome.title, outcome.language, outcome.statement_ids) == (
        "Plant trees in every street",
        "en",
        [small_world.statements[0].id],
    )
    assert outcome.response_due is not None
    assert outcome.response_due.isoformat() == "2027-03-01"
    assert "response due by Mar 1, 2027" in client.get(url).text, "a date as people write it"
    links = session.exec(select(OutcomeCouncil)).all()
    assert [(link.outcome_id, link.council_id) for link in links] == [(outcome.id, council.id)]
    entry = session.exec(
        select(AuditEntry).where(AuditEntry.action == AuditAction.OUTCOME_CREATE)
    ).one()
    assert entry.target_id == outcome.id
    assert entry.round_id == small_world.round.id


def test_outcomes_wait_for_the_round_to_close(
    client: FlaskClient, session: Session, small_world: SmallWorld
) -> None:
    small_world.round.phase = Phase.DECIDING
    session.add(small_world.round)
    session.commit()
    sign_in_as(client, small_world.facilitator)
    answer = client.post(
        f"/facilitate/rounds/{small_world.round.id}/outcomes", data=_form(small_world)
    )
    assert answer.status_code == 422
    assert "once the round is closed" in answer.text
    assert _outcomes(session) == []


def test_statements_of_another_round_are_refused(
    client: FlaskClient, session: Session, small_world: SmallWorld
) -> None:
    other = make_statement(session, small_world.round, text="Not yet on the map, pending")
    sign_in_as(client, small_world.facilitator)
    url = f"/facilitate/rounds/{small_world.round.id}/outcomes"
    for ids in ([str(other.id)], [], ["999999"], ["not a number"]):
        answer = client.post(url, data=_form(small_world, statement_ids=ids))
        assert answer.status_code == 422, ids
    assert _outcomes(session) == []


def test_a_missing_title_or_unknown_council_is_refused(
    client: FlaskClient, session: Session, small_world: SmallWorld
) -> None:
    sign_in_as(client, small_world.facilitator)
    url = f"/facilitate/rounds/{small_world.round.id}/outcomes"
    assert client.post(url, data=_form(small_world, title="  ")).status_code == 422
    assert client.post(url, data=_form(small_world, council_ids=["424242"])).status_code == 422
    assert client.post(url, data=_form(small_world, kind="verdict")).status_code == 422
    assert _outcomes(session) == []


def test_only_the_round_facilitators_compose(
    client: FlaskClient, session: Session, small_world: SmallWorld
) -> None:
    sign_in_as(client, make_user(session))
    url = f"/facilitate/rounds/{small_world.round.id}/outcomes"
    assert client.get(url).status_code == 403
    assert client.post(url, data=_form(small_world)).status_code == 403
    assert client.post(f"/facilitate/rounds/{small_world.round.id}/publish").status_code == 403
    assert _outcomes(session) == []


def test_editing_and_deleting_an_outcome_are_logged(
    client: FlaskClient, session: Session, small_world: SmallWorld
) -> None:
    sign_in_as(client, small_world.facilitator)
    base = f"/facilitate/rounds/{small_world.round.id}/outcomes"
    client.post(base, data=_form(small_world))
    [outcome] = _outcomes(session)
    edit = f"{base}/{outcome.id}/edit"
    assert "Plant trees in every street" in client.get(edit).text
    answer = client.post(edit, data=_form(small_world, title="Plant shade trees"))
    assert answer.status_code == 303
    assert _outcomes(session)[0].title == "Plant shade trees"
    update = session.exec(
        select(AuditEntry).where(AuditEntry.action == AuditAction.OUTCOME_UPDATE)
    ).one()
    assert update.details["title"] == ["Plant trees in every street", "Plant shade trees"]
    assert client.post(f"{base}/{outcome.id}/delete").status_code == 303
    assert _outcomes(session) == []
    assert session.exec(
        select(AuditEntry).where(AuditEntry.action == AuditAction.OUTCOME_DELETE)
    ).one()
