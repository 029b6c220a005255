"""The drafting flow over HTTP: draft from a statement, co-author, edit, a stale edit, amend
(accepted, rejected, outdated), endorse per territory, merge and select by a facilitator."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session, select

from deliberation.models import (
    Amendment,
    AmendmentStatus,
    AmendmentSupport,
    Participant,
    Phase,
    Proposal,
    ProposalStatus,
    Round,
    Territory,
)
from deliberation.proposals import endorsements
from tests.factories import (
    act_as,
    make_participant,
    make_proposal,
    make_round,
    make_statement,
    make_territory,
    make_user,
    sign_in_as,
)

TEXT = "Plant trees in schoolyards.\n\nOpen cool rooms in summer.\n\nMeasure the heat."


def town_people(session: Session, round_: Round, town: Territory, n: int) -> list[Participant]:
    return [make_participant(session, round_, territory_id=town.id) for _ in range(n)]


def test_the_whole_drafting_flow(client: FlaskClient, session: Session) -> None:
    coast, hills = make_territory(session), make_territory(session)
    facilitator = make_user(session)
    round_ = make_round(
        session,
        territories=[coast, hills],
        facilitators=[facilitator],
        phase=Phase.DRAFTING,
        privacy_k=2,
    )
    consensus = make_statement(session, round_, text="Shade in every schoolyard")
    first, coauthor, amender, fan = town_people(session, round_, coast, 4)
    hills_fan = town_people(session, round_, hills, 1)[0]

    # Start from a consensus statement.
    act_as(client, first)
    made = client.post(
        f"/r/{round_.slug}/proposals/new",
        data={
            "title": "Cool schools",
            "text": TEXT,
            "language": "en",
            "statements": str(consensus.id),
            "display_name": "Ana",
        },
    )
    assert made.status_code == 303
    proposal = session.exec(select(Proposal)).one()
    url = f"/r/{round_.slug}/proposals/{proposal.id}"

    # Co-author through a link.
    client.post(f"{url}/coauthor-links")
    link = re.search(r'value="http://localhost(/r/[^"]+/coauthor/[^"]+)"', client.get(url).text)
    assert link is not None
    act_as(client, coauthor)
    assert client.post(link.group(1)).status_code == 303

    # The co-author edits; the first author's edit on the old version is a 409.
    edited = TEXT.replace("Plant trees", "Plant oaks")
    assert (
        client.post(
            f"{url}/edit", data={"title": "Cool schools", "text": edited, "base_version": "1"}
        ).status_code
        == 303
    )
    act_as(client, first)
    stale = client.post(
        f"{url}/edit", data={"title": "Cool schools", "text": "Mine.", "base_version": "1"}
    )
    assert stale.status_code == 409
    assert "Mine.</textarea>" in stale.text

    # Amendments: one accepted, one rejected, one outdated by an edit of its paragraph.
    act_as(client, amender)
    for paragraph, replacement in ((1, "Open cool rooms from June."), (2, "Measure it."), (0, "x")):
        page = client.get(f"{url}/amendments/new?paragraph={paragraph}")
        assert page.status_code == 200
        assert (
            client.post(
                f"{url}/amendments/new",
                data={"paragraph": paragraph, "replacement": replacement, "rationale": "Because."},
            ).status_code
            == 303
        )
    accepted, rejected, outdated = session.exec(select(Amendment).order_by(Amendment.id)).all()
    act_as(client, fan)
    assert client.post(f"{url}/amendments/{accepted.id}/support").status_code == 303
    assert client.post(f"{url}/amendments/{accepted.id}/support").status_code == 409
    act_as(client, amender)
    assert client.post(f"{url}/amendments/{accepted.id}/accept").status_code == 403
    act_as(client, coauthor)
    assert client.post(f"{url}/amendments/{accepted.id}/accept").status_code == 303
    assert client.post(f"{url}/amendments/{rejected.id}/reject", data={}).status_code == 422
    assert (
        client.post(
            f"{url}/amendments/{rejected.id}/reject", data={"reason": "Too vague."}
        ).status_code
        == 303
    )
    session.refresh(proposal)
    client.post(
        f"{url}/edit",
        data={
            "title": "Cool schools",
            "text": proposal.text.replace("Plant oaks", "Plant lime trees"),
            "base_version": str(proposal.version),
        },
    )
    page = client.get(url).text
    assert "Outdated: the paragraph has changed since" in page
    assert client.post(f"{url}/amendments/{outdated.id}/accept").status_code == 409
    history = client.get(f"{url}/history").text
    assert "amendment by a participant" in history
    assert "accepted" in history
    session.refresh(proposal)
    assert "Open cool rooms from June." in proposal.text
    for amendment in (accepted, rejected):
        session.refresh(amendment)
    assert (accepted.status, rejected.status) == (AmendmentStatus.ACCEPTED, "rejected")

    # Endorsements per territory: the hills' single endorser is hidden (k = 2).
    for person in (fan, amender, hills_fan):
        act_as(client, person)
        assert client.post(f"{url}/endorsement", data={"endorse": "yes"}).status_code == 303
    page = client.get(url).text
    assert "3 participants endorse this proposal." in page
    assert "Hidden: too few people" in page

    # A second proposal, merged with the first by the facilitator, then selected.
    act_as(client, hills_fan)
    client.post(
        f"/r/{round_.slug}/proposals/new",
        data={"title": "Green yards", "text": "Unseal the yards.", "language": "en"},
    )
    second = session.exec(select(Proposal).where(Proposal.title == "Green yards")).one()
    sign_in_as(client, facilitator)
    board = client.get(f"/facilitate/rounds/{round_.id}/proposals")
    assert board.status_code == 200
    merged = client.post(
        f"/facilitate/rounds/{round_.id}/proposals",
        data={
            "first": proposal.id,
            "second": second.id,
            "title": "Cool green schools",
            "language": "en",
        },
    )
    assert merged.status_code == 303
    new = session.exec(select(Proposal).where(Proposal.title == "Cool green schools")).one()
    new_page = client.get(merged.headers["Location"]).text
    assert "3 participants endorse this proposal." in new_page
    assert "Merged from:" in new_page
    assert (
        client.post(f"/facilitate/rounds/{round_.id}/proposals/{new.id}/select").status_code == 303
    )
    session.refresh(new)
    session.refresh(second)
    assert new.status == ProposalStatus.SELECTED
    assert second.status == ProposalStatus.MERGED
    log = client.get(f"/facilitate/rounds/{round_.id}/log").text
    assert "Proposals merged" in log
    assert "Proposal selected for the decision" in log
    listed = client.get(f"/r/{round_.slug}/proposals?status=selected").text
    assert "Cool green schools" in listed
    assert "Green yards" not in listed


def test_the_merge_form_asks_the_language_of_the_merged_text(
    client: FlaskClient, session: Session
) -> None:
    """The merged text is the facilitator's: the form offers the round's languages, starting
    from the first proposal's, and the new proposal is in the language chosen."""
    facilitator = make_user(session)
    round_ = make_round(
        session, facilitators=[facilitator], phase=Phase.DRAFTING, languages=["de", "en"]
    )
    german = make_proposal(session, round_, language="de", title="Wärmepumpen fördern")
    english = make_proposal(session, round_, language="en", title="Free boilers")
    endorsements.endorse(  # the most endorsed is offered first
        session, round_=round_, proposal=german, participant=make_participant(session, round_)
    )
    session.commit()
    sign_in_as(client, facilitator)
    url = f"/facilitate/rounds/{round_.id}/proposals"
    board = client.get(url).text
    first = re.search(r'<select[^>]*name="first".*?</select>', board, re.S)
    assert first is not None
    assert re.findall(r'<option[^>]*value="(\d+)"', first.group())[0] == str(german.id)
    offered = re.search(r'<select[^>]*name="language".*?</select>', board, re.S)
    assert offered is not None
    assert re.findall(r'<option[^>]*value="(\w+)"', offered.group()) == ["de", "en"]
    assert '<option selected value="de">' in offered.group()
    merge = {"first": german.id, "second": english.id, "title": "Fair heating"}

    assert client.post(url, data={**merge, "language": "fr"}).status_code == 422
    assert client.post(url, data=merge).status_code == 422
    merged = client.post(url, data={**merge, "text": "Fair heating for all.", "language": "en"})

    assert merged.status_code == 303
    new = session.exec(select(Proposal).where(Proposal.title == "Fair heating")).one()
    assert new.language == "en"
    page = client.get(merged.headers["Location"]).text
    assert "Written in English" in page
    assert "Written in German" not in page


