import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voting.opinions import PolisExportError, compute, read_polis_comments, read_polis_export
from voting.opinions.__main__ import main


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_votes_are_replayed_in_time_order(tmp_path: Path) -> None:
    folder = write(
        tmp_path,
        "votes.csv",
        "timestamp,comment-id,voter-id,vote\n30,1,7,-1\n10,1,7,1\n20,2,8,0\n",
    )
    write(folder, "comments.csv", "comment-id,moderated,is-meta\n1,1,false\n2,-1,false\n3,0,true\n")
    export = read_polis_export(folder)
    votes = export.conversation.votes
    assert votes.participant.tolist() == [7, 8, 7]
    assert votes.value.tolist() == [1, 0, -1]
    assert votes.in_time_order
    assert export.conversation.rejected == {2}
    assert export.conversation.meta == {3}


def test_participants_votes_without_votes_csv(polis_data: Path, tmp_path: Path) -> None:
    source = polis_data / "bg2050-volunteers"
    shutil.copy(source / "participants-votes.csv", tmp_path)
    shutil.copy(source / "comments.csv", tmp_path)
    export = read_polis_export(tmp_path)
    votes = export.conversation.votes
    assert not votes.in_time_order
    assert votes.participant.size == 14_283
    assert set(np.unique(votes.value).tolist()) <= {-1, 0, 1}
    assert len(export.polis_groups) == 108
    assert len(export.polis_consensus) == 371
    assert votes.statement.tolist() == sorted(votes.statement.tolist())


