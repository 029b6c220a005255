"""``next`` and the language switch send people only to a path on this site."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session

from deliberation.views.redirects import local_path
from tests.factories import PASSWORD, make_user

ELSEWHERE = [
    "//evil.example/",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/r/x\r\nSet-Cookie: a=b",
    "/r/\x00x",
    "/\u200b/evil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    " /r/x",
    "r/x",
    "",
]


@pytest.mark.parametrize("target", ELSEWHERE)
def test_anything_but_a_local_path_is_refused(target: str) -> None:
    assert local_path(target) is None


def test_local_paths_are_kept() -> None:
    for target in ("/", "/r/heat-2026?x=1", "/facilitate/rounds/3/edit?", "/r/a%2F%2Fb"):
        assert local_path(target) == target


@pytest.mark.parametrize("target", ELSEWHERE)
def test_the_language_switch_goes_home_instead(client: FlaskClient, target: str) -> None:
    response = client.post("/language", data={"language": "fr", "next": target})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", ELSEWHERE)
def test_sign_in_goes_to_the_dashboard_instead(
    client: FlaskClient, session: Session, target: str
) -> None:
    user = make_user(session)
    response = client.post(
        "/auth/sign-in",
        query_string={"next": target},
        data={"email": user.email, "password": PASSWORD},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/facilitate/"


def test_the_sign_in_redirect_comes_back_to_the_page_and_its_query(client: FlaskClient) -> None:
    plain = client.get("/facilitate/territories")
    assert plain.headers["Location"] == "/auth/sign-in?next=/facilitate/territories"
    queried = client.get("/facilitate/territories?page=2")
    assert queried.headers["Location"] == "/auth/sign-in?next=/facilitate/territories?page%3D2"


def test_a_local_next_is_followed(client: FlaskClient, session: Session) -> None:
    user = make_user(session)
    response = client.post(
        "/auth/sign-in?next=/facilitate/territories",
        data={"email": user.email, "password": PASSWORD},
    )
    assert response.headers["Location"] == "/facilitate/territories"
    switched = client.post("/language", data={"language": "de", "next": "/r/x?y=1"})
    assert switched.headers["Location"] == "/r/x?y=1"
