"""Irreversible actions ask first, in a second step that needs no JavaScript: the first POST
changes nothing and answers a page repeating the form with ``confirmed=yes``; errors (a missing
or already revoked object, another person's round) answer at once, before any question."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlmodel import Session

from deliberation.models import Invite
from tests.factories import make_invite, make_round, make_user, sign_in_as


def test_revoking_an_invite_asks_first_and_changes_nothing_until_confirmed(
    client: FlaskClient, session: Session
) -> None:
    me = make_user(session)
    round_ = make_round(session, facilitators=[me])
    invite = make_invite(session, round_)
    sign_in_as(client, me)
    url = f"/facilitate/rounds/{round_.id}/invites/{invite.id}/revoke"

    asked = client.post(url)
    assert asked.status_code == 200
    assert "<h1>Revoke this invite link?</h1>" in asked.text
    form = re.search(rf'<form method="post" action="{url}"[^>]*>(.*?)</form>', asked.text, re.S)
    assert form is not None
    assert 'name="csrf_token"' in form.group(1)
    assert '<input type="hidden" name="confirmed" value="yes">' in form.group(1)
    assert f'href="/facilitate/rounds/{round_.id}/invites">Cancel</a>' in form.group(1)
    session.refresh(invite)
    assert invite.revoked_at is None
    assert "confirm(" not in asked.text

    assert client.post(url, data={"confirmed": "yes"}).status_code == 303
    session.refresh(invite)
    assert invite.revoked_at is not None
    assert client.post(url).status_code == 409, "an error answers before any question"


def test_strangers_get_no_question(client: FlaskClient, session: Session) -> None:
    round_ = make_round(session, facilitators=[make_user(session)])
    invite = make_invite(session, round_)
    sign_in_as(client, make_user(session))
    response = client.post(f"/facilitate/rounds/{round_.id}/invites/{invite.id}/revoke")
    assert response.status_code == 403
    assert session.get(Invite, invite.id) is not None
