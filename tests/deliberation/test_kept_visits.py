"""A vote may stand on what the browser's previous vote read of the round and the participant
(``visit(..., kept=True)``, PostgreSQL): the vote's own statement checks that neither row
changed since (votes counted aside), so a withdrawal, a phase change or any other change takes
effect at once."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlmodel import Session, col, func, select, update

from deliberation import db
from deliberation.clock import utcnow
from deliberation.models import (
    OpinionSnapshot,
    Participant,
    Phase,
    Round,
    Statement,
    StatementStatus,
    Vote,
    VoteEvent,
)
from deliberation.opinions import priorities
from deliberation.services import participation, routing, votes
from deliberation.translations import reading
from deliberation.views import participant_session, participate
from tests.factories import (
    act_as,
    make_participant,
    make_round,
    make_statement,
    make_translation,
)

pytestmark = pytest.mark.postgres

HTMX = {"HX-Request": "true"}
CARD = re.compile(r'name="statement_id" value="(\d+)"')


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """One entry per visit query run (its ``versions`` flag)."""
    made: list[bool] = []
    read = participant_session._read_visit

    def counted(*args: Any, **kwargs: Any) -> Any:
        made.append(kwargs["versions"])
        return read(*args, **kwargs)

    monkeypatch.setattr(participant_session, "_read_visit", counted)
    return made


def _setting(
    session: Session, client: FlaskClient, statements: int = 4
) -> tuple[Round, Participant]:
    round_ = make_round(session)
    for _ in range(statements):
        make_statement(session, round_)
    participant = make_participant(session, round_)
    act_as(client, participant)
    return round_, participant


def _vote(client: FlaskClient, round_: Round, statement_id: int, choice: str = "agree") -> Any:
    return client.post(
        f"/r/{round_.slug}/vote",
        data={"statement_id": statement_id, "vote": choice},
        headers=HTMX,
    )


def _statement_ids(session: Session, round_: Round) -> list[int]:
    return list(session.exec(select(Statement.id).where(Statement.round_id == round_.id)).all())  # type: ignore[arg-type]


def _assert_counts(session: Session, participant: Participant) -> None:
    session.expire_all()
    stored = session.exec(
        select(func.count()).select_from(Vote).where(Vote.participant_id == participant.id)
    ).one()
    refreshed = session.get(Participant, participant.id)
    assert refreshed is not None
    assert refreshed.vote_count == stored
    for statement in session.exec(select(Statement)).all():
        assert (
            statement.vote_count
            == session.exec(
                select(func.count()).select_from(Vote).where(Vote.statement_id == statement.id)
            ).one()
        )


def test_the_next_votes_read_no_visit_and_count_right(
    client: FlaskClient, session: Session, reads: list[bool]
) -> None:
    round_, participant = _setting(session, client)
    ids = _statement_ids(session, round_)
    for n, statement_id in enumerate(ids):
        answer = _vote(client, round_, statement_id)
        assert answer.status_code == 200
        assert f"Statements voted: {n + 1} of {len(ids)}" in answer.text
    _vote(client, round_, ids[0], "disagree")  # a vote replaced: no counter moves
    assert reads == [True], "only the first vote read the round and the participant"
    _assert_counts(session, participant)
    assert session.exec(select(func.count()).select_from(VoteEvent)).one() == len(ids) + 1


def test_votes_run_on_the_request_connection_without_an_orm_session(
    client: FlaskClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first vote reads the visit, the next ones stand on it: none opens a session (its
    transaction would cost the vote more than its SQL), and each is committed."""
    round_, participant = _setting(session, client)
    opened: list[Session] = []

    class Counted(Session):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            opened.append(self)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(db, "Session", Counted)
    ids = _statement_ids(session, round_)
    for statement_id in ids:
        assert _vote(client, round_, statement_id).status_code == 200
    assert opened == []
    _assert_counts(session, participant)
    assert session.exec(select(func.count()).select_from(Vote)).one() == len(ids)


