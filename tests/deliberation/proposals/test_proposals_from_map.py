"""Start from the map: "Draft a proposal from this" on the consensus and bridging lists and the
group cards opens the editor with those statements linked, while the round drafts."""

from __future__ import annotations

import html
import re

from flask.testing import FlaskClient
from sqlmodel import Session, select

from deliberation.models import Participant, Phase, Proposal, ProposalStatement
from deliberation.opinions.snapshots import compute_snapshot
from tests.deliberation.opinions.rounds import planted_round
from tests.factories import act_as

LINK = re.compile(r'<a href="([^"]+/proposals/new\?[^"]+)">Draft a proposal from this')


def test_the_map_offers_to_draft_from_its_lists_and_groups(
    client: FlaskClient, session: Session
) -> None:
    round_ = planted_round(session)
    compute_snapshot(session, round_)
    session.commit()
    round_.phase = Phase.DRAFTING
    session.add(round_)
    session.commit()
    act_as(client, session.exec(select(Participant)).first())  # type: ignore[arg-type]

    page = client.get(f"/r/{round_.slug}/map")

    links = [html.unescape(url) for url in LINK.findall(page.text)]
    assert len(links) == 2 + 1 + 1  # two group cards, consensus, bridging
    consensus = links[2]
    ids = [int(i) for i in re.findall(r"statements=(\d+)", consensus)]
    assert len(ids) > 1
    editor = client.get(consensus)
    assert editor.status_code == 200
    for statement_id in ids:
        assert f'name="statements" value="{statement_id}" checked' in editor.text

    saved = client.post(
        f"/r/{round_.slug}/proposals/new",
        data={"title": "Agreed", "text": "What we agree on.", "language": "en", "statements": ids},
    )
    assert saved.status_code == 303
    proposal = session.exec(select(Proposal)).one()
    linked = session.exec(
        select(ProposalStatement.statement_id).where(ProposalStatement.proposal_id == proposal.id)
    ).all()
    assert sorted(linked) == sorted(ids)
    page = client.get(saved.headers["Location"]).text
    assert page.count('<caption class="visually-hidden">Answers by opinion group</caption>') == len(
        ids
    )
    assert page.count('<caption class="visually-hidden">Answers by territory</caption>') == len(ids)
    assert "% agree" in page


def test_no_drafting_links_while_the_round_is_open(client: FlaskClient, session: Session) -> None:
    round_ = planted_round(session)
    compute_snapshot(session, round_)
    session.commit()
    act_as(client, session.exec(select(Participant)).first())  # type: ignore[arg-type]
    assert "Draft a proposal from this" not in client.get(f"/r/{round_.slug}/map").text
