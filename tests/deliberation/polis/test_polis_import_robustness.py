"""Pol.is import of careless or hostile files: each refusal names the file and the line, and
nothing is written."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlmodel import Session, func, select

from deliberation.models import Participant, Statement, Vote, VoteEvent
from deliberation.polis.importer import ImportProblem, import_polis
from tests.factories import make_round, make_territory

VOTES = "timestamp,comment-id,voter-id,vote\n"
COMMENTS = "timestamp,comment-id,author-id,moderated,comment-body\n"
FLAGS = "timestamp,comment-id,author-id,moderated,is-meta,is-seed,comment-body\n"
GOOD = {
    "votes": VOTES + "1726860583813,1,7,1\n1726860583900,2,7,-1\n1726860584000,1,8,0\n",
    "comments": COMMENTS + "1726860500000,1,7,1,Shade on every street\n"
    "1726860500100,2,8,1,More fountains\n",
    "participants_votes": "participant,territory\n7,north\n8,South\n",
}
BIG = str(2**63)


def _export(folder: Path, **files: str | bytes | None) -> Path:
    """A small valid two-territory export with ``files`` replacing its files (None removes
    one, bytes are written as they are)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in {**GOOD, **files}.items():
        path = folder / (name.replace("_", "-") + ".csv")
        if isinstance(text, bytes):
            path.write_bytes(text)
        elif text is not None:
            path.write_text(text, encoding="utf-8")
    return folder


def _count(session: Session, model: type) -> int:
    return int(session.exec(select(func.count()).select_from(model)).one())


@pytest.fixture
def two_towns(session: Session):  # type: ignore[no-untyped-def]
    towns = [
        make_territory(session, slug="north", names={"en": "North"}),
        make_territory(session, slug="south", names={"en": "South"}),
    ]
    return make_round(session, territories=towns)


