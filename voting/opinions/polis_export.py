"""Reading a Pol.is export folder (openData format) into a ``Conversation``.

Every refusal is a ``PolisExportError`` naming the file and the line. Files are UTF-8, with or
without a byte order mark. Integers (ids, timestamps, votes) are plain decimal numbers of the
64-bit range; yes/no columns (``is-meta``, ``is-seed``) hold ``true`` or ``false``, as Pol.is
writes them. A row repeated verbatim is read once (real exports repeat a few vote rows); two
rows for the same thing that disagree are refused, naming both lines: a comment id or a
participant twice with different fields, or one voter voting two ways on one comment at the same
timestamp. Votes on comment ids absent from ``comments.csv`` (when it is there) are refused.
"""

import codecs
import hashlib
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from voting.csv_records import csv_records
from voting.opinions.inputs import Conversation, Votes, canonical_order

VOTE_COLUMNS = ("timestamp", "comment-id", "voter-id", "vote")
VOTE_TEXT = {"1": 1, "-1": -1, "0": 0}
FLAG_TEXT = {"true": True, "false": False}  # what Pol.is writes in is-meta and is-seed
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
INTEGER = re.compile(r"-?[0-9]+")  # as Pol.is writes them: no plus sign, no spaces
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

Rows = Iterator[tuple[int, dict[str, str]]]


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
        vote_file: the file the votes were read from.
        vote_lines: (n_events,) line of ``vote_file`` each vote event was read from.
        participant_lines: line of every participant's row in ``participants-votes.csv``.
    """

    conversation: Conversation
    polis_groups: Mapping[int, int] = field(default_factory=dict)
    polis_consensus: Mapping[int, float] = field(default_factory=dict)
    vote_times: NDArray[np.int64] | None = None
    vote_file: Path = Path("votes.csv")
    vote_lines: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    participant_lines: Mapping[int, int] = field(default_factory=dict)


def _text(path: Path) -> str:
    """The file's text: UTF-8, a byte order mark allowed."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise PolisExportError(f"{path}: {error.strerror or error}") from None
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise PolisExportError(
            f"{path}: line {line}: not valid UTF-8 (byte 0x{data[error.start]:02x})"
        ) from None


def _cells(path: Path, line: int, record: list[str] | None) -> list[str]:
    if record is None:
        raise PolisExportError(f"{path}: line {line}: not valid CSV (check its quotes)")
    return record


def _table(path: Path) -> tuple[list[str], Rows]:
    """The header of a CSV file and its rows as (line number, row); a row's line is the one it
    starts on (fields may span lines). Blank lines are skipped. Read strictly
    (``voting.csv_records``): a quote left open, even on the last line, is refused."""
    records = csv_records(_text(path))
    first = next(records, None)
    header = [] if first is None else _cells(path, first[0], first[1])
    repeated = sorted({c for c in header if header.count(c) > 1})
    if repeated:
        raise PolisExportError(f"{path}: line 1: column(s) {', '.join(repeated)} appear twice")

    def rows() -> Rows:
        for line, record in records:
            cells = _cells(path, line, record)
            if cells:
                if len(cells) != len(header):
                    raise PolisExportError(
                        f"{path}: line {line}: wrong number of fields for the header"
                    )
                yield line, dict(zip(header, cells, strict=True))

    return header, rows()


def _require(path: Path, header: list[str], columns: tuple[str, ...]) -> None:
    missing = [c for c in columns if c not in header]
    if missing:
        raise PolisExportError(f"{path}: line 1: missing column(s) {', '.join(missing)}")


def _integer(path: Path, line: int, column: str, text: str) -> int:
    """``text`` as an integer of the 64-bit range (plain decimal digits, optional minus sign)."""
    if not INTEGER.fullmatch(text) or len(text) > 40:
        raise PolisExportError(f"{path}: line {line}: column {column}: {text!r} is not an integer")
    value = int(text)
    if not INT64_MIN <= value <= INT64_MAX:
        raise PolisExportError(
            f"{path}: line {line}: column {column}: {value} is outside the 64-bit integer range"
        )
    return value