def test_a_merged_proposals_amendments_are_shown_but_not_supported(
    client: FlaskClient, session: Session
) -> None:
    """The page of a merged proposal shows its open amendment without the button to support
    it; a support posted anyway is refused (409) and not counted, and the amendment form is
    refused too (409)."""
    facilitator = make_user(session)
    round_ = make_round(session, facilitators=[facilitator], phase=Phase.DRAFTING)
    amender, fan = make_participant(session, round_), make_participant(session, round_)
    proposal = make_proposal(session, round_, text=TEXT)
    other = make_proposal(session, round_)
    session.commit()
    act_as(client, amender)
    url = f"/r/{round_.slug}/proposals/{proposal.id}"
    made = client.post(
        f"{url}/amendments/new",
        data={"paragraph": 0, "replacement": "Plant oaks in schoolyards.", "rationale": "Shade."},
    )
    assert made.status_code == 303
    amendment = session.exec(select(Amendment)).one()
    act_as(client, fan)
    assert "Support this amendment" in client.get(url).text
    sign_in_as(client, facilitator)
    merged = client.post(
        f"/facilitate/rounds/{round_.id}/proposals",
        data={"first": proposal.id, "second": other.id, "title": "Both", "language": "en"},
    )
    assert merged.status_code == 303
    with client.session_transaction() as browser_session:
        browser_session.pop("user_id")  # the fan alone, no facilitator
    act_as(client, fan)

    page = client.get(url).text
    support = client.post(f"{url}/amendments/{amendment.id}/support")
    amend = client.get(f"{url}/amendments/new?paragraph=1")

    assert f'id="amendment-{amendment.id}"' in page
    assert "This proposal was merged into another one." in page
    assert "Support this amendment" not in page
    assert support.status_code == 409
    assert "no longer being drafted" in support.text
    assert session.exec(select(AmendmentSupport)).all() == []
    assert amend.status_code == 409


