"""Synthetic opinions: the one generator of votes with planted opinion structure, shared by
the demo, the tests and the benchmarks. Pure numpy (no Flask, no database), deterministic for
a given ``numpy.random.Generator``.

A vote on a (participant, statement) cell is drawn from two probabilities: ``passes``, that
the participant passes, and ``agree``, that they agree when they do not pass. Opinion
structure comes from where these probabilities come from: a level per latent group and
statement (``planted_agreement``), or a stance score (``stance_probabilities``, the demo's).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

Indexes = NDArray[np.int64]


def cast_votes(rng: np.random.Generator, agree: ArrayLike, passes: ArrayLike) -> NDArray[np.int8]:
    """One vote per cell of ``agree`` and ``passes`` (broadcast together): 0 (pass) with
    probability ``passes``, else +1 (agree) with probability ``agree`` and -1 (disagree)
    otherwise. One uniform draw per cell, in C order."""
    agree_, voted = np.asarray(agree, float), 1.0 - np.asarray(passes, float)
    u = rng.random(np.broadcast_shapes(agree_.shape, voted.shape))
    return np.where(u < voted * agree_, 1, np.where(u < voted, -1, 0)).astype(np.int8)


def planted_agreement(
    rng: np.random.Generator, groups: int, statements: int, levels: Sequence[float]
) -> NDArray[np.float64]:
    """A (groups, statements) array: how likely each latent group agrees with each statement,
    each entry drawn uniformly among ``levels``."""
    return np.asarray(rng.choice(np.asarray(levels, float), size=(groups, statements)))


def stance_probabilities(score: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """``(agree, passes)`` for stance scores (positive: for, negative: against; about -5 to
    5): agreeing is logistic in the score, and passing likelier when the score is near 0."""
    s = np.asarray(score, float)
    return 1.0 / (1.0 + np.exp(-1.6 * s)), 0.05 + 0.3 * np.exp(-np.abs(s))


def draw_categories(rng: np.random.Generator, probabilities: ArrayLike) -> Indexes:
    """One category per row of ``probabilities`` (n, k), rows summing to 1: an (n,) array."""
    p = np.asarray(probabilities, float)
    cumulative = np.cumsum(p, axis=1)[:, :-1]
    return (rng.random(len(p))[:, None] >= cumulative).sum(axis=1).astype(np.int64)


def draw_cells(
    rng: np.random.Generator,
    *,
    participants: int,
    statements: int,
    votes: int,
    activity: ArrayLike | None = None,
    popularity: ArrayLike | None = None,
    distinct: bool = False,
) -> tuple[Indexes, Indexes]:
    """``votes`` (participant, statement) index pairs: participants drawn in proportion to
    ``activity`` (participants,) and statements to ``popularity`` (statements,), uniformly
    when None. Without ``distinct``, in draw order and a pair may come twice (a changed vote);
    with it, every pair at most once, sorted by participant then statement.

    Raises ``ValueError`` when ``distinct`` asks for more pairs than there are cells.
    """

    def draw(n: int) -> tuple[Indexes, Indexes]:
        return _pick(rng, participants, n, activity), _pick(rng, statements, n, popularity)

    if not distinct:
        return draw(votes)
    if votes > participants * statements:
        raise ValueError(f"{votes} distinct votes need more than {participants} x {statements}")
    keys = np.zeros(0, dtype=np.int64)
    while len(keys) < votes:
        voter, statement = draw(int((votes - len(keys)) * 1.02) + 1000)
        keys = np.unique(np.concatenate([keys, voter * statements + statement]))
    keys = np.sort(rng.choice(keys, size=votes, replace=False))
    voter, statement = np.divmod(keys, statements)
    return voter, statement


def _pick(rng: np.random.Generator, k: int, n: int, weights: ArrayLike | None) -> Indexes:
    if weights is None:
        return rng.integers(0, k, n, dtype=np.int64)
    w = np.asarray(weights, float)
    return rng.choice(k, n, p=w / w.sum()).astype(np.int64)