def _vote(path: Path, line: int, column: str, text: str) -> int:
    value = _integer(path, line, column, text)
    if value not in (-1, 0, 1):
        raise PolisExportError(
            f"{path}: line {line}: column {column}: vote {value} is not -1, 0 or 1"
        )
    return value


def _moderation(path: Path, line: int, text: str) -> int:
    """The ``moderated`` cell: 1 accepted, 0 not moderated, -1 rejected (Pol.is always writes
    one of them: an empty cell is refused)."""
    if not text:
        raise PolisExportError(
            f"{path}: line {line}: column moderated: the cell is empty; it holds a moderation "
            "status: 1 (accepted), 0 (not moderated) or -1 (rejected)"
        )
    value = _integer(path, line, "moderated", text)
    if value not in (-1, 0, 1):
        raise PolisExportError(
            f"{path}: line {line}: column moderated: {value} is not a moderation status: "
            "1 (accepted), 0 (not moderated) or -1 (rejected)"
        )
    return value


class _Once:
    """Rows keyed by an id: a row repeated verbatim is skipped, a different row with the same
    id is refused, naming both lines."""

    def __init__(self, path: Path, what: str) -> None:
        self.path = path
        self.what = what
        self.seen: dict[int, tuple[int, bytes]] = {}

    def new(self, key: int, line: int, row: dict[str, str]) -> bool:
        """True the first time ``key`` is met; False for a verbatim repeat."""
        digest = hashlib.blake2b("\x1f".join(row.values()).encode(), digest_size=16).digest()
        first = self.seen.get(key)
        if first is None:
            self.seen[key] = (line, digest)
            return True
        if first[1] == digest:
            return False
        raise PolisExportError(
            f"{self.path}: line {line}: {self.what} {key} is already on line {first[0]} "
            "with different values"
        )


@dataclass(frozen=True)
class _VotesFile:
    votes: Votes
    times: NDArray[np.int64]
    lines: NDArray[np.int64]


def _read_votes(path: Path) -> _VotesFile:
    """Vote events by time, then comment id, then voter id (so ties on a timestamp do not
    depend on the order of the rows)."""
    header, rows = _table(path)
    _require(path, header, VOTE_COLUMNS)
    when: list[int] = []
    statement: list[int] = []
    participant: list[int] = []
    value: list[int] = []
    lines: list[int] = []
    for line, row in rows:
        when.append(_integer(path, line, "timestamp", row["timestamp"]))
        statement.append(_integer(path, line, "comment-id", row["comment-id"]))
        participant.append(_integer(path, line, "voter-id", row["voter-id"]))
        value.append(_vote(path, line, "vote", row["vote"]))
        lines.append(line)
    times = np.asarray(when, dtype=np.int64)
    tids = np.asarray(statement, dtype=np.int64)
    pids = np.asarray(participant, dtype=np.int64)
    order = np.lexsort((pids, tids, times))
    times, tids, pids = times[order], tids[order], pids[order]
    values = np.asarray(value, dtype=np.int8)[order]
    at = np.asarray(lines, dtype=np.int64)[order]
    same = (times[1:] == times[:-1]) & (tids[1:] == tids[:-1]) & (pids[1:] == pids[:-1])
    clash = np.flatnonzero(same & (values[1:] != values[:-1]))
    if clash.size:
        i = int(clash[np.argmin(np.maximum(at[clash], at[clash + 1]))])
        first, second = sorted((int(at[i]), int(at[i + 1])))
        raise PolisExportError(
            f"{path}: line {second}: voter {pids[i]} votes on comment {tids[i]} at {times[i]} "
            f"as on line {first}, but differently"
        )
    # A row repeated verbatim counts once; a file with only its header holds no vote.
    keep = np.append(True, ~same)[: times.size]
    return _VotesFile(Votes(pids[keep], tids[keep], values[keep]), times[keep], at[keep])


