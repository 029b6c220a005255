"""Territories: list, create and edit with identifier checks and twinning links."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session, select

from deliberation.models import Role, Territory, TerritoryTwin
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
    assert [(t.territory_id, t.twin_id) for t in twins] == [(a.id, c.id)]
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
