"""Live participation counts per territory, for the facilitators' round page.

Aggregates only: the participant counts ride the (round_id, territory_id) index of
``participant`` and its ``vote_count`` counter, the statement counts the round index of
``statement``. No request ever loads a round's votes.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from deliberation.models import Participant, Round, Statement, Territory, User
from deliberation.services.rounds import require_facilitator, round_territories


@dataclass(frozen=True)
class TerritoryCount:
    """Counts for one territory (``territory`` None: the round as a whole).

    ``participants`` excludes those who withdrew; ``voters`` are participants with at least one
    current vote; ``votes`` is the number of current votes; ``statements`` those written by
    participants from there (seed statements are counted only in the round's total).
    """

    territory: Territory | None
    participants: int = 0
    voters: int = 0
    votes: int = 0
    statements: int = 0


@dataclass(frozen=True)
class RoundCounts:
    territories: list[TerritoryCount]
    total: TerritoryCount
    seeds: int


def round_counts(session: Session, *, round_: Round, user: User | None) -> RoundCounts:
    require_facilitator(session, round_, user)
    people: dict[int, tuple[int, int, int]] = {}
    for territory_id, participants, voters, votes in session.exec(
        select(
            Participant.territory_id,
            func.count(),
            func.coalesce(func.sum(case((col(Participant.vote_count) > 0, 1), else_=0)), 0),
            func.coalesce(func.sum(Participant.vote_count), 0),
        )
        .where(Participant.round_id == round_.id, col(Participant.withdrawn_at).is_(None))
        .group_by(col(Participant.territory_id))
    ):
        people[territory_id] = (int(participants), int(voters), int(votes))
    written: dict[int | None, int] = {}
    for author_territory_id, count in session.exec(
        select(Statement.author_territory_id, func.count())
        .where(Statement.round_id == round_.id)
        .group_by(col(Statement.author_territory_id))
    ):
        written[author_territory_id] = int(count)
    seeds = int(
        session.exec(
            select(func.count()).where(Statement.round_id == round_.id, col(Statement.is_seed))
        ).one()
    )
    rows = [
        TerritoryCount(
            territory,
            *people.get(territory.id or 0, (0, 0, 0)),
            statements=written.get(territory.id, 0),
        )
        for territory in round_territories(session, round_)
    ]
    total = TerritoryCount(
        None,
        participants=sum(p for p, _, _ in people.values()),
        voters=sum(v for _, v, _ in people.values()),
        votes=sum(n for _, _, n in people.values()),
        statements=sum(written.values()),
    )
    return RoundCounts(rows, total, seeds)