def test_a_withdrawal_elsewhere_stops_the_next_vote_at_once(
    app: Flask, client: FlaskClient, session: Session, reads: list[bool]
) -> None:
    round_, participant = _setting(session, client)
    first, second = _statement_ids(session, round_)[:2]
    assert _vote(client, round_, first).status_code == 200
    with Session(app.extensions["palabre.engine"], expire_on_commit=False) as other:
        withdrawing = other.get(Participant, participant.id)
        assert withdrawing is not None
        participation.withdraw(other, withdrawing)
        other.commit()
    refused = _vote(client, round_, second)
    assert refused.status_code == 403
    assert reads == [True, False], "the kept read failed its check, then a fresh visit"
    # the withdrawal deleted the first vote and its history; the refused one left nothing
    assert session.exec(select(func.count()).select_from(Vote)).one() == 0
    assert session.exec(select(func.count()).select_from(VoteEvent)).one() == 0


def test_a_round_closed_elsewhere_refuses_the_next_vote(
    client: FlaskClient, session: Session, reads: list[bool]
) -> None:
    round_, participant = _setting(session, client)
    first, second = _statement_ids(session, round_)[:2]
    assert _vote(client, round_, first).status_code == 200
    session.execute(update(Round).where(col(Round.id) == round_.id).values(phase=Phase.CLOSED))
    session.commit()
    refused = _vote(client, round_, second)
    assert refused.status_code == 409
    assert "closed" in refused.text
    assert reads == [True, False], "the kept read failed its check, then a fresh visit"
    assert session.exec(select(func.count()).select_from(Vote)).one() == 1
    _assert_counts(session, participant)


def test_a_participant_changed_elsewhere_is_read_again_and_the_vote_recorded(
    client: FlaskClient, session: Session, reads: list[bool]
) -> None:
    round_, participant = _setting(session, client)
    first, second, third = _statement_ids(session, round_)[:3]
    assert _vote(client, round_, first).status_code == 200
    session.execute(
        update(Participant).where(col(Participant.id) == participant.id).values(reads=["en", "fr"])
    )
    session.commit()
    assert _vote(client, round_, second).status_code == 200
    assert _vote(client, round_, third).status_code == 200
    assert reads == [True, False, True], "read again once, then kept again"
    _assert_counts(session, participant)


def test_votes_counted_elsewhere_keep_the_read_and_show_in_the_count(
    app: Flask, client: FlaskClient, session: Session, reads: list[bool]
) -> None:
    """Another app process (another session here) counts votes of the same participant: the
    participant's version does not move with its counter, so the kept read still stands, and
    the progress line shows the count the vote's statement read."""
    round_, participant = _setting(session, client, statements=5)
    ids = _statement_ids(session, round_)
    assert _vote(client, round_, ids[0]).status_code == 200
    with Session(app.extensions["palabre.engine"], expire_on_commit=False) as other:
        for statement_id in ids[1:3]:
            votes.record_vote(
                other,
                round_id=round_.id,  # type: ignore[arg-type]
                participant_id=participant.id,  # type: ignore[arg-type]
                statement_id=statement_id,
                value=-1,
            )
        other.commit()
    replaced = _vote(client, round_, ids[0], "disagree")  # no counter moves: read, not counted
    assert "Statements voted: 3 of 5" in replaced.text
    counted = _vote(client, round_, ids[3])
    assert "Statements voted: 4 of 5" in counted.text
    assert reads == [True], "the read kept after the first vote served the next ones"
    _assert_counts(session, participant)


def test_an_undone_vote_moves_the_participant_and_the_next_vote_reads_again(
    client: FlaskClient, session: Session
) -> None:
    round_, participant = _setting(session, client)
    first, second = _statement_ids(session, round_)[:2]
    assert _vote(client, round_, first).status_code == 200
    undone = client.post(f"/r/{round_.slug}/vote/undo", data={"statement_id": first}, headers=HTMX)
    assert undone.status_code == 200
    assert _vote(client, round_, second).status_code == 200
    _assert_counts(session, participant)
    stored = session.exec(select(Vote.statement_id)).all()
    assert stored == [second]


def test_only_a_recorded_vote_keeps_what_it_read(
    client: FlaskClient, session: Session, reads: list[bool]
) -> None:
    round_, participant = _setting(session, client)
    first, second = _statement_ids(session, round_)[:2]
    hidden = make_statement(session, round_, status=StatementStatus.REJECTED)
    assert _vote(client, round_, hidden.id).status_code == 404  # type: ignore[arg-type]
    assert _vote(client, round_, first).status_code == 200
    assert _vote(client, round_, second).status_code == 200
    # the refused vote keeps nothing; the first recorded vote keeps its read
    assert reads == [True, True]
    # refused on a kept read (its rows unchanged): the statement says so, no read again
    assert _vote(client, round_, hidden.id).status_code == 404  # type: ignore[arg-type]
    assert reads == [True, True]
    assert _vote(client, round_, first, "disagree").status_code == 200
    assert reads == [True, True], "the refusal kept the read"
    _assert_counts(session, participant)


