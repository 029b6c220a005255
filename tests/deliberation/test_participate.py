"""The citizens' loop: join, vote card by card, change a vote, write a statement, withdraw."""

from __future__ import annotations

import re
import time

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session, select

from deliberation.clock import utcnow
from deliberation.models import Participant, Phase, Statement, StatementStatus, Vote, VoteEvent
from deliberation.services.invites import invite_token
from deliberation.services.participation import issue_session_key
from tests.factories import (
    act_as,
    make_invite,
    make_participant,
    make_round,
    make_statement,
)

HTMX = {"HX-Request": "true"}


def test_join_through_invite_creates_one_pseudonymous_participant(
    client: FlaskClient, session: Session
) -> None:
    round_ = make_round(session)
    invite = make_invite(session, round_)
    url = f"/join/{invite_token(invite)}"

    page = client.get(url, headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert page.status_code == 200
    assert 'lang="fr"' in page.text
    assert "Town" in page.text or "Ville" in page.text

    joined = client.post(url, data={"language": "fr", "accept": "y"})
    assert joined.status_code == 303
    assert joined.headers["Location"].endswith(f"/r/{round_.slug}")
    again = client.get(url)
    assert again.status_code == 303, "reopening the link in the same browser keeps the participant"
    participants = session.exec(select(Participant)).all()
    assert len(participants) == 1
    assert participants[0].language == "fr"
    session.refresh(invite)
    assert invite.uses == 1


def test_join_requires_the_privacy_notice(client: FlaskClient, session: Session) -> None:
    round_ = make_round(session)
    invite = make_invite(session, round_)
    response = client.post(f"/join/{invite_token(invite)}", data={"language": "en"})
    assert response.status_code == 422
    assert "privacy notice" in response.text
    assert session.exec(select(Participant)).all() == []


def test_bad_revoked_and_used_up_invites_are_refused(client: FlaskClient, session: Session) -> None:
    round_ = make_round(session)
    assert client.get("/join/not-a-token").status_code == 404
    used = make_invite(session, round_, single_use=True, uses=1)
    assert (
        client.post(
            f"/join/{invite_token(used)}", data={"language": "en", "accept": "y"}
        ).status_code
        == 403
    )
    revoked = make_invite(session, round_, revoked_at=utcnow())
    assert client.get(f"/join/{invite_token(revoked)}").status_code == 403
    assert session.exec(select(Participant)).all() == []


def test_vote_without_javascript_redirects_and_latest_vote_wins(
    client: FlaskClient, session: Session
) -> None:
    round_ = make_round(session)
    statement = make_statement(session, round_)
    participant = make_participant(session, round_)
    act_as(client, participant)

    first = client.post(
        f"/r/{round_.slug}/vote", data={"statement_id": statement.id, "vote": "agree"}
    )
    assert first.status_code == 303
    second = client.post(f"/r/{round_.slug}/my-votes/{statement.id}", data={"vote": "disagree"})
    assert second.status_code == 303

    votes = session.exec(select(Vote)).all()
    assert [(v.statement_id, v.value) for v in votes] == [(statement.id, -1)]
    events = session.exec(select(VoteEvent).order_by(VoteEvent.id)).all()
    assert [e.value for e in events] == [1, -1]
    session.refresh(statement)
    session.refresh(participant)
    assert statement.vote_count == 1
    assert participant.vote_count == 1


def test_htmx_vote_swaps_the_next_card_and_updates_progress_out_of_band(
    client: FlaskClient, session: Session
) -> None:
    round_ = make_round(session)
    first, second = make_statement(session, round_), make_statement(session, round_)
    participant = make_participant(session, round_)
    act_as(client, participant)

    page = client.get(f"/r/{round_.slug}")
    shown = first if f'data-statement-id="{first.id}"' in page.text else second
    other = second if shown is first else first
    response = client.post(
        f"/r/{round_.slug}/vote", data={"statement_id": shown.id, "vote": "pass"}, headers=HTMX
    )
    assert response.status_code == 200
    assert "<html" not in response.text
    assert 'id="card"' in response.text
    assert f'data-statement-id="{other.id}"' in response.text
    assert 'hx-swap-oob="true"' in response.text
    assert "1 of 2" in response.text
    assert "HX-Request" in response.headers["Vary"]


def _card_of(text: str) -> tuple[int, list[int]]:
    """The statement on the card in ``text`` and the next cards it carries."""
    statement = re.search(r'name="statement_id" value="(\d+)"', text)
    queue = re.search(r'name="queue" value="([\d ]+)"', text)
    assert statement is not None, text
    return int(statement.group(1)), [int(i) for i in queue.group(1).split()] if queue else []


def test_the_card_carries_the_next_cards_and_the_vote_shows_the_first_still_open(
    client: FlaskClient, session: Session
) -> None:
    round_ = make_round(session)
    statements = [make_statement(session, round_) for _ in range(5)]
    participant = make_participant(session, round_)
    act_as(client, participant)

    shown, queue = _card_of(client.get(f"/r/{round_.slug}").text)
    assert sorted([shown, *queue]) == sorted(s.id for s in statements), "one draw, every card"
    # The next card in the queue was voted on elsewhere (another tab), the one after it was
    # rejected meanwhile: the vote skips both.
    client.post(f"/r/{round_.slug}/vote", data={"statement_id": queue[0], "vote": "agree"})
    rejected = session.get(Statement, queue[1])
    assert rejected is not None
    rejected.status = StatementStatus.REJECTED
    session.add(rejected)
    session.commit()
    answer = client.post(
        f"/r/{round_.slug}/vote",
        data={"statement_id": shown, "vote": "pass", "queue": " ".join(map(str, queue))},
        headers=HTMX,
    )
    assert answer.status_code == 200
    assert _card_of(answer.text) == (queue[2], queue[3:])
    assert "2 of 4" in answer.text


def test_a_vote_checks_the_first_queued_cards_and_carries_the_rest_to_their_turn(
    client: FlaskClient, session: Session
) -> None:
    """Only the first ``CHECKED`` cards of the queue are checked by a vote; the others go on
    as they came and are checked when their turn comes: a card voted on elsewhere meanwhile
    is still carried, then passed over, never shown."""
    round_ = make_round(session)
    statements = [make_statement(session, round_) for _ in range(6)]
    participant = make_participant(session, round_)
    act_as(client, participant)
    shown, queue = _card_of(client.get(f"/r/{round_.slug}").text)
    assert len(queue) == 5
    elsewhere = queue[3]
    client.post(f"/r/{round_.slug}/vote", data={"statement_id": elsewhere, "vote": "agree"})

    def vote(statement: int, carried: list[int]) -> str:
        answer = client.post(
            f"/r/{round_.slug}/vote",
            data={"statement_id": statement, "vote": "pass", "queue": " ".join(map(str, carried))},
            headers=HTMX,
        )
        assert answer.status_code == 200
        return answer.text

    text = vote(shown, queue)
    assert _card_of(text) == (queue[0], queue[1:]), "the card voted on elsewhere still carried"
    seen = [shown]
    while "data-statement-id" in text:
        shown, queue = _card_of(text)
        seen.append(shown)
        text = vote(shown, queue)
    assert sorted(seen) == sorted(s.id for s in statements if s.id != elsewhere)


def test_the_next_queued_card_is_one_the_participant_can_read(
    client: FlaskClient, session: Session
) -> None:
    """A queued statement the participant cannot read (in a language they do not read, with
    no translation) is passed over, as the draw would."""
    round_ = make_round(session, languages=["en", "fr"])
    shown = make_statement(session, round_)
    french = make_statement(session, round_, language="fr", text="Plus d'arbres en ville.")
    english = make_statement(session, round_)
    participant = make_participant(session, round_, reads=["en"])
    act_as(client, participant)
    answer = client.post(
        f"/r/{round_.slug}/vote",
        data={"statement_id": shown.id, "vote": "agree", "queue": f"{french.id} {english.id}"},
        headers=HTMX,
    )
    assert answer.status_code == 200
    assert _card_of(answer.text) == (english.id, [])


def test_a_vote_refused_with_a_queue_records_nothing(client: FlaskClient, session: Session) -> None:
    round_ = make_round(session)
    rejected = make_statement(session, round_, status=StatementStatus.REJECTED)
    following = make_statement(session, round_)
    participant = make_participant(session, round_)
    act_as(client, participant)
    answer = client.post(
        f"/r/{round_.slug}/vote",
        data={"statement_id": rejected.id, "vote": "agree", "queue": str(following.id)},
        headers=HTMX,
    )
    assert answer.status_code == 404
    session.expire_all()
    assert session.exec(select(Vote)).all() == []
    assert session.exec(select(VoteEvent)).all() == []
    assert session.get(Participant, participant.id).vote_count == 0  # type: ignore[union-attr]
    assert session.get(Statement, rejected.id).vote_count == 0  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "queue", ["", "x y", "1\u00b2 -3 0", "99999999999999999999", "   ", "1" * 5000]
)
def test_a_queue_that_names_no_open_statement_means_a_new_draw(
    client: FlaskClient, session: Session, queue: str
) -> None:
    round_ = make_round(session)
    other_round = make_round(session)
    elsewhere = make_statement(session, other_round)
    first, second = make_statement(session, round_), make_statement(session, round_)
    participant = make_participant(session, round_)
    act_as(client, participant)
    for sent in (queue, f"{elsewhere.id} {first.id}"):
        answer = client.post(
            f"/r/{round_.slug}/vote",
            data={"statement_id": first.id, "vote": "agree", "queue": sent},
            headers=HTMX,
        )
        assert answer.status_code == 200
        assert _card_of(answer.text) == (second.id, [])