def test_a_facilitator_of_another_round_cannot_merge_or_select(
    client: FlaskClient, session: Session
) -> None:
    outsider = make_user(session)
    round_ = make_round(session, phase=Phase.DRAFTING)
    make_round(session, facilitators=[outsider], phase=Phase.DRAFTING)
    sign_in_as(client, outsider)
    assert client.get(f"/facilitate/rounds/{round_.id}/proposals").status_code == 403
    assert client.post(f"/facilitate/rounds/{round_.id}/proposals/1/select").status_code == 403


def test_the_list_filters_and_sorts(client: FlaskClient, session: Session) -> None:
    coast, hills = make_territory(session), make_territory(session)
    round_ = make_round(session, territories=[coast, hills], phase=Phase.DRAFTING)
    statement = make_statement(session, round_)
    a, b = town_people(session, round_, coast, 1)[0], town_people(session, round_, hills, 1)[0]
    act_as(client, a)
    client.post(
        f"/r/{round_.slug}/proposals/new",
        data={"title": "Alpha", "text": "A.", "language": "en", "statements": statement.id},
    )
    act_as(client, b)
    client.post(
        f"/r/{round_.slug}/proposals/new", data={"title": "Beta", "text": "B.", "language": "en"}
    )
    base = f"/r/{round_.slug}/proposals"
    recent = client.get(base).text
    assert recent.index("Beta") < recent.index("Alpha")
    alpha = session.exec(select(Proposal).where(Proposal.title == "Alpha")).one()
    client.post(f"/r/{round_.slug}/proposals/{alpha.id}/endorsement", data={"endorse": "yes"})
    beta = session.exec(select(Proposal).where(Proposal.title == "Beta")).one()
    client.post(
        f"/r/{round_.slug}/proposals/{beta.id}/edit",
        data={"title": "Beta", "text": "B, again.", "base_version": "1"},
    )
    by_endorsements = client.get(f"{base}?sort=endorsements").text
    assert by_endorsements.index("Alpha") < by_endorsements.index("Beta")
    hills_only = client.get(f"{base}?territory={hills.id}").text
    assert "Beta" in hills_only
    assert "Alpha" not in hills_only
    answering = client.get(f"{base}?statement={statement.id}").text
    assert "Alpha" in answering
    assert "Beta" not in answering
    assert client.get(f"{base}?status=bogus&sort=bogus&territory=x").status_code == 200


