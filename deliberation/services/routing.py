"""Which statement a participant sees next.

Before any opinion snapshot exists (the foundation's rule): never one already voted on, only
votable ones (accepted, or pending under post-moderation), seed statements first, then the
least-seen. Among the ``CANDIDATES`` first in that order one is drawn at random so concurrent
participants spread over statements.

With a snapshot, Pol.is' rule: a draw among the participant's unvoted statements with probability
proportional to the snapshot's priorities. It is done as weighted sampling without replacement
(Efraimidis-Spirakis keys ``log(u) / w``): the unvoted statement with the largest key among the
``SAMPLE`` largest keys is exactly a draw proportional to weight among them, and one indexed
query checks which of those are still open to this participant. Statements absent from the
snapshot (nobody had voted on them) weigh ``UNSEEN_PRIORITY``, the priority the Pol.is formula
gives a statement seen by no one; if none of the sampled statements is open, the foundation's
rule decides. Every draw uses the generator passed in, so tests fix it with a seed.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import exists, union_all
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from deliberation.models import Participant, Round, Statement, Vote
from deliberation.services.votes import votable_statuses

CANDIDATES = 8
SAMPLE = 64
UNSEEN_PRIORITY = (0.25 * 9) ** 2


@dataclass(frozen=True, eq=False)
class Priorities:
    """Routing weights of one snapshot: ``ids`` (n,) statement ids, ``weights`` (n,) > 0."""

    ids: NDArray[np.int64]
    weights: NDArray[np.float64]

    @cached_property
    def known(self) -> frozenset[int]:
        return frozenset(self.ids.tolist())


def _unvoted(participant: Participant):  # type: ignore[no-untyped-def]
    return select(Statement).where(
        ~exists().where(
            col(Vote.participant_id) == participant.id,
            col(Vote.statement_id) == Statement.id,
        ),
    )


def _first_candidates(
    session: Session, *, round_: Round, participant: Participant
) -> list[Statement]:
    """The ``CANDIDATES`` first open statements in the foundation's order: seeds first, then
    by ``vote_count``, then by id.

    One query, a union of one branch per (seed or not, votable status) pair: each branch is
    an ordered scan of ``ix_statement_routing`` (round, status, is_seed, vote_count) that stops
    after ``CANDIDATES`` unvoted rows, and at most ``4 * CANDIDATES`` rows are sorted. Ordering
    all open statements at once, over several statuses, would sort the whole round instead
    (tens of milliseconds at 10,000 statements).
    """
    branches = [
        select(
            _unvoted(participant)
            .where(
                Statement.round_id == round_.id,
                Statement.status == status,
                Statement.is_seed == is_seed,
            )
            .order_by(col(Statement.vote_count), col(Statement.id))
            .limit(CANDIDATES)
            .subquery()
        )
        for is_seed in (True, False)
        for status in votable_statuses(round_)
    ]
    candidate = aliased(Statement, union_all(*branches).subquery())
    return list(
        session.exec(
            select(candidate)
            .order_by(col(candidate.is_seed).desc(), col(candidate.vote_count), col(candidate.id))
            .limit(CANDIDATES)
        )
    )


def next_statement(
    session: Session,
    *,
    round_: Round,
    participant: Participant,
    rng: random.Random,
    priorities: Priorities | None = None,
) -> Statement | None:
    """The next statement card for ``participant``, or None when nothing is left to vote on."""
    first = _first_candidates(session, round_=round_, participant=participant)
    if not first:
        return None
    if priorities is not None and priorities.ids.size:
        drawn = _weighted_draw(
            session,
            round_=round_,
            participant=participant,
            rng=rng,
            priorities=priorities,
            first=first,
        )
        if drawn is not None:
            return drawn
    tier = [
        s for s in first if (s.is_seed, s.vote_count) == (first[0].is_seed, first[0].vote_count)
    ]
    return rng.choice(tier)


def _weighted_draw(
    session: Session,
    *,
    round_: Round,
    participant: Participant,
    rng: random.Random,
    priorities: Priorities,
    first: list[Statement],
) -> Statement | None:
    generator = np.random.default_rng(rng.getrandbits(64))
    keys = np.log(generator.random(priorities.ids.size)) / priorities.weights
    top = (
        np.argsort(-keys)[:SAMPLE]
        if keys.size <= SAMPLE
        else np.argpartition(-keys, SAMPLE)[:SAMPLE]
    )
    key_of = {int(priorities.ids[i]): float(keys[i]) for i in top}
    for statement in first:
        if statement.id not in priorities.known:
            key_of[statement.id] = math.log(1.0 - rng.random()) / UNSEEN_PRIORITY  # type: ignore[index]
    # Round and status are checked here rather than in SQL: SQLite without statistics would
    # otherwise scan the round's routing index instead of looking the sampled ids up.
    votable = votable_statuses(round_)
    still_open = [
        statement
        for statement in session.exec(
            _unvoted(participant).where(col(Statement.id).in_(list(key_of)))
        )
        if statement.round_id == round_.id and statement.status in votable
    ]
    if not still_open:
        return None
    return max(still_open, key=lambda s: key_of[s.id])  # type: ignore[index]
