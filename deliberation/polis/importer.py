"""Importing a Pol.is export folder into a round: all or nothing.

Everything is read and checked before the database is touched: comments (with their texts,
moderation, meta and seed flags), every vote event with its time (``votes.csv``; without it the
cells of ``participants-votes.csv``, stamped with the import time, in Pol.is' recompute order),
and the optional ``territory`` column, matched to the round's territories by slug or by name.
Then statements, participants, vote events, current votes (the last event per participant and
statement) and counters are written in one transaction. Any problem raises ``ImportProblem``
naming the file and line, and nothing is written.
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
from deliberation.services.rounds import round_territories
from deliberation.services.statements import normalize_text
from deliberation.services.validation import has_visible_text
from voting.opinions import PolisComment, PolisExportError, read_polis_comments, read_polis_export

MAX_TEXT = 2000
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


def _parse(session: Session, round_: Round, folder: Path, territory: str | None) -> _Parsed:
    if not folder.is_dir():
        raise ImportProblem(f"{folder}: not a folder")
    try:
        export = read_polis_export(folder)
        comments = read_polis_comments(folder)
    except PolisExportError as error:
        raise ImportProblem(str(error)) from error
    known = {c.id for c in comments}
    if len(known) != len(comments):
        raise ImportProblem(f"{folder / 'comments.csv'}: a comment id appears twice")
    for c in comments:
        if len(c.body) > MAX_TEXT or not has_visible_text(c.body):
            raise ImportProblem(
                f"{folder / 'comments.csv'}: comment {c.id}: the text is empty or longer than "
                f"{MAX_TEXT} characters"
            )
    votes = export.conversation.votes
    unknown = sorted(set(np.unique(votes.statement).tolist()) - known)
    if unknown:
        raise ImportProblem(
            f"{folder}: votes on comment ids missing from comments.csv: {unknown[:10]}"
        )
    times = (
        export.vote_times
        if export.vote_times is not None
        else np.full(votes.value.size, int(utcnow().timestamp() * 1000), dtype=np.int64)
    )
    people = set(np.unique(votes.participant).tolist()) | {
        c.author for c in comments if c.author is not None
    }
    return _Parsed(
        comments=comments,
        participant=votes.participant,
        statement=votes.statement,
        value=votes.value,
        times=times,
        territory_of=_territories(
            session, round_, people, dict(export.conversation.territory), territory
        ),
    )


def _territories(
    session: Session,
    round_: Round,
    people: set[int],
    labels: dict[int, str],
    default: str | None,
) -> dict[int, int]:
    """Territory id of every Pol.is participant."""
    territories = round_territories(session, round_)
    by_label: dict[str, Territory] = {}
    for t in territories:
        by_label[t.slug.casefold()] = t
        for name in t.names.values():
            by_label.setdefault(name.casefold(), t)
    fallback = None
    if default is not None:
        fallback = by_label.get(default.casefold())
        if fallback is None:
            raise ImportProblem(f"territory {default!r} does not take part in round {round_.slug}")
    elif len(territories) == 1:
        fallback = territories[0]
    missing = sorted({label for label in labels.values() if label.casefold() not in by_label})
    if missing:
        raise ImportProblem(
            f"participants-votes.csv: territories not in round {round_.slug}: {', '.join(missing)}"
        )
    result: dict[int, int] = {}
    for person in people:
        label = labels.get(person)
        chosen = by_label[label.casefold()] if label else fallback
        if chosen is None:
            raise ImportProblem(
                f"participant {person} has no territory and the round has several: "
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
    """
    if session.exec(
        select(func.count()).select_from(Statement).where(Statement.round_id == round_.id)
    ).one():
        raise ImportProblem(f"round {round_.slug} already has statements: import into a new round")
    if language not in round_.languages:
        raise ImportProblem(f"language {language!r} is not offered by round {round_.slug}")
    parsed = _parse(session, round_, folder, territory)
    try:
        summary = _write(session, round_, parsed, language, progress or (lambda _n: None))
    except Exception:
        session.rollback()
        raise
    session.commit()
    return summary


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
