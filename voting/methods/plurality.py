"""Plurality over ranked ballots (only the top group counts)."""

from __future__ import annotations

import numpy as np

from voting.methods.count import Context, Count, seeded_winner, tiers_by_score, top
from voting.methods.pairwise import preference_matrix, ranked_explanation
from voting.methods.profile import BoolArray, CodeArray, MassArray

TIED_TOP = "tied_top_group"


def first_choices(
    ranks: CodeArray, mass: MassArray, size: int
) -> tuple[list[int], BoolArray, BoolArray]:
    """Weight units for each option from ballots whose best group (smallest positive entry of
    ``ranks``, 0 meaning not available) holds exactly one option.

    Returns ``(units per option, rows counted, rows whose best group holds several options)``.
    Rows with no available option are in neither mask.
    """
    last = np.iinfo(ranks.dtype).max
    available = np.where(ranks > 0, ranks, last)
    best = available.min(axis=1, initial=last)
    at_best = (available == best[:, None]) & (ranks > 0)
    holding = at_best.sum(axis=1)
    counted: BoolArray = holding == 1
    tied: BoolArray = holding > 1
    units = np.zeros(size, dtype=mass.dtype)
    np.add.at(units, np.argmax(at_best, axis=1)[counted], mass[counted])
    return [int(u) for u in units], counted, tied


def count_plurality(ctx: Context) -> Count:
    """Plurality: each ballot counts for the single option of its top group; a ballot whose top
    group holds several options is invalid for this count (reason ``tied_top_group``). Most
    weight wins; co-winners are separated by the seeded order.

    Explanation: ``pairwise``, ``condorcet_winner`` and ``smith_set`` over all ballots.
    """
    size = len(ctx.profile.candidates)
    units, _, tied = first_choices(ctx.profile.values, ctx.mass, size)
    scores = [ctx.weight(u) for u in units]
    winners = top(scores)
    return Count(
        winners=winners,
        winner=seeded_winner(winners, ctx.order),
        tie_rule="seeded_order",
        ranking=tiers_by_score(scores),
        counts={ctx.name(x): s for x, s in enumerate(scores)},
        count_kind="first_preferences",
        explanation=ranked_explanation(ctx, preference_matrix(ctx)),
        invalid=((TIED_TOP, tied),),
    )
