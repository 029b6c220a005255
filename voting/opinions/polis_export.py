"""Reading a Pol.is export folder (openData format) into a ``Conversation``."""

import csv
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from voting.opinions.inputs import Conversation, Votes

VOTE_COLUMNS = ("timestamp", "comment-id", "voter-id", "vote")
VOTE_TEXT = {"1": 1, "-1": -1, "0": 0}
FIXED_PARTICIPANT_COLUMNS = frozenset(
    {
        "participant",
        "xid",
        "group-id",
        "n-comments",
        "n-votes",
        "n-agree",
        "n-disagree",
        "territory",
    }
)


class PolisExportError(ValueError):
    """A file of the export is missing or malformed; the message names the file and line."""


@dataclass(frozen=True)
class PolisExport:
    """A Pol.is conversation as exported, ready for ``compute``.

    Attributes:
        conversation: votes (export sign: agree = +1), moderation and territories.
        polis_groups: Pol.is' own ``group-id`` per participant id, for those it clustered.
        polis_consensus: Pol.is' ``group-informed-consensus`` per comment id, when exported.
        vote_times: (n_events,) milliseconds since the epoch of every vote event, aligned with
            ``conversation.votes``; None when the votes come from ``participants-votes.csv``.
    """

    conversation: Conversation
    polis_groups: Mapping[int, int] = field(default_factory=dict)
    polis_consensus: Mapping[int, float] = field(default_factory=dict)
    vote_times: NDArray[np.int64] | None = None


