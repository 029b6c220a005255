"""Importing a Pol.is export folder into a round: all or nothing.

Everything is read and checked before the database is touched: comments (with their texts,
moderation, meta and seed flags), every vote event with its time (``votes.csv``; without it the
cells of ``participants-votes.csv``, stamped with the import time, in Pol.is' recompute order),
and the optional ``territory`` column, matched to the round's territories by slug or by name.
Then statements, participants, vote events, current votes (the last event per participant and
statement) and counters are written in the caller's transaction. Any problem raises
``ImportProblem`` naming the file and line, and nothing is written: no comment at all, malformed
fields, bad UTF-8 (a byte order mark is fine), ids outside the 64-bit range, timestamps outside
1970-9999, control characters (NUL...) in comment texts or territories as in the forms, empty
comments, comments longer than the round's maximum statement length (as for seed statements;
texts are never cut, and the message says what limit the longest comment needs), votes on
comments missing from ``comments.csv``, unknown territories, and two rows for the same comment,
participant or vote that disagree. A row repeated verbatim is imported once: real exports
repeat a few.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import func
from sqlmodel import Session, select

from deliberation.clock import utcnow
from deliberation.demo import bulk
from deliberation.models import (
    Participant,
    Round,
    Statement,
    StatementStatus,
    Territory,
)
from deliberation.models.inputs import MAX_STATEMENT_LENGTH
from deliberation.services.rounds import round_territories
from deliberation.services.statements import normalize_text
from deliberation.services.validation import has_control_characters, has_visible_text
from voting.opinions import (
    PolisComment,
    PolisExport,
    PolisExportError,
    read_polis_comments,
    read_polis_export,
)

# Times the database and Python both hold: 1970-01-01 to 9999-12-31, in milliseconds.
EARLIEST_MILLIS = 0
LATEST_MILLIS = int(datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=UTC).timestamp() * 1000)
STATUS = {1: StatementStatus.ACCEPTED, 0: StatementStatus.PENDING, -1: StatementStatus.REJECTED}
Progress = Callable[[int], None]


class ImportProblem(ValueError):
    """The export cannot be imported; the message says where and why."""


@dataclass(frozen=True)
class ImportSummary:
    statements: int
    participants: int
    vote_events: int
    votes: int


@dataclass(frozen=True)
class _Parsed:
    comments: tuple[PolisComment, ...]
    participant: NDArray[np.int64]
    statement: NDArray[np.int64]
    value: NDArray[np.int8]
    times: NDArray[np.int64]
    territory_of: dict[int, int]


def _millis_to_datetime(millis: int) -> datetime:
    return datetime.fromtimestamp(millis / 1000, tz=UTC)


def _check_time(path: Path, line: int, millis: int) -> None:
    if not EARLIEST_MILLIS <= millis <= LATEST_MILLIS:
        raise ImportProblem(
            f"{path}: line {line}: timestamp {millis} is not a time between 1970 and 9999 "
            "(milliseconds since 1970-01-01)"
        )


def _check_comment(path: Path, comment: PolisComment) -> None:
    where = f"{path}: line {comment.line}: comment {comment.id}"
    if has_control_characters(comment.body):
        raise ImportProblem(f"{where}: the text holds a control character (such as NUL)")
    if not has_visible_text(comment.body):
        raise ImportProblem(f"{where}: the text is empty")
    if comment.time is not None:
        _check_time(path, comment.line, comment.time)


def _check_lengths(path: Path, round_: Round, comments: tuple[PolisComment, ...]) -> None:
    """Refuse the first comment longer than the round's maximum statement length, saying what
    limit the longest comment needs: the texts are imported as they are, never cut."""
    limit = round_.max_statement_length
    too_long = [c for c in comments if len(c.body.strip()) > limit]
    if not too_long:
        return
    first = too_long[0]
    longest = max(len(c.body.strip()) for c in too_long)
    advice = (
        f"raise the round's maximum statement length to at least {longest} (the longest "
        "comment) and import again"
        if longest <= MAX_STATEMENT_LENGTH
        else f"the longest comment has {longest} and a round allows at most "
        f"{MAX_STATEMENT_LENGTH}, so this export cannot be imported as it is"
    )
    raise ImportProblem(
        f"{path}: line {first.line}: comment {first.id}: the text has {len(first.body.strip())} "
        f"characters, more than round {round_.slug}'s maximum statement length ({limit}): "
        f"{advice}"
    )


def _parse(session: Session, round_: Round, folder: Path, territory: str | None) -> _Parsed:
    if not folder.is_dir():
        raise ImportProblem(f"{folder}: not a folder")
    try:
        export = read_polis_export(folder)
        comments = read_polis_comments(folder)
    except PolisExportError as error:
        raise ImportProblem(str(error)) from error
    if not comments:
        raise ImportProblem(
            f"{folder / 'comments.csv'}: line 2: no comment under the header: nothing to import"
        )
    for c in comments:
        _check_comment(folder / "comments.csv", c)
    _check_lengths(folder / "comments.csv", round_, comments)
    votes = export.conversation.votes
    if export.vote_times is not None:
        outside = (export.vote_times < EARLIEST_MILLIS) | (export.vote_times > LATEST_MILLIS)
        if outside.any():
            i = int(np.flatnonzero(outside)[np.argmin(export.vote_lines[outside])])
            _check_time(export.vote_file, int(export.vote_lines[i]), int(export.vote_times[i]))
    times = (
        export.vote_times
        if export.vote_times is not None
        else np.full(votes.value.size, int(utcnow().timestamp() * 1000), dtype=np.int64)
    )
    return _Parsed(
        comments=comments,
        participant=votes.participant,
        statement=votes.statement,
        value=votes.value,
        times=times,
        territory_of=_territories(
            session,
            round_,
            folder=folder,
            export=export,
            comments=comments,
            fallback=_territory_named(session, round_, territory),
        ),
    )


def _by_label(session: Session, round_: Round) -> tuple[list[Territory], dict[str, Territory]]:
    """The round's territories, and each by slug and by name (case-insensitive)."""
    territories = round_territories(session, round_)
    by_label: dict[str, Territory] = {}
    for t in territories:
        by_label[t.slug.casefold()] = t
        for name in t.names.values():
            by_label.setdefault(name.casefold(), t)
    return territories, by_label