def test_changing_a_vote_on_my_votes_says_so_in_the_pages_status_line(
    client: FlaskClient, session: Session
) -> None:
    round_ = make_round(session)
    statement = make_statement(session, round_)
    participant = make_participant(session, round_)
    act_as(client, participant)
    client.post(f"/r/{round_.slug}/vote", data={"statement_id": statement.id, "vote": "agree"})

    page = client.get(f"/r/{round_.slug}/my-votes").text
    assert '<p id="my-votes-status" role="status" class="vote-status"></p>' in page
    assert f'id="vote-{statement.id}-agree"' in page

    response = client.post(
        f"/r/{round_.slug}/my-votes/{statement.id}", data={"vote": "disagree"}, headers=HTMX
    )
    assert response.status_code == 200
    assert f'<li id="vote-{statement.id}"' in response.text
    assert (
        '<p id="my-votes-status" hx-swap-oob="innerHTML">Your vote is changed: Disagree.</p>'
        in response.text
    ), "the change is read out, as a vote on the card is"
    redirected = client.post(
        f"/r/{round_.slug}/my-votes/{statement.id}", data={"vote": "pass"}, follow_redirects=True
    )
    assert "Your vote is changed: Pass / unsure." in redirected.text


def test_routing_never_repeats_and_puts_seeds_first_then_least_seen(
    client: FlaskClient, session: Session
) -> None:
    round_ = make_round(session)
    busy = make_statement(session, round_, is_seed=False, vote_count=10)
    quiet = make_statement(session, round_, is_seed=False, vote_count=0)
    seed = make_statement(session, round_, is_seed=True, vote_count=50)
    make_statement(session, round_, status=StatementStatus.REJECTED, is_seed=False)
    participant = make_participant(session, round_)
    act_as(client, participant)

    order = []
    for _ in range(3):
        page = client.get(f"/r/{round_.slug}")
        shown = next(s for s in (busy, quiet, seed) if f'data-statement-id="{s.id}"' in page.text)
        order.append(shown.id)
        client.post(f"/r/{round_.slug}/vote", data={"statement_id": shown.id, "vote": "agree"})
    assert order == [seed.id, quiet.id, busy.id]
    assert "voted on every statement" in client.get(f"/r/{round_.slug}").text