CASES = {
    "comment-nul": (
        {"comments": COMMENTS + "1,1,7,1,Shade\n2,2,8,1,More\x00fountains\n"},
        r"comments.csv: line 3: comment 2: the text holds a control character",
    ),
    "comment-bell": (
        {"comments": COMMENTS + "1,1,7,1,Shade\x07\n2,2,8,1,More\n"},
        r"comments.csv: line 2: comment 1: the text holds a control character",
    ),
    "comment-empty": (
        {"comments": COMMENTS + "1,1,7,1,Shade\n2,2,8,1,   \n"},
        r"comments.csv: line 3: comment 2: the text is empty",
    ),
    "comment-beyond-any-limit": (
        {"comments": COMMENTS + f"1,1,7,1,{'x' * 2001}\n2,2,8,1,More\n"},
        r"comments.csv: line 2: comment 1: the text has 2001 characters, more than round \S+'s "
        r"maximum statement length \(280\): the longest comment has 2001 and a round allows at "
        r"most 2000, so this export cannot be imported as it is",
    ),
    "comment-beyond-the-round-limit": (
        {
            "comments": COMMENTS
            + f"1,1,7,1,Shade\n2,2,8,1,{'y' * 281}\n3,3,7,1,{'z' * 400}\n4,4,8,1,{'w' * 300}\n"
        },
        r"comments.csv: line 3: comment 2: the text has 281 characters, more than round \S+'s "
        r"maximum statement length \(280\): raise the round's maximum statement length to at "
        r"least 400 \(the longest comment\) and import again",
    ),
    "comment-meta-maybe": (
        {"comments": FLAGS + "1,1,7,1,false,true,Shade\n2,2,8,1,maybe,false,More\n"},
        r"comments.csv: line 3: column is-meta: 'maybe' is not true or false",
    ),
    "comment-seed-empty": (
        {"comments": FLAGS + "1,1,7,1,false,,Shade\n2,2,8,1,false,false,More\n"},
        r"comments.csv: line 2: column is-seed: '' is not true or false",
    ),
    "comment-unterminated-quote": (
        {"comments": GOOD["comments"] + '1726860500200,3,7,1,"unterminated\n'},
        r"comments.csv: line 4: not valid CSV \(check its quotes\)",
    ),
    "comment-text-after-quote": (
        {"comments": COMMENTS + '1,1,7,1,"Shade" on streets\n2,2,8,1,More\n'},
        r"comments.csv: line 2: not valid CSV \(check its quotes\)",
    ),
    "votes-unterminated-quote": (
        {"votes": GOOD["votes"] + '1726860584100,2,8,"1'},
        r"votes.csv: line 5: not valid CSV \(check its quotes\)",
    ),
    "comment-moderated-5": (
        {"comments": COMMENTS + "1,1,7,1,Shade\n2,2,8,5,More\n"},
        r"comments.csv: line 3: column moderated: 5 is not a moderation status: 1 \(accepted\), "
        r"0 \(not moderated\) or -1 \(rejected\)$",
    ),
    "comment-moderated-empty": (
        {"comments": COMMENTS + "1,1,7,,Shade\n2,2,8,1,More\n"},
        r"comments.csv: line 2: column moderated: the cell is empty; it holds a moderation status",
    ),
    "no-comment": (
        {"comments": COMMENTS, "votes": VOTES, "participants_votes": None},
        r"comments.csv: line 2: no comment under the header: nothing to import",
    ),
    "comment-time": (
        {"comments": COMMENTS + "1,1,7,1,Shade\n-5,2,8,1,More\n"},
        r"comments.csv: line 3: timestamp -5 is not a time between 1970 and 9999",
    ),
    "comment-time-int64": (
        {"comments": COMMENTS + f"1,1,7,1,Shade\n{BIG},2,8,1,More\n"},
        r"comments.csv: line 3: column timestamp: \d+ is outside the 64-bit integer range",
    ),
    "vote-time": (
        {"votes": VOTES + "1,1,7,1\n4611686018427387904,2,7,-1\n"},
        r"votes.csv: line 3: timestamp 4611686018427387904 is not a time between 1970 and 9999",
    ),
    "vote-id-int64": (
        {"votes": VOTES + f"1,1,{BIG},1\n"},
        r"votes.csv: line 2: column voter-id: \d+ is outside the 64-bit integer range",
    ),
    "duplicate-comment": (
        {"comments": GOOD["comments"] + "1726860500000,1,7,1,Shade on every road\n"},
        r"comments.csv: line 4: comment-id 1 is already on line 2 with different values",
    ),
    "conflicting-votes": (
        {"votes": VOTES + "5,1,7,1\n5,2,7,1\n5,1,7,-1\n"},
        r"votes.csv: line 4: voter 7 votes on comment 1 at 5 as on line 2, but differently",
    ),
    "unknown-comment": (
        {"votes": VOTES + "1,1,7,1\n2,42,8,1\n"},
        r"votes.csv: line 3: a vote on comment 42, which is not in comments.csv",
    ),
    "unknown-territory": (
        {"participants_votes": "participant,territory\n7,north\n8,Atlantis\n"},
        r"participants-votes.csv: line 3: territory 'Atlantis' of participant 8 does not take "
        r"part in round",
    ),
    "territory-nul": (
        {"participants_votes": "participant,territory\n7,nor\x00th\n8,south\n"},
        r"participants-votes.csv: line 2: the territory holds a control character",
    ),
    "no-territory": (
        {"participants_votes": "participant,territory\n7,north\n"},
        r"votes.csv: line 4: participant 8 has no territory and the round has several",
    ),
    "author-without-territory": (
        {"comments": GOOD["comments"] + "1726860500200,3,9,1,Trees\n"},
        r"comments.csv: line 4: participant 9 has no territory",
    ),
    "votes-utf8": (
        {"votes": VOTES.encode() + b"1,1,7,1\n2,2,\xc37,1\n"},
        r"votes.csv: line 3: not valid UTF-8 \(byte 0xc3\)",
    ),
    "comments-utf8": (
        {"comments": COMMENTS.encode() + b"1,1,7,1,Shade\n2,2,8,1,caf\xe9\n"},
        r"comments.csv: line 3: not valid UTF-8",
    ),
    "participants-utf8": (
        {"participants_votes": b"participant,territory\n7,north\n8,S\xf6uth\n"},
        r"participants-votes.csv: line 3: not valid UTF-8",
    ),
}