@dataclass(frozen=True)
class _ParticipantsFile:
    votes: Votes
    lines: NDArray[np.int64]
    groups: dict[int, int]
    territory: dict[int, str]
    participant_lines: dict[int, int]


def _read_participants(path: Path, *, with_votes: bool) -> _ParticipantsFile:
    """Groups, territories and (``with_votes``) the vote cells of ``participants-votes.csv``.

    Without timestamps, the cells are ordered as a Pol.is full recompute meets them
    (``canonical_order``: by comment, then participant), whatever the order of the rows.
    """
    header, rows = _table(path)
    _require(path, header, ("participant",))
    comment_columns = (
        [c for c in header if c not in FIXED_PARTICIPANT_COLUMNS] if with_votes else []
    )
    comment_ids = [_integer(path, 1, repr(c), c) for c in comment_columns]
    tid: list[int] = []
    pid: list[int] = []
    value: list[int] = []
    lines: list[int] = []
    groups: dict[int, int] = {}
    territory: dict[int, str] = {}
    once = _Once(path, "participant")
    for line, row in rows:
        participant = _integer(path, line, "participant", row["participant"])
        if not once.new(participant, line, row):
            continue
        if row.get("group-id"):
            groups[participant] = _integer(path, line, "group-id", row["group-id"])
        if row.get("territory"):
            territory[participant] = row["territory"]
        for column, comment in zip(comment_columns, comment_ids, strict=True):
            text = row[column]
            if text:
                known = VOTE_TEXT.get(text)
                tid.append(comment)
                pid.append(participant)
                value.append(_vote(path, line, column, text) if known is None else known)
                lines.append(line)
    tids = np.asarray(tid, dtype=np.int64)
    pids = np.asarray(pid, dtype=np.int64)
    order = canonical_order(pids, tids)
    votes = Votes(
        pids[order], tids[order], np.asarray(value, dtype=np.int8)[order], in_time_order=False
    )
    return _ParticipantsFile(
        votes,
        np.asarray(lines, dtype=np.int64)[order],
        groups,
        territory,
        {p: line for p, (line, _) in once.seen.items()},
    )


def _comment_rows(
    path: Path, required: tuple[str, ...]
) -> Iterator[tuple[int, int, dict[str, str]]]:
    """(line, comment id, row) of every comment of ``comments.csv``, each id once."""
    header, rows = _table(path)
    _require(path, header, required)
    once = _Once(path, "comment-id")
    for line, row in rows:
        tid = _integer(path, line, "comment-id", row["comment-id"])
        if once.new(tid, line, row):
            yield line, tid, row


@dataclass(frozen=True)
class _CommentsFile:
    ids: frozenset[int]
    rejected: frozenset[int]
    meta: frozenset[int]
    consensus: dict[int, float]


def _read_comments(path: Path) -> _CommentsFile:
    ids: set[int] = set()
    rejected: set[int] = set()
    meta: set[int] = set()
    consensus: dict[int, float] = {}
    for line, tid, row in _comment_rows(path, ("comment-id", "moderated")):
        ids.add(tid)
        if _moderation(path, line, row["moderated"]) == -1:
            rejected.add(tid)
        if _flag(path, line, row, "is-meta"):
            meta.add(tid)
        text = row.get("group-informed-consensus", "")
        if text:
            consensus[tid] = _consensus(path, line, text)
    return _CommentsFile(frozenset(ids), frozenset(rejected), frozenset(meta), consensus)


