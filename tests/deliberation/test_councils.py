"""Councils: create, edit, owners, and their trail in the audit log."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session, select

from deliberation.models import AuditAction, AuditEntry, Council, CouncilOwner, Role, TargetKind
from tests.factories import make_council, make_territory, make_user, sign_in_as


def council_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "slug": "strasbourg-council",
        "name_en": "Strasbourg city council",
        "name_fr": "Conseil municipal de Strasbourg",
        "territory": "strasbourg",
        "oparl_body": "https://oparl.strasbourg.example/body/1",
        "website": "",
        "wikidata": "q6602",
    }
    data.update(overrides)
    return data


def test_a_facilitator_creates_a_council_and_owns_it(client: FlaskClient, session: Session) -> None:
    me = make_user(session)
    territory = make_territory(session, slug="strasbourg")
    sign_in_as(client, me)
    assert client.get("/facilitate/councils/new").status_code == 200
    response = client.post("/facilitate/councils/new", data=council_data())
    assert response.status_code == 303
    council = session.exec(select(Council)).one()
    assert council.names == {
        "en": "Strasbourg city council",
        "fr": "Conseil municipal de Strasbourg",
    }
    assert (council.territory_id, council.wikidata, council.website) == (
        territory.id,
        "Q6602",
        None,
    )
    assert council.oparl_body == "https://oparl.strasbourg.example/body/1"
    assert council.created_by_id == me.id
    assert session.exec(select(CouncilOwner)).one().user_id == me.id
    entry = session.exec(
        select(AuditEntry).where(AuditEntry.target_kind == TargetKind.COUNCIL)
    ).one()
    assert (entry.action, entry.target_kind, entry.target_id) == (
        AuditAction.COUNCIL_CREATE,
        TargetKind.COUNCIL,
        council.id,
    )
    assert entry.details["slug"] == "strasbourg-council"
    assert "Strasbourg city council" in client.get("/facilitate/councils/").text
    page = client.get(f"/facilitate/councils/{council.id}").text
    assert "oparl.strasbourg.example" in page
    assert "Council created" in page, "its owners see its history"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"slug": "Bad Slug"}, "lowercase letters"),
        ({"name_en": "", "name_fr": ""}, "at least one language"),
        ({"territory": "nowhere"}, "No territory has the identifier nowhere"),
        ({"oparl_body": "ftp://example.org"}, "https://"),
        ({"website": "javascript:alert(1)"}, "https://"),
        ({"wikidata": "6602"}, "like Q90"),
    ],
)
def test_bad_council_input_re_renders_and_changes_nothing(
    client: FlaskClient, session: Session, overrides: dict[str, Any], message: str
) -> None:
    make_territory(session, slug="strasbourg")
    sign_in_as(client, make_user(session))
    response = client.post("/facilitate/councils/new", data=council_data(**overrides))
    assert response.status_code == 422
    assert message in response.text
    assert session.exec(select(Council)).first() is None


def test_a_taken_identifier_is_refused(client: FlaskClient, session: Session) -> None:
    make_territory(session, slug="strasbourg")
    make_council(session, slug="strasbourg-council")
    sign_in_as(client, make_user(session))
    response = client.post("/facilitate/councils/new", data=council_data())
    assert response.status_code == 422
    assert "Another council already has this identifier" in response.text


def test_only_owners_and_admins_edit_a_council(client: FlaskClient, session: Session) -> None:
    owner, other = make_user(session), make_user(session)
    admin = make_user(session, role=Role.ADMIN)
    territory = make_territory(session, slug="strasbourg")
    council = make_council(session, territory=territory, owners=[owner])
    sign_in_as(client, other)
    assert client.get(f"/facilitate/councils/{council.id}/edit").status_code == 403
    refused = client.post(f"/facilitate/councils/{council.id}/edit", data=council_data())
    assert refused.status_code == 403
    page = client.get(f"/facilitate/councils/{council.id}").text
    assert "/edit" not in page
    assert "History" not in page, "only owners read its history"
    for editor, name in ((owner, "Renamed"), (admin, "Renamed again")):
        sign_in_as(client, editor)
        response = client.post(
            f"/facilitate/councils/{council.id}/edit", data=council_data(name_en=name)
        )
        assert response.status_code == 303
        session.refresh(council)
        assert council.names["en"] == name
    updates = session.exec(
        select(AuditEntry).where(AuditEntry.action == AuditAction.COUNCIL_UPDATE)
    ).all()
    assert [u.actor_user_id for u in updates] == [owner.id, admin.id]
    assert updates[0].details["changes"]["slug"][1] == "strasbourg-council"


def test_owners_hand_a_council_on(client: FlaskClient, session: Session) -> None:
    owner, successor = make_user(session), make_user(session)
    council = make_council(session, owners=[owner])
    sign_in_as(client, owner)
    response = client.post(
        f"/facilitate/councils/{council.id}/owners",
        data={"email": successor.email, "transfer": "y"},
    )
    assert response.status_code == 303
    owners = session.exec(select(CouncilOwner.user_id)).all()
    assert owners == [successor.id]
    actions = [
        e.action
        for e in session.exec(
            select(AuditEntry).where(AuditEntry.target_kind == TargetKind.COUNCIL)
        )
    ]
    assert actions == [AuditAction.OWNER_ADD, AuditAction.OWNER_REMOVE]
    assert client.get(f"/facilitate/councils/{council.id}/edit").status_code == 403


def test_adding_an_unknown_owner_re_renders(client: FlaskClient, session: Session) -> None:
    owner = make_user(session)
    council = make_council(session, owners=[owner])
    sign_in_as(client, owner)
    response = client.post(
        f"/facilitate/councils/{council.id}/owners", data={"email": "nobody@example.org"}
    )
    assert response.status_code == 422
    assert "No active account has this email address" in response.text


def test_councils_need_a_sign_in(client: FlaskClient, session: Session) -> None:
    council = make_council(session)
    assert client.get("/facilitate/councils/").status_code == 303
    assert client.get(f"/facilitate/councils/{council.id}").status_code == 303
    assert client.get("/facilitate/councils/999").status_code == 303
    sign_in_as(client, make_user(session))
    assert client.get("/facilitate/councils/999").status_code == 404