def test_the_kept_reads_of_a_round_share_one_copy_of_its_values() -> None:
    store = participant_session.KeptVisits(size=2)

    def read(browser: str, version: str) -> Any:
        return participant_session._Read(
            ("round-1", (browser,)),
            {"id": 1, "framing": {"en": "Long text"}},
            None,
            {"id": 9},
            votes.Versions(version, "5"),
            0.0,
        )

    store.put(read("a", "100"))
    store.put(read("b", "100"))
    first, second = (store.get(("round-1", (b,)), float("inf")) for b in "ab")
    assert first is not None
    assert second is not None
    assert first.round is second.round, "one copy for one version of the round"
    store.put(read("c", "101"))
    newest = store.get(("round-1", ("c",)), float("inf"))
    assert newest is not None
    assert newest.round is not first.round, "a new version, a new copy"
    assert store.get(("round-1", ("a",)), float("inf")) is None, "at most two kept: a went first"


def test_a_browsers_first_vote_takes_the_round_this_process_keeps(
    app: Flask, client: FlaskClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The round's JSON columns come as text with a kept read: decoded for the first browser,
    then the process's copy of the round at that version stands for them."""
    round_, _participant = _setting(session, client)
    other = app.test_client()
    act_as(other, make_participant(session, round_))
    first, second = _statement_ids(session, round_)[:2]
    decoded: list[str] = []

    def counted(text: str) -> Any:
        decoded.append(text)
        return json.loads(text)

    monkeypatch.setattr(participant_session, "json", SimpleNamespace(loads=counted))
    assert _vote(client, round_, first).status_code == 200
    assert len(decoded) == len(participant_session._JSON_ROUND_COLUMNS)
    answer = _vote(other, round_, second)
    assert answer.status_code == 200
    assert len(decoded) == len(participant_session._JSON_ROUND_COLUMNS), "decoded once"
    kept = app.extensions["palabre.kept_visits"]
    reads = list(kept._reads.values())
    assert len(reads) == 2
    assert reads[0].round is reads[1].round
    assert reads[0].round["title"] == round_.title
    assert reads[0].round["languages"] == round_.languages


def test_a_vote_with_outdated_versions_records_nothing(session: Session) -> None:
    round_ = make_round(session)
    statement = make_statement(session, round_)
    participant = make_participant(session, round_)
    with pytest.raises(votes.VisitChanged):
        votes.cast_vote_reading(
            session,
            round_=round_,
            participant=participant,
            statement_id=statement.id,  # type: ignore[arg-type]
            value=1,
            language=None,
            read=None,
            versions=votes.Versions("1", "1"),
        )
    session.rollback()
    assert session.exec(select(func.count()).select_from(Vote)).one() == 0
    assert session.exec(select(func.count()).select_from(VoteEvent)).one() == 0
    assert session.exec(select(Statement.vote_count)).one() == 0


def _votes_seen_from_outside(app: Flask, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many votes another connection sees as each vote's statement ends (before the vote
    request commits or renders anything)."""
    engine = app.extensions["palabre.engine"]
    seen: list[int] = []
    cast = votes.cast_vote_reading

    def watched(*args: Any, **kwargs: Any) -> Any:
        outcome = cast(*args, **kwargs)
        with engine.connect() as other:
            seen.append(other.execute(select(func.count()).select_from(Vote)).scalar_one())
        return outcome

    monkeypatch.setattr(votes, "cast_vote_reading", watched)
    return seen


def _transactional_pool(app: Flask) -> None:
    """The pool's last connection in (the vote request's) is back in one-transaction mode."""
    with app.extensions["palabre.engine"].connect() as connection:
        assert connection.connection.driver_connection.autocommit is False


def test_each_vote_commits_as_its_statement_ends(
    app: Flask, client: FlaskClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A vote is one statement, committed as it ends (``db.autocommit_request``): no round
    trips to open and commit a transaction, and its row locks (on counters everyone voting on
    the statement shares) are not held while the next card is read and rendered. The
    connection goes back to the pool in one-transaction mode."""
    round_, participant = _setting(session, client)
    seen = _votes_seen_from_outside(app, monkeypatch)
    for statement_id in _statement_ids(session, round_)[:3]:
        assert _vote(client, round_, statement_id).status_code == 200
    assert seen == [1, 2, 3]
    _transactional_pool(app)
    _assert_counts(session, participant)