def _consensus(path: Path, line: int, text: str) -> float:
    """Pol.is' group-informed consensus: a product of probabilities, a number from 0 to 1."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 <= value <= 1:  # also refuses nan, inf and what is not a number
        raise PolisExportError(
            f"{path}: line {line}: column group-informed-consensus: {text!r} is not a number "
            "from 0 to 1"
        )
    return value


def _check_known(path: Path, votes: Votes, lines: NDArray[np.int64], known: frozenset[int]) -> None:
    """Refuse the first vote (in file order) on a comment id missing from comments.csv."""
    unknown = ~np.isin(votes.statement, np.fromiter(known, dtype=np.int64, count=len(known)))
    if unknown.any():
        i = int(np.flatnonzero(unknown)[np.argmin(lines[unknown])])
        raise PolisExportError(
            f"{path}: line {lines[i]}: a vote on comment {votes.statement[i]}, "
            "which is not in comments.csv"
        )


def read_polis_export(folder: Path) -> PolisExport:
    """Read ``votes.csv`` (replayed in time order) or else ``participants-votes.csv``.

    ``comments.csv``, when present, gives rejected (``moderated`` = -1) and meta (``is-meta``)
    comments and Pol.is' group-informed consensus, and every vote must be on one of its
    comments. ``participants-votes.csv``, when present, gives Pol.is' groups and the optional
    ``territory`` column. Votes keep the export sign (agree = +1). Votes tied on timestamp are
    ordered by comment id, then voter id; votes without timestamps by comment id, then
    participant id: the result never depends on the order of the rows.

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
        read = _read_votes(votes_path)
        votes, times, lines, vote_file = read.votes, read.times, read.lines, votes_path
    elif participants is not None:
        votes, lines, vote_file = participants.votes, participants.lines, participants_path
    else:
        raise PolisExportError(f"{folder}: neither votes.csv nor participants-votes.csv found")
    comments = (
        _read_comments(comments_path)
        if comments_path.is_file()
        else _CommentsFile(frozenset(), frozenset(), frozenset(), {})
    )
    if comments_path.is_file():
        _check_known(vote_file, votes, lines, comments.ids)
    return PolisExport(
        Conversation(
            votes,
            rejected=comments.rejected,
            meta=comments.meta,
            territory=participants.territory if participants else {},
        ),
        polis_groups=participants.groups if participants else {},
        polis_consensus=comments.consensus,
        vote_times=times,
        vote_file=vote_file,
        vote_lines=lines,
        participant_lines=participants.participant_lines if participants else {},
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
        line: the line of ``comments.csv`` the row starts on.
    """

    id: int
    body: str
    author: int | None
    moderated: int
    is_meta: bool
    is_seed: bool
    time: int | None
    line: int


def _flag(path: Path, line: int, row: dict[str, str], column: str) -> bool:
    """The yes/no ``column`` of ``row``, exactly as Pol.is writes it (``true`` or ``false``);
    False when the file has no such column."""
    text = row.get(column)
    if text is None:
        return False
    if text not in FLAG_TEXT:
        raise PolisExportError(
            f"{path}: line {line}: column {column}: {text!r} is not true or false"
        )
    return FLAG_TEXT[text]


def read_polis_comments(folder: Path) -> tuple[PolisComment, ...]:
    """Every comment of ``folder/comments.csv`` with its text, in file order, each id once.

    Raises:
        PolisExportError: the file is missing, lacks ``comment-id`` or ``comment-body``, a
            field is malformed, or a comment id repeats with different fields (the message
            names file and line).
    """
    path = folder / "comments.csv"
    if not path.is_file():
        raise PolisExportError(f"{path}: not found (comment texts are needed)")
    return tuple(
        PolisComment(
            id=tid,
            body=row["comment-body"],
            author=_integer(path, line, "author-id", row["author-id"])
            if row.get("author-id")
            else None,
            moderated=_moderation(path, line, row["moderated"]) if "moderated" in row else 0,
            is_meta=_flag(path, line, row, "is-meta"),
            is_seed=_flag(path, line, row, "is-seed"),
            time=_integer(path, line, "timestamp", row["timestamp"])
            if row.get("timestamp")
            else None,
            line=line,
        )
        for line, tid, row in _comment_rows(path, ("comment-id", "comment-body"))
    )
