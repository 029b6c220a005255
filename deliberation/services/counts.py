"""Live participation counts per territory, for the facilitators' round page.

Aggregates only: the participant counts ride the (round_id, territory_id) index of
``participant`` and its ``vote_count`` counter, the statement counts the round index of
``statement``. No request ever loads a round's votes.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func
from sqlalchemy import select as sql_select
from sqlmodel import Session, col, select

from deliberation.models import Participant, Round, Statement, Territory, User, Vote
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


@dataclass(frozen=True)
class LanguageCount:
    """Current votes cast on statements shown in ``language`` (None: votes recorded before
    languages were). ``voters`` are distinct participants. Every figure is None and
    ``suppressed`` True when fewer than the round's k people are in the cell."""

    language: str | None
    voters: int | None
    agree: int | None
    disagree: int | None
    passed: int | None
    suppressed: bool

    @property
    def seen(self) -> int | None:
        if self.agree is None or self.disagree is None or self.passed is None:
            return None
        return self.agree + self.disagree + self.passed


def language_counts(
    session: Session, *, round_: Round, user: User | None, statement_id: int | None = None
) -> list[LanguageCount]:
    """Votes by the language the statement was shown in, for the round or one statement,
    so that facilitators see whether reading a translation changes agreement.

    The round's k suppresses small cells here directly: the shared suppression helper of the
    outcome document does not exist yet.
    """
    require_facilitator(session, round_, user)
    query = sql_select(
        col(Vote.language),
        func.count(func.distinct(Vote.participant_id)),
        func.coalesce(func.sum(case((col(Vote.value) == 1, 1), else_=0)), 0),
        func.coalesce(func.sum(case((col(Vote.value) == -1, 1), else_=0)), 0),
        func.coalesce(func.sum(case((col(Vote.value) == 0, 1), else_=0)), 0),
    ).where(col(Vote.round_id) == round_.id)
    if statement_id is not None:
        query = query.where(col(Vote.statement_id) == statement_id)
    rows = []
    for language, voters, agree, disagree, passed in session.execute(
        query.group_by(col(Vote.language)).order_by(col(Vote.language))
    ):
        if voters < round_.privacy_k:
            rows.append(LanguageCount(language, None, None, None, None, suppressed=True))
        else:
            rows.append(
                LanguageCount(language, int(voters), int(agree), int(disagree), int(passed), False)
            )
    return rows