def test_a_vote_that_moves_the_phase_commits_both_together(
    app: Flask, client: FlaskClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A vote whose visit applies the schedule (a draft round whose opening time has come)
    opens a session for that write: the vote then runs in the session's transaction and
    commits with the phase change, once the request has succeeded."""
    round_, participant = _setting(session, client)
    session.execute(
        update(Round)
        .where(col(Round.id) == round_.id)
        .values(phase=Phase.DRAFT, opens_at=utcnow() - timedelta(minutes=1))
    )
    session.commit()
    seen = _votes_seen_from_outside(app, monkeypatch)
    assert _vote(client, round_, _statement_ids(session, round_)[0]).status_code == 200
    assert seen == [0], "recorded in the request's transaction, not yet committed"
    session.expire_all()
    opened = session.get(Round, round_.id)
    assert opened is not None
    assert opened.phase == Phase.OPEN
    assert session.exec(select(func.count()).select_from(Vote)).one() == 1
    _transactional_pool(app)
    _assert_counts(session, participant)


def _queued_vote(
    client: FlaskClient, round_: Round, statement_id: int, queue: list[int], choice: str = "agree"
) -> Any:
    """An htmx vote carrying the card's queue, as the card's form sends it."""
    return client.post(
        f"/r/{round_.slug}/vote",
        data={"statement_id": statement_id, "vote": choice, "queue": " ".join(map(str, queue))},
        headers=HTMX,
    )


def _newcomer(app: Flask, session: Session, round_: Round, **fields: Any) -> Any:
    """A second browser and its participant in ``round_``."""
    browser = app.test_client()
    participant = make_participant(session, round_, **fields)
    act_as(browser, participant)
    return browser, participant


def test_a_browsers_first_vote_finds_its_participant_in_the_vote_statement(
    app: Flask, client: FlaskClient, session: Session, reads: list[bool]
) -> None:
    """A browser's first vote in an app process that keeps the round (another browser's vote
    read it) runs no visit query: the vote's own statement finds the participant by the
    browser's key, checks it and the round, records the vote and checks the card's queue.
    What it read is kept for the browser's next vote."""
    round_, _participant = _setting(session, client, statements=5)
    other, newcomer = _newcomer(app, session, round_)
    ids = _statement_ids(session, round_)
    assert _vote(client, round_, ids[0]).status_code == 200
    assert reads == [True]
    answer = _queued_vote(other, round_, ids[1], [ids[3], ids[2]])
    assert answer.status_code == 200
    assert reads == [True], "the newcomer's vote read no visit"
    assert "Statements voted: 1 of 5" in answer.text
    card = CARD.search(answer.text)
    assert card is not None
    assert card.group(1) == str(ids[3]), "the queue's first card, still open"
    assert _queued_vote(other, round_, ids[3], [ids[2]], "disagree").status_code == 200
    assert reads == [True], "the read the first vote kept served the next one"
    _assert_counts(session, newcomer)
    stored = session.exec(
        select(Vote.statement_id, Vote.value).where(Vote.participant_id == newcomer.id)
    ).all()
    assert sorted(stored) == sorted([(ids[1], 1), (ids[3], -1)])


