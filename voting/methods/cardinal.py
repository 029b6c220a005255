"""Score voting and STAR (Score Then Automatic Runoff) over score ballots."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from itertools import combinations

from voting.methods.count import Context, Count, seeded_winner, tiers_by_score, top
from voting.methods.profile import CodeArray, MassArray
from voting.methods.result import Explained
from voting.methods.tiebreak import first_in_order


def weighted_sum(mass: MassArray, values: CodeArray) -> list[int]:
    """Column sums of ``values`` weighted by ``mass``, as Python ints."""
    if mass.dtype == object:
        return [int(v) for v in (mass[:, None] * values).sum(axis=0)]
    return [int(v) for v in mass @ values]


def score_table(ctx: Context) -> tuple[list[Fraction], dict[str, Explained]]:
    """Totals per option over non-abstaining ballots (a blank counts as the scale's lowest
    value), and the explanation's ``scores`` table: per option its ``total``, ``mean`` over the
    valid weight, ``blank`` weight and ``distribution`` (weight per scale value, blanks
    included at the lowest value)."""
    profile = ctx.profile
    voting = ~profile.abstaining
    values, blank, mass = profile.values[voting], profile.blank[voting], ctx.mass[voting]
    totals = [ctx.weight(t) for t in weighted_sum(mass, values)]
    valid = ctx.weight(int(mass.sum()))
    low, high = ctx.integer("scale_min"), ctx.integer("scale_max")
    table: dict[str, Explained] = {}
    for x, name in enumerate(profile.candidates):
        column = values[:, x]
        table[name] = {
            "total": totals[x],
            "mean": totals[x] / valid if valid else None,
            "blank": ctx.weight(int(mass[blank[:, x]].sum())),
            "distribution": {
                str(v): ctx.weight(int(mass[column == v].sum())) for v in range(low, high + 1)
            },
        }
    return totals, {"scores": table}


def count_score(ctx: Context) -> Count:
    """Score voting: the highest total wins; a blank is the scale's lowest value (it is not
    left out of an average). Co-winners are separated by the seeded order.

    Explanation: ``scores`` (see :func:`score_table`).
    """
    totals, explanation = score_table(ctx)
    winners = top(totals)
    return Count(
        winners=winners,
        winner=seeded_winner(winners, ctx.order),
        tie_rule="seeded_order",
        ranking=tiers_by_score(totals),
        counts={ctx.name(x): t for x, t in enumerate(totals)},
        count_kind="total_score",
        explanation=explanation,
    )


def count_star(ctx: Context) -> Count:
    """STAR: the two options with the highest totals (blank = lowest value) are finalists; the
    finalist scored higher on more weight of ballots wins the runoff (equal scores express no
    preference).

    ``winners`` is the set before STAR's official tie-breaking: every option winning the runoff
    for some pair of finalists the totals allow, both finalists when the runoff is tied.
    ``winner`` follows the Equal Vote Coalition's standard protocol: a tie for a finalist place
    goes to the tied option preferred head-to-head over the most other tied options; a tied
    runoff goes to the finalist with the higher total; then the seeded order decides.

    Explanation: ``scores``, ``finalists``, ``runoff`` (``preferring``: weight scoring each
    finalist higher; ``no_preference``), ``tie_breaks`` (the protocol steps applied, in order).
    """
    totals, explanation = score_table(ctx)
    voting = ~ctx.profile.abstaining
    values, mass = ctx.profile.values[voting], ctx.mass[voting]
    size = len(totals)

    def preferring(x: int, y: int) -> int:
        return int(mass[values[:, x] > values[:, y]].sum())

    def runoff_winners(x: int, y: int) -> set[int]:
        a, b = preferring(x, y), preferring(y, x)
        return {x} if a > b else {y} if b > a else {x, y}

    levels = tiers_by_score(totals)
    if size == 1:
        explanation["finalists"] = ctx.names(levels[0])
        explanation["tie_breaks"] = []
        return Count(
            winners=levels[0],
            winner=levels[0][0],
            tie_rule="star_protocol",
            ranking=levels,
            counts={ctx.name(0): totals[0]},
            count_kind="total_score",
            explanation=explanation,
        )
    # The finalist places left to fill from the tied options of the level that decides them.
    fixed, tied = ([], levels[0]) if len(levels[0]) > 1 else ([levels[0][0]], levels[1])
    places = 2 - len(fixed)
    pairs = [(*fixed, *chosen) for chosen in combinations(tied, places)]
    winners = tuple(sorted(set().union(*(runoff_winners(x, y) for x, y in pairs))))
    steps: list[Explained] = []
    if len(tied) == places:
        finalists = [*fixed, *tied]
    else:
        finalists = [*fixed, *_head_to_head_places(list(tied), places, preferring, ctx, steps)]
    x, y = finalists
    a, b = preferring(x, y), preferring(y, x)
    no_preference = int(mass.sum()) - a - b
    if a != b:
        winner = x if a > b else y
    elif totals[x] != totals[y]:
        winner = x if totals[x] > totals[y] else y
        steps.append({"step": "runoff_tie_higher_score", "winner": ctx.name(winner)})
    else:
        winner = first_in_order((x, y), ctx.order)
        steps.append({"step": "seeded_order", "winner": ctx.name(winner)})
    loser = y if winner == x else x
    rest = [tier for tier in (tuple(c for c in t if c not in (x, y)) for t in levels) if tier]
    explanation["finalists"] = ctx.names(finalists)
    explanation["runoff"] = {
        "preferring": {ctx.name(x): ctx.weight(a), ctx.name(y): ctx.weight(b)},
        "no_preference": ctx.weight(no_preference),
    }
    explanation["tie_breaks"] = steps
    return Count(
        winners=winners,
        winner=winner,
        tie_rule="star_protocol",
        ranking=((winner,), (loser,), *rest),
        counts={ctx.name(c): t for c, t in enumerate(totals)},
        count_kind="total_score",
        explanation=explanation,
    )


def _head_to_head_places(
    tied: list[int],
    places: int,
    preferring: Callable[[int, int], int],
    ctx: Context,
    steps: list[Explained],
) -> list[int]:
    """Fill ``places`` finalist places from options tied on total score: most head-to-head wins
    among the tied options first, then the seeded order."""
    wins = {x: sum(preferring(x, y) > preferring(y, x) for y in tied if y != x) for x in tied}
    position = {c: i for i, c in enumerate(ctx.order)}
    ordered = sorted(tied, key=lambda x: (-wins[x], position[x]))
    chosen = ordered[:places]
    boundary = wins[chosen[-1]]
    seeded = len([x for x in tied if wins[x] == boundary]) > len(
        [x for x in chosen if wins[x] == boundary]
    )
    steps.append(
        {
            "step": "scoring_tie_head_to_head",
            "tied": ctx.names(tied),
            "head_to_head_wins": {ctx.name(x): wins[x] for x in tied},
            "advancing": ctx.names(chosen),
        }
    )
    if seeded:
        steps.append({"step": "seeded_order", "advancing": ctx.names(chosen)})
    return chosen
