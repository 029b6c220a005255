"""No input to the facilitators' pages produces a 500: huge ids and numbers, control
characters, not-a-number weights, odd pages."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlmodel import Session

from deliberation.models import StatementStatus
from tests.factories import make_round, make_statement, make_territory, make_user, sign_in_as

HUGE = "99999999999999999999"


def test_odd_inputs_are_refused_cleanly(client: FlaskClient, session: Session) -> None:
    me = make_user(session)
    round_ = make_round(session, facilitators=[me])
    statement = make_statement(session, round_, status=StatementStatus.PENDING, is_seed=False)
    territory = make_territory(session)
    sign_in_as(client, me)
    base = f"/facilitate/rounds/{round_.id}"

    for url in (f"/facilitate/rounds/{HUGE}", f"/facilitate/territories/{HUGE}/edit"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"{base}/moderation/{HUGE}", data={"action": "accept"}).status_code == 404
    assert client.post(f"{base}/invites/{HUGE}/revoke").status_code == 404
    bulk = client.post(
        f"{base}/moderation/bulk", data={"action": "accept", "statement_ids": [HUGE]}
    )
    assert bulk.status_code in (404, 422)
    for page in (HUGE, "-3", "x"):
        assert client.get(f"{base}/moderation?page={page}").status_code == 200
        assert client.get(f"/facilitate/territories?page={page}").status_code == 200

    checks = [
        (f"{base}/territories", {"territory": territory.slug, "weight": "nan"}),
        (f"{base}/territories", {"territory": territory.slug, "weight": "inf"}),
        (f"{base}/territories", {"territory": "x" * 500}),
        (f"{base}/invites", {"territory_id": HUGE}),
        (f"{base}/invites", {"territory_id": territory.id, "max_participants": HUGE}),
        (f"{base}/moderation/{statement.id}", {"action": "reject", "reason": "bad\x00"}),
        (f"{base}/moderation/{statement.id}", {"action": "reject", "reason": "x" * 501}),
        (f"{base}/statements", {"text": "x\x00y", "language": "en"}),
        (f"{base}/facilitators", {"email": "a\x00@example.org"}),
        ("/facilitate/territories/new", {"slug": "t", "name_en": "T\x00", "kind": "other"}),
        ("/facilitate/territories/new", {"slug": "t", "name_en": "T", "population": HUGE}),
        ("/facilitate/territories/new", {"slug": "t", "name_en": "T", "lau_year": HUGE}),
        ("/facilitate/rounds/new", {"slug": "r", "languages": ["en"], "title_en": "\x00"}),
        ("/facilitate/rounds/new", {"slug": "r", "privacy_k": HUGE}),
        (f"{base}/phase", {"phase": "\x00"}),
    ]
    for url, data in checks:
        response = client.post(url, data=data)
        assert response.status_code == 422, (url, data, response.status_code)
