"""Seed statements: one by one, and CSV imports that are all or nothing."""

from __future__ import annotations

import io

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session, select

from deliberation.models import Round, Statement, StatementStatus, User
from tests.factories import make_round, make_statement, make_user, sign_in_as


def setup(client: FlaskClient, session: Session, **round_fields: object) -> tuple[User, Round]:
    me = make_user(session)
    fields: dict[str, object] = {"languages": ["en", "fr"], "max_statement_length": 40}
    fields.update(round_fields)
    round_ = make_round(session, facilitators=[me], **fields)
    sign_in_as(client, me)
    return me, round_


def upload(client: FlaskClient, round_: Round, content: bytes, name: str = "seeds.csv") -> str:
    response = client.post(
        f"/facilitate/rounds/{round_.id}/statements/import",
        data={"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )
    return f"{response.status_code} {response.text}"


def seeds(session: Session, round_: Round) -> list[Statement]:
    return list(
        session.exec(
            select(Statement).where(Statement.round_id == round_.id).order_by(Statement.id)
        )
    )


def test_add_one_seed_statement(client: FlaskClient, session: Session) -> None:
    _, round_ = setup(client, session)
    url = f"/facilitate/rounds/{round_.id}/statements"
    assert client.get(url).status_code == 200
    response = client.post(url, data={"text": "  Plant   more trees ", "language": "fr"})
    assert response.status_code == 303
    (statement,) = seeds(session, round_)
    assert statement.text == "Plant more trees"
    assert statement.is_seed
    assert statement.status == StatementStatus.ACCEPTED
    assert statement.language == "fr"
    assert "Plant more trees" in client.get(url).text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"text": "", "language": "en"}, "Write a statement first"),
        ({"text": "x" * 41, "language": "en"}, "at most 40 characters"),
        ({"text": "A fine idea", "language": "de"}, "Not a valid choice"),
        ({"text": "shade the SCHOOL yards!", "language": "en"}, "already exists"),
        ({"text": "bad\x00byte", "language": "en"}, "control character"),
    ],
    ids=["empty", "too long", "language", "duplicate", "control character"],
)
def test_seed_statement_errors(
    client: FlaskClient, session: Session, data: dict[str, str], message: str
) -> None:
    _, round_ = setup(client, session)
    make_statement(session, round_, text="Shade the school yards")
    response = client.post(f"/facilitate/rounds/{round_.id}/statements", data=data)
    assert response.status_code == 422
    assert message in response.text
    assert len(seeds(session, round_)) == 1


def test_csv_import_adds_every_line(client: FlaskClient, session: Session) -> None:
    _, round_ = setup(client, session)
    content = (
        "\ufefftext,language\n"
        "Plant more trees,en\n"
        '"Des fontaines, partout",FR\n'
        "\n"
        '"A statement on\ntwo lines",en\n'
    ).encode()
    result = upload(client, round_, content)
    assert result.startswith("303"), result
    texts = [(s.text, s.language, s.is_seed, s.status) for s in seeds(session, round_)]
    assert texts == [
        ("Plant more trees", "en", True, StatementStatus.ACCEPTED),
        ("Des fontaines, partout", "fr", True, StatementStatus.ACCEPTED),
        ("A statement on two lines", "en", True, StatementStatus.ACCEPTED),
    ]
    assert "3 seed statements imported" in client.get(f"/facilitate/rounds/{round_.id}").text


def test_csv_with_any_bad_line_imports_nothing_and_lists_every_bad_line(
    client: FlaskClient, session: Session
) -> None:
    _, round_ = setup(client, session)
    make_statement(session, round_, text="Already here")
    lines = [
        "text,language",  # 1
        "A good statement,en",  # 2
        ",en",  # 3 empty text
        f"{'y' * 41},en",  # 4 too long
        "Bonjour,de",  # 5 language not offered
        "a GOOD statement!,fr",  # 6 duplicate of line 2
        "already here,en",  # 7 duplicate of an existing statement
        "three,columns,here",  # 8 malformed row
        '"broken"quote,en',  # 9 malformed CSV
        "No language,",  # 10 missing language
        "Another good one,fr",  # 11
    ]
    result = upload(client, round_, "\n".join(lines).encode())
    assert result.startswith("422"), result
    assert "Nothing was imported" in result
    for line, reason in [
        (3, "Write a statement first"),
        (4, "at most 40 characters"),
        (5, "not offered by this round"),
        (6, "repeats line 2"),
        (7, "already exists in the round"),
        (8, "Columns on this line: 3"),
        (9, "not valid CSV"),
        (10, "language is missing"),
    ]:
        assert f'<th scope="row" class="number">{line}</th><td hx-disable>' in result, line
        row = result.split(f'<th scope="row" class="number">{line}</th><td hx-disable>')[1].split(
            "</td>"
        )[0]
        assert reason in row, (line, row)
    for good in (2, 11):
        assert f'<th scope="row" class="number">{good}</th>' not in result
    assert [s.text for s in seeds(session, round_)] == ["Already here"]


def test_csv_must_be_utf8_with_the_header(client: FlaskClient, session: Session) -> None:
    _, round_ = setup(client, session)
    latin1 = "text,language\nCafé,fr\nOK,en\nÉté chaud,fr\n".encode("latin-1")
    result = upload(client, round_, latin1)
    assert result.startswith("422")
    assert result.count("not UTF-8") == 2
    assert '<th scope="row" class="number">2</th>' in result
    assert '<th scope="row" class="number">4</th>' in result

    no_header = upload(client, round_, b"Plant trees,en\n")
    assert no_header.startswith("422")
    assert "header text,language" in no_header
    assert upload(client, round_, b"").startswith("422")
    only_header = upload(client, round_, b"text,language\n")
    assert only_header.startswith("422")
    assert "no statement under its header" in only_header
    missing = client.post(f"/facilitate/rounds/{round_.id}/statements/import", data={})
    assert missing.status_code == 422
    assert "Choose a CSV file" in missing.text
    assert seeds(session, round_) == []
