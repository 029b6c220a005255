"""A twinning link binds two territories, so both sides' owners agree to it: one side asks,
the other accepts or declines; either side ends it alone."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlmodel import Session, select

from deliberation.models import AuditEntry, Role, TargetKind, Territory, TerritoryTwin, User
from deliberation.services import territories
from tests.factories import make_territory, make_user, sign_in_as


def _edit(client: FlaskClient, territory: Territory, twins: str) -> int:
    response = client.post(
        f"/facilitate/territories/{territory.id}/edit",
        data={
            "slug": territory.slug,
            "kind": "municipality",
            "name_en": territory.names["en"],
            "twins": twins,
        },
    )
    return response.status_code


def _links(session: Session) -> list[tuple[int, int, int | None]]:
    session.expire_all()
    return [
        (t.territory_id, t.twin_id, t.requested_by)
        for t in session.exec(select(TerritoryTwin).order_by(TerritoryTwin.twin_id))
    ]


def _towns(session: Session) -> tuple[User, User, Territory, Territory]:
    alice, bernd = make_user(session), make_user(session)
    strasbourg = make_territory(
        session, owners=[alice], slug="strasbourg", names={"en": "Strasbourg"}
    )
    kehl = make_territory(session, owners=[bernd], slug="kehl", names={"en": "Kehl"})
    return alice, bernd, strasbourg, kehl


def test_one_side_asks_and_the_other_accepts(client: FlaskClient, session: Session) -> None:
    alice, bernd, strasbourg, kehl = _towns(session)
    sign_in_as(client, alice)
    assert _edit(client, strasbourg, "kehl") == 303
    assert _links(session) == [(strasbourg.id, kehl.id, strasbourg.id)]
    assert territories.twins(session, kehl) == []
    page = client.get(f"/facilitate/territories/{strasbourg.id}").text
    assert "Twinning asked, waiting for their owners" in page
    assert (
        client.post(
            f"/facilitate/territories/{kehl.id}/twinning/{strasbourg.id}/accept"
        ).status_code
        == 403
    )

    sign_in_as(client, bernd)
    listing = client.get("/facilitate/territories").text
    assert "Strasbourg asks to be twinned with Kehl." in listing
    page = client.get(f"/facilitate/territories/{kehl.id}").text
    assert f"/facilitate/territories/{kehl.id}/twinning/{strasbourg.id}/accept" in page
    answered = client.post(f"/facilitate/territories/{kehl.id}/twinning/{strasbourg.id}/accept")
    assert answered.status_code == 303
    assert "Strasbourg and Kehl are now twinned." in client.get(answered.headers["Location"]).text
    assert _links(session) == [(strasbourg.id, kehl.id, None)]
    assert [t.slug for t in territories.twins(session, strasbourg)] == ["kehl"]
    assert "Twinning requests waiting for you" not in client.get("/facilitate/territories").text
    logged = session.exec(
        select(AuditEntry.target_id, AuditEntry.details).where(
            AuditEntry.target_kind == TargetKind.TERRITORY, AuditEntry.actor_user_id == bernd.id
        )
    ).all()
    assert sorted(logged) == sorted(
        [
            (kehl.id, {"twinning": {"strasbourg": "linked"}}),
            (strasbourg.id, {"twinning": {"kehl": "linked"}}),
        ]
    )
    assert (
        client.post(
            f"/facilitate/territories/{kehl.id}/twinning/{strasbourg.id}/accept"
        ).status_code
        == 404
    )


def test_a_request_is_declined_or_accepted_by_naming_the_asker(
    client: FlaskClient, session: Session
) -> None:
    alice, bernd, strasbourg, kehl = _towns(session)
    sign_in_as(client, alice)
    _edit(client, strasbourg, "kehl")
    sign_in_as(client, bernd)
    assert _edit(client, kehl, "") == 303, "an unrelated edit of the asked side"
    assert _links(session) == [(strasbourg.id, kehl.id, strasbourg.id)], "the request waits"
    assert (
        client.post(
            f"/facilitate/territories/{kehl.id}/twinning/{strasbourg.id}/decline"
        ).status_code
        == 303
    )
    assert _links(session) == []

    sign_in_as(client, alice)
    _edit(client, strasbourg, "kehl")
    sign_in_as(client, bernd)
    assert _edit(client, kehl, "strasbourg") == 303
    assert _links(session) == [(strasbourg.id, kehl.id, None)]


def test_either_side_ends_a_twinning_and_withdraws_its_own_request(
    client: FlaskClient, session: Session
) -> None:
    alice, bernd, strasbourg, kehl = _towns(session)
    session.add(TerritoryTwin(territory_id=strasbourg.id, twin_id=kehl.id))
    session.commit()
    sign_in_as(client, bernd)
    assert _edit(client, kehl, "") == 303
    assert _links(session) == []
    sign_in_as(client, alice)
    _edit(client, strasbourg, "kehl")
    assert _edit(client, strasbourg, "") == 303
    assert _links(session) == []


def test_owning_both_sides_or_being_admin_links_at_once(
    client: FlaskClient, session: Session
) -> None:
    alice, _bernd, strasbourg, kehl = _towns(session)
    ortenau = make_territory(session, owners=[alice], slug="ortenau", names={"en": "Ortenau"})
    sign_in_as(client, alice)
    _edit(client, strasbourg, "ortenau")
    assert _links(session) == [(strasbourg.id, ortenau.id, None)]
    sign_in_as(client, make_user(session, role=Role.ADMIN))
    _edit(client, kehl, "ortenau")
    assert (kehl.id, ortenau.id, None) in _links(session)


def test_a_request_is_not_a_twinning_in_the_outcome_document(session: Session) -> None:
    _alice, _bernd, strasbourg, kehl = _towns(session)
    session.add(
        TerritoryTwin(territory_id=strasbourg.id, twin_id=kehl.id, requested_by=strasbourg.id)
    )
    session.commit()
    assert territories.twins(session, strasbourg) == []
    assert territories.twin_requests(session, kehl).received == [strasbourg]
    assert territories.twin_requests(session, strasbourg).asked == [kehl]
