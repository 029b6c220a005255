"""A participant's return link: shown once with its QR code, it restores the participation on
another device after a click, and stops working once revoked or replaced."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from deliberation.models import Participant, Phase, Round
from tests.factories import act_as, make_participant, make_round


@pytest.fixture
def round_(session: Session) -> Round:
    return make_round(session, phase=Phase.DRAFTING)


@pytest.fixture
def participant(client: FlaskClient, session: Session, round_: Round) -> Participant:
    participant = make_participant(session, round_)
    act_as(client, participant)
    return participant


def make_link(client: FlaskClient, round_: Round) -> str:
    page = client.post(f"/r/{round_.slug}/return-link")
    assert page.status_code == 200
    assert '<svg role="img"' in page.text
    found = re.search(r'value="(http://localhost/r/[^"]+/return/[^"]+)"', page.text)
    assert found is not None
    return found.group(1).removeprefix("http://localhost")


def test_the_link_restores_the_participation_on_another_device(
    app: Flask, client: FlaskClient, round_: Round, participant: Participant
) -> None:
    intro = client.get(f"/r/{round_.slug}/return-link")
    assert intro.status_code == 200
    assert "/return/" not in intro.text  # the link is only shown when made
    link = make_link(client, round_)
    assert "/return/" not in client.get(f"/r/{round_.slug}/return-link").text  # shown once
    assert client.get(f"/r/{round_.slug}/my-votes").status_code == 200  # this browser goes on

    other = app.test_client()
    assert other.get(f"/r/{round_.slug}/my-votes").status_code == 403
    asked = other.get(link)
    assert asked.status_code == 200
    assert other.get(f"/r/{round_.slug}/my-votes").status_code == 403  # a GET changes nothing
    restored = other.post(link)
    assert restored.status_code == 303
    assert other.get(f"/r/{round_.slug}/my-votes").status_code == 200
    assert other.get(f"/r/{round_.slug}/proposals").status_code == 200


def test_revoking_stops_the_link_and_the_devices_that_used_it(
    app: Flask, client: FlaskClient, round_: Round, participant: Participant
) -> None:
    link = make_link(client, round_)
    other = app.test_client()
    other.post(link)

    revoked = client.post(f"/r/{round_.slug}/return-link/revoke")

    assert revoked.status_code == 303
    assert client.get(f"/r/{round_.slug}/my-votes").status_code == 200
    assert other.get(f"/r/{round_.slug}/my-votes").status_code == 403
    assert app.test_client().get(link).status_code == 404
    assert app.test_client().post(link).status_code == 404


def test_a_new_link_replaces_the_previous_one(
    app: Flask, client: FlaskClient, round_: Round, participant: Participant
) -> None:
    first = make_link(client, round_)
    second = make_link(client, round_)

    assert app.test_client().get(first).status_code == 404
    assert app.test_client().get(second).status_code == 200


def test_only_participants_make_links_and_forged_links_are_404(
    app: Flask, client: FlaskClient, session: Session, round_: Round
) -> None:
    assert client.post(f"/r/{round_.slug}/return-link").status_code == 403
    assert client.get(f"/r/{round_.slug}/return/not-a-key").status_code == 404
    other_round = make_round(session, phase=Phase.DRAFTING)
    stranger = make_participant(session, other_round)
    act_as(client, stranger)
    link = make_link(client, other_round)
    assert app.test_client().get(link.replace(other_round.slug, round_.slug)).status_code == 404
