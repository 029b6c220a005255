"""Report fixtures: the demo's published report, and a small closed round with a territory of
fewer than k participants, its votes and its opinion snapshot."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlmodel import Session

from deliberation.clock import utcnow
from deliberation.demo import bulk
from deliberation.demo import seed as demo
from deliberation.models import Phase, ReportVersion, Round, Statement, Territory, User
from deliberation.opinions.snapshots import compute_snapshot
from deliberation.reports.publishing import get_version
from tests.factories import make_participant, make_round, make_statement, make_territory, make_user

# Votes of the small round: rows are participants, columns statements (+1 agree, -1 disagree,
# 0 pass). Twelve people in the large town (two camps), six in the middle town, three in the
# small village (k = 5: the village is hidden, and the middle town with it, as the complement
# of the hidden village in the line of participant counts).
TOWN = [
    [1, 1, 1, -1],
    [1, 1, 1, -1],
    [1, 1, 0, -1],
    [1, 1, 1, -1],
    [1, 1, 1, -1],
    [1, 1, 1, -1],
    [1, -1, -1, 1],
    [1, -1, -1, 1],
    [1, -1, -1, 1],
    [1, 0, -1, 1],
    [1, -1, -1, 1],
    [-1, -1, -1, 1],
]
MIDDLE = [[1, 1, 1, -1], [1, -1, -1, 1], [1, 1, 1, -1], [1, -1, 0, 1], [1, 1, 1, -1], [0, 1, 1, 1]]
VILLAGE = [[1, 1, -1, 1], [1, 1, -1, 1], [1, 0, -1, 1]]
TEXTS = (
    "Every street should have trees for shade.",
    "Cars should leave the town centre on hot days.",
    "Fountains should stay open all night in summer.",
    "Air conditioning should be subsidised for everyone.",
)


@dataclass(frozen=True)
class SmallWorld:
    round: Round
    facilitator: User
    town: Territory
    middle: Territory
    village: Territory
    statements: list[Statement]


@pytest.fixture
def small_world(session: Session) -> SmallWorld:
    facilitator = make_user(session)
    town = make_territory(session, slug="grandville", names={"en": "Grandville"}, population=24000)
    middle = make_territory(session, slug="moyenville", names={"en": "Moyenville"})
    village = make_territory(session, slug="petitbourg", names={"en": "Petitbourg"})
    round_ = make_round(
        session,
        territories=[town, middle, village],
        facilitators=[facilitator],
        phase=Phase.CLOSED,
        min_votes_for_map=2,
        privacy_k=5,
    )
    statements = [make_statement(session, round_, text=text) for text in TEXTS]
    people = [make_participant(session, round_, territory_id=town.id) for _ in TOWN]
    people += [make_participant(session, round_, territory_id=middle.id) for _ in MIDDLE]
    people += [make_participant(session, round_, territory_id=village.id) for _ in VILLAGE]
    rows = TOWN + MIDDLE + VILLAGE
    # The last two statements were written by participants: one from the town, one from the
    # village (whose territory must never be exported: it has fewer than k participants).
    for statement, author in ((statements[2], people[0]), (statements[3], people[-1])):
        statement.is_seed = False
        statement.author_participant_id = author.id
        statement.author_territory_id = author.territory_id
        session.add(statement)
    start = utcnow() - timedelta(days=1)
    pairs = [
        (p, s, v)
        for p, row in zip(people, rows, strict=True)
        for s, v in zip(statements, row, strict=True)
    ]
    bulk.write_votes(
        session,
        round_id=round_.id or 0,
        participant=[p.id for p, _, _ in pairs],
        statement=[s.id for _, s, _ in pairs],
        value=[v for _, _, v in pairs],
        times=[start + timedelta(seconds=i) for i in range(len(pairs))],
    )
    session.commit()
    compute_snapshot(session, round_)
    session.commit()
    session.commit()
    return SmallWorld(round_, facilitator, town, middle, village, statements)


@pytest.fixture
def demo_world(session: Session) -> demo.Demo:
    created = demo.seed_demo(session, participants=90, seed=11, password="a demo password")
    assert created is not None
    session.commit()
    return created


@pytest.fixture
def published(session: Session, demo_world: demo.Demo) -> ReportVersion:
    """Version 1 of the demo's reported round."""
    return get_version(session, demo_world.rounds[Phase.REPORTED].round, 1)