def _rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) of a CSV file whose header was checked; fields may span lines."""
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            line = 1
            for row in reader:
                if None in row or any(v is None for v in row.values()):
                    raise PolisExportError(
                        f"{path}: line {line + 1}: wrong number of fields for the header"
                    )
                yield line + 1, row
                line = reader.line_num
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise PolisExportError(f"{path}: {error}") from error


def _header(path: Path) -> list[str]:
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            return next(csv.reader(handle), [])
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise PolisExportError(f"{path}: {error}") from error


def _require(path: Path, header: list[str], columns: tuple[str, ...]) -> None:
    missing = [c for c in columns if c not in header]
    if missing:
        raise PolisExportError(f"{path}: line 1: missing column(s) {', '.join(missing)}")


def _integer(path: Path, line: int, column: str, text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise PolisExportError(
            f"{path}: line {line}: column {column}: {text!r} is not an integer"
        ) from None


def _vote(path: Path, line: int, column: str, text: str) -> int:
    value = _integer(path, line, column, text)
    if value not in (-1, 0, 1):
        raise PolisExportError(
            f"{path}: line {line}: column {column}: vote {value} is not -1, 0 or 1"
        )
    return value


def _read_votes(path: Path) -> tuple[Votes, NDArray[np.int64]]:
    _require(path, _header(path), VOTE_COLUMNS)
    when: list[int] = []
    statement: list[int] = []
    participant: list[int] = []
    value: list[int] = []
    for line, row in _rows(path):
        when.append(_integer(path, line, "timestamp", row["timestamp"]))
        statement.append(_integer(path, line, "comment-id", row["comment-id"]))
        participant.append(_integer(path, line, "voter-id", row["voter-id"]))
        value.append(_vote(path, line, "vote", row["vote"]))
    times = np.asarray(when, dtype=np.int64)
    order = np.argsort(times, kind="stable")
    votes = Votes(
        np.asarray(participant, dtype=np.int64)[order],
        np.asarray(statement, dtype=np.int64)[order],
        np.asarray(value, dtype=np.int8)[order],
    )
    return votes, times[order]


@dataclass(frozen=True)
class _ParticipantsFile:
    votes: Votes
    groups: dict[int, int]
    territory: dict[int, str]


def _read_participants(path: Path, *, with_votes: bool) -> _ParticipantsFile:
    """Groups, territories and (``with_votes``) the vote cells of ``participants-votes.csv``."""
    header = _header(path)
    _require(path, header, ("participant",))
    comment_columns = (
        [c for c in header if c not in FIXED_PARTICIPANT_COLUMNS] if with_votes else []
    )
    for column in comment_columns:
        if not column.lstrip("-").isdigit():
            raise PolisExportError(f"{path}: line 1: column {column!r} is not a comment id")
    comment_ids = [int(c) for c in comment_columns]
    cells: list[tuple[int, int, int]] = []
    groups: dict[int, int] = {}
    territory: dict[int, str] = {}
    for line, row in _rows(path):
        pid = _integer(path, line, "participant", row["participant"])
        if row.get("group-id"):
            groups[pid] = _integer(path, line, "group-id", row["group-id"])
        if row.get("territory"):
            territory[pid] = row["territory"]
        for column, tid in zip(comment_columns, comment_ids, strict=True):
            text = row[column]
            if text:
                value = VOTE_TEXT.get(text)
                cells.append(
                    (tid, pid, _vote(path, line, column, text) if value is None else value)
                )
    # Without timestamps, order events as a Pol.is full recompute meets them: by comment, then
    # participant, so rows appear by the lowest comment they voted on.
    cells.sort()
    array = np.asarray(cells, dtype=np.int64).reshape(-1, 3)
    votes = Votes(array[:, 1], array[:, 0], array[:, 2].astype(np.int8), in_time_order=False)
    return _ParticipantsFile(votes, groups, territory)


def _read_comments(path: Path) -> tuple[frozenset[int], frozenset[int], dict[int, float]]:
    header = _header(path)
    _require(path, header, ("comment-id", "moderated"))
    rejected: set[int] = set()
    meta: set[int] = set()
    consensus: dict[int, float] = {}
    for line, row in _rows(path):
        tid = _integer(path, line, "comment-id", row["comment-id"])
        if _integer(path, line, "moderated", row["moderated"]) == -1:
            rejected.add(tid)
        if row.get("is-meta", "").strip().lower() == "true":
            meta.add(tid)
        text = row.get("group-informed-consensus", "")
        if text:
            try:
                consensus[tid] = float(text)
            except ValueError:
                raise PolisExportError(
                    f"{path}: line {line}: column group-informed-consensus: {text!r} is not a number"
                ) from None
    return frozenset(rejected), frozenset(meta), consensus


def read_polis_export(folder: Path) -> PolisExport:
    """Read ``votes.csv`` (replayed in time order) or else ``participants-votes.csv``.

    ``comments.csv``, when present, gives rejected (``moderated`` = -1) and meta (``is-meta``)
    comments and Pol.is' group-informed consensus. ``participants-votes.csv``, when present,
    gives Pol.is' groups and the optional ``territory`` column. Votes keep the export sign
    (agree = +1). Votes tied on timestamp keep their file order.

    Raises:
        PolisExportError: no vote file, or a malformed file (the message names file and line).
    """
    votes_path = folder / "votes.csv"
    participants_path = folder / "participants-votes.csv"
    comments_path = folder / "comments.csv"
    replay = votes_path.is_file()
    participants = (
        _read_participants(participants_path, with_votes=not replay)
        if participants_path.is_file()
        else None
    )
    times = None
    if replay:
        votes, times = _read_votes(votes_path)
    elif participants is not None:
        votes = participants.votes
    else:
        raise PolisExportError(f"{folder}: neither votes.csv nor participants-votes.csv found")
    rejected, meta, consensus = (
        _read_comments(comments_path) if comments_path.is_file() else (frozenset(), frozenset(), {})
    )
    return PolisExport(
        Conversation(
            votes,
            rejected=rejected,
            meta=meta,
            territory=participants.territory if participants else {},
        ),
        polis_groups=participants.groups if participants else {},
        polis_consensus=consensus,
        vote_times=times,
    )


@dataclass(frozen=True)
class PolisComment:
    """One row of ``comments.csv``.

    Attributes:
        id: Pol.is comment id.
        body: the comment's text, unedited.
        author: Pol.is participant id of the author, None when not exported.
        moderated: 1 accepted, 0 not moderated, -1 rejected.
        is_meta: a comment about the conversation itself.
        is_seed: written by the conversation's owner.
        time: milliseconds since the epoch, None when not exported.
    """

    id: int
    body: str
    author: int | None
    moderated: int
    is_meta: bool
    is_seed: bool
    time: int | None


def _flag(text: str) -> bool:
    return text.strip().lower() == "true"


def read_polis_comments(folder: Path) -> tuple[PolisComment, ...]:
    """Every comment of ``folder/comments.csv`` with its text, in file order.

    Raises:
        PolisExportError: the file is missing, lacks ``comment-id`` or ``comment-body``, or a
            field is malformed (the message names file and line).
    """
    path = folder / "comments.csv"
    if not path.is_file():
        raise PolisExportError(f"{path}: not found (comment texts are needed)")
    _require(path, _header(path), ("comment-id", "comment-body"))
    comments = []
    for line, row in _rows(path):
        moderated = row.get("moderated") or "0"
        comments.append(
            PolisComment(
                id=_integer(path, line, "comment-id", row["comment-id"]),
                body=row["comment-body"],
                author=_integer(path, line, "author-id", row["author-id"])
                if row.get("author-id")
                else None,
                moderated=_vote(path, line, "moderated", moderated),
                is_meta=_flag(row.get("is-meta", "")),
                is_seed=_flag(row.get("is-seed", "")),
                time=_integer(path, line, "timestamp", row["timestamp"])
                if row.get("timestamp")
                else None,
            )
        )
    return tuple(comments)
