"""What the Atom feeds announce: a round's phase changes, its report's publications and the
councils' answers to its outcomes, newest first, for one round or for the whole site.

Only rounds that have left the draft phase are announced, and only what their public pages
show already: no account, token or participant is named. Entries are read from the audit log
(phase changes), the published versions and the council answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlmodel import Session, col, select

from deliberation.models import (
    AuditAction,
    AuditEntry,
    Council,
    CouncilResponse,
    Outcome,
    Phase,
    ReportVersion,
    Round,
)

LIMIT = 50


class EntryKind(StrEnum):
    PHASE = "phase"
    PUBLICATION = "publication"
    RESPONSE = "response"


@dataclass(frozen=True)
class FeedEntry:
    """One announcement: ``kind`` (``EntryKind``), its round, when, and what it is about:
    ``phase`` (the new phase), ``version`` (the published one), or the ``response`` with its
    ``council`` and ``outcome``. ``key`` is unique and permanent within its kind."""

    kind: str
    key: int
    round: Round
    updated: datetime
    phase: str | None = None
    version: ReportVersion | None = None
    response: CouncilResponse | None = None
    council: Council | None = None
    outcome: Outcome | None = None


def _public(query: Any, round_: Round | None) -> Any:
    query = query.where(col(Round.phase) != Phase.DRAFT)
    return query.where(col(Round.id) == round_.id) if round_ is not None else query


def feed_entries(session: Session, round_: Round | None = None) -> list[FeedEntry]:
    """The latest ``LIMIT`` entries of ``round_`` (every public round when None), newest
    first."""
    entries: list[FeedEntry] = []
    phases = _public(
        select(AuditEntry, Round)
        .join(Round, col(Round.id) == AuditEntry.round_id)
        .where(AuditEntry.action == AuditAction.ROUND_PHASE),
        round_,
    )
    for entry, found in session.exec(phases.order_by(col(AuditEntry.id).desc()).limit(LIMIT)):
        change = entry.details.get("phase")
        after = change[-1] if isinstance(change, list) else change
        if after in (None, Phase.DRAFT):
            continue
        entries.append(
            FeedEntry(EntryKind.PHASE, entry.id or 0, found, entry.created_at, phase=str(after))
        )
    versions = _public(
        select(ReportVersion, Round).join(Round, col(Round.id) == ReportVersion.round_id), round_
    )
    for version, found in session.exec(
        versions.order_by(col(ReportVersion.id).desc()).limit(LIMIT)
    ):
        entries.append(
            FeedEntry(
                EntryKind.PUBLICATION, version.id or 0, found, version.published_at, version=version
            )
        )
    answers = _public(
        select(CouncilResponse, Council, Outcome, Round)
        .join(Council, col(Council.id) == CouncilResponse.council_id)
        .join(Outcome, col(Outcome.id) == CouncilResponse.outcome_id)
        .join(Round, col(Round.id) == Outcome.round_id),
        round_,
    )
    for response, council, outcome, found in session.exec(
        answers.order_by(col(CouncilResponse.id).desc()).limit(LIMIT)
    ):
        entries.append(
            FeedEntry(
                EntryKind.RESPONSE,
                response.id or 0,
                found,
                response.created_at,
                response=response,
                council=council,
                outcome=outcome,
            )
        )
    entries.sort(key=lambda e: (e.updated, e.kind, e.key), reverse=True)
    return entries[:LIMIT]
