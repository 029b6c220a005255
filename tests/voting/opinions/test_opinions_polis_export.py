import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from voting.opinions import PolisExportError, compute, read_polis_export
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