def _territory_named(session: Session, round_: Round, name: str | None) -> Territory | None:
    """The territory of participants without one: ``name`` (a slug or name), or the round's
    only territory; None when the round has several and no name is given."""
    territories, by_label = _by_label(session, round_)
    if name is None:
        return territories[0] if len(territories) == 1 else None
    chosen = by_label.get(name.casefold())
    if chosen is None:
        raise ImportProblem(f"territory {name!r} does not take part in round {round_.slug}")
    return chosen


def _territories(
    session: Session,
    round_: Round,
    *,
    folder: Path,
    export: PolisExport,
    comments: tuple[PolisComment, ...],
    fallback: Territory | None,
) -> dict[int, int]:
    """Territory id of every Pol.is participant (voters and comment authors)."""
    _, by_label = _by_label(session, round_)
    participants_file = folder / "participants-votes.csv"
    labels = export.conversation.territory
    for person in sorted(labels, key=lambda p: export.participant_lines[p]):
        label = labels[person]
        where = f"{participants_file}: line {export.participant_lines[person]}"
        if has_control_characters(label):
            raise ImportProblem(f"{where}: the territory holds a control character (such as NUL)")
        if label.casefold() not in by_label:
            raise ImportProblem(
                f"{where}: territory {label!r} of participant {person} does not take part in "
                f"round {round_.slug}"
            )
    # Where each participant first appears: their row, their first vote, a comment they wrote.
    first_seen: dict[int, str] = {
        p: f"{participants_file}: line {line}" for p, line in export.participant_lines.items()
    }
    votes = export.conversation.votes
    for person, line in zip(votes.participant.tolist(), export.vote_lines.tolist(), strict=True):
        first_seen.setdefault(person, f"{export.vote_file}: line {line}")
    for c in comments:
        if c.author is not None:
            first_seen.setdefault(c.author, f"{folder / 'comments.csv'}: line {c.line}")
    result: dict[int, int] = {}
    for person, where in first_seen.items():
        own = labels.get(person)
        chosen = by_label[own.casefold()] if own else fallback
        if chosen is None:
            raise ImportProblem(
                f"{where}: participant {person} has no territory and the round has several: "
                "add a territory column or choose a default territory"
            )
        result[person] = chosen.id  # type: ignore[assignment]
    return result


