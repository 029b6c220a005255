"""Pol.is import and export: a real conversation in, the engine's groups out, a round trip."""

from __future__ import annotations

import csv
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from flask import Flask
from sqlmodel import Session, func, select

from deliberation.models import Participant, Statement, Territory, Vote, VoteEvent
from deliberation.opinions.snapshots import compute_snapshot
from deliberation.polis.export import export_round
from deliberation.polis.importer import ImportProblem, import_polis
from tests.factories import first_territory_id, make_round, make_territory
from voting.opinions import adjusted_rand_index, read_polis_export

BG2050 = Path(__file__).resolve().parents[2] / "data" / "polis" / "bg2050-volunteers"


def _count(session: Session, model: type) -> int:
    return int(session.exec(select(func.count()).select_from(model)).one())


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def imported(session: Session):  # type: ignore[no-untyped-def]
    round_ = make_round(session, privacy_k=1)
    summary = import_polis(session, round_=round_, folder=BG2050, language="en")
    return round_, summary


def test_import_keeps_every_statement_participant_and_vote_event(
    session: Session, imported
) -> None:  # type: ignore[no-untyped-def]
    _round, summary = imported
    events = _csv(BG2050 / "votes.csv")
    comments = _csv(BG2050 / "comments.csv")
    assert summary.vote_events == len(events) == _count(session, VoteEvent)
    assert summary.statements == len(comments) == _count(session, Statement)
    pairs = {(e["voter-id"], e["comment-id"]) for e in events}
    assert summary.votes == len(pairs) == _count(session, Vote)
    assert summary.participants == _count(session, Participant)
    rejected = sum(1 for c in comments if c["moderated"] == "-1")
    assert rejected == len(
        session.exec(select(Statement).where(Statement.status == "rejected")).all()
    )
    total = session.exec(select(func.sum(Statement.vote_count))).one()
    assert total == summary.votes


def test_the_snapshot_of_an_imported_round_finds_the_polis_groups(
    session: Session, imported
) -> None:  # type: ignore[no-untyped-def]
    round_, _summary = imported
    snapshot = compute_snapshot(session, round_)
    session.commit()
    document = snapshot.document
    polis = read_polis_export(BG2050).polis_groups
    # Participants were created in order of first vote, as were the export's voter ids' rows.
    first_vote: dict[int, int] = {}
    for event in sorted(_csv(BG2050 / "votes.csv"), key=lambda e: int(e["timestamp"])):
        first_vote.setdefault(int(event["voter-id"]), len(first_vote))
    ours = dict(
        zip(document["participants"]["ids"], document["participants"]["group"], strict=True)
    )
    base = min(ours)
    by_polis_id = {polis_id: ours.get(base + rank) for polis_id, rank in first_vote.items()}
    clustered = sorted(p for p in polis if by_polis_id.get(p) is not None)
    assert len(clustered) == len(polis)
    assert adjusted_rand_index(
        np.array([polis[p] for p in clustered]), np.array([by_polis_id[p] for p in clustered])
    ) == pytest.approx(1.0)


def test_export_then_reimport_keeps_every_vote_and_the_groups(
    session: Session,
    imported,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    round_, summary = imported
    snapshot = compute_snapshot(session, round_)
    session.commit()
    out = tmp_path / "out"
    counts = export_round(session, round_, out)
    assert counts["votes"] == summary.vote_events
    assert {p.name for p in out.iterdir()} == {
        "summary.csv",
        "comments.csv",
        "votes.csv",
        "participants-votes.csv",
        "comment-groups.csv",
    }
    rows = _csv(out / "participants-votes.csv")
    assert all(r["xid"] == "" for r in rows)
    territory = session.get(Territory, first_territory_id(session, round_))
    assert {r["territory"] for r in rows} == {territory.slug}
    exported_groups = Counter(r["group-id"] for r in rows if r["group-id"] != "")
    snapshot_groups = Counter(
        str(g) for g in snapshot.document["participants"]["group"] if g is not None
    )
    assert exported_groups == snapshot_groups

    elsewhere = make_round(session, territories=[make_territory(session)])
    with pytest.raises(
        ImportProblem, match=r"participants-votes.csv: line 2: territory .* does not"
    ):
        import_polis(session, round_=elsewhere, folder=out, language="en")
    assert _count(session, VoteEvent) == summary.vote_events, "a refused import writes nothing"

    again = make_round(session, territories=[territory])
    second = import_polis(session, round_=again, folder=out, language="en")
    assert second.vote_events == summary.vote_events
    assert second.votes == summary.votes
    assert _statement_votes(session, again.id) == _statement_votes(session, round_.id)


def _statement_votes(session: Session, round_id: int) -> Counter[tuple[str, int]]:
    rows = session.exec(
        select(Statement.text, Vote.value)
        .join(Vote, Vote.statement_id == Statement.id)
        .where(Vote.round_id == round_id)
    ).all()
    return Counter((text, value) for text, value in rows)


def test_malformed_exports_are_refused_with_file_and_line(session: Session, tmp_path: Path) -> None:
    folder = tmp_path / "bad"
    shutil.copytree(BG2050, folder)
    lines = (folder / "votes.csv").read_text().splitlines()
    lines[5] = lines[5].rsplit(",", 1)[0] + ",7"
    (folder / "votes.csv").write_text("\n".join(lines) + "\n")
    round_ = make_round(session)
    with pytest.raises(ImportProblem, match=r"votes.csv: line 6"):
        import_polis(session, round_=round_, folder=folder, language="en")
    assert _count(session, Statement) == 0
    assert _count(session, Participant) == 0
    with pytest.raises(ImportProblem, match="not a folder"):
        import_polis(session, round_=round_, folder=tmp_path / "nowhere", language="en")
    with pytest.raises(ImportProblem, match="not offered"):
        import_polis(session, round_=round_, folder=BG2050, language="zz")


def test_the_command_line_imports_and_exports(app: Flask, session: Session, tmp_path: Path) -> None:
    round_ = make_round(session)
    runner = app.test_cli_runner()
    imported = runner.invoke(args=["polis", "import", str(BG2050), "--round", round_.slug])
    assert imported.exit_code == 0, imported.output
    assert "Imported 371 statements" in imported.output
    exported = runner.invoke(args=["polis", "export", "--round", round_.slug, str(tmp_path / "x")])
    assert exported.exit_code == 0, exported.output
    bad = runner.invoke(args=["polis", "import", str(tmp_path / "nowhere"), "--round", round_.slug])
    assert bad.exit_code == 2
    assert "Error:" in bad.output
