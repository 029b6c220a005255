"""Territories: list, create and edit with identifier checks and twinning links."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session, select

from deliberation.models import (
    AuditAction,
    AuditEntry,
    Role,
    TargetKind,
    Territory,
    TerritoryOwner,
    TerritoryTwin,
)
from tests.factories import make_round, make_territory, make_user, sign_in_as


def territory_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "slug": "strasbourg",
        "kind": "municipality",
        "name_en": "Strasbourg",
        "name_fr": "Strasbourg",
        "name_de": "Straßburg",
        "iso_3166_2": "fr-67",
        "eurostat_lau": "67482",
        "lau_year": "2023",
        "nuts": "frf11",
        "nuts_year": "2021",
        "wikidata": "q6602",
        "population": "291313",
        "population_year": "2021",
        "twins": "",
    }
    data.update(overrides)
    return data


def test_create_a_territory_with_identifiers_and_twins(
    client: FlaskClient, session: Session
) -> None:
    me = make_user(session)
    kehl = make_territory(session, slug="kehl")
    sign_in_as(client, me)
    assert client.get("/facilitate/territories/new").status_code == 200
    response = client.post("/facilitate/territories/new", data=territory_data(twins="kehl"))
    assert response.status_code == 303
    territory = session.exec(select(Territory).where(Territory.slug == "strasbourg")).one()
    assert territory.names == {"en": "Strasbourg", "fr": "Strasbourg", "de": "Straßburg"}
    assert (territory.iso_3166_2, territory.nuts, territory.wikidata) == ("FR-67", "FRF11", "Q6602")
    assert (territory.eurostat_lau, territory.lau_year) == ("67482", 2023)
    assert (territory.population, territory.population_year) == (291313, 2021)
    assert territory.created_by_id == me.id
    twin = session.exec(select(TerritoryTwin)).one()
    assert (twin.territory_id, twin.twin_id) == (kehl.id, territory.id), "stored low id first"
    assert twin.requested_by == territory.id, "Kehl's owners have not agreed yet"
    listing = client.get("/facilitate/territories").text
    assert "Strasbourg" in listing
    assert "FR-67" in listing
    edit = client.get(f"/facilitate/territories/{territory.id}/edit").text
    assert 'value="kehl"' in edit


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"slug": "Stras bourg"}, "slug", "lowercase letters"),
        ({"name_en": "", "name_fr": "", "name_de": ""}, "name_en", "at least one language"),
        ({"iso_3166_2": "France-67"}, "iso_3166_2", "FR-67 or DE-BW"),
        ({"iso_3166_2": "F-6"}, "iso_3166_2", "FR-67 or DE-BW"),
        ({"nuts": "FRF111"}, "nuts", "like FRF1"),
        ({"nuts": "1234"}, "nuts", "like FRF1"),
        ({"eurostat_lau": "67-482"}, "eurostat_lau", "letters and digits"),
        ({"wikidata": "6602"}, "wikidata", "like Q90"),
        ({"wikidata": "Q0"}, "wikidata", "like Q90"),
        ({"lau_year": ""}, "lau_year", "year this figure or code refers to"),
        ({"nuts_year": "1066"}, "nuts_year", "between 1900 and 2100"),
        ({"population": "-5"}, "population", "Zero or more"),
        ({"population": "many"}, "population", "Not a valid integer"),
        ({"kind": "planet"}, "kind", "Not a valid choice"),
        ({"twins": "nowhere"}, "twins", "No territory has the identifier nowhere"),
        ({"twins": "strasbourg"}, "twins", "cannot be twinned with itself"),
    ],
)
def test_invalid_territories_are_refused_with_422(
    client: FlaskClient, session: Session, overrides: dict[str, Any], field: str, message: str
) -> None:
    sign_in_as(client, make_user(session))
    response = client.post("/facilitate/territories/new", data=territory_data(**overrides))
    assert response.status_code == 422
    assert message in response.text
    assert f'id="{field}-error"' in response.text
    assert session.exec(select(Territory)).all() == []


def test_identifiers_are_optional(client: FlaskClient, session: Session) -> None:
    sign_in_as(client, make_user(session))
    response = client.post(
        "/facilitate/territories/new",
        data={"slug": "ortenau", "kind": "district", "name_de": "Ortenaukreis"},
    )
    assert response.status_code == 303
    territory = session.exec(select(Territory)).one()
    assert territory.kind == "district"
    assert territory.iso_3166_2 is None
    assert territory.name("fr") == "Ortenaukreis"


def test_slugs_are_unique(client: FlaskClient, session: Session) -> None:
    make_territory(session, slug="strasbourg")
    sign_in_as(client, make_user(session))
    response = client.post("/facilitate/territories/new", data=territory_data())
    assert response.status_code == 422
    assert "Another territory already has this identifier" in response.text


def test_edit_replaces_twins_and_is_limited_to_owners(
    client: FlaskClient, session: Session
) -> None:
    creator, colleague, stranger = make_user(session), make_user(session), make_user(session)
    a = make_territory(session, owners=[creator])
    b, c = make_territory(session), make_territory(session)
    session.add(TerritoryTwin(territory_id=a.id, twin_id=b.id))
    session.commit()
    make_round(session, territories=[a], facilitators=[colleague])
    url = f"/facilitate/territories/{a.id}/edit"

    for outsider in (stranger, colleague):  # facilitating a round it takes part in is no right
        sign_in_as(client, outsider)
        assert client.get(url).status_code == 403
        assert client.post(url, data=territory_data(slug=a.slug)).status_code == 403

    sign_in_as(client, creator)
    response = client.post(
        url, data=territory_data(slug=a.slug, twins=f"{c.slug}", iso_3166_2="DE-BW")
    )
    assert response.status_code == 303
    session.expire_all()
    twins = session.exec(select(TerritoryTwin)).all()
    assert [(t.territory_id, t.twin_id, t.requested_by) for t in twins] == [(a.id, c.id, a.id)]
    assert session.get(Territory, a.id).iso_3166_2 == "DE-BW"

    admin = make_user(session, role=Role.ADMIN)
    sign_in_as(client, admin)
    assert client.get(f"/facilitate/territories/{b.id}/edit").status_code == 200
    assert client.get("/facilitate/territories/9999/edit").status_code == 404


def test_territory_list_is_paginated(client: FlaskClient, session: Session) -> None:
    for n in range(105):
        session.add(Territory(slug=f"t-{n:03d}", names={"en": f"T {n:03d}"}))
    session.commit()
    sign_in_as(client, make_user(session))
    first = client.get("/facilitate/territories").text
    assert "T 000" in first
    assert "T 104" not in first
    assert "page=2" in first
    assert "T 104" in client.get("/facilitate/territories?page=2").text


def test_attaching_a_territory_to_ones_round_grants_no_right_over_it(
    client: FlaskClient, session: Session
) -> None:
    owner, attacker = make_user(session), make_user(session)
    town = make_territory(session, owners=[owner], slug="colmar", names={"en": "Colmar"})
    round_ = make_round(session, territories=[], facilitators=[attacker])
    sign_in_as(client, attacker)
    attached = client.post(
        f"/facilitate/rounds/{round_.id}/territories", data={"territory": "colmar"}
    )
    assert attached.status_code == 303

    edit = client.post(
        f"/facilitate/territories/{town.id}/edit",
        data=territory_data(slug="colmar", name_en="Taken over", twins=""),
    )
    assert edit.status_code == 403
    grab = client.post(f"/facilitate/territories/{town.id}/owners", data={"email": attacker.email})
    assert grab.status_code == 403
    session.expire_all()
    assert session.get(Territory, town.id).names == {"en": "Colmar"}
    assert session.exec(select(TerritoryOwner.user_id)).all() == [owner.id]
    page = client.get(f"/facilitate/territories/{town.id}")
    assert page.status_code == 200
    assert "/edit" not in page.text
    assert "Add an owner" not in page.text
    listing = client.get("/facilitate/territories")
    assert f"/facilitate/territories/{town.id}/edit" not in listing.text


def test_creating_a_territory_makes_its_creator_the_owner_and_is_logged(
    client: FlaskClient, session: Session
) -> None:
    me = make_user(session)
    sign_in_as(client, me)
    response = client.post("/facilitate/territories/new", data=territory_data())
    territory = session.exec(select(Territory)).one()
    assert response.headers["Location"] == f"/facilitate/territories/{territory.id}"
    assert session.exec(select(TerritoryOwner.user_id)).all() == [me.id]
    entry = session.exec(
        select(AuditEntry).where(AuditEntry.target_kind == TargetKind.TERRITORY)
    ).one()
    assert (entry.action, entry.actor_user_id, entry.target_id) == (
        AuditAction.TERRITORY_CREATE,
        me.id,
        territory.id,
    )
    assert entry.details["names"]["de"] == "Straßburg"


def test_territory_edits_are_in_the_audit_log_with_what_changed(
    client: FlaskClient, session: Session
) -> None:
    me = make_user(session)
    kehl = make_territory(session, slug="kehl")
    town = make_territory(session, owners=[me], slug="strasbourg", names={"en": "Strasbourg"})
    sign_in_as(client, me)
    response = client.post(
        f"/facilitate/territories/{town.id}/edit",
        data={
            "slug": "strasbourg",
            "kind": "municipality",
            "name_en": "Straßburg",
            "twins": "kehl",
        },
    )
    assert response.status_code == 303
    entry = session.exec(
        select(AuditEntry).where(
            AuditEntry.action == AuditAction.TERRITORY_UPDATE, AuditEntry.target_id == town.id
        )
    ).one()
    assert entry.actor_user_id == me.id
    assert entry.target_kind == TargetKind.TERRITORY
    assert entry.details["changes"] == {
        "names": [{"en": "Strasbourg"}, {"en": "Straßburg"}],
        "twinning asked": [[], ["kehl"]],
    }
    history = client.get(f"/facilitate/territories/{town.id}")
    assert "Territory edited" in history.text
    assert kehl.slug in history.text
    other_side = session.exec(
        select(AuditEntry).where(
            AuditEntry.target_kind == TargetKind.TERRITORY, AuditEntry.target_id == kehl.id
        )
    ).one()
    assert other_side.details == {"twinning": {"strasbourg": "asked"}}


def test_owners_add_transfer_and_remove_owners(client: FlaskClient, session: Session) -> None:
    first, second, third = make_user(session), make_user(session), make_user(session)
    town = make_territory(session, owners=[first])
    url = f"/facilitate/territories/{town.id}"
    sign_in_as(client, first)
    assert client.post(f"{url}/owners", data={"email": second.email}).status_code == 303
    owners = session.exec(select(TerritoryOwner.user_id).order_by(TerritoryOwner.user_id)).all()
    assert owners == [first.id, second.id]

    sign_in_as(client, second)
    moved = client.post(f"{url}/owners", data={"email": third.email, "transfer": "y"})
    assert moved.status_code == 303
    session.expire_all()
    owners = session.exec(select(TerritoryOwner.user_id).order_by(TerritoryOwner.user_id)).all()
    assert owners == [first.id, third.id]
    assert client.get(f"{url}/edit").status_code == 403

    sign_in_as(client, third)
    assert (
        client.post(f"{url}/owners/{first.id}/remove", data={"confirmed": "yes"}).status_code == 303
    )
    last = client.post(f"{url}/owners/{third.id}/remove")
    assert last.status_code == 409
    assert "at least one owner" in last.text
    session.expire_all()
    assert session.exec(select(TerritoryOwner.user_id)).all() == [third.id]
    actions = session.exec(
        select(AuditEntry.action, AuditEntry.details)
        .where(AuditEntry.target_kind == TargetKind.TERRITORY)
        .order_by(AuditEntry.id)
    ).all()
    assert [(a, d["owner_email"]) for a, d in actions] == [
        (AuditAction.OWNER_ADD, second.email),
        (AuditAction.OWNER_ADD, third.email),
        (AuditAction.OWNER_REMOVE, second.email),
        (AuditAction.OWNER_REMOVE, first.email),
    ]


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("nobody@example.org", "No active account has this email address"),
        ("not an address", "not a valid email address"),
    ],
)
def test_adding_an_unknown_owner_is_a_form_error(
    client: FlaskClient, session: Session, email: str, message: str
) -> None:
    me = make_user(session)
    town = make_territory(session, owners=[me])
    sign_in_as(client, me)
    response = client.post(f"/facilitate/territories/{town.id}/owners", data={"email": email})
    assert response.status_code == 422
    assert message in response.text
    assert session.exec(select(TerritoryOwner.user_id)).all() == [me.id]


def test_admins_edit_and_hand_on_any_territory(client: FlaskClient, session: Session) -> None:
    admin, facilitator = make_user(session, role=Role.ADMIN), make_user(session)
    town = make_territory(session)
    sign_in_as(client, admin)
    assert client.get(f"/facilitate/territories/{town.id}/edit").status_code == 200
    response = client.post(
        f"/facilitate/territories/{town.id}/owners", data={"email": facilitator.email}
    )
    assert response.status_code == 303
    assert session.exec(select(TerritoryOwner.user_id)).all() == [facilitator.id]


@pytest.mark.parametrize(
    ("language", "texts"),
    [("en", ["Owners", "Add an owner", "History"]), ("fr", ["Propriétaires", "Historique"])],
)
def test_the_territory_page_is_translated(
    client: FlaskClient, session: Session, language: str, texts: list[str]
) -> None:
    me = make_user(session)
    town = make_territory(session, owners=[me])
    sign_in_as(client, me)
    client.post("/language", data={"language": language, "next": "/"})
    page = client.get(f"/facilitate/territories/{town.id}")
    assert page.status_code == 200
    assert f'lang="{language}"' in page.text
    for text in texts:
        assert text in page.text
