"""Reading in one's language: the card, my votes and the map; each vote records the language
the statement was shown in; counts by language with the round's k."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlmodel import Session, select

from deliberation.models import Participant, Statement, TranslationOrigin, Vote, VoteEvent
from deliberation.opinions.snapshots import compute_snapshot
from deliberation.services.counts import language_counts
from deliberation.services.votes import record_vote
from tests.deliberation.opinions.rounds import planted_round
from tests.factories import (
    act_as,
    make_participant,
    make_round,
    make_statement,
    make_translation,
    make_user,
)

HTMX = {"HX-Request": "true"}


def test_the_card_shows_the_translation_with_the_original_one_click_away(
    client: FlaskClient, session: Session
) -> None:
    round_ = make_round(session)
    statement = make_statement(session, round_, text="Mehr Bäume pflanzen", language="de")
    make_translation(session, statement, language="en", text="Plant more trees")
    act_as(client, make_participant(session, round_, language="en", reads=["en"]))
    page = client.get(f"/r/{round_.slug}", headers={"Accept-Language": "en"})
    assert '<blockquote class="statement" hx-disable lang="en" dir="auto"' in page.text
    assert ">Plant more trees</blockquote>" in page.text
    assert "<summary>Original in German</summary>" in page.text
    assert '<p lang="de" dir="auto" hx-disable>Mehr Bäume pflanzen</p>' in page.text
    assert 'name="shown_language" value="en"' in page.text
    assert "Machine translation" not in page.text


def test_a_machine_translation_carries_its_label(client: FlaskClient, session: Session) -> None:
    round_ = make_round(session)
    statement = make_statement(session, round_, text="Mehr Bäume pflanzen", language="de")
    make_translation(
        session,
        statement,
        language="en",
        text="Plant more trees",
        origin=TranslationOrigin.MACHINE,
        reviewed=False,
    )
    act_as(client, make_participant(session, round_, language="en"))
    page = client.get(f"/r/{round_.slug}", headers={"Accept-Language": "en"})
    assert ">Plant more trees</blockquote>" in page.text
    assert "Machine translation" in page.text


def test_votes_record_the_shown_language_and_count_once(
    client: FlaskClient, session: Session
) -> None:
    round_ = make_round(session)
    statement = make_statement(session, round_, language="de")
    make_translation(session, statement, language="en")
    reader = make_participant(session, round_, language="en")
    act_as(client, reader)
    url = f"/r/{round_.slug}/vote"
    client.post(url, data={"statement_id": statement.id, "vote": "agree", "shown_language": "en"})
    act_as(client, make_participant(session, round_, language="de"))
    client.post(url, data={"statement_id": statement.id, "vote": "pass", "shown_language": "de"})
    act_as(client, make_participant(session, round_, language="fr"))
    client.post(url, data={"statement_id": statement.id, "vote": "agree", "shown_language": "xx"})

    session.refresh(statement)
    assert statement.vote_count == 3
    assert len(session.exec(select(Statement)).all()) == 1
    languages = sorted(session.exec(select(Vote.language)).all(), key=str)
    assert languages == [None, "de", "en"]
    assert sorted(session.exec(select(VoteEvent.language)).all(), key=str) == [None, "de", "en"]

    act_as(client, reader)
    client.post(
        f"/r/{round_.slug}/my-votes/{statement.id}",
        data={"vote": "disagree", "shown_language": "en"},
    )
    vote = session.exec(select(Vote).where(Vote.participant_id == reader.id)).one()
    session.refresh(vote)
    assert (vote.value, vote.language) == (-1, "en")


def test_counts_by_language_are_suppressed_under_k(session: Session) -> None:
    facilitator = make_user(session)
    round_ = make_round(session, privacy_k=2, facilitators=[facilitator])
    statement = make_statement(session, round_)
    other = make_statement(session, round_)
    for language, value in (("en", 1), ("en", -1), ("de", 1), ("de", 0), ("fr", 1)):
        person = make_participant(session, round_)
        record_vote(
            session,
            round_id=round_.id,
            participant_id=person.id,
            statement_id=statement.id,
            value=value,
            language=language,
        )
        record_vote(
            session,
            round_id=round_.id,
            participant_id=person.id,
            statement_id=other.id,
            value=0,
            language=language,
        )
    session.commit()
    by_language = {
        row.language: row for row in language_counts(session, round_=round_, user=facilitator)
    }
    assert (by_language["en"].voters, by_language["en"].seen) == (2, 4)
    assert by_language["fr"].suppressed
    # fr's one voter would follow from the total and the others: the smallest other is hidden
    assert by_language["de"].suppressed
    assert by_language["fr"].agree is None
    one = language_counts(session, round_=round_, user=facilitator, statement_id=statement.id)
    assert [(r.language, r.agree, r.disagree, r.passed) for r in one if not r.suppressed] == [
        ("en", 1, 1, 0)
    ]


def test_my_votes_and_the_map_show_statements_in_the_readers_language(
    client: FlaskClient, session: Session
) -> None:
    round_ = planted_round(session)
    statements = session.exec(select(Statement).where(Statement.round_id == round_.id)).all()
    for statement in statements:
        make_translation(session, statement, language="de", text=f"Übersetzt {statement.id}")
    compute_snapshot(session, round_)
    session.commit()
    viewer = session.exec(select(Participant).where(Participant.round_id == round_.id)).first()
    assert viewer is not None
    act_as(client, viewer)
    german = {"Accept-Language": "de"}
    page = client.get(f"/r/{round_.slug}/map", headers=german)
    assert f'<q hx-disable lang="de" dir="auto">Übersetzt {statements[-1].id}</q>' in page.text
    votes_page = client.get(f"/r/{round_.slug}/my-votes", headers=german)
    assert '<q hx-disable lang="de" dir="auto">Übersetzt' in votes_page.text