def import_polis(
    session: Session,
    *,
    round_: Round,
    folder: Path,
    language: str,
    territory: str | None = None,
    progress: Progress | None = None,
) -> ImportSummary:
    """Import the Pol.is export in ``folder`` into ``round_`` (which must have no statements).

    ``language`` is the language of the comments; ``territory`` (a slug or name) is the
    territory of participants without a ``territory`` column value, needed only when the round
    has several. ``progress`` is called with the number of vote events written after each batch.
    Everything is checked before the first write; the caller commits (or rolls back) once.
    """
    if session.exec(
        select(func.count()).select_from(Statement).where(Statement.round_id == round_.id)
    ).one():
        raise ImportProblem(f"round {round_.slug} already has statements: import into a new round")
    if language not in round_.languages:
        raise ImportProblem(f"language {language!r} is not offered by round {round_.slug}")
    parsed = _parse(session, round_, folder, territory)
    return _write(session, round_, parsed, language, progress or (lambda _n: None))


def _write(
    session: Session, round_: Round, parsed: _Parsed, language: str, progress: Progress
) -> ImportSummary:
    now = utcnow()
    first_vote: dict[int, int] = {}
    for person, moment in zip(parsed.participant.tolist(), parsed.times.tolist(), strict=True):
        first_vote.setdefault(person, moment)
    people = sorted(parsed.territory_of, key=lambda p: (first_vote.get(p, 2**62), p))
    participant_ids = bulk.insert_returning_ids(
        session,
        Participant,
        [
            {
                "round_id": round_.id,
                "territory_id": parsed.territory_of[p],
                "language": language,
                "created_at": _millis_to_datetime(first_vote[p]) if p in first_vote else now,
            }
            for p in people
        ],
    )
    pid = dict(zip(people, participant_ids, strict=True))
    statement_ids = bulk.insert_returning_ids(
        session,
        Statement,
        [
            {
                "round_id": round_.id,
                "text": c.body.strip(),
                "normalized_text": normalize_text(c.body),
                "language": language,
                "is_seed": c.is_seed,
                "is_meta": c.is_meta,
                "status": STATUS[c.moderated],
                "author_participant_id": pid.get(c.author) if c.author is not None else None,
                "author_territory_id": parsed.territory_of.get(c.author)
                if c.author is not None
                else None,
                "created_at": _millis_to_datetime(c.time) if c.time is not None else now,
                "moderated_at": now if c.moderated else None,
            }
            for c in parsed.comments
        ],
    )
    tid = {c.id: s for c, s in zip(parsed.comments, statement_ids, strict=True)}
    participant = np.array([pid[p] for p in parsed.participant.tolist()], dtype=np.int64)
    statement = np.array([tid[s] for s in parsed.statement.tolist()], dtype=np.int64)
    votes = bulk.write_votes(
        session,
        round_id=round_.id,  # type: ignore[arg-type]
        participant=participant,
        statement=statement,
        value=parsed.value,
        times=[_millis_to_datetime(t) for t in parsed.times.tolist()],
        progress=progress,
    )
    return ImportSummary(
        statements=len(statement_ids),
        participants=len(participant_ids),
        vote_events=int(participant.size),
        votes=votes,
    )
