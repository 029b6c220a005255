"""Writing a round as a Pol.is export folder (openData CSV set) with a territory column.

Files: ``summary.csv``, ``comments.csv``, ``votes.csv``, ``participants-votes.csv`` and
``comment-groups.csv``, in the export sign convention (agree = +1, disagree = -1, pass = 0).
Participants are renumbered 0, 1, ... in order of their first vote, then authors who never voted
(pseudonymous: no internal id, account or external id is written; ``xid`` stays empty);
statements are renumbered 0, 1, ... in creation order. Groups and group-informed consensus are
those of the round's current opinion snapshot (none while it is being recomputed after a
withdrawal or a change of privacy settings), whose groups and cells already follow the round's
privacy threshold (``deliberation.opinions.document``): suppressed cells are left empty. The
territory column is filled only for territories whose participant count is shown under the same
rule (``deliberation.services.privacy``, with complementary suppression over the exported
participants), so that counting rows cannot reveal a small territory. Text cells that a spreadsheet
would read as a formula start with a ``'`` (see ``deliberation.csv_files``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import func
from sqlmodel import Session, col, select

from deliberation import csv_files
from deliberation.models import (
    Participant,
    Round,
    Statement,
    StatementStatus,
    Territory,
    Vote,
    VoteEvent,
)
from deliberation.opinions.picture import group_name
from deliberation.opinions.stored import current_snapshot
from deliberation.services.privacy import suppress_line

MODERATED = {StatementStatus.ACCEPTED: 1, StatementStatus.PENDING: 0, StatementStatus.REJECTED: -1}
BATCH = 50_000
COMMENT_COLUMNS = [
    "timestamp",
    "datetime",
    "comment-id",
    "author-id",
    "agrees",
    "disagrees",
    "moderated",
    "is-meta",
    "is-seed",
    "group-informed-consensus",
    "comment-body",
]
PARTICIPANT_COLUMNS = [
    "participant",
    "xid",
    "group-id",
    "territory",
    "n-comments",
    "n-votes",
    "n-agree",
    "n-disagree",
]


@dataclass
class _Export:
    """What the files of one export share: the numbering, the current votes, the snapshot."""

    folder: Path
    statements: list[Statement]
    comment_id: dict[int, int]
    pid: dict[int, int]
    document: dict[str, Any]
    current: dict[int, dict[int, int]] = field(default_factory=dict)
    by_statement: dict[int, dict[str, Any]] = field(init=False)

    def __post_init__(self) -> None:
        self.by_statement = {s["id"]: s for s in self.document.get("statements", [])}

    def entry(self, statement_id: int) -> dict[str, Any]:
        return self.by_statement.get(statement_id, {})

    def totals(self) -> dict[int, Counter[int]]:
        """Current votes per comment number: Counter of +1, -1, 0."""
        result: dict[int, Counter[int]] = {n: Counter() for n in self.comment_id.values()}
        for votes in self.current.values():
            for cid, value in votes.items():
                result[cid][value] += 1
        return result


def _millis(moment: datetime) -> int:
    return int(moment.astimezone(UTC).timestamp() * 1000)


def _datetime_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%a %b %d %H:%M:%S UTC %Y")


def _write(path: Path, header: list[str] | None, rows: Iterable[list[Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv_files.writer(handle)
        if header is not None:
            writer.writerow(header)
        writer.writerows(rows)


def export_round(
    session: Session, round_: Round, folder: Path, *, language: str = "en", public: bool = False
) -> dict[str, int]:
    """Write the Pol.is CSV set of ``round_`` into ``folder`` (created); return counts.

    ``public``: the set published with a report, whose ``author-id`` column is blank."""
    folder.mkdir(parents=True, exist_ok=True)
    statements = list(
        session.exec(
            select(Statement).where(Statement.round_id == round_.id).order_by(col(Statement.id))
        )
    )
    voters = session.exec(
        select(VoteEvent.participant_id)
        .where(VoteEvent.round_id == round_.id)
        .group_by(col(VoteEvent.participant_id))
        .order_by(func.min(VoteEvent.id))
    ).all()
    pid = {p: n for n, p in enumerate(voters)}
    for s in statements:
        if s.author_participant_id is not None:
            pid.setdefault(s.author_participant_id, len(pid))
    snapshot = current_snapshot(session, round_)
    export = _Export(
        folder=folder,
        statements=statements,
        comment_id={s.id: n for n, s in enumerate(statements)},  # type: ignore[misc]
        pid=pid,
        document=snapshot.document if snapshot else {},
    )
    for participant_id, statement_id, value in session.execute(
        select(Vote.participant_id, Vote.statement_id, Vote.value)
        .where(Vote.round_id == round_.id)
        .execution_options(yield_per=BATCH)
    ):
        export.current.setdefault(participant_id, {})[export.comment_id[statement_id]] = value
    votes = _write_votes(session, round_, export)
    _write_participants_votes(session, round_, export)
    totals = export.totals()
    _write_comments(export, totals, public=public)
    _write_comment_groups(export, totals)
    _write_summary(round_, export, language)
    return {"participants": len(pid), "statements": len(statements), "votes": votes}


def _write_votes(session: Session, round_: Round, export: _Export) -> int:
    """votes.csv: every vote event in order, except retractions and the votes they undid
    (Pol.is has no retraction: an undone vote is left out as if never cast)."""
    retracted = {
        (participant_id, statement_id): last
        for participant_id, statement_id, last in session.execute(
            select(VoteEvent.participant_id, VoteEvent.statement_id, func.max(VoteEvent.id))
            .where(VoteEvent.round_id == round_.id, col(VoteEvent.value).is_(None))
            .group_by(col(VoteEvent.participant_id), col(VoteEvent.statement_id))
        )
    }
    written = 0
    with (export.folder / "votes.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv_files.writer(handle)
        writer.writerow(["timestamp", "datetime", "comment-id", "voter-id", "vote"])
        events = session.execute(
            sa.select(
                col(VoteEvent.id),
                col(VoteEvent.created_at),
                col(VoteEvent.statement_id),
                col(VoteEvent.participant_id),
                col(VoteEvent.value),
            )
            .where(col(VoteEvent.round_id) == round_.id)
            .order_by(col(VoteEvent.id))
            .execution_options(yield_per=BATCH)
        )
        for event_id, created, statement_id, participant_id, value in events:
            undone = retracted.get((participant_id, statement_id), 0)
            if value is None or event_id < undone:
                continue
            writer.writerow(
                [
                    _millis(created),
                    _datetime_text(created),
                    export.comment_id[statement_id],
                    export.pid[participant_id],
                    value,
                ]
            )
            written += 1
    return written


def _write_participants_votes(session: Session, round_: Round, export: _Export) -> None:
    slugs = dict(session.execute(select(Territory.id, Territory.slug)).all())
    territory_of = dict(
        session.execute(
            select(Participant.id, Participant.territory_id).where(
                Participant.round_id == round_.id
            )
        ).all()
    )
    exported = Counter(territory_of.get(p) for p in export.pid)
    ids = sorted(exported, key=lambda t: (t is None, t or 0))
    line = suppress_line([*(exported[t] for t in ids), len(export.pid)], round_.privacy_k)
    shown = {t for t, cell in zip(ids, line, strict=False) if cell is not None}
    participants = export.document.get("participants", {"ids": [], "group": []})
    group_of = dict(zip(participants["ids"], participants["group"], strict=True))
    authored = Counter(
        s.author_participant_id for s in export.statements if s.author_participant_id is not None
    )
    n = len(export.statements)
    rows = []
    for participant_id, number in sorted(export.pid.items(), key=lambda item: item[1]):
        votes = export.current.get(participant_id, {})
        group = group_of.get(participant_id)
        rows.append(
            [
                number,
                "",
                "" if group is None else group,
                slugs.get(territory_of.get(participant_id, -1), "")
                if territory_of.get(participant_id) in shown
                else "",
                authored[participant_id],
                len(votes),
                sum(1 for v in votes.values() if v == 1),
                sum(1 for v in votes.values() if v == -1),
                *(votes.get(c, "") for c in range(n)),
            ]
        )
    _write(
        export.folder / "participants-votes.csv",
        PARTICIPANT_COLUMNS + [str(c) for c in range(n)],
        rows,
    )


def _write_comments(export: _Export, totals: dict[int, Counter[int]], *, public: bool) -> None:
    rows = []
    for s in export.statements:
        number = export.comment_id[s.id]  # type: ignore[index]
        author = s.author_participant_id
        rows.append(
            [
                _millis(s.created_at),
                _datetime_text(s.created_at),
                number,
                "" if author is None or public else export.pid[author],
                totals[number][1],
                totals[number][-1],
                MODERATED[StatementStatus(s.status)],
                "true" if s.is_meta else "false",
                "true" if s.is_seed else "false",
                export.entry(s.id).get("group_informed_consensus", ""),  # type: ignore[arg-type]
                s.text,
            ]
        )
    _write(export.folder / "comments.csv", COMMENT_COLUMNS, rows)


def _write_comment_groups(export: _Export, totals: dict[int, Counter[int]]) -> None:
    k = int(export.document.get("k", 0))
    header = ["comment-id", "comment", "total-votes", "total-agrees", "total-disagrees"]
    header.append("total-passes")
    for g in range(k):
        letter = group_name(g).lower()
        header += [f"group-{letter}-{part}" for part in ("votes", "agrees", "disagrees", "passes")]
    rows = []
    for s in export.statements:
        number = export.comment_id[s.id]  # type: ignore[index]
        count = totals[number]
        row: list[Any] = [number, s.text, sum(count.values()), count[1], count[-1], count[0]]
        for cell in export.entry(s.id).get("groups", [None] * k):  # type: ignore[arg-type]
            if cell is None or cell.get("suppressed"):
                row += ["", "", "", ""]
            else:
                row += [cell["seen"], cell["agree"], cell["disagree"], cell["pass"]]
        rows.append(row)
    _write(export.folder / "comment-groups.csv", header, rows)


def _write_summary(round_: Round, export: _Export, language: str) -> None:
    groups = export.document.get("participants", {"group": []})["group"]
    _write(
        export.folder / "summary.csv",
        None,
        [
            ["topic", round_.text("title", language)],
            ["url", ""],
            ["views", len(export.pid)],
            ["voters", len(export.current)],
            ["voters-in-conv", sum(1 for g in groups if g is not None)],
            ["commenters", len({s.author_participant_id for s in export.statements} - {None})],
            ["comments", len(export.statements)],
            ["groups", export.document.get("k", 0)],
            ["conversation-description", round_.text("question", language)],
        ],
    )
