"""Majority judgment (Balinski and Laraki) over grade ballots."""

from __future__ import annotations

from fractions import Fraction
from functools import cmp_to_key
from itertools import accumulate, pairwise

from voting.methods.count import Context, Count, seeded_winner
from voting.methods.result import Explained


def majority_grade(histogram: list[int]) -> int:
    """Lower median as an index into ``histogram`` (units per grade, lowest grade first): the
    highest grade that more than half of the weight grants at least."""
    total = sum(histogram)
    at_least = 0
    for grade in range(len(histogram) - 1, -1, -1):
        at_least += histogram[grade]
        if 2 * at_least > total:
            return grade
    return 0


def compare_majority_values(first: list[int], second: list[int]) -> int:
    """Compare two options' majority values: +1 if ``first`` is better, -1 if worse, 0 if equal.

    Both histograms hold integer units per grade over the same total ``N``. The majority value
    is the sequence of lower medians obtained by repeatedly removing one unit (one copy) of the
    median grade; it reads the sorted grades from the lower median outwards (for odd ``N``:
    centre, left, right, left...; for even ``N``: lower centre, right, left, right...). The first
    position where the two sequences differ decides, higher grade better. Found in one pass over
    the runs of equal grades, never unit by unit.
    """
    total = sum(first)
    centre = (total - 1) // 2

    def rank(i: int) -> int:
        if i == centre:
            return 0
        if total % 2:
            return 2 * (centre - i) - 1 if i < centre else 2 * (i - centre)
        return 2 * (i - centre) - 1 if i > centre else 2 * (centre - i)

    bounds = sorted(set(accumulate(first, initial=0)) | set(accumulate(second, initial=0)))
    best: tuple[int, int] | None = None
    for start, stop in pairwise(bounds):
        a, b = _grade_at(first, start), _grade_at(second, start)
        if a == b:
            continue
        nearest = start if start > centre else stop - 1 if stop - 1 < centre else centre
        candidate = (rank(nearest), 1 if a > b else -1)
        if best is None or candidate[0] < best[0]:
            best = candidate
    return 0 if best is None else best[1]


def _grade_at(histogram: list[int], position: int) -> int:
    seen = 0
    for grade, units in enumerate(histogram):
        seen += units
        if position < seen:
            return grade
    return len(histogram) - 1


def count_majority_judgment(ctx: Context) -> Count:
    """Majority judgment (Balinski and Laraki): options are ordered by their majority value,
    and the majority value is the rule itself, not a tie-break.

    An option's majority grade is the lower median of its grades (a blank is the lowest grade).
    Its majority value is the sequence of majority grades obtained by repeatedly removing one
    copy of the current majority grade (with fractional weights a copy is ``1 / D`` of weight,
    ``D`` the least common denominator of the weights); the first majority grade decides, and
    options with the same majority grade are ordered by the rest of the sequence
    (:func:`compare_majority_values`). Two options have the same majority value exactly when
    their grade distributions are identical.

    ``winners`` holds the options with the best majority value, so several only when their grade
    distributions are identical; ``winner`` then breaks that tie by the seeded order
    (``tie_rule`` ``"seeded_order"``). The ranking orders all options by majority value, tiers
    holding options with identical grade distributions.

    Explanation: ``grades`` (weight per grade per option), ``majority_grades``, and
    ``majority_gauge`` (weight above and below each majority grade).
    """
    low = ctx.integer("scale_min")
    high = ctx.integer("scale_max")
    voting = ~ctx.profile.abstaining
    values, mass = ctx.profile.values[voting], ctx.mass[voting]
    size = len(ctx.profile.candidates)
    histograms = [
        [int(mass[values[:, x] == g].sum()) for g in range(low, high + 1)] for x in range(size)
    ]
    medians = [majority_grade(h) for h in histograms]

    def better_first(x: int, y: int) -> int:
        if medians[x] != medians[y]:
            return medians[y] - medians[x]
        return -compare_majority_values(histograms[x], histograms[y])

    ordered = sorted(range(size), key=cmp_to_key(better_first))
    ranking: list[tuple[int, ...]] = []
    for x in ordered:
        if ranking and better_first(ranking[-1][0], x) == 0:
            ranking[-1] = (*ranking[-1], x)
        else:
            ranking.append((x,))
    winners = tuple(sorted(ranking[0]))
    explanation: dict[str, Explained] = {
        "grades": {
            ctx.name(x): {str(low + g): ctx.weight(u) for g, u in enumerate(histograms[x])}
            for x in range(size)
        },
        "majority_grades": {ctx.name(x): low + medians[x] for x in range(size)},
        "majority_gauge": {
            ctx.name(x): {
                "above": ctx.weight(sum(histograms[x][medians[x] + 1 :])),
                "below": ctx.weight(sum(histograms[x][: medians[x]])),
            }
            for x in range(size)
        },
    }
    return Count(
        winners=winners,
        winner=seeded_winner(winners, ctx.order),
        tie_rule="seeded_order",
        ranking=tuple(ranking),
        counts={ctx.name(x): Fraction(low + medians[x]) for x in range(size)},
        count_kind="majority_grade",
        explanation=explanation,
    )