def test_a_first_vote_whose_checked_cards_are_closed_shows_the_rest_of_its_queue(
    app: Flask,
    client: FlaskClient,
    session: Session,
    reads: list[bool],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A browser's first vote by key whose queue opens with cards no longer open to it (voted
    on in another tab, or rejected meanwhile) shows the first open card of the rest, the rest
    checked after the vote in one query, still without a visit query."""
    round_, _participant = _setting(session, client, statements=8)
    other, newcomer = _newcomer(app, session, round_)
    ids = _statement_ids(session, round_)
    assert _vote(client, round_, ids[0]).status_code == 200
    for voted in (ids[2], ids[4]):
        votes.cast_vote(session, round_=round_, participant=newcomer, statement_id=voted, value=1)
    for closed in (ids[3], ids[5]):
        rejected = session.get(Statement, closed)
        assert rejected is not None
        rejected.status = StatementStatus.REJECTED
        session.add(rejected)
    session.commit()
    fetched: list[Any] = []
    fetch = participate.fetch

    def counted(*args: Any) -> Any:
        fetched.append(args[1])
        return fetch(*args)

    monkeypatch.setattr(participate, "fetch", counted)
    answer = _queued_vote(other, round_, ids[1], ids[2:8])
    assert answer.status_code == 200
    assert reads == [True], "the newcomer's vote read no visit"
    assert len(fetched) == 1, "the rest checked in one query"
    card = CARD.search(answer.text)
    assert card is not None
    assert card.group(1) == str(ids[6])
    queue = re.search(r'name="queue" value="([\d ]+)"', answer.text)
    assert queue is not None
    assert queue.group(1) == str(ids[7])
    _assert_counts(session, newcomer)


@pytest.mark.parametrize(
    "refusal", [("withdrawn", 403), ("notice", 409), ("other round", 403)], ids=lambda r: r[0]
)
def test_a_first_vote_by_key_checks_the_participant_as_a_visit_does(
    app: Flask,
    client: FlaskClient,
    session: Session,
    reads: list[bool],
    refusal: tuple[str, int],
) -> None:
    """The vote's statement finds no participant who may vote (withdrawn, notice not accepted,
    or the browser's key is of another round's participant): nothing is recorded, and the
    visit then reads the browser's participant and refuses as it always did."""
    change, status = refusal
    round_, _participant = _setting(session, client)
    fields: dict[str, Any] = {"notice": {"notice_version": participation.NOTICE_VERSION - 1}}.get(
        change, {}
    )
    other, newcomer = _newcomer(app, session, round_, **fields)
    if change == "withdrawn":
        participation.withdraw(session, newcomer)
        session.commit()
    if change == "other round":
        elsewhere = make_participant(session, make_round(session))
        act_as(other, elsewhere)
        with other.session_transaction() as browser_session:  # its key, under this round's id
            key = browser_session["participants"][str(elsewhere.round_id)]
            browser_session["participants"] = {str(round_.id): key}
    first, second, third = _statement_ids(session, round_)[:3]
    assert _vote(client, round_, first).status_code == 200
    refused = _queued_vote(other, round_, second, [third])
    assert refused.status_code == status
    assert reads == [True, True], "refused by the statement, then read and refused"
    assert session.exec(select(func.count()).select_from(Vote)).one() == 1


def test_a_first_vote_by_key_on_a_changed_round_reads_it_again(
    app: Flask, client: FlaskClient, session: Session, reads: list[bool]
) -> None:
    """The round changed since the kept read of it (a new framing, say): the statement records
    nothing, the visit reads the round again, and the vote is recorded on it."""
    round_, _participant = _setting(session, client)
    other, newcomer = _newcomer(app, session, round_)
    first, second, third = _statement_ids(session, round_)[:3]
    assert _vote(client, round_, first).status_code == 200
    session.execute(
        update(Round).where(col(Round.id) == round_.id).values(framing={"en": "New framing"})
    )
    session.commit()
    assert _queued_vote(other, round_, second, [third]).status_code == 200
    assert reads == [True, True]
    _assert_counts(session, newcomer)


def _round_version(session: Session, round_: Round) -> str:
    version = session.execute(
        text("SELECT CAST(xmin AS TEXT) FROM round WHERE id = :id"), {"id": round_.id}
    ).scalar_one()
    return str(version)


