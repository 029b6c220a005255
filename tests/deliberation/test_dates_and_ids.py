"""Far dates, edge time zones and ids outside the database's range are clear refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import URLSafeSerializer
from sqlmodel import Session, select

from deliberation.models import Round
from deliberation.models.inputs import schedule_date_error
from tests.factories import make_invite, make_round, make_user, sign_in_as

EDGES = [
    ("Etc/GMT-14", "opens_at", "0001-01-01T00:00"),
    ("Etc/GMT+12", "closes_at", "9999-12-31T23:59"),
    ("Pacific/Kiritimati", "opens_at", "1899-12-31T23:59"),
    ("UTC", "closes_at", "2101-01-01T00:00"),
]


def _round_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "slug": "far-away",
        "languages": ["en"],
        "title_en": "Title",
        "question_en": "Question?",
        "topic": "climate",
        "time_zone": "UTC",
        "phase": "draft",
        "moderation_mode": "post",
        "max_statement_length": 280,
        "privacy_k": 5,
        "min_votes_for_map": 7,
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(("zone", "name", "value"), EDGES)
def test_far_dates_are_a_form_error(
    client: FlaskClient, session: Session, zone: str, name: str, value: str
) -> None:
    me = make_user(session)
    round_ = make_round(session, facilitators=[me])
    sign_in_as(client, me)
    data = _round_data(time_zone=zone, **{name: value})
    for url in ("/facilitate/rounds/new", f"/facilitate/rounds/{round_.id}/edit"):
        response = client.post(url, data={**data, "slug": round_.slug if "edit" in url else "x"})
        assert response.status_code == 422, (url, response.status_code)
        assert "A date between the years 1900 and 2100" in response.text
    assert session.exec(select(Round).where(Round.slug == "x")).first() is None


@pytest.mark.parametrize(
    ("zone", "opens", "closes"),
    [
        ("Etc/GMT-14", "1900-01-01T00:00", "2100-12-31T23:59"),
        ("Etc/GMT+12", "1900-01-01T00:00", "2100-12-31T23:59"),
    ],
)
def test_the_edges_of_the_range_are_accepted_in_every_zone(
    client: FlaskClient, session: Session, zone: str, opens: str, closes: str
) -> None:
    sign_in_as(client, make_user(session))
    data = _round_data(time_zone=zone, opens_at=opens, closes_at=closes)
    response = client.post("/facilitate/rounds/new", data=data)
    assert response.status_code == 303
    round_id = response.headers["Location"].rsplit("/", 1)[1]
    assert client.get(f"/facilitate/rounds/{round_id}/edit").status_code == 200


@pytest.mark.parametrize("invite_id", [2**31, 2**63, -1, 0, True])
def test_an_invite_token_for_an_id_out_of_range_is_404(
    app: Flask, client: FlaskClient, session: Session, invite_id: object
) -> None:
    invite = make_invite(session, make_round(session))
    serializer = URLSafeSerializer(app.config["SECRET_KEY"], salt="palabre.invite")
    token = serializer.dumps([invite_id, invite.key])
    assert client.get(f"/join/{token}").status_code == 404


def test_services_refuse_far_moments_too() -> None:
    kiritimati = timezone(timedelta(hours=14))
    assert schedule_date_error(datetime(1900, 1, 1, tzinfo=kiritimati)) is None
    assert schedule_date_error(datetime(2101, 1, 1, 11, tzinfo=UTC)) is None
    assert schedule_date_error(datetime(1, 1, 2, tzinfo=UTC)) is not None
    assert schedule_date_error(datetime(9999, 1, 1, tzinfo=UTC)) is not None