def test_closed_and_draft_rounds_refuse_votes_and_statements(
    client: FlaskClient, session: Session
) -> None:
    for phase, message in ((Phase.CLOSED, "is closed"), (Phase.DRAFT, "not opened yet")):
        round_ = make_round(session, phase=phase)
        statement = make_statement(session, round_)
        participant = make_participant(session, round_)
        act_as(client, participant)
        vote = client.post(
            f"/r/{round_.slug}/vote", data={"statement_id": statement.id, "vote": "agree"}
        )
        assert vote.status_code == 409
        assert message in vote.text
        written = client.post(f"/r/{round_.slug}/statements", data={"text": "More trees"})
        assert written.status_code in (409, 422)
    assert session.exec(select(Vote)).all() == []


def test_a_vote_on_another_rounds_statement_is_404(client: FlaskClient, session: Session) -> None:
    round_, other = make_round(session), make_round(session)
    foreign = make_statement(session, other)
    act_as(client, make_participant(session, round_))
    response = client.post(
        f"/r/{round_.slug}/vote", data={"statement_id": foreign.id, "vote": "agree"}
    )
    assert response.status_code == 404
    bad = client.post(f"/r/{round_.slug}/vote", data={"statement_id": "x", "vote": "maybe"})
    assert bad.status_code == 422


