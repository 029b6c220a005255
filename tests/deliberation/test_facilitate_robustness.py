"""No input to the facilitators' pages produces a 500: huge ids and numbers, control
characters, not-a-number weights, odd pages. One case per test, so that the first failure does
not hide the others; URLs and fields name the world's objects as ``{base}``, ``{statement}``
and ``{territory}`` (its slug) or ``{territory_id}``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session

from deliberation.models import StatementStatus
from tests.factories import make_round, make_statement, make_territory, make_user, sign_in_as

HUGE = "99999999999999999999"


@dataclass(frozen=True)
class World:
    names: dict[str, str]

    def fill(self, value: Any) -> Any:
        if isinstance(value, str):
            return value.format(**self.names)
        if isinstance(value, list):
            return [self.fill(v) for v in value]
        return {k: self.fill(v) for k, v in value.items()}


@pytest.fixture
def world(client: FlaskClient, session: Session) -> World:
    """A signed-in facilitator with a round, a pending statement and a territory."""
    me = make_user(session)
    round_ = make_round(session, facilitators=[me])
    statement = make_statement(session, round_, status=StatementStatus.PENDING, is_seed=False)
    territory = make_territory(session)
    sign_in_as(client, me)
    return World(
        {
            "base": f"/facilitate/rounds/{round_.id}",
            "statement": str(statement.id),
            "territory": territory.slug,
            "territory_id": str(territory.id),
            "huge": HUGE,
        }
    )


@pytest.mark.parametrize(
    "url", ["/facilitate/rounds/{huge}", "/facilitate/territories/{huge}/edit"]
)
def test_huge_ids_in_pages_are_not_found(client: FlaskClient, world: World, url: str) -> None:
    assert client.get(world.fill(url)).status_code == 404


@pytest.mark.parametrize(
    ("url", "data", "statuses"),
    [
        ("{base}/moderation/{huge}", {"action": "accept"}, {404}),
        ("{base}/invites/{huge}/revoke", {}, {404}),
        ("{base}/moderation/bulk", {"action": "accept", "statement_ids": ["{huge}"]}, {404, 422}),
    ],
    ids=["moderate", "revoke", "bulk"],
)
def test_huge_ids_in_actions_are_refused(
    client: FlaskClient, world: World, url: str, data: dict[str, Any], statuses: set[int]
) -> None:
    assert client.post(world.fill(url), data=world.fill(data)).status_code in statuses


@pytest.mark.parametrize("page", [HUGE, "-3", "x"])
@pytest.mark.parametrize("url", ["{base}/moderation", "/facilitate/territories"])
def test_odd_page_numbers_show_a_page(
    client: FlaskClient, world: World, url: str, page: str
) -> None:
    assert client.get(f"{world.fill(url)}?page={page}").status_code == 200


CHECKS = {
    "weight-nan": ("{base}/territories", {"territory": "{territory}", "weight": "nan"}),
    "weight-inf": ("{base}/territories", {"territory": "{territory}", "weight": "inf"}),
    "territory-long": ("{base}/territories", {"territory": "x" * 500}),
    "invite-territory-huge": ("{base}/invites", {"territory_id": HUGE}),
    "invite-max-huge": ("{base}/invites", {"territory_id": "{territory_id}", "max_participants": HUGE}),
    "reason-nul": ("{base}/moderation/{statement}", {"action": "reject", "reason": "bad\x00"}),
    "reason-long": ("{base}/moderation/{statement}", {"action": "reject", "reason": "x" * 501}),
    "statement-nul": ("{base}/statements", {"text": "x\x00y", "language": "en"}),
    "facilitator-nul": ("{base}/facilitators", {"email": "a\x00@example.org"}),
    "territory-name-nul": ("/facilitate/territories/new", {"slug": "t", "name_en": "T\x00", "kind": "other"}),
    "population-huge": ("/facilitate/territories/new", {"slug": "t", "name_en": "T", "population": HUGE}),
    "lau-year-huge": ("/facilitate/territories/new", {"slug": "t", "name_en": "T", "lau_year": HUGE}),
    "round-title-nul": ("/facilitate/rounds/new", {"slug": "r", "languages": ["en"], "title_en": "\x00"}),
    "privacy-k-huge": ("/facilitate/rounds/new", {"slug": "r", "privacy_k": HUGE}),
    "phase-nul": ("{base}/phase", {"phase": "\x00"}),
}  # fmt: skip


@pytest.mark.parametrize(("url", "data"), CHECKS.values(), ids=CHECKS.keys())
def test_odd_form_inputs_are_refused_cleanly(
    client: FlaskClient, world: World, url: str, data: dict[str, Any]
) -> None:
    response = client.post(world.fill(url), data=world.fill(data))
    assert response.status_code == 422, response.text[:500]
