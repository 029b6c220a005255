"""Which statement a participant sees next.

The rule before any opinion snapshot exists: never one already voted on, only votable ones
(accepted, or pending under post-moderation), seed statements first, then the least-seen. Among
the ``CANDIDATES`` first in that order one is drawn at random so concurrent participants spread
over statements; the draw uses the generator passed in, so tests fix it with a seed.

``priorities`` is the hook for the opinion engine: a mapping from statement id to a positive
weight (Pol.is' comment priorities). When given, the draw is weighted by it among every
candidate the rule admits, as Pol.is does.
"""

from __future__ import annotations

import random
from collections.abc import Mapping

from sqlalchemy import exists
from sqlmodel import Session, col, select

from deliberation.models import Participant, Round, Statement, Vote
from deliberation.services.votes import votable_statuses

CANDIDATES = 8


def next_statement(
    session: Session,
    *,
    round_: Round,
    participant: Participant,
    rng: random.Random,
    priorities: Mapping[int, float] | None = None,
) -> Statement | None:
    """The next statement card for ``participant``, or None when nothing is left to vote on."""
    unvoted = (
        select(Statement)
        .where(
            Statement.round_id == round_.id,
            col(Statement.status).in_(votable_statuses(round_)),
            ~exists().where(
                col(Vote.participant_id) == participant.id,
                col(Vote.statement_id) == Statement.id,
            ),
        )
        .order_by(col(Statement.is_seed).desc(), col(Statement.vote_count), col(Statement.id))
    )
    if priorities:
        candidates = list(session.exec(unvoted))
        if not candidates:
            return None
        weights = [max(priorities.get(s.id or 0, 1.0), 1e-9) for s in candidates]
        return rng.choices(candidates, weights=weights, k=1)[0]
    candidates = list(session.exec(unvoted.limit(CANDIDATES)))
    if not candidates:
        return None
    first = candidates[0]
    tier = [
        s for s in candidates if s.is_seed == first.is_seed and s.vote_count == first.vote_count
    ]
    return rng.choice(tier)
