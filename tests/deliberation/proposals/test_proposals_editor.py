"""The editor pages: new proposal, live preview, edits as versions, a stale edit's 409, history
and comparison, co-author links, and who may do what over HTTP."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session, func, select

from deliberation.models import (
    Amendment,
    Participant,
    Phase,
    Proposal,
    ProposalStatement,
    ProposalVersion,
    Round,
)
from tests.factories import (
    act_as,
    make_participant,
    make_proposal,
    make_round,
    make_statement,
    make_user,
    sign_in_as,
)


@pytest.fixture
def round_(session: Session) -> Round:
    return make_round(session, phase=Phase.DRAFTING)


@pytest.fixture
def author(client: FlaskClient, session: Session, round_: Round) -> Participant:
    participant = make_participant(session, round_)
    act_as(client, participant)
    return participant


def stored(session: Session, model: type) -> int:
    return int(session.exec(select(func.count()).select_from(model)).one())


def new_data(**overrides: str) -> dict[str, str]:
    data = {"title": "Shade for schools", "text": "Plant **trees**.", "language": "en"}
    data.update(overrides)
    return data


def test_a_participant_writes_a_proposal_from_statements(
    client: FlaskClient, session: Session, round_: Round, author: Participant
) -> None:
    statement = make_statement(session, round_, text="Schoolyards need shade")
    page = client.get(f"/r/{round_.slug}/proposals/new?statements={statement.id}")
    assert page.status_code == 200
    assert f'name="statements" value="{statement.id}" checked' in page.text
    assert 'hx-post="/r/' in page.text

    saved = client.post(
        f"/r/{round_.slug}/proposals/new",
        data={**new_data(display_name="Ana"), "statements": str(statement.id)},
    )

    assert saved.status_code == 303
    proposal = session.exec(select(Proposal)).one()
    shown = client.get(saved.headers["Location"])
    assert "<strong>trees</strong>" in shown.text
    assert "Schoolyards need shade" in shown.text
    assert "Ana" in shown.text
    assert session.exec(select(ProposalStatement)).one().proposal_id == proposal.id


@pytest.mark.parametrize(
    "data",
    [
        new_data(title=""),
        new_data(title="t" * 161),
        new_data(text="x" * 20_001),
        new_data(title='<span hx-get="/facilitate/">Title</span>'),
        new_data(text='<button hx-post="/r/x/withdraw" hx-trigger="load">Go</button>'),
        new_data(message="<script>alert(1)</script>"),
        new_data(display_name='<a hx-get="/x">me</a>'),
        new_data(language="klingon"),
    ],
)
def test_bad_input_re_renders_with_an_error_and_stores_nothing(
    client: FlaskClient, session: Session, round_: Round, author: Participant, data: dict[str, str]
) -> None:
    response = client.post(f"/r/{round_.slug}/proposals/new", data=data)

    assert response.status_code == 422
    assert 'class="error"' in response.text or 'role="alert"' in response.text
    assert stored(session, Proposal) == 0
    assert stored(session, ProposalVersion) == 0
    assert "<button hx-post" not in response.text
    assert "<script>alert" not in response.text


def test_statements_of_another_round_are_refused_over_http(
    client: FlaskClient, session: Session, round_: Round, author: Participant
) -> None:
    foreign = make_statement(session, make_round(session, phase=Phase.DRAFTING))
    response = client.post(
        f"/r/{round_.slug}/proposals/new", data={**new_data(), "statements": str(foreign.id)}
    )
    assert response.status_code == 422
    assert "only statements of its own round" in response.text
    assert stored(session, Proposal) == 0
    assert (
        client.post(
            f"/r/{round_.slug}/proposals/new", data={**new_data(), "statements": "abc"}
        ).status_code
        == 422
    )


def test_strangers_cannot_draft(client: FlaskClient, session: Session, round_: Round) -> None:
    assert client.get(f"/r/{round_.slug}/proposals/new").status_code == 403
    assert client.post(f"/r/{round_.slug}/proposals/new", data=new_data()).status_code == 403
    assert stored(session, Proposal) == 0


def test_the_preview_renders_markdown_and_escapes_html(
    client: FlaskClient, session: Session, round_: Round, author: Participant
) -> None:
    fragment = client.post(
        f"/r/{round_.slug}/proposals/preview",
        data={"text": "*shade*\n\n<div hx-get='/x'>raw</div>"},
        headers={"HX-Request": "true"},
    )
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith('<section id="preview"')
    assert "<em>shade</em>" in fragment.text
    assert "<div hx-get" not in fragment.text


def test_the_preview_button_works_without_javascript_and_saves_nothing(
    client: FlaskClient, session: Session, round_: Round, author: Participant
) -> None:
    page = client.post(
        f"/r/{round_.slug}/proposals/new", data={**new_data(text="*cool*"), "preview": "1"}
    )
    assert page.status_code == 200
    assert "<em>cool</em>" in page.text
    assert "*cool*</textarea>" in page.text
    assert stored(session, Proposal) == 0


def test_edits_make_versions_that_history_and_compare_show(
    client: FlaskClient, session: Session, round_: Round, author: Participant
) -> None:
    proposal = make_proposal(session, round_, author=author, text="Plant trees in schoolyards.")
    url = f"/r/{round_.slug}/proposals/{proposal.id}"
    assert client.get(f"{url}/edit").status_code == 200

    saved = client.post(
        f"{url}/edit",
        data={
            "title": proposal.title,
            "text": "Plant oaks in schoolyards.",
            "message": "Oaks",
            "base_version": "1",
        },
    )
    assert saved.status_code == 303

    history = client.get(f"{url}/history")
    assert "Version 2" in history.text
    assert "Oaks" in history.text
    compare = client.get(f"{url}/compare?from=1&to=2")
    assert compare.status_code == 200
    assert re.search(r"<del><span class=\"visually-hidden\">Deleted: </span>trees", compare.text)
    assert re.search(r"<ins><span class=\"visually-hidden\">Inserted: </span>oaks", compare.text)
    assert client.get(f"{url}/compare?from=1&to=9").status_code == 404


def test_a_stale_edit_is_409_shows_what_changed_and_keeps_the_typed_text(
    client: FlaskClient, session: Session, round_: Round, author: Participant
) -> None:
    proposal = make_proposal(session, round_, author=author, text="Plant trees.")
    url = f"/r/{round_.slug}/proposals/{proposal.id}/edit"
    first = {"title": proposal.title, "text": "Plant many trees.", "base_version": "1"}
    assert client.post(url, data=first).status_code == 303

    stale = client.post(
        url, data={"title": proposal.title, "text": "My own careful rewrite.", "base_version": "1"}
    )

    assert stale.status_code == 409
    assert "My own careful rewrite.</textarea>" in stale.text
    assert '<ins><span class="visually-hidden">Inserted: </span>many' in stale.text
    assert 'name="base_version" type="hidden" value="2"' in stale.text
    assert stored(session, ProposalVersion) == 2
    session.refresh(proposal)
    assert proposal.text == "Plant many trees."


def test_a_non_author_cannot_edit_a_coauthor_can(
    client: FlaskClient, session: Session, round_: Round
) -> None:
    first = make_participant(session, round_)
    proposal = make_proposal(session, round_, author=first)
    url = f"/r/{round_.slug}/proposals/{proposal.id}"
    edit = {"title": "Mine now", "text": "Mine now.", "base_version": "1"}

    act_as(client, make_participant(session, round_))
    assert client.get(f"{url}/edit").status_code == 403
    assert client.post(f"{url}/edit", data=edit).status_code == 403
    assert client.post(f"{url}/coauthor-links").status_code == 403

    act_as(client, first)
    assert client.post(f"{url}/coauthor-links").status_code == 303
    link = re.search(r'value="http://localhost(/r/[^"]+/coauthor/[^"]+)"', client.get(url).text)
    assert link is not None

    act_as(client, make_participant(session, round_))
    assert client.get(link.group(1)).status_code == 200
    assert client.post(link.group(1)).status_code == 303
    assert client.post(f"{url}/edit", data=edit).status_code == 303
    session.refresh(proposal)
    assert proposal.title == "Mine now"


def test_a_facilitator_edits_any_proposal_of_their_round_only(
    client: FlaskClient, session: Session, round_: Round
) -> None:
    mine, theirs = make_user(session), make_user(session)
    round_ = make_round(session, phase=Phase.DRAFTING, facilitators=[mine])
    make_round(session, phase=Phase.DRAFTING, facilitators=[theirs])
    proposal = make_proposal(session, round_)
    url = f"/r/{round_.slug}/proposals/{proposal.id}/edit"
    edit = {"title": "Edited", "text": "Edited.", "base_version": "1"}

    sign_in_as(client, theirs)
    assert client.post(url, data=edit).status_code == 403
    sign_in_as(client, mine)
    assert client.post(url, data=edit).status_code == 303


def test_a_revoked_coauthor_link_is_refused(
    client: FlaskClient, session: Session, round_: Round, author: Participant
) -> None:
    proposal = make_proposal(session, round_, author=author)
    url = f"/r/{round_.slug}/proposals/{proposal.id}"
    client.post(f"{url}/coauthor-links")
    page = client.get(url).text
    link = re.search(r'value="http://localhost(/r/[^"]+/coauthor/[^"]+)"', page)
    revoke = re.search(r'action="([^"]+/revoke)"', page)
    assert link is not None
    assert revoke is not None
    assert client.post(revoke.group(1), data={"confirmed": "yes"}).status_code == 303
    act_as(client, make_participant(session, round_))
    assert client.post(link.group(1)).status_code == 403


def test_an_author_submits_and_withdraws(
    client: FlaskClient, session: Session, round_: Round, author: Participant
) -> None:
    proposal = make_proposal(session, round_, author=author)
    url = f"/r/{round_.slug}/proposals/{proposal.id}/status"
    assert client.post(url, data={"status": "submitted"}).status_code == 303
    assert client.post(url, data={"status": "merged"}).status_code == 409
    assert client.post(url, data={"status": "nonsense"}).status_code == 422
    session.refresh(proposal)
    assert proposal.status == "submitted"

    asked = client.post(url, data={"status": "withdrawn"})
    assert asked.status_code == 200
    assert "Withdraw this proposal?" in asked.text
    assert '<input type="hidden" name="status" value="withdrawn">' in asked.text
    session.refresh(proposal)
    assert proposal.status == "submitted", "nothing changes before the confirmation"
    confirmed = client.post(url, data={"status": "withdrawn", "confirmed": "yes"})
    assert confirmed.status_code == 303
    session.refresh(proposal)
    assert proposal.status == "withdrawn"


@pytest.mark.parametrize("base_version", ["", "abc", "0", "99999999999"])
def test_a_tampered_base_version_is_a_clear_error(
    client: FlaskClient, session: Session, round_: Round, author: Participant, base_version: str
) -> None:
    proposal = make_proposal(session, round_, author=author)
    response = client.post(
        f"/r/{round_.slug}/proposals/{proposal.id}/edit",
        data={"title": "T", "text": "Changed.", "base_version": base_version},
    )
    assert response.status_code == 422
    assert 'class="error" role="alert"' in response.text
    assert stored(session, ProposalVersion) == 1


@pytest.mark.parametrize(
    "data",
    [
        {"paragraph": "abc", "replacement": "New.", "rationale": "Why."},
        {"paragraph": "7", "replacement": "New.", "rationale": "Why."},
        {"paragraph": "0", "replacement": '<p hx-get="/x">New</p>', "rationale": "Why."},
        {"paragraph": "0", "replacement": "New.", "rationale": "<marquee>Why</marquee>"},
        {"paragraph": "0", "replacement": "New.", "rationale": ""},
    ],
)
def test_a_bad_amendment_is_a_clear_error_over_http(
    client: FlaskClient, session: Session, round_: Round, data: dict[str, str]
) -> None:
    proposal = make_proposal(session, round_)
    act_as(client, make_participant(session, round_))
    response = client.post(f"/r/{round_.slug}/proposals/{proposal.id}/amendments/new", data=data)
    assert response.status_code == 422
    assert 'class="error"' in response.text
    assert stored(session, Amendment) == 0


def test_a_rejection_without_a_reason_re_renders_the_page_with_the_problem(
    client: FlaskClient, session: Session, round_: Round, author: Participant
) -> None:
    proposal = make_proposal(session, round_, author=author)
    amendment = Amendment(
        proposal_id=proposal.id,  # type: ignore[arg-type]
        base_version=1,
        paragraph=0,
        original="Plant trees in every schoolyard.",
        replacement="Plant trees in every street.",
        rationale="Streets are hot too.",
        participant_id=make_participant(session, round_).id,
    )
    session.add(amendment)
    session.commit()
    url = f"/r/{round_.slug}/proposals/{proposal.id}/amendments/{amendment.id}/reject"

    refused = client.post(url, data={"reason": ""})

    assert refused.status_code == 422
    assert f'id="reason-{amendment.id}-error" role="alert"' in refused.text
    assert 'aria-invalid="true"' in refused.text
    session.refresh(amendment)
    assert amendment.status == "open"
