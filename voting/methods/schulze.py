"""Schulze (beatpath) method."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from voting.methods.count import Context, Count, seeded_winner, tiers_from_beats
from voting.methods.pairwise import Matrix, margins, preference_matrix, ranked_explanation


def strongest_paths(d: Matrix, strength: str) -> Matrix:
    """``p[x][y]``: strength of the strongest path from x to y (0 when there is none).

    A link x → y exists only where the margin is positive; its strength is the margin
    (``strength="margin"``) or the weight of ballots with x above y (``"winning_votes"``). A
    path's strength is its weakest link (Floyd–Warshall widest paths).
    """
    m = margins(d)
    size = len(d)
    link = [
        [(m[x][y] if strength == "margin" else d[x][y]) if m[x][y] > 0 else 0 for y in range(size)]
        for x in range(size)
    ]
    p = np.array(link, dtype=object).reshape(size, size)
    for k in range(size):
        through = np.minimum(p[:, k : k + 1], p[k : k + 1, :])
        p = np.maximum(p, through)
    np.fill_diagonal(p, 0)
    return [[int(v) for v in row] for row in p]


def count_schulze(ctx: Context) -> Count:
    """Schulze winners: options whose strongest path to every other option is at least as strong
    as the strongest path back (``p[x][y] >= p[y][x]``).

    Setting ``strength``: ``margin`` (default) or ``winning_votes``. The social ranking is the
    Schulze relation ``p[x][y] > p[y][x]`` (a strict order, by Schulze's theorem) in tiers.
    ``counts`` holds the number of options each option beats in that relation. Co-winners are
    separated by the seeded order only.

    Explanation: ``pairwise``, ``condorcet_winner``, ``smith_set``, ``strength`` and
    ``strongest_paths`` (by name, as weights).
    """
    strength = str(ctx.settings["strength"])
    d = preference_matrix(ctx)
    p = strongest_paths(d, strength)
    size = len(d)
    beats = [[p[x][y] > p[y][x] for y in range(size)] for x in range(size)]
    winners = tuple(x for x in range(size) if all(p[x][y] >= p[y][x] for y in range(size)))
    explanation = ranked_explanation(ctx, d)
    explanation["strength"] = strength
    explanation["strongest_paths"] = {
        ctx.name(x): {ctx.name(y): ctx.weight(p[x][y]) for y in range(size) if y != x}
        for x in range(size)
    }
    return Count(
        winners=winners,
        winner=seeded_winner(winners, ctx.order),
        tie_rule="seeded_order",
        ranking=tiers_from_beats(beats),
        counts={ctx.name(x): Fraction(sum(beats[x])) for x in range(size)},
        count_kind="schulze_wins",
        explanation=explanation,
    )
