"""A participant's own data, as one JSON document they can download from their page.

Each kind of personal data is one *section*, registered here with ``@section("name")``: a
function ``(session, participant) -> list of JSON objects``. A feature that stores more data
about participants (statement translations they propose, proposal drafts they write...) adds
its section in this one place and the download carries it; nothing else changes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlmodel import Session, col, select

from deliberation.clock import utcnow
from deliberation.models import Participant, Round, Statement, Territory, Vote, VoteEvent

SCHEMA = "palabre.participant-data/1"
VOTE_NAMES = {1: "agree", 0: "pass", -1: "disagree", None: "undone"}

Section = Callable[[Session, Participant], list[dict[str, Any]]]
SECTIONS: dict[str, Section] = {}


def section(name: str) -> Callable[[Section], Section]:
    """Register ``function`` as the section ``name`` of every participant's download."""

    def register(function: Section) -> Section:
        if name in SECTIONS:
            raise ValueError(f"section {name!r} is already registered")
        SECTIONS[name] = function
        return function

    return register


@section("votes")
def _votes(session: Session, participant: Participant) -> list[dict[str, Any]]:
    """Current votes, one per statement."""
    rows = session.exec(
        select(Vote, Statement.text)
        .join(Statement, col(Statement.id) == Vote.statement_id)
        .where(Vote.participant_id == participant.id)
        .order_by(col(Vote.id))
    )
    return [
        {
            "statement": vote.statement_id,
            "statement_text": text,
            "vote": VOTE_NAMES[vote.value],
            "first_cast_at": vote.created_at.isoformat(),
            "changed_at": vote.updated_at.isoformat(),
        }
        for vote, text in rows
    ]


@section("vote_history")
def _vote_history(session: Session, participant: Participant) -> list[dict[str, Any]]:
    """Every vote as cast, in order (a changed vote appears once per change; "undone" where the
    participant undid their first vote on the statement)."""
    rows = session.exec(
        select(VoteEvent)
        .where(VoteEvent.participant_id == participant.id)
        .order_by(col(VoteEvent.id))
    )
    return [
        {
            "statement": event.statement_id,
            "vote": VOTE_NAMES[event.value],
            "cast_at": event.created_at.isoformat(),
        }
        for event in rows
    ]


@section("statements")
def _statements(session: Session, participant: Participant) -> list[dict[str, Any]]:
    """Statements they wrote, with their moderation."""
    rows = session.exec(
        select(Statement)
        .where(Statement.author_participant_id == participant.id)
        .order_by(col(Statement.id))
    )
    return [
        {
            "id": statement.id,
            "text": statement.text,
            "language": statement.language,
            "status": str(statement.status),
            "rejection_reason": statement.rejection_reason,
            "written_at": statement.created_at.isoformat(),
        }
        for statement in rows
    ]


def own_data(session: Session, participant: Participant) -> dict[str, Any]:
    """The participant's data: who they are in the round, then every registered section."""
    round_ = session.get(Round, participant.round_id)
    territory = session.get(Territory, participant.territory_id)
    document: dict[str, Any] = {
        "schema": SCHEMA,
        "generated_at": utcnow().isoformat(),
        "round": round_.slug if round_ else None,
        "participant": {
            "territory": territory.slug if territory else None,
            "language": participant.language,
            "joined_at": participant.created_at.isoformat(),
            "privacy_notice_version": participant.notice_version,
        },
    }
    for name, function in SECTIONS.items():
        document[name] = function(session, participant)
    return document
