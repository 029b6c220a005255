"""CSV files the app writes are safe to open in a spreadsheet (OWASP's CSV injection rule)."""

from __future__ import annotations

import ast
import csv
import io
from pathlib import Path

import pytest
from sqlmodel import Session

from deliberation import csv_files
from deliberation.models import Vote, VoteEvent
from deliberation.polis.export import export_round
from tests.factories import make_participant, make_round, make_statement

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("text", ["=1+2", "+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_text_that_a_spreadsheet_would_compute_gets_a_quote(text: str) -> None:
    assert csv_files.neutralise(text) == "'" + text


@pytest.mark.parametrize("cell", ["plain", "", "a=b", " =x", -1, -2.5, 0, None])
def test_other_cells_and_numbers_are_unchanged(cell: object) -> None:
    assert csv_files.neutralise(cell) == cell


def test_the_writer_neutralises_every_text_cell() -> None:
    handle = io.StringIO()
    writer = csv_files.writer(handle)
    writer.writerow(['=HYPERLINK("http://x")', -1, "ok"])
    writer.writerows([["@x", 3.5]])
    assert list(csv.reader(io.StringIO(handle.getvalue()))) == [
        ['\'=HYPERLINK("http://x")', "-1", "ok"],
        ["'@x", "3.5"],
    ]


def test_the_polis_export_neutralises_text_and_keeps_negative_votes(
    session: Session, tmp_path: Path
) -> None:
    round_ = make_round(session, title={"en": "+ring the mayor"}, question={"en": "-do we?"})
    statement = make_statement(session, round_, text='=HYPERLINK("http://evil.example","x")')
    person = make_participant(session, round_)
    for model in (Vote, VoteEvent):
        session.add(
            model(round_id=round_.id, participant_id=person.id, statement_id=statement.id, value=-1)
        )
    session.commit()
    export_round(session, round_, tmp_path)
    files = {
        path.name: list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
        for path in tmp_path.glob("*.csv")
    }
    assert files["comments.csv"][1][-1] == "'" + statement.text
    assert files["comment-groups.csv"][1][1] == "'" + statement.text
    assert ["topic", "'+ring the mayor"] in files["summary.csv"]
    assert ["conversation-description", "'-do we?"] in files["summary.csv"]
    assert files["votes.csv"][1][-1] == "-1"
    assert files["participants-votes.csv"][1][-1] == "-1"
    assert files["comments.csv"][1][5] == "1"  # disagrees


def test_no_module_writes_csv_around_the_safe_writer() -> None:
    offenders = []
    for path in sorted((ROOT / "deliberation").rglob("*.py")):
        if path.name == "csv_files.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "csv"
                and node.attr in {"writer", "DictWriter"}
            ):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == [], "write CSV through deliberation.csv_files.writer: " + ", ".join(
        offenders
    )