@pytest.mark.parametrize(("files", "message"), CASES.values(), ids=CASES.keys())
def test_refusals_name_the_file_and_line_and_write_nothing(
    session: Session,
    two_towns,  # type: ignore[no-untyped-def]
    tmp_path: Path,
    files: dict[str, str | bytes | None],
    message: str,
) -> None:
    folder = _export(tmp_path / "export", **files)
    with pytest.raises(ImportProblem, match=message):
        import_polis(session, round_=two_towns, folder=folder, language="en")
    for model in (Statement, Participant, Vote, VoteEvent):
        assert _count(session, model) == 0


@pytest.mark.parametrize("name", ["votes", "comments", "participants_votes"])
def test_a_byte_order_mark_is_accepted_on_every_file(
    session: Session,
    two_towns,  # type: ignore[no-untyped-def]
    tmp_path: Path,
    name: str,
) -> None:
    folder = _export(tmp_path / "export", **{name: b"\xef\xbb\xbf" + GOOD[name].encode()})
    summary = import_polis(session, round_=two_towns, folder=folder, language="en")
    assert (summary.statements, summary.participants, summary.vote_events) == (2, 2, 3)


def test_rows_repeated_verbatim_are_imported_once(
    session: Session,
    two_towns,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    folder = _export(
        tmp_path / "export",
        votes=GOOD["votes"] + "1726860583813,1,7,1\n",
        comments=GOOD["comments"] + "1726860500100,2,8,1,More fountains\n",
        participants_votes=GOOD["participants_votes"] + "7,north\n",
    )
    summary = import_polis(session, round_=two_towns, folder=folder, language="en")
    assert (summary.statements, summary.participants, summary.vote_events) == (2, 2, 3)
    assert _count(session, VoteEvent) == 3


def test_the_command_line_names_the_line_without_a_traceback(
    app: Flask,
    session: Session,
    two_towns,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    folder = _export(tmp_path / "export", votes=VOTES + f"1,1,7,1\n2,1,{BIG},1\n")
    result = app.test_cli_runner().invoke(
        args=["polis", "import", str(folder), "--round", two_towns.slug]
    )
    assert result.exit_code == 2
    assert "votes.csv: line 3: column voter-id" in result.output
    assert "Traceback" not in result.output
    assert _count(session, Statement) == 0


def test_the_import_leaves_the_transaction_to_its_caller(
    session: Session,
    two_towns,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    summary = import_polis(session, round_=two_towns, folder=_export(tmp_path / "e"), language="en")
    assert _count(session, VoteEvent) == summary.vote_events == 3
    session.rollback()
    for model in (Statement, Participant, Vote, VoteEvent):
        assert _count(session, model) == 0


def test_yes_no_columns_take_what_polis_writes(
    session: Session,
    two_towns,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    comments = FLAGS + "1,1,7,1,true,false,Shade\n2,2,8,1,false,true,More\n"
    import_polis(
        session, round_=two_towns, folder=_export(tmp_path / "e", comments=comments), language="en"
    )
    flags = session.exec(
        select(Statement.text, Statement.is_meta, Statement.is_seed).order_by(Statement.text)
    ).all()
    assert [tuple(row) for row in flags] == [("More", False, True), ("Shade", True, False)]


def test_comments_up_to_the_rounds_limit_are_imported_as_they_are(
    session: Session, tmp_path: Path
) -> None:
    town = make_territory(session, slug="north", names={"en": "North"})
    round_ = make_round(session, territories=[town], max_statement_length=400)
    longest = "z" * 399 + "."
    comments = COMMENTS + f"1,1,7,1,Shade\n2,2,8,1,{longest}\n"
    votes = VOTES + "1726860583813,1,7,1\n1726860583900,2,8,-1\n"
    folder = _export(tmp_path / "e", comments=comments, votes=votes, participants_votes=None)
    import_polis(session, round_=round_, folder=folder, language="en")
    assert longest in session.exec(select(Statement.text)).all()


def test_a_conversation_without_votes_is_imported(
    session: Session,
    two_towns,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    folder = _export(tmp_path / "e", votes=VOTES)
    summary = import_polis(session, round_=two_towns, folder=folder, language="en")
    assert (summary.statements, summary.participants, summary.vote_events) == (2, 2, 0)