def test_a_stranger_cannot_vote(client: FlaskClient, session: Session) -> None:
    round_ = make_round(session)
    statement = make_statement(session, round_)
    response = client.post(
        f"/r/{round_.slug}/vote", data={"statement_id": statement.id, "vote": "agree"}
    )
    assert response.status_code == 403
    assert client.get("/r/no-such-round").status_code == 404


def test_write_statement_with_limit_duplicate_warning_and_moderation(
    client: FlaskClient, session: Session
) -> None:
    round_ = make_round(session, max_statement_length=40)
    make_statement(session, round_, text="Plant more trees in every street!")
    participant = make_participant(session, round_)
    act_as(client, participant)
    url = f"/r/{round_.slug}/statements"

    too_long = client.post(url, data={"text": "x" * 41})
    assert too_long.status_code == 422
    assert "at most 40 characters" in too_long.text

    duplicate = client.post(url, data={"text": "plant more TREES in every street"}, headers=HTMX)
    assert duplicate.status_code == 422
    assert "already exists" in duplicate.text
    assert "Plant more trees in every street!" in duplicate.text

    confirmed = client.post(
        url, data={"text": "plant more TREES in every street", "confirm_duplicate": "y"}
    )
    assert confirmed.status_code == 303
    mine = session.exec(
        select(Statement).where(Statement.author_participant_id == participant.id)
    ).one()
    assert mine.status == StatementStatus.PENDING
    assert mine.author_territory_id == participant.territory_id
    page = client.get(f"/r/{round_.slug}/my-votes")
    assert "Awaiting review" in page.text


def test_statements_count_characters_as_composed_and_symbols_are_not_all_duplicates(
    client: FlaskClient, session: Session
) -> None:
    round_ = make_round(session, max_statement_length=40)
    act_as(client, make_participant(session, round_))
    url = f"/r/{round_.slug}/statements"
    combining = "e\u0301" * 40  # 40 characters as written and seen, 80 code points
    assert client.post(url, data={"text": combining}).status_code == 303
    assert client.post(url, data={"text": "\U0001f333"}).status_code == 303
    assert client.post(url, data={"text": "\U0001f332"}).status_code == 303
    again = client.post(url, data={"text": " \U0001f333 "}, headers=HTMX)
    assert again.status_code == 422
    assert "already exists" in again.text
    texts = session.exec(select(Statement.text).where(Statement.round_id == round_.id)).all()
    assert sorted(texts) == sorted(["\u00e9" * 40, "\U0001f333", "\U0001f332"])


def test_withdraw_removes_votes_and_unlinks_statements(
    client: FlaskClient, session: Session
) -> None:
    round_ = make_round(session)
    statement = make_statement(session, round_)
    participant = make_participant(session, round_)
    act_as(client, participant)
    client.post(f"/r/{round_.slug}/vote", data={"statement_id": statement.id, "vote": "agree"})
    client.post(f"/r/{round_.slug}/statements", data={"text": "Shade the school yards"})

    cast = len(session.exec(select(Vote)).all())
    asked = client.post(f"/r/{round_.slug}/withdraw")
    assert asked.status_code == 200
    assert "Withdraw from this round?" in asked.text
    assert 'name="confirmed" value="yes"' in asked.text
    assert len(session.exec(select(Vote)).all()) == cast > 0, "nothing changes before confirming"
    response = client.post(f"/r/{round_.slug}/withdraw", data={"confirmed": "yes"})
    assert response.status_code == 303
    session.expire_all()
    assert session.exec(select(Vote)).all() == []
    assert session.exec(select(VoteEvent)).all() == []
    written = session.exec(
        select(Statement).where(Statement.text == "Shade the school yards")
    ).one()
    assert written.author_participant_id is None
    assert session.get(Statement, statement.id).vote_count == 0
    assert client.get(f"/r/{round_.slug}").status_code == 403


