"""Facilitators import proposals from a CSV file: every line checked as the editor checks a
proposal, problems named by line, all or nothing."""

from __future__ import annotations

import io

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session, func, select
from werkzeug.test import TestResponse

from deliberation.models import (
    Phase,
    Proposal,
    ProposalAuthor,
    ProposalStatement,
    ProposalVersion,
    Round,
    User,
)
from tests.factories import make_round, make_statement, make_user, sign_in_as


@pytest.fixture
def facilitator(session: Session) -> User:
    return make_user(session)


@pytest.fixture
def round_(session: Session, facilitator: User) -> Round:
    return make_round(session, phase=Phase.DRAFTING, facilitators=[facilitator])


def upload(client: FlaskClient, round_: Round, content: bytes) -> TestResponse:
    return client.post(
        f"/facilitate/rounds/{round_.id}/proposals/import",
        data={"file": (io.BytesIO(content), "proposals.csv")},
        content_type="multipart/form-data",
    )


def count(session: Session, model: type) -> int:
    return int(session.exec(select(func.count()).select_from(model)).one())


def test_a_facilitator_imports_proposals_with_their_statements(
    client: FlaskClient, session: Session, round_: Round, facilitator: User
) -> None:
    first = make_statement(session, round_, text="Schoolyards need shade")
    second = make_statement(session, round_, text="Cool rooms save lives")
    session.commit()
    sign_in_as(client, facilitator)
    content = (
        "title,text,language,statements\n"
        f'Shade for schools,"Plant trees.\n\nWater them.",en,{first.id} {second.id}\n'
        "Salles fraîches,Ouvrir des salles fraîches.,fr,\n"
    ).encode()

    answer = upload(client, round_, content)

    assert answer.status_code == 303
    assert "2 proposals imported." in client.get(answer.headers["Location"]).text
    proposals = session.exec(select(Proposal).order_by(Proposal.id)).all()
    assert [(p.title, p.language, p.version) for p in proposals] == [
        ("Shade for schools", "en", 1),
        ("Salles fraîches", "fr", 1),
    ]
    assert proposals[0].text == "Plant trees.\n\nWater them."
    links = session.exec(select(ProposalStatement.statement_id)).all()
    assert sorted(links) == sorted([first.id, second.id])
    authors = session.exec(select(ProposalAuthor)).all()
    assert {a.user_id for a in authors} == {facilitator.id}
    assert count(session, ProposalVersion) == 2


def test_every_bad_line_is_named_and_nothing_is_imported(
    client: FlaskClient, session: Session, round_: Round, facilitator: User
) -> None:
    other = make_round(session)
    elsewhere = make_statement(session, other, text="A statement of another round")
    session.commit()
    sign_in_as(client, facilitator)
    content = (
        "title,text,language,statements\n"
        "Good one,Fine text.,en,\n"
        ",No title.,en,\n"
        f"Another round,Text.,en,{elsewhere.id}\n"
        'Markup,<b hx-get="/x">bold</b>,en,\n'
        "Klingon,Text.,tlh,\n"
        "Numbers,Text.,en,one two\n"
        "Too few,columns\n"
        f"Too long,{'x' * 20_001},en,\n"
    ).encode()

    answer = upload(client, round_, content)

    assert answer.status_code == 422
    assert "Nothing was imported: 7 problems were found" in answer.text
    for line in range(3, 10):
        assert f'<th scope="row" class="number">{line}</th>' in answer.text
    assert '<th scope="row" class="number">2</th>' not in answer.text
    assert "only statements of its own round" in answer.text
    assert "title,text,language,statements" in answer.text
    assert 'hx-get="/x"' not in answer.text
    assert count(session, Proposal) == 0


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "The file is empty"),
        (b"text,language\nx,en\n", "The first line must be the header"),
        (b"title,text,language,statements\n", "no proposal under its header"),
        (b"title,text,language,statements\n\xff,x,en,\n", "not UTF-8"),
    ],
)
def test_a_file_that_is_not_a_proposals_file_is_refused(
    client: FlaskClient,
    session: Session,
    *,
    round_: Round,
    facilitator: User,
    content: bytes,
    expected: str,
) -> None:
    sign_in_as(client, facilitator)

    answer = upload(client, round_, content)

    assert answer.status_code == 422
    assert expected in answer.text
    assert count(session, Proposal) == 0


def test_only_the_rounds_facilitators_import_and_only_while_it_drafts(
    client: FlaskClient, session: Session, round_: Round, facilitator: User
) -> None:
    content = b"title,text,language,statements\nShade,Plant trees.,en,\n"
    sign_in_as(client, make_user(session))
    assert upload(client, round_, content).status_code == 403
    open_round = make_round(session, phase=Phase.OPEN, facilitators=[facilitator])
    sign_in_as(client, facilitator)
    refused = upload(client, open_round, content)
    assert refused.status_code == 409
    assert "only while the round drafts" in refused.text
    assert count(session, Proposal) == 0
