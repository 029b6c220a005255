"""Copeland's method."""

from __future__ import annotations

from fractions import Fraction

from voting.methods.count import Context, Count, seeded_winner, tiers_by_score, top
from voting.methods.pairwise import margins, preference_matrix, ranked_explanation


def count_copeland(ctx: Context) -> Count:
    """Copeland score: pairwise wins minus pairwise losses (margin positive or negative); a
    pairwise tie scores zero. Highest score wins; co-winners are separated by the seeded order.

    Explanation: ``pairwise``, ``condorcet_winner``, ``smith_set`` and ``copeland`` (wins,
    losses and ties by name).
    """
    d = preference_matrix(ctx)
    m = margins(d)
    size = len(d)
    wins = [sum(m[x][y] > 0 for y in range(size)) for x in range(size)]
    losses = [sum(m[x][y] < 0 for y in range(size)) for x in range(size)]
    scores = [Fraction(wins[x] - losses[x]) for x in range(size)]
    winners = top(scores)
    explanation = ranked_explanation(ctx, d)
    explanation["copeland"] = {
        ctx.name(x): {"wins": wins[x], "losses": losses[x], "ties": size - 1 - wins[x] - losses[x]}
        for x in range(size)
    }
    return Count(
        winners=winners,
        winner=seeded_winner(winners, ctx.order),
        tie_rule="seeded_order",
        ranking=tiers_by_score(scores),
        counts={ctx.name(x): scores[x] for x in range(size)},
        count_kind="copeland_score",
        explanation=explanation,
    )
