"""The participation page after the open phase: no card and no statement form, but where the
round stands and the way to its proposals, decisions or report."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session

from deliberation.models import Phase
from tests.factories import act_as, make_participant, make_round, make_statement


@pytest.mark.parametrize(
    ("phase", "heading", "links"),
    [
        (Phase.DRAFTING, "Proposals are being drafted", ["/proposals"]),
        (Phase.DECIDING, "The decision is open", ["/decisions", "/proposals"]),
        (Phase.CLOSED, "This round is closed", []),
        (Phase.REPORTED, "This round is closed", ["/report"]),
    ],
)
def test_after_the_open_phase_the_page_points_to_what_comes_next(
    client: FlaskClient, session: Session, phase: Phase, heading: str, links: list[str]
) -> None:
    round_ = make_round(session, phase=phase)
    make_statement(session, round_, text="Plant trees along the river")
    act_as(client, make_participant(session, round_))
    page = client.get(f"/r/{round_.slug}")
    assert page.status_code == 200
    assert heading in page.text
    assert 'id="card-title"' not in page.text
    assert "Plant trees along the river" not in page.text
    assert 'id="write-title"' not in page.text
    for link in [*links, "/map", "/my-votes"]:
        assert f'href="/r/{round_.slug}{link}"' in page.text


def test_the_open_phase_keeps_the_card(client: FlaskClient, session: Session) -> None:
    round_ = make_round(session)
    make_statement(session, round_, text="Plant trees along the river")
    act_as(client, make_participant(session, round_))
    page = client.get(f"/r/{round_.slug}")
    assert 'id="card-title"' in page.text
    assert "Plant trees along the river" in page.text
    assert 'id="write-title"' in page.text
    assert "Proposals are being drafted" not in page.text
