"""Live participation counts per territory, for the facilitators' round page.

Aggregates only: the participant counts ride the (round_id, territory_id) index of
``participant`` and its ``vote_count`` counter, the statement counts the round index of
``statement``. No request ever loads a round's votes.

Facilitators see these counts under the round's privacy threshold like everyone else
(``deliberation.services.privacy``): a territory of fewer than k participants shows no figure at
all, fewer than k voters hides voters and votes, and complementary cells are hidden so that no
hidden figure follows from the totals.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func
from sqlalchemy import select as sql_select
from sqlmodel import Session, col, select

from deliberation.models import Participant, Round, Statement, Territory, User, Vote
from deliberation.services.privacy import complementary, is_small, suppress_line
from deliberation.services.rounds import require_facilitator, round_territories


@dataclass(frozen=True)
class TerritoryCount:
    """Counts for one territory (``territory`` None: the round as a whole).

    ``participants`` excludes those who withdrew; ``voters`` are participants with at least one
    current vote; ``votes`` is the number of current votes; ``statements`` those written by
    participants from there (seed statements are counted only in the round's total). None: a
    figure hidden under the round's privacy threshold.
    """

    territory: Territory | None
    participants: int | None = 0
    voters: int | None = 0
    votes: int | None = 0
    statements: int | None = 0


@dataclass(frozen=True)
class RoundCounts:
    territories: list[TerritoryCount]
    total: TerritoryCount
    seeds: int | None


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
    territories = round_territories(session, round_)
    table = [
        [*people.get(territory.id or 0, (0, 0, 0)), written.get(territory.id, 0)]
        for territory in territories
    ]
    table.append([0, 0, 0, seeds])
    table.append([sum(column) for column in zip(*people.values(), strict=True)] or [0, 0, 0])
    table[-1].append(sum(written.values()))
    hidden = complementary(table, [_hidden(row, round_.privacy_k) for row in table], rows=False)
    shown = [
        [None if h else v for v, h in zip(row, mask, strict=True)]
        for row, mask in zip(table, hidden, strict=True)
    ]
    rows = [TerritoryCount(t, *cells) for t, cells in zip(territories, shown[:-2], strict=True)]
    return RoundCounts(rows, TerritoryCount(None, *shown[-1]), shown[-2][3])


def _hidden(row: list[int], k: int) -> list[bool]:
    """Primary and derived suppression of (participants, voters, votes, statements)."""
    participants, voters = is_small(row[0], k), is_small(row[1], k)
    return [participants, participants or voters, participants or voters, participants]


def shown_territories(session: Session, round_: Round) -> set[int]:
    """Territories of the round whose participant count is shown under its privacy threshold:
    only there may an author's territory appear."""
    territories = round_territories(session, round_)
    counts = dict(
        session.exec(
            select(Participant.territory_id, func.count())
            .where(Participant.round_id == round_.id, col(Participant.withdrawn_at).is_(None))
            .group_by(col(Participant.territory_id))
        ).all()
    )
    line = [int(counts.get(t.id or 0, 0)) for t in territories]
    cells = suppress_line([*line, sum(line)], round_.privacy_k)
    return {t.id or 0 for t, cell in zip(territories, cells, strict=False) if cell is not None}


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
    so that facilitators see whether reading a translation changes agreement. A language
    whose voters are fewer than the round's k is suppressed whole, with its complement
    (``deliberation.services.privacy``)."""
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
    found = list(session.execute(query.group_by(col(Vote.language)).order_by(col(Vote.language))))
    shown = suppress_line([int(voters) for _language, voters, *_votes in found], round_.privacy_k)
    return [
        LanguageCount(language, None, None, None, None, suppressed=True)
        if cell is None
        else LanguageCount(language, cell, int(agree), int(disagree), int(passed), False)
        for (language, _voters, agree, disagree, passed), cell in zip(found, shown, strict=True)
    ]
