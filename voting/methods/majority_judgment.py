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
    """Majority judgment: each option's majority grade is the lower median of its grades (a blank
    is the lowest grade); ``winners`` are the options with the highest majority grade.
    ``winner`` breaks their tie by the Balinski–Laraki majority value (repeatedly remove one copy
    of each tied option's median grade and compare again; with fractional weights a copy is
    ``1 / D`` of weight, ``D`` the least common denominator of the weights), then the seeded
    order (only options with identical grade distributions remain tied). The ranking orders all
    options by majority grade, then majority value.

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
    best = max(medians)
    winners = tuple(x for x in range(size) if medians[x] == best)
    by_value = tuple(x for x in ranking[0] if x in winners)
    tie_rule = "majority_value" if len(by_value) == 1 and len(winners) > 1 else "seeded_order"
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
        winner=seeded_winner(by_value, ctx.order),
        tie_rule=tie_rule,
        ranking=tuple(ranking),
        counts={ctx.name(x): Fraction(low + medians[x]) for x in range(size)},
        count_kind="majority_grade",
        explanation=explanation,
    )