@pytest.mark.parametrize("reads_languages", [["fr"], ["en"], ["fr", "en"], []])
def test_the_keyed_queue_check_finds_what_the_participants_would(
    session: Session, reads_languages: list[str]
) -> None:
    """The queue read along a keyed vote (``routing.keyed_queued_check``) leaves the same
    cards as the check made for the participant read first (``queued_check``): only what the
    participant can read (the statement's language, or a shown translation into one it
    reads), not voted on, still votable; every card when it reads all the round's languages."""
    round_ = make_round(session, languages=["en", "fr"])
    target = make_statement(session, round_)
    english = make_statement(session, round_)
    french = make_statement(session, round_, language="fr")
    translated = make_statement(session, round_)
    make_translation(session, translated)
    voted = make_statement(session, round_, language="fr")
    hidden = make_statement(session, round_, language="fr", status=StatementStatus.REJECTED)
    participant = make_participant(
        session, round_, language=(reads_languages or ["fr"])[0], reads=reads_languages
    )
    key = participation.issue_session_key(participant)
    session.add(participant)
    session.commit()
    votes.cast_vote(session, round_=round_, participant=participant, statement_id=voted.id, value=1)  # type: ignore[arg-type]
    session.commit()
    queue = [s.id for s in (english, hidden, voted, french, translated)]
    expected: list[int] = []
    found: list[int] = []
    # Each check looks at the first ``CHECKED`` of what is left of the queue.
    for start in range(0, len(queue), routing.CHECKED):
        regular = routing.queued_check(
            round_,
            participant,
            queue[start:],
            skip=target.id,  # type: ignore[arg-type]
            postgres=True,
        )
        assert regular is not None
        rows = db.fetch(session, regular.query, regular.params)
        expected += [card.id for card in regular.cards(rows)]
        keyed = routing.keyed_queued_check(round_, queue[start:], skip=target.id)  # type: ignore[arg-type]
        assert keyed is not None
        assert keyed.rest == regular.rest == queue[start + routing.CHECKED :]
        outcome = votes.cast_vote_reading(
            session,
            round_=round_,
            participant=votes.Keyed(
                participation.key_hash(key),
                _round_version(session, round_),
                participation.NOTICE_VERSION,
            ),
            statement_id=target.id,  # type: ignore[arg-type]
            value=-1,
            language=None,
            read=(keyed.query, keyed.params),
        )
        found += [card.id for card in keyed.cards(outcome.rows)]
    assert found == expected
    readable = {
        ("fr",): [french.id, translated.id],
        ("en",): [english.id, translated.id],
    }.get(tuple(participant.reading_languages), [english.id, french.id, translated.id])
    assert expected == readable
    assert outcome.participant is not None
    assert outcome.participant.values["id"] == participant.id
    assert outcome.participant.values["reads"] == reads_languages
    assert outcome.voted == 2


def test_the_next_cards_translation_comes_with_the_vote(
    client: FlaskClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The queue check read along the vote's statement brings the queued cards' shown
    translations: the next card is shown in the reader's language without a query of its
    own (``reading.read_along``)."""
    round_ = make_round(session, languages=["en", "fr"])
    first = make_statement(session, round_, language="fr")
    second = make_statement(session, round_, text="Plant trees", language="en")
    make_translation(session, second, language="fr", text="Planter des arbres")
    participant = make_participant(session, round_, language="fr", reads=["fr"])
    act_as(client, participant)
    with client.session_transaction() as browser_session:
        browser_session["lang"] = "fr"
    queried: list[int] = []
    shown = reading._shown

    def counted(*args: Any, **kwargs: Any) -> Any:
        queried.append(1)
        return shown(*args, **kwargs)

    monkeypatch.setattr(reading, "_shown", counted)
    answer = _queued_vote(client, round_, first.id, [second.id])  # type: ignore[arg-type]
    assert answer.status_code == 200
    assert "Planter des arbres" in answer.text
    assert queried == [], "read with the vote"
    _assert_counts(session, participant)


def test_a_kept_visits_snapshot_deleted_since_draws_without_its_priorities(
    client: FlaskClient, session: Session, reads: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The visit a vote kept names the snapshot of its time; deleted since (superseded, or of an
    older results revision) and never read by this process, the next draw goes on by the rule
    without priorities rather than failing."""
    round_, participant = _setting(session, client)
    ids = _statement_ids(session, round_)
    snapshot = OpinionSnapshot(round_id=round_.id, state=b"", priorities={str(i): 1.0 for i in ids})
    session.add(snapshot)
    session.commit()
    assert _vote(client, round_, ids[0]).status_code == 200
    session.delete(snapshot)
    session.commit()
    monkeypatch.setattr(priorities, "_caches", type(priorities._caches)())  # another process
    answer = _vote(client, round_, ids[1])
    assert answer.status_code == 200
    assert reads == [True], "the second vote stood on the kept visit"
    card = CARD.search(answer.text)
    assert card is not None
    assert int(card.group(1)) in ids[2:]
    _assert_counts(session, participant)