def test_territory_column(tmp_path: Path) -> None:
    rows = ["participant,group-id,territory,0,1,2"]
    for p in range(30):
        place = ["north", "south", ""][p % 3]
        rows.append(f"{p},,{place},{1 if p % 2 else -1},{1 if p % 3 else 0},1")
    write(tmp_path, "participants-votes.csv", "\n".join(rows) + "\n")
    export = read_polis_export(tmp_path)
    assert export.conversation.territory[0] == "north"
    assert 2 not in export.conversation.territory
    result, _ = compute(export.conversation)
    assert result.territories is not None
    assert result.territories.labels == ("north", "south")


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("votes.csv", "timestamp,comment-id,voter-id,vote\n1,2,3,1\n2,2,4,5\n", "line 3.*vote 5"),
        ("votes.csv", "timestamp,comment-id,voter-id,vote\n1,x,3,1\n", "line 2.*comment-id"),
        ("votes.csv", "timestamp,comment-id,vote\n1,2,1\n", "line 1.*voter-id"),
        ("votes.csv", "timestamp,comment-id,voter-id,vote\n1,2,3\n", "line 2.*number of fields"),
        ("participants-votes.csv", "participant,0,abc\n1,1,1\n", "line 1.*'abc'"),
        ("votes.csv", "", "line 1.*missing column"),
    ],
)
def test_malformed_files_name_file_and_line(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    write(tmp_path, name, text)
    with pytest.raises(PolisExportError, match=f"{name}: {message}"):
        read_polis_export(tmp_path)


def test_cli_exit_status_2_on_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, "votes.csv", "timestamp,comment-id,voter-id,vote\n1,2,3,7\n")
    assert main([str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert "votes.csv: line 2" in captured.err
    assert captured.out == ""
    assert main([str(tmp_path / "missing")]) == 2


def test_cli_json_document(polis_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(polis_data / "bg2050-volunteers"), "--json", "--seed", "3"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert set(document) == {
        "k",
        "participants",
        "group_informed_consensus",
        "consensus",
        "repness",
        "timings",
    }
    assert document["k"] == 2
    assert sum(g is not None for g in document["participants"].values()) == 108
    assert set(document["consensus"]) == {"agree", "disagree"}
    first = document["repness"]["0"][0]
    assert set(first) == {
        "statement",
        "direction",
        "repness",
        "repness_test",
        "p_success",
        "p_test",
        "n_success",
        "n_trials",
    }
    assert {"read", "total"} <= set(document["timings"])


def test_cli_summary(polis_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(polis_data / "bg2050-volunteers")]) == 0
    out = capsys.readouterr().out
    assert "2 opinion groups" in out
    assert "108 clustered" in out


def test_cli_json_with_territories(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = ["participant,group-id,territory,0,1,2,3"]
    for p in range(40):
        side = p % 2
        votes = [1 if side else -1, -1 if side else 1, 1, 0 if p % 3 else 1]
        rows.append(f"{p},,{'north' if side else 'south'}," + ",".join(map(str, votes)))
    write(tmp_path, "participants-votes.csv", "\n".join(rows) + "\n")
    assert main([str(tmp_path), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    territories = document["territories"]
    assert territories["labels"] == ["north", "south"]
    assert territories["participants"]["north"] == {"count": 20, "small": False}
    assert territories["most_divisive"][:2] in ([0, 1], [1, 0])
    assert sum(v["count"] for v in territories["composition"]["0"].values()) > 0


VOTES_HEADER = "timestamp,comment-id,voter-id,vote\n"
COMMENTS = "comment-id,moderated,comment-body\n1,1,one\n2,1,two\n"
BIG = str(2**63)


def export_folder(folder: Path, **files: str | bytes | None) -> Path:
    """A small valid export (votes.csv and comments.csv) with ``files`` replacing its files
    (``participants_votes`` for ``participants-votes.csv``; None removes a file, bytes are
    written as they are)."""
    texts: dict[str, str | bytes | None] = {
        "votes": VOTES_HEADER + "1,1,7,1\n2,2,7,-1\n3,1,8,0\n",
        "comments": COMMENTS,
    }
    texts.update(files)
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        path = folder / (name.replace("_", "-") + ".csv")
        if isinstance(text, bytes):
            path.write_bytes(text)
        elif text is not None:
            path.write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"votes": VOTES_HEADER.encode() + b"1,1,7,1\n2,1,7,\xff\n"}, "votes.csv: line 3: not valid UTF-8"),
        ({"comments": COMMENTS.encode() + b"3,1,caf\xe9\n"}, "comments.csv: line 4: not valid UTF-8"),
        ({"votes": VOTES_HEADER + f"1,{BIG},7,1\n"}, f"votes.csv: line 2: column comment-id: {BIG} is outside the 64-bit"),
        ({"votes": VOTES_HEADER + f"1,1,-{BIG}1,1\n"}, "votes.csv: line 2: column voter-id: .* is outside the 64-bit"),
        ({"votes": VOTES_HEADER + f"{BIG}0,1,7,1\n"}, "votes.csv: line 2: column timestamp: .* is outside the 64-bit"),
        ({"votes": VOTES_HEADER + "1,\u0661,7,1\n"}, "votes.csv: line 2: column comment-id: .* is not an integer"),
        ({"votes": VOTES_HEADER + "1,1,7,+1\n"}, "votes.csv: line 2: column vote: '\\+1' is not an integer"),
        ({"votes": VOTES_HEADER + "1,1, 7,1\n"}, "votes.csv: line 2: column voter-id: ' 7' is not an integer"),
        ({"votes": None, "participants_votes": "participant,1,2\n7,1, -1\n"}, "participants-votes.csv: line 2: column 2: ' -1' is not an integer"),
        ({"votes": VOTES_HEADER + "1,1\x00,7,1\n"}, "votes.csv: line 2: column comment-id: .* is not an integer"),
        ({"votes": VOTES_HEADER + "1,1,7,1\n5,2,8,1\n1,1,7,-1\n"}, "votes.csv: line 4: voter 7 votes on comment 1 at 1 as on line 2, but differently"),
        ({"votes": VOTES_HEADER + "1,1,7,1\n2,9,7,1\n"}, "votes.csv: line 3: a vote on comment 9, which is not in comments.csv"),
        ({"comments": COMMENTS + "1,1,other\n"}, "comments.csv: line 4: comment-id 1 is already on line 2 with different values"),
        ({"comments": "comment-id,moderated,moderated\n1,1,1\n"}, "comments.csv: line 1: column.* moderated appear twice"),
        ({"comments": "comment-id,moderated\n1,2\n"}, "comments.csv: line 2: column moderated: 2 is not a moderation status: 1 \\(accepted\\), 0 \\(not moderated\\) or -1 \\(rejected\\)$"),
        ({"comments": "comment-id,moderated,group-informed-consensus\n1,1,0.5\n2,1,nan\n"}, "comments.csv: line 3: column group-informed-consensus: 'nan' is not a number from 0 to 1"),
        ({"comments": "comment-id,moderated,group-informed-consensus\n1,1,1.5\n2,1,0\n"}, "comments.csv: line 2: column group-informed-consensus: '1.5' is not a number from 0 to 1"),
        ({"comments": "comment-id,moderated,group-informed-consensus\n1,1,high\n"}, "comments.csv: line 2: column group-informed-consensus: 'high' is not a number"),
        ({"comments": "comment-id,moderated\n1,1\n2,\n"}, "comments.csv: line 3: column moderated: the cell is empty"),
        ({"comments": "comment-id,moderated,is-meta\n1,1,false\n2,1,maybe\n"}, "comments.csv: line 3: column is-meta: 'maybe' is not true or false"),
        ({"votes": None, "participants_votes": "participant,1,2\n7,1,\n8,-1,1\n7,-1,\n"}, "participants-votes.csv: line 4: participant 7 is already on line 2"),
        ({"votes": None, "participants_votes": "participant,1,9\n7,1,\n8,-1,1\n"}, "participants-votes.csv: line 3: a vote on comment 9, which is not in comments.csv"),
        ({"votes": None, "participants_votes": f"participant,1,{BIG}\n7,1,\n"}, f"participants-votes.csv: line 1: column '{BIG}': {BIG} is outside"),
        ({"votes": None, "participants_votes": b"participant,1\n\xfe7,1\n"}, "participants-votes.csv: line 2: not valid UTF-8"),
    ],
    ids=[
        "votes-utf8", "comments-utf8", "comment-id-range", "voter-id-range", "timestamp-range",
        "arabic-digit", "plus-vote", "spaced-id", "spaced-cell", "nul", "conflicting-votes", "unknown-comment", "conflicting-comments",
        "repeated-column", "moderated-2", "consensus-nan", "consensus-above-1", "consensus-word", "moderated-empty", "meta-maybe", "conflicting-participants", "participants-unknown-comment",
        "column-id-range", "participants-utf8",
    ],
)  # fmt: skip
def test_every_refusal_names_the_file_and_the_line(
    tmp_path: Path, files: dict[str, str | bytes | None], message: str
) -> None:
    with pytest.raises(PolisExportError, match=message):
        read_polis_export(export_folder(tmp_path, **files))


@pytest.mark.parametrize("name", ["votes.csv", "comments.csv", "participants-votes.csv"])
def test_a_byte_order_mark_is_accepted_on_every_file(tmp_path: Path, name: str) -> None:
    folder = export_folder(tmp_path, participants_votes="participant,group-id\n7,0\n8,1\n")
    path = folder / name
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    export = read_polis_export(folder)
    assert export.conversation.votes.value.size == 3
    assert export.polis_groups == {7: 0, 8: 1}
    assert export.conversation.rejected == frozenset()


def test_rows_repeated_verbatim_count_once(tmp_path: Path) -> None:
    folder = export_folder(
        tmp_path,
        votes=VOTES_HEADER + "1,1,7,1\n1,1,7,1\n2,2,7,-1\n",
        comments=COMMENTS + "2,1,two\n",
        participants_votes="participant,group-id\n7,0\n7,0\n",
    )
    export = read_polis_export(folder)
    assert export.conversation.votes.value.tolist() == [1, -1]
    assert export.vote_lines.tolist() == [2, 4]
    assert export.participant_lines == {7: 2}
    assert [c.id for c in read_polis_comments(folder)] == [1, 2]


def _shuffled_copy(source: Path, target: Path, name: str, order: list[int]) -> None:
    header, *rows = (source / name).read_text(encoding="utf-8").splitlines()
    write(target, name, "\n".join([header, *(rows[i] for i in order)]) + "\n")


@settings(max_examples=15, deadline=None)
@given(
    events=st.lists(
        st.tuples(st.integers(0, 5), st.integers(0, 6), st.integers(0, 30), st.integers(-1, 1)),
        min_size=1,
        max_size=150,
        unique_by=lambda e: e[:3],
    ),
    data=st.data(),
)
def test_the_result_does_not_depend_on_the_order_of_the_rows(
    tmp_path_factory: pytest.TempPathFactory,
    events: list[tuple[int, int, int, int]],
    data: st.DataObject,
) -> None:
    """Timestamps tie often here (six values): ties are ordered by comment, then voter."""
    first = tmp_path_factory.mktemp("rows")
    lines = [f"{t},{c},{p},{v}" for t, c, p, v in events]
    write(first, "votes.csv", VOTES_HEADER + "\n".join(lines) + "\n")
    grid = {(p, c): v for _, c, p, v in sorted(events)}
    voters = sorted({p for p, _ in grid})
    comments = sorted({c for _, c in grid})
    matrix = [f"{p}," + ",".join(str(grid.get((p, c), "")) for c in comments) for p in voters]
    write(
        first,
        "participants-votes.csv",
        "participant," + ",".join(map(str, comments)) + "\n" + "\n".join(matrix) + "\n",
    )
    second = tmp_path_factory.mktemp("shuffled")
    for name, count in (("votes.csv", len(lines)), ("participants-votes.csv", len(matrix))):
        _shuffled_copy(first, second, name, data.draw(st.permutations(range(count))))
    for drop_votes in (False, True):
        if drop_votes:
            (first / "votes.csv").unlink()
            (second / "votes.csv").unlink()
        one, _ = compute(read_polis_export(first).conversation)
        other, _ = compute(read_polis_export(second).conversation)
        assert other.participant_ids.tolist() == one.participant_ids.tolist()
        assert other.statement_ids.tolist() == one.statement_ids.tolist()
        assert other.group.tolist() == one.group.tolist()
        np.testing.assert_allclose(other.projection, one.projection, atol=1e-9)


def test_a_votes_file_with_only_its_header_holds_no_vote(tmp_path: Path) -> None:
    export = read_polis_export(export_folder(tmp_path, votes=VOTES_HEADER))
    assert export.conversation.votes.value.size == 0
    assert export.vote_times is not None
    assert export.vote_times.size == 0
