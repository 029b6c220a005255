"""Single-use invites for decisions open to their holders only: generated per territory,
downloaded as CSV and printed as QR codes; a holder votes, a participant who joined through a
shared link does not."""

from __future__ import annotations

import csv
import io

from flask.testing import FlaskClient
from sqlmodel import Session, select

from deliberation.models import AuditEntry, Invite
from tests.factories import make_round, make_territory, make_user, sign_in_as


def test_a_facilitator_generates_downloads_and_prints_single_use_invites(
    client: FlaskClient, session: Session
) -> None:
    facilitator = make_user(session)
    north, south = make_territory(session), make_territory(session)
    round_ = make_round(session, territories=[north, south], facilitators=[facilitator])
    sign_in_as(client, facilitator)
    page = f"/facilitate/rounds/{round_.id}/invites"

    refused = client.post(
        f"{page}/single-use", data={"batch-territory_id": north.id, "batch-count": "0"}
    )
    assert refused.status_code == 422
    assert "Between 1 and 1000." in refused.text
    assert session.exec(select(Invite)).all() == []

    made = client.post(
        f"{page}/single-use",
        data={"batch-territory_id": north.id, "batch-count": "3", "batch-label": "=letters"},
    )
    assert made.status_code == 303
    client.post(f"{page}/single-use", data={"batch-territory_id": south.id, "batch-count": "2"})
    invites = session.exec(select(Invite).order_by(Invite.id)).all()  # type: ignore[arg-type]
    assert [(i.territory_id, i.single_use) for i in invites] == [(north.id, True)] * 3 + [
        (south.id, True)
    ] * 2
    entries = session.exec(select(AuditEntry).where(AuditEntry.action == "invite.create")).all()
    assert [e.details["count"] for e in entries] == [3, 2]

    listing = client.get(page)
    assert "Single-use invites" in listing.text
    table = client.get(f"{page}/single-use.csv?territory={north.id}")
    assert table.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(table.text)))
    assert rows[0] == ["territory", "territory_name", "label", "link", "created_at"]
    assert len(rows) == 4
    assert {row[0] for row in rows[1:]} == {north.slug}
    assert {row[2] for row in rows[1:]} == {"'=letters"}  # spreadsheet-safe
    assert len({row[3] for row in rows[1:]}) == 3
    every = list(csv.reader(io.StringIO(client.get(f"{page}/single-use.csv").text)))
    assert len(every) == 6

    printed = client.get(f"{page}/single-use/print?territory={south.id}")
    assert printed.status_code == 200
    assert printed.text.count('<svg role="img"') == 2
    assert "invites.css" in printed.text
    assert client.get(f"{page}/single-use/print?territory=999999").status_code == 404

    link = rows[1][3]
    joined = client.get(link.removeprefix("http://localhost"))
    assert joined.status_code == 200


def test_only_the_rounds_facilitators_get_its_invites(
    client: FlaskClient, session: Session
) -> None:
    round_ = make_round(session, facilitators=[make_user(session)])
    sign_in_as(client, make_user(session))
    page = f"/facilitate/rounds/{round_.id}/invites"
    assert client.get(f"{page}/single-use.csv").status_code == 403
    assert client.get(f"{page}/single-use/print").status_code == 403
