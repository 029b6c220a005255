"""Symmetric Borda count."""

from __future__ import annotations

from voting.methods.count import Context, Count, seeded_winner, tiers_by_score, top
from voting.methods.pairwise import margins, preference_matrix, ranked_explanation


def count_borda(ctx: Context) -> Count:
    """Symmetric Borda: on each ballot an option scores the number of options below it minus the
    number above it, unranked options tied at the bottom (so truncating a ballot is neither
    rewarded nor punished, unlike "unranked scores zero"). Summed by weight, this equals the sum
    of the option's margins, ``sum over y of m(x, y)``, which is how it is computed. Highest
    score wins; co-winners are separated by the seeded order.

    Explanation: ``pairwise``, ``condorcet_winner`` and ``smith_set``.
    """
    d = preference_matrix(ctx)
    m = margins(d)
    scores = [ctx.weight(sum(row)) for row in m]
    winners = top(scores)
    return Count(
        winners=winners,
        winner=seeded_winner(winners, ctx.order),
        tie_rule="seeded_order",
        ranking=tiers_by_score(scores),
        counts={ctx.name(x): s for x, s in enumerate(scores)},
        count_kind="borda_score",
        explanation=ranked_explanation(ctx, d),
    )
