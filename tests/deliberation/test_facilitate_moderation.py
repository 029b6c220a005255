"""Moderation: the queue, accept / reject with a reason, meta flag, bulk actions, the log."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlmodel import Session, col, select

from deliberation.models import (
    MODERATION_ACTIONS,
    AuditEntry,
    ModerationMode,
    Round,
    Statement,
    StatementStatus,
    User,
)
from tests.factories import (
    act_as,
    make_participant,
    make_round,
    make_statement,
    make_user,
    sign_in_as,
)

HTMX = {"HX-Request": "true"}


def setup(
    client: FlaskClient, session: Session, mode: ModerationMode = ModerationMode.PRE
) -> tuple[User, Round]:
    me = make_user(session)
    round_ = make_round(session, facilitators=[me], moderation_mode=mode)
    sign_in_as(client, me)
    return me, round_


def pending(session: Session, round_: Round, text: str) -> Statement:
    author = make_participant(session, round_)
    return make_statement(
        session,
        round_,
        text=text,
        is_seed=False,
        status=StatementStatus.PENDING,
        author_participant_id=author.id,
        author_territory_id=author.territory_id,
    )


def log(session: Session) -> list[tuple[int, int | None, str, str | None]]:
    """The moderation part of the audit log: (statement id, account id, action, reason)."""
    entries = session.exec(
        select(AuditEntry)
        .where(col(AuditEntry.action).in_([a.value for a in MODERATION_ACTIONS]))
        .order_by(AuditEntry.id)
    ).all()
    return [
        (e.target_id, e.actor_user_id, e.action.removeprefix("statement."), e.details.get("reason"))
        for e in entries
    ]


def test_queue_lists_pending_statements_with_their_territory(
    client: FlaskClient, session: Session
) -> None:
    _, round_ = setup(client, session)
    round_.privacy_k = 1
    waiting = pending(session, round_, "Cool roofs for schools")
    make_statement(session, round_, text="An accepted seed")
    page = client.get(f"/facilitate/rounds/{round_.id}/moderation")
    assert page.status_code == 200
    assert "Cool roofs for schools" in page.text
    assert "An accepted seed" not in page.text
    assert f'id="statement-{waiting.id}"' in page.text
    assert "Town" in page.text, "the author's territory is shown"
    accepted = client.get(f"/facilitate/rounds/{round_.id}/moderation?status=accepted")
    assert "An accepted seed" in accepted.text
    assert client.get(f"/facilitate/rounds/{round_.id}/moderation?status=bogus").status_code == 200


def test_accept_and_reject_without_javascript_redirect_and_log(
    client: FlaskClient, session: Session
) -> None:
    me, round_ = setup(client, session)
    first, second = pending(session, round_, "First"), pending(session, round_, "Second")
    base = f"/facilitate/rounds/{round_.id}/moderation"

    accepted = client.post(f"{base}/{first.id}", data={"action": "accept"})
    assert accepted.status_code == 303
    assert "/moderation" in accepted.headers["Location"]

    no_reason = client.post(f"{base}/{second.id}", data={"action": "reject", "reason": " "})
    assert no_reason.status_code == 422
    assert "Give a reason to reject" in no_reason.text
    session.refresh(second)
    assert second.status == StatementStatus.PENDING

    rejected = client.post(
        f"{base}/{second.id}", data={"action": "reject", "reason": "Personal attack"}
    )
    assert rejected.status_code == 303
    session.refresh(first)
    session.refresh(second)
    assert first.status == StatementStatus.ACCEPTED
    assert first.moderated_at is not None
    assert (second.status, second.rejection_reason) == (StatementStatus.REJECTED, "Personal attack")
    assert log(session) == [
        (first.id, me.id, "accept", None),
        (second.id, me.id, "reject", "Personal attack"),
    ]
    again = client.post(f"{base}/{first.id}", data={"action": "accept"})
    assert again.status_code == 422
    assert "already accepted" in again.text
    assert client.post(f"{base}/{first.id}", data={"action": "explode"}).status_code == 422
    assert client.post(f"{base}/99999", data={"action": "accept"}).status_code == 404


def test_htmx_row_replaces_itself(client: FlaskClient, session: Session) -> None:
    _, round_ = setup(client, session)
    statement = pending(session, round_, "More night trains")
    url = f"/facilitate/rounds/{round_.id}/moderation/{statement.id}"

    response = client.post(url, data={"action": "accept"}, headers=HTMX)
    assert response.status_code == 200
    assert response.text.lstrip().startswith(f'<tr id="statement-{statement.id}"')
    assert "<html" not in response.text
    assert "Accepted" in response.text

    invalid = client.post(url, data={"action": "reject"}, headers=HTMX)
    assert invalid.status_code == 422
    assert invalid.text.lstrip().startswith(f'<tr id="statement-{statement.id}"')
    assert "Give a reason to reject" in invalid.text

    page = client.get(f"/facilitate/rounds/{round_.id}/moderation?status=accepted").text
    assert f'hx-target="#statement-{statement.id}"' in page
    assert 'hx-swap="outerHTML"' in page


def test_meta_flag_and_unflag(client: FlaskClient, session: Session) -> None:
    _, round_ = setup(client, session)
    statement = pending(session, round_, "Why is this survey so long?")
    url = f"/facilitate/rounds/{round_.id}/moderation/{statement.id}"
    assert (
        client.post(url, data={"action": "meta", "reason": "About the process"}).status_code == 303
    )
    session.refresh(statement)
    assert statement.is_meta
    assert statement.status == StatementStatus.PENDING, "meta does not change the status"
    assert client.post(url, data={"action": "meta"}).status_code == 422
    assert client.post(url, data={"action": "unmeta"}, headers=HTMX).status_code == 200
    session.refresh(statement)
    assert not statement.is_meta
    assert [entry[2] for entry in log(session)] == ["meta", "unmeta"]


def test_bulk_accept_and_reject(client: FlaskClient, session: Session) -> None:
    me, round_ = setup(client, session)
    a, b, c = (pending(session, round_, f"Idea {n}") for n in range(3))
    foreign = make_statement(session, make_round(session), status=StatementStatus.PENDING)
    url = f"/facilitate/rounds/{round_.id}/moderation/bulk"

    nothing = client.post(url, data={"action": "accept"})
    assert nothing.status_code == 422
    assert "Select at least one statement" in nothing.text
    no_reason = client.post(url, data={"action": "reject", "statement_ids": [a.id, b.id]})
    assert no_reason.status_code == 422
    assert "Give a reason to reject" in no_reason.text
    outsider = client.post(url, data={"action": "accept", "statement_ids": [a.id, foreign.id]})
    assert outsider.status_code == 404
    session.refresh(a)
    assert a.status == StatementStatus.PENDING

    done = client.post(url, data={"action": "accept", "statement_ids": [a.id, b.id]})
    assert done.status_code == 303
    rejected = client.post(
        url,
        data={"action": "reject", "reason": "Off topic", "statement_ids": [b.id, c.id]},
        headers=HTMX,
    )
    assert rejected.status_code == 200
    assert rejected.text.lstrip().startswith('<div id="moderation-queue">')
    assert "2 statements changed" in rejected.text
    session.expire_all()
    statuses = [session.get(Statement, s.id).status for s in (a, b, c)]
    assert statuses == [
        StatementStatus.ACCEPTED,
        StatementStatus.REJECTED,
        StatementStatus.REJECTED,
    ]
    assert [(entry[0], entry[2], entry[3]) for entry in log(session)] == [
        (a.id, "accept", None),
        (b.id, "accept", None),
        (b.id, "reject", "Off topic"),
        (c.id, "reject", "Off topic"),
    ]
    assert all(entry[1] == me.id for entry in log(session))


def test_post_moderation_reviews_visible_statements(client: FlaskClient, session: Session) -> None:
    _, round_ = setup(client, session, ModerationMode.POST)
    statement = pending(session, round_, "Visible at once")
    page = client.get(f"/facilitate/rounds/{round_.id}/moderation").text
    assert "Post-moderation" in page
    assert "Visible at once" in page
    url = f"/facilitate/rounds/{round_.id}/moderation/{statement.id}"
    client.post(url, data={"action": "accept"})
    accepted = client.get(f"/facilitate/rounds/{round_.id}/moderation?status=accepted").text
    assert "Visible at once" in accepted
    assert client.post(url, data={"action": "reject", "reason": "Spam"}).status_code == 303
    session.refresh(statement)
    assert statement.status == StatementStatus.REJECTED


def test_log_is_visible_to_the_rounds_facilitators_only(
    client: FlaskClient, session: Session
) -> None:
    me, round_ = setup(client, session)
    statement = pending(session, round_, "Free buses on hot days")
    client.post(
        f"/facilitate/rounds/{round_.id}/moderation/{statement.id}",
        data={"action": "reject", "reason": "Duplicate of a seed"},
    )
    page = client.get(f"/facilitate/rounds/{round_.id}/moderation/log")
    assert page.status_code == 200
    assert me.email in page.text
    assert "Duplicate of a seed" in page.text
    assert "Free buses on hot days" in page.text
    sign_in_as(client, make_user(session))
    assert client.get(f"/facilitate/rounds/{round_.id}/moderation/log").status_code == 403
    post = client.post(
        f"/facilitate/rounds/{round_.id}/moderation/{statement.id}", data={"action": "accept"}
    )
    assert post.status_code == 403
    assert len(log(session)) == 1


def test_an_accepted_statement_reaches_participants(client: FlaskClient, session: Session) -> None:
    _, round_ = setup(client, session)
    statement = pending(session, round_, "Water fountains in every square")
    client.post(
        f"/facilitate/rounds/{round_.id}/moderation/{statement.id}", data={"action": "accept"}
    )
    act_as(client, make_participant(session, round_))
    assert "Water fountains in every square" in client.get(f"/r/{round_.slug}").text


def test_dashboard_and_round_page_show_the_backlog(client: FlaskClient, session: Session) -> None:
    _, round_ = setup(client, session)
    pending(session, round_, "One")
    pending(session, round_, "Two")
    dashboard = client.get("/facilitate/").text
    assert "2 statements awaiting review" in dashboard
    overview = client.get(f"/facilitate/rounds/{round_.id}").text
    assert "Awaiting review" in overview
    assert "2 statements" in overview


def test_bulk_errors_come_back_as_the_queue_fragment_for_htmx(
    client: FlaskClient, session: Session
) -> None:
    _, round_ = setup(client, session)
    statement = pending(session, round_, "Lonely")
    page = client.get(f"/facilitate/rounds/{round_.id}/moderation").text
    assert 'form="bulk-form"' in page, "row checkboxes belong to the bulk form"
    response = client.post(
        f"/facilitate/rounds/{round_.id}/moderation/bulk",
        data={"action": "reject", "statement_ids": [statement.id]},
        headers=HTMX,
    )
    assert response.status_code == 422
    assert response.text.lstrip().startswith('<div id="moderation-queue">')
    assert "Give a reason to reject" in response.text
