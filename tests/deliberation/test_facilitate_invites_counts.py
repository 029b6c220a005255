"""Invite links (create, list with full URLs, revoke) and live counts per territory."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlmodel import Session, select

from deliberation.clock import utcnow
from deliberation.models import Invite, Phase, StatementStatus
from deliberation.services.counts import round_counts
from deliberation.services.invites import invite_token
from tests.factories import (
    make_invite,
    make_participant,
    make_round,
    make_statement,
    make_territory,
    make_user,
    sign_in_as,
)

HTMX = {"HX-Request": "true"}


def test_create_list_and_revoke_invites(client: FlaskClient, session: Session) -> None:
    me = make_user(session)
    town, outside = make_territory(session), make_territory(session)
    round_ = make_round(session, facilitators=[me], territories=[town])
    sign_in_as(client, me)
    url = f"/facilitate/rounds/{round_.id}/invites"

    assert client.get(url).status_code == 200
    created = client.post(
        url,
        data={"territory_id": town.id, "label": "Newsletter", "max_participants": "50"},
    )
    assert created.status_code == 303
    invite = session.exec(select(Invite)).one()
    assert (invite.label, invite.max_participants, invite.single_use) == ("Newsletter", 50, False)
    single = client.post(url, data={"territory_id": town.id, "single_use": "y"})
    assert single.status_code == 303

    page = client.get(url).text
    link = f"http://localhost/join/{invite_token(invite)}"
    assert link in page, "full absolute URL"
    assert "Newsletter" in page
    assert "single use" in page
    assert "Participants: at most 50" in page

    assert client.post(url, data={"territory_id": outside.id}).status_code == 422
    assert (
        client.post(url, data={"territory_id": town.id, "max_participants": "0"}).status_code == 422
    )

    # The link works for a citizen, and its uses are shown.
    joined = client.post(f"/join/{invite_token(invite)}", data={"language": "en", "accept": "y"})
    assert joined.status_code == 303
    uses = client.get(url).text
    assert re.search(rf'<tr id="invite-{invite.id}">.*?<td class="number">1</td>', uses, re.S)

    revoked = client.post(f"{url}/{invite.id}/revoke", data={"confirmed": "yes"})
    assert revoked.status_code == 303
    session.refresh(invite)
    assert invite.revoked_at is not None
    assert "Revoked on" in client.get(url).text
    assert client.post(f"{url}/{invite.id}/revoke", data={"confirmed": "yes"}).status_code == 409
    assert client.get(f"/join/{invite_token(invite)}").status_code == 403

    other = make_round(session)
    foreign = make_invite(session, other)
    assert client.post(f"{url}/{foreign.id}/revoke").status_code == 404


def test_counts_per_territory_and_polling_partial(client: FlaskClient, session: Session) -> None:
    me = make_user(session)
    north, south = (
        make_territory(session, names={"en": "North"}),
        make_territory(session, names={"en": "South"}),
    )
    round_ = make_round(session, facilitators=[me], territories=[north, south], privacy_k=1)
    make_participant(session, round_, territory_id=north.id, vote_count=3)
    make_participant(session, round_, territory_id=north.id, vote_count=0)
    author = make_participant(session, round_, territory_id=south.id, vote_count=5)
    make_participant(session, round_, territory_id=south.id, vote_count=2, withdrawn_at=utcnow())
    make_statement(session, round_)
    make_statement(
        session,
        round_,
        is_seed=False,
        status=StatementStatus.PENDING,
        author_participant_id=author.id,
        author_territory_id=south.id,
    )
    sign_in_as(client, me)

    counts = round_counts(session, round_=round_, user=me)
    by_name = {
        row.territory.names["en"]: (row.participants, row.voters, row.votes, row.statements)
        for row in counts.territories
        if row.territory is not None
    }
    assert by_name == {"North": (2, 1, 3, 0), "South": (1, 1, 5, 1)}
    total = counts.total
    assert (total.participants, total.voters, total.votes, total.statements) == (3, 2, 8, 2)
    assert counts.seeds == 1

    page = client.get(f"/facilitate/rounds/{round_.id}").text
    assert 'id="live-counts"' in page
    assert 'hx-trigger="every 5s"' in page
    assert f'hx-get="/facilitate/rounds/{round_.id}/counts"' in page

    partial = client.get(f"/facilitate/rounds/{round_.id}/counts", headers=HTMX)
    assert partial.status_code == 200
    assert partial.text.lstrip().startswith('<section id="live-counts"')
    assert "<html" not in partial.text
    assert "HX-Request" in partial.headers["Vary"]
    full = client.get(f"/facilitate/rounds/{round_.id}/counts")
    assert "<html" in full.text

    round_.phase = Phase.CLOSED
    session.add(round_)
    session.commit()
    closed = client.get(f"/facilitate/rounds/{round_.id}/counts", headers=HTMX).text
    assert "hx-trigger" not in closed, "no polling once the round is closed"