def test_framing_markdown_is_rendered_and_escaped(client: FlaskClient, session: Session) -> None:
    round_ = make_round(
        session, framing={"en": "**Bold** <script>alert(1)</script> [x](javascript:alert(1))"}
    )
    act_as(client, make_participant(session, round_))
    page = client.get(f"/r/{round_.slug}")
    assert "<strong>Bold</strong>" in page.text
    assert "<script>alert(1)" not in page.text
    assert 'href="javascript:' not in page.text


def test_ids_beyond_what_a_column_holds_are_404(client: FlaskClient, session: Session) -> None:
    round_ = make_round(session)
    act_as(client, make_participant(session, round_))
    huge = 2**40
    assert (
        client.post(
            f"/r/{round_.slug}/vote", data={"statement_id": huge, "vote": "agree"}
        ).status_code
        == 404
    )
    assert (
        client.post(f"/r/{round_.slug}/my-votes/{huge}", data={"vote": "agree"}).status_code == 404
    )
    assert client.post(f"/r/{round_.slug}/my-votes/0", data={"vote": "agree"}).status_code == 404


def test_an_invite_forgets_a_withdrawn_participant_of_its_round(
    client: FlaskClient, session: Session
) -> None:
    round_ = make_round(session)
    other = make_round(session)
    gone = make_participant(session, round_, withdrawn_at=utcnow())
    kept = make_participant(session, other)
    keys = {str(round_.id): issue_session_key(gone), str(other.id): issue_session_key(kept)}
    session.commit()
    with client.session_transaction() as browser_session:
        browser_session["participants"] = keys
    invite = make_invite(session, round_)
    assert client.get(f"/join/{invite_token(invite)}").status_code == 200
    with client.session_transaction() as browser_session:
        assert browser_session["participants"] == {str(other.id): keys[str(other.id)]}


def test_the_progress_total_is_kept_for_a_while_then_counted_again(
    client: FlaskClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    client.application.config["VOTABLE_COUNT_SECONDS"] = 60
    round_ = make_round(session)
    make_statement(session, round_)
    make_statement(session, round_)
    participant = make_participant(session, round_)
    act_as(client, participant)
    assert "0 of 2" in client.get(f"/r/{round_.slug}").text
    make_statement(session, round_)
    assert "0 of 2" in client.get(f"/r/{round_.slug}").text, "kept"
    later = time.monotonic() + 61
    monkeypatch.setattr(time, "monotonic", lambda: later)
    assert "0 of 3" in client.get(f"/r/{round_.slug}").text, "counted again"


def test_a_browser_in_several_rounds_is_each_rounds_own_participant(
    client: FlaskClient, session: Session
) -> None:
    first_round, second_round = make_round(session), make_round(session)
    statements = {r.id: make_statement(session, r) for r in (first_round, second_round)}
    keys = {}
    for round_ in (first_round, second_round):
        participant = make_participant(session, round_)
        keys[str(round_.id)] = issue_session_key(participant)
        session.add(participant)
    session.commit()
    with client.session_transaction() as browser_session:
        browser_session["participants"] = keys
    for round_ in (first_round, second_round):
        voted = client.post(
            f"/r/{round_.slug}/vote",
            data={"statement_id": statements[round_.id].id, "vote": "agree"},
            headers=HTMX,
        )
        assert voted.status_code == 200
    votes = session.exec(select(Vote)).all()
    assert sorted((vote.round_id, vote.statement_id) for vote in votes) == sorted(
        (round_id, statement.id) for round_id, statement in statements.items()
    )
    assert all(
        session.get(Participant, vote.participant_id).round_id == vote.round_id for vote in votes
    )
