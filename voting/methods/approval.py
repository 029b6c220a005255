"""Approval voting."""

from __future__ import annotations

from voting.methods.cardinal import weighted_sum
from voting.methods.count import Context, Count, seeded_winner, tiers_by_score, top


def count_approval(ctx: Context) -> Count:
    """Approval: each option scores the weight of ballots approving it; the most approved wins;
    co-winners are separated by the seeded order. An empty approval set is an abstention.

    Explanation: ``approval_share`` per option (approvals over the weight of valid ballots).
    """
    voting = ~ctx.profile.abstaining
    valid = int(ctx.mass[voting].sum())
    approvals = [ctx.weight(u) for u in weighted_sum(ctx.mass, ctx.profile.values)]
    winners = top(approvals)
    return Count(
        winners=winners,
        winner=seeded_winner(winners, ctx.order),
        tie_rule="seeded_order",
        ranking=tiers_by_score(approvals),
        counts={ctx.name(x): a for x, a in enumerate(approvals)},
        count_kind="approvals",
        explanation={
            "approval_share": {
                ctx.name(x): a / ctx.weight(valid) if valid else None
                for x, a in enumerate(approvals)
            }
        },
    )
