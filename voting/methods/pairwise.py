"""Pairwise comparisons of ranked ballots: the matrix, the Condorcet winner, the Smith set.

Definitions (ranked ballots): x is above y on a ballot when x is in an earlier group than y, or
x is ranked and y is not; two unranked options are tied last. ``d[x][y]`` is the total weight of
ballots with x above y, and the margin is ``m(x, y) = d[x][y] - d[y][x]``.

- Condorcet winner: the option with a positive margin over every other option, if any.
- Smith set: the smallest non-empty set of options each with a positive margin over every option
  outside it; equivalently, the options from which every option can be reached along pairs with a
  margin of zero or more.
"""

from __future__ import annotations

import numpy as np

from voting.methods.count import Context
from voting.methods.profile import CodeArray
from voting.methods.result import Explained

Matrix = list[list[int]]


def rank_keys(ctx: Context) -> CodeArray:
    """Ranks with unranked options at ``m + 1``, so that a smaller key means higher; in the
    smallest integer type that holds them (comparisons over millions of ballots)."""
    values = ctx.profile.values
    unranked = len(ctx.profile.candidates) + 1
    keys: CodeArray = (
        values.astype(np.int8) if unranked < np.iinfo(np.int8).max else values.astype(np.int32)
    )
    keys[keys == 0] = unranked
    return keys


MAX_WEIGHT_CLASSES = 64  # distinct row masses counted class by class, beyond: weighted sums


def _above_counts(keys: CodeArray) -> list[list[int]]:
    """``counts[x][y]``: columns of ``keys`` (one row per option) with x above y."""
    return [np.count_nonzero(keys[x] < keys, axis=1).tolist() for x in range(len(keys))]


def preference_matrix(ctx: Context) -> Matrix:
    """``d[x][y]``: weight units of ballots with x above y (``ctx.weight`` turns units into
    weight).

    Rows sharing a mass (one class per territory and ballot count under territory weighting,
    a single class without it) are compared together and counted with ``count_nonzero``, the
    counts then multiplied by that mass in Python integers: exact, with no multiplication per
    ballot. With more than ``MAX_WEIGHT_CLASSES`` distinct masses the rows are summed by
    weight, through float64 when every sum stays below 2**53 and is therefore exact.
    """
    keys = rank_keys(ctx)
    size = keys.shape[1]
    d: Matrix = [[0] * size for _ in range(size)]
    masses, classes = np.unique(ctx.mass, return_inverse=True)
    if len(masses) <= MAX_WEIGHT_CLASSES:
        for index, mass in enumerate(masses.tolist()):
            # One contiguous row per option: the comparisons stream through memory.
            above = _above_counts(np.ascontiguousarray(keys[classes.ravel() == index].T))
            for x in range(size):
                for y in range(size):
                    d[x][y] += int(mass) * above[x][y]
        return d
    other = np.ascontiguousarray(keys.T)
    exact_float = ctx.mass.dtype != object and int(ctx.mass.sum()) < 2**53
    weights = ctx.mass.astype(np.float64) if exact_float else ctx.mass
    for x in range(size):
        for y in range(size):
            if x != y:
                above = other[x] < other[y]
                weighted = (
                    weights @ above.astype(np.float64) if exact_float else weights[above].sum()
                )
                d[x][y] = int(weighted)
    return d


def margins(d: Matrix) -> Matrix:
    """``m[x][y] = d[x][y] - d[y][x]``."""
    return [[d[x][y] - d[y][x] for y in range(len(d))] for x in range(len(d))]


def condorcet_winner(m: Matrix) -> int | None:
    """The option with a positive margin over every other, or None."""
    for x in range(len(m)):
        if all(m[x][y] > 0 for y in range(len(m)) if y != x):
            return x
    return None


def smith_set(m: Matrix) -> tuple[int, ...]:
    """Options that reach every option through pairs with a margin of zero or more."""
    size = len(m)
    reach = [[x == y or m[x][y] >= 0 for y in range(size)] for x in range(size)]
    for k in range(size):
        for x in range(size):
            if reach[x][k]:
                reach[x] = [reach[x][y] or reach[k][y] for y in range(size)]
    return tuple(x for x in range(size) if all(reach[x]))


def ranked_explanation(ctx: Context, d: Matrix) -> dict[str, Explained]:
    """The part of every ranked result's explanation: ``pairwise`` (``d`` as weights, by name),
    ``condorcet_winner`` (a name or None) and ``smith_set`` (names)."""
    m = margins(d)
    winner = condorcet_winner(m)
    return {
        "pairwise": {
            ctx.name(x): {ctx.name(y): ctx.weight(d[x][y]) for y in range(len(d)) if y != x}
            for x in range(len(d))
        },
        "condorcet_winner": None if winner is None else ctx.name(winner),
        "smith_set": ctx.names(smith_set(m)),
    }
