"""Ranked pairs (Tideman), with parallel-universe tie-breaking for the winner set."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from itertools import groupby

from voting.methods.count import Context, Count, tiers_from_beats
from voting.methods.pairwise import (
    Matrix,
    condorcet_winner,
    margins,
    preference_matrix,
    ranked_explanation,
    smith_set,
)
from voting.methods.result import Explained, Notice
from voting.methods.schulze import strongest_paths
from voting.methods.tiebreak import first_in_order

# Comparisons spent searching stacks for the complete winner set before settling for the
# winners found: far more than the hardest profiles of 8 options (every pair tied) need.
SEARCH_BUDGET = 2_000_000

Pair = tuple[int, int]


@dataclass(frozen=True)
class _Run:
    locked: tuple[Pair, ...]
    skipped: tuple[Pair, ...]
    reach: tuple[int, ...]


def _lock(reach: tuple[int, ...], x: int, y: int) -> tuple[int, ...]:
    """Transitive closure after adding x → y (``reach[a]`` is a bitmask of options below a)."""
    below = reach[y] | (1 << y)
    return tuple(r | below if a == x or (r >> x) & 1 else r for a, r in enumerate(reach))


def _closes_cycle(reach: tuple[int, ...], x: int, y: int) -> bool:
    return bool((reach[y] >> x) & 1)


def _sources(reach: tuple[int, ...]) -> set[int]:
    reached = 0
    for r in reach:
        reached |= r
    return {x for x in range(len(reach)) if not (reached >> x) & 1}


def _run(pairs: list[Pair], size: int) -> _Run:
    reach = (0,) * size
    locked: list[Pair] = []
    skipped: list[Pair] = []
    for x, y in pairs:
        if _closes_cycle(reach, x, y):
            skipped.append((x, y))
        else:
            reach = _lock(reach, x, y)
            locked.append((x, y))
    return _Run(tuple(locked), tuple(skipped), reach)


def _favouring(pairs: list[Pair], m: Matrix, option: int) -> list[Pair]:
    """``pairs`` with, among equal margins, the pairs out of ``option`` first and the pairs into
    it last (a stable re-sort of the run order)."""
    return sorted(
        pairs,
        key=lambda p: (-m[p[0]][p[1]], 0 if p[0] == option else 2 if p[1] == option else 1),
    )


def parallel_winners(m: Matrix, d: Matrix, pairs: list[Pair]) -> tuple[set[int], bool]:
    """Options that win under some order of the pairs with equal margins.

    ``pairs`` are the positive-margin pairs in one valid run order. A Condorcet winner is the
    only winner. Otherwise, for each option of the Smith set (ranked pairs is Smith-consistent):
    a run whose ties favour the option (its pairs out first, its pairs in last) proves it a
    winner when it comes out unbeaten; an option whose strongest path of positive margins to
    some option beating it is weaker than that option's margin over it can never win; the rest
    are decided with Zavist and Tideman's characterisation, under which the rankings ranked
    pairs can produce are the *stacks* (orders in which every option a above b reaches b down
    the order by a path whose margins are all at least ``m(b, a)``) and the winners their tops:
    a depth-first search builds a stack top-down, keeping for every placed option the widest
    path down to each unplaced one, and remembers the states that cannot be completed.

    Returns the winners and whether the search ended within :data:`SEARCH_BUDGET` (comparisons).
    """
    size = len(m)
    winner = condorcet_winner(m)
    if winner is not None:
        return {winner}, True
    paths = strongest_paths(d, "margin")
    found: set[int] = set()
    undecided = []
    for c in smith_set(m):
        if c in found:
            continue
        run = _run(_favouring(pairs, m, c), size)
        if c in _sources(run.reach):
            found |= _sources(run.reach)
        elif all(paths[c][b] >= m[b][c] for b in range(size) if m[b][c] > 0):
            undecided.append(c)
    budget = [SEARCH_BUDGET]
    failed: set[tuple[int, tuple[int, ...]]] = set()
    preference = {x: i for i, x in enumerate(x for x, _ in pairs)}

    def completes(placed: list[int], width: dict[tuple[int, int], int]) -> bool:
        unplaced = [x for x in range(size) if x not in placed]
        if not unplaced:
            return True
        key = (sum(1 << a for a in placed), tuple(width[a, x] for a in placed for x in unplaced))
        if key in failed or budget[0] <= 0:
            return False
        budget[0] -= len(placed) * len(unplaced)
        for b in sorted(unplaced, key=lambda x: preference.get(x, size)):
            if all(m[b][a] <= 0 or width[a, b] >= m[b][a] for a in placed):
                rest = [x for x in unplaced if x != b]
                grown = {
                    (a, x): max(width[a, x], min(width[a, b], m[b][x]))
                    for a in placed
                    for x in rest
                }
                grown.update({(b, x): m[b][x] for x in rest})
                if completes([*placed, b], grown):
                    return True
        failed.add(key)
        return False

    found |= {c for c in undecided if completes([c], {(c, x): m[c][x] for x in range(size)})}
    return found, budget[0] > 0


def count_ranked_pairs(ctx: Context) -> Count:
    """Ranked pairs: lock the pairs with a positive margin from the largest margin to the
    smallest, skipping any pair that would close a cycle with pairs already locked; zero margins
    are never locked. The winners of one order are the options no locked pair points to.

    ``winners`` is the complete set of options winning under some order of the pairs with equal
    margins (parallel-universe tie-breaking; a Condorcet winner is the only winner). ``winner``
    and the explained run order equal margins by the seeded order: the pair whose winning option
    comes first, then the pair whose losing option comes last; if that run leaves several
    options unbeaten (zero margins), the first in the seeded order wins.

    Explanation: ``pairwise``, ``condorcet_winner``, ``smith_set``, ``pairs_locked`` and
    ``pairs_skipped`` (``[winner, loser, margin]`` in run order), ``ties`` (the groups of two or
    more pairs with equal margins), ``winners_complete``. The ranking tiers the locked order;
    ``counts`` holds how many options each option is locked above.
    """
    d = preference_matrix(ctx)
    m = margins(d)
    size = len(d)
    position = {c: i for i, c in enumerate(ctx.order)}
    pairs = sorted(
        ((x, y) for x in range(size) for y in range(size) if m[x][y] > 0),
        key=lambda p: (-m[p[0]][p[1]], position[p[0]], -position[p[1]]),
    )
    groups = [list(group) for _, group in groupby(pairs, key=lambda p: m[p[0]][p[1]])]
    run = _run(pairs, size)
    explanation = ranked_explanation(ctx, d)
    found, complete = parallel_winners(m, d, pairs)
    run_winners = _sources(run.reach)
    winners = tuple(sorted(found | run_winners))
    notices: tuple[Notice, ...] = ()
    if not complete:
        notices = (
            Notice(
                "winners_incomplete",
                "Too many tied pairs to explore every order: other options might also win "
                "under some order of the ties.",
                {"comparisons": SEARCH_BUDGET},
            ),
        )

    def described(items: tuple[Pair, ...] | list[Pair]) -> list[Explained]:
        return [[ctx.name(x), ctx.name(y), ctx.weight(m[x][y])] for x, y in items]

    explanation["pairs_locked"] = described(run.locked)
    explanation["pairs_skipped"] = described(run.skipped)
    explanation["ties"] = [described(group) for group in groups if len(group) > 1]
    explanation["winners_complete"] = complete
    beats = [[bool((run.reach[x] >> y) & 1) for y in range(size)] for x in range(size)]
    return Count(
        winners=winners,
        winner=first_in_order(run_winners, ctx.order),
        tie_rule="seeded_order",
        ranking=tiers_from_beats(beats),
        counts={ctx.name(x): Fraction(run.reach[x].bit_count()) for x in range(size)},
        count_kind="locked_above",
        explanation=explanation,
        notices=notices,
    )
