"""A round with planted opinion structure, for the opinion tests."""

from __future__ import annotations

import numpy as np
from sqlmodel import Session

from deliberation.demo.synthetic import cast_votes
from deliberation.models import Round
from deliberation.services.votes import record_vote
from tests.factories import make_participant, make_round, make_statement, make_territory


def planted_round(session: Session, *, participants: int = 40, statements: int = 16) -> Round:
    """Two opinion groups that disagree on every statement but the last two, across two towns."""
    towns = [make_territory(session), make_territory(session)]
    round_ = make_round(session, territories=towns, privacy_k=3)
    items = [make_statement(session, round_) for _ in range(statements)]
    column = np.arange(statements)
    agree = np.array([(column % 2 == group) | (column >= statements - 2) for group in (0, 1)])
    values = cast_votes(np.random.default_rng(7), agree[np.arange(participants) % 2], passes=0.1)
    for n in range(participants):
        person = make_participant(session, round_, territory_id=towns[(n // 2) % 2].id)
        for statement, value in zip(items, values[n].tolist(), strict=True):
            record_vote(
                session,
                round_id=round_.id,
                participant_id=person.id,
                statement_id=statement.id,
                value=value,
            )
    session.commit()
    return round_