@pytest.mark.parametrize(
    ("language", "heading", "amendments"),
    [
        ("fr", "Propositions", "Amendements"),
        ("es", "Propuestas", "Enmiendas"),
        ("de", "Vorschläge", "Änderungsanträge"),
    ],
)
def test_the_proposal_pages_follow_the_chosen_language(
    client: FlaskClient, session: Session, language: str, heading: str, amendments: str
) -> None:
    round_ = make_round(session, phase=Phase.DRAFTING)
    author = make_participant(session, round_)
    proposal = make_proposal(session, round_, author=author)
    act_as(client, author)
    with client.session_transaction() as browser_session:
        browser_session["lang"] = language
    listed = client.get(f"/r/{round_.slug}/proposals").text
    assert f"<h1>{heading}</h1>" in listed
    page = client.get(f"/r/{round_.slug}/proposals/{proposal.id}").text
    assert f'lang="{language}"' in page
    assert amendments in page


def test_the_endorsement_table_and_the_written_language_read_in_the_readers_language(
    client: FlaskClient, session: Session
) -> None:
    towns = [make_territory(session), make_territory(session)]
    round_ = make_round(session, phase=Phase.DRAFTING, territories=towns)
    author = make_participant(session, round_)
    proposal = make_proposal(session, round_, author=author)
    act_as(client, author)
    with client.session_transaction() as browser_session:
        browser_session["lang"] = "fr"
    page = client.get(f"/r/{round_.slug}/proposals/{proposal.id}").text
    table = page[page.index('<table class="tally">') : page.index("</table>")]
    assert towns[0].names["fr"] in table
    assert towns[1].names["fr"] in table
    assert towns[0].names["en"] not in table
    assert "Écrite en anglais" in page, "a language's name inside a sentence, in lower case"


def test_a_withdrawn_author_is_credited_as_a_former_participant_and_no_longer_counted(
    client: FlaskClient, session: Session
) -> None:
    round_ = make_round(session, phase=Phase.DRAFTING)
    first, coauthor = make_participant(session, round_), make_participant(session, round_)
    act_as(client, first)
    client.post(
        f"/r/{round_.slug}/proposals/new",
        data={"title": "Shade", "text": "Trees.", "language": "en", "display_name": "Ana"},
    )
    proposal = session.exec(select(Proposal)).one()
    url = f"/r/{round_.slug}/proposals/{proposal.id}"
    client.post(f"{url}/endorsement", data={"endorse": "yes"})
    assert "Ana" in client.get(url).text

    assert client.post(f"/r/{round_.slug}/withdraw", data={"confirmed": "yes"}).status_code == 303

    act_as(client, coauthor)
    page = client.get(url).text
    assert "Ana" not in page
    assert "A former participant" in page
    assert "Trees." in page
    assert "0 participants endorse this proposal." in page
    act_as(client, first)
    edit = {"title": "Mine", "text": "Mine.", "base_version": "1"}
    assert client.post(f"{url}/edit", data=edit).status_code == 403
