"""Parallel-universe tie-breaking checked against brute force over every order of the ties."""

import itertools
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from voting.methods import Ballot, tally
from voting.methods.pairwise import margins

NAMES = ["a", "b", "c", "d"]


def brute_force_ranked_pairs(m: list[list[int]]) -> set[int]:
    size = len(m)
    pairs = [(x, y) for x in range(size) for y in range(size) if m[x][y] > 0]
    levels = sorted({m[x][y] for x, y in pairs}, reverse=True)
    groups = [[p for p in pairs if m[p[0]][p[1]] == level] for level in levels]
    winners: set[int] = set()
    for orders in itertools.product(*(itertools.permutations(g) for g in groups)):
        locked: set[tuple[int, int]] = set()
        for x, y in itertools.chain.from_iterable(orders):
            reach = {y}
            frontier = [y]
            while frontier:
                node = frontier.pop()
                for a, b in locked:
                    if a == node and b not in reach:
                        reach.add(b)
                        frontier.append(b)
            if x not in reach:
                locked.add((x, y))
        winners |= {c for c in range(size) if not any(b == c for _, b in locked)}
    return winners


def closure_search_ranked_pairs(m: list[list[int]]) -> set[int]:
    """Every order of tied pairs, explored as a search over transitive closures: within a group
    of equal margins, any pair not yet decided by the closure may be locked next."""
    size = len(m)
    pairs = [(x, y) for x in range(size) for y in range(size) if m[x][y] > 0]
    levels = sorted({m[x][y] for x, y in pairs}, reverse=True)
    groups = [[p for p in pairs if m[p[0]][p[1]] == level] for level in levels]
    found: set[int] = set()
    seen: set[tuple[int, tuple[int, ...]]] = set()
    stack = [(0, (0,) * size)]
    while stack:
        group, reach = stack.pop()
        if (group, reach) in seen:
            continue
        seen.add((group, reach))
        if group == len(groups):
            reached = 0
            for r in reach:
                reached |= r
            found |= {x for x in range(size) if not (reached >> x) & 1}
            continue
        open_pairs = [
            (x, y) for x, y in groups[group] if not (reach[x] >> y) & 1 and not (reach[y] >> x) & 1
        ]
        if not open_pairs:
            stack.append((group + 1, reach))
        for x, y in open_pairs:
            below = reach[y] | (1 << y)
            grown = tuple(r | below if a == x or (r >> x) & 1 else r for a, r in enumerate(reach))
            stack.append((group, grown))
    return found


def brute_force_instant_runoff(orders: list[list[list[int]]], size: int) -> set[int]:
    def count(continuing: frozenset[int]) -> dict[int, int]:
        votes = dict.fromkeys(continuing, 0)
        for groups in orders:
            top = next((set(g) & continuing for g in groups if set(g) & continuing), set())
            if len(top) == 1:
                votes[top.pop()] += 1
        return votes

    def winners(continuing: frozenset[int]) -> set[int]:
        votes = count(continuing)
        total = sum(votes.values())
        leader = [c for c, v in votes.items() if 2 * v > total]
        if len(continuing) == 1 or leader:
            return set(leader) if leader else set(continuing)
        least = min(votes.values())
        return set().union(*(winners(continuing - {c}) for c, v in votes.items() if v == least))

    return winners(frozenset(range(size)))


@st.composite
def ballots(draw: st.DrawFn) -> tuple[int, list[list[list[int]]]]:
    size = draw(st.integers(2, 4))
    voters = draw(st.integers(1, 7))
    orders = []
    for _ in range(voters):
        order = draw(st.permutations(range(size)))
        kept = draw(st.integers(1, size))
        groups: list[list[int]] = []
        for option in order[:kept]:
            if groups and draw(st.booleans()):
                groups[-1].append(option)
            else:
                groups.append([option])
        orders.append(groups)
    return size, orders


def as_ballots(orders: list[list[list[int]]]) -> list[Ballot]:
    return [Ballot([[NAMES[i] for i in g] for g in groups]) for groups in orders]


@settings(max_examples=60, deadline=None)
@given(ballots())
def test_ranked_pairs_winners_are_every_order_of_ties(data: tuple[int, list]) -> None:
    size, orders = data
    result = tally("ranked_pairs", NAMES[:size], as_ballots(orders))
    d = result.explanation["pairwise"]
    matrix = [[0 if x == y else d[NAMES[x]][NAMES[y]] for y in range(size)] for x in range(size)]
    expected = brute_force_ranked_pairs(margins(matrix))  # type: ignore[arg-type]
    assert set(result.winners) == {NAMES[i] for i in expected}


@settings(max_examples=60, deadline=None)
@given(ballots())
def test_instant_runoff_winners_are_every_choice_of_elimination(data: tuple[int, list]) -> None:
    size, orders = data
    result = tally("instant_runoff", NAMES[:size], as_ballots(orders))
    expected = brute_force_instant_runoff(orders, size)
    if result.ballots.valid == 0:
        # Every ballot tied at the top in the first round: nothing is decided.
        assert result.winners == ()
    else:
        assert set(result.winners) == {NAMES[i] for i in expected}


@settings(max_examples=40, deadline=None)
@given(
    st.integers(5, 6).flatmap(lambda m: st.lists(st.permutations(range(m)), min_size=2, max_size=6))
)
def test_ranked_pairs_stacks_agree_with_a_search_over_closures(orders: list) -> None:
    size = len(orders[0])
    names = [f"o{i}" for i in range(size)]
    result = tally("ranked_pairs", names, [Ballot([[names[i]] for i in o]) for o in orders])
    d = result.explanation["pairwise"]
    matrix = [[0 if x == y else d[names[x]][names[y]] for y in range(size)] for x in range(size)]
    expected = closure_search_ranked_pairs(margins(matrix))  # type: ignore[arg-type]
    assert set(result.winners) == {names[i] for i in expected}


def test_eight_options_with_every_margin_tied_stay_complete() -> None:
    # McGarvey construction: two voters per pair give every pair the same margin, 2, in the
    # direction of a random tournament: one tie group of 28 pairs.
    rnd = random.Random(8)
    names = [f"o{i}" for i in range(8)]
    cast = []
    for i, j in itertools.combinations(range(8), 2):
        x, y = (i, j) if rnd.random() < 0.5 else (j, i)
        rest = [names[k] for k in range(8) if k not in (x, y)]
        cast.append(Ballot([[names[x]], [names[y]], *[[r] for r in rest]]))
        cast.append(Ballot([[names[x]], [names[y]], *[[r] for r in reversed(rest)]]))
    result = tally("ranked_pairs", names, cast)
    assert result.explanation["winners_complete"] is True
    assert len(result.explanation["ties"]) == 1
    assert len(result.explanation["ties"][0]) == 28
    assert result.winner in result.winners


def test_options_without_ballots_do_not_multiply_the_universes() -> None:
    names = [f"o{i}" for i in range(25)]
    cast = [Ballot([["o0"]])] * 3 + [Ballot([["o1"], ["o2"]])] * 2 + [Ballot([["o2"]])] * 2
    result = tally("instant_runoff", names, cast)
    # 22 empty options go first; then o1 and o2 tie: o2 wins if o1 goes, o0 if o2 goes.
    assert result.winners == ("o0", "o2")
    assert result.explanation["winners_complete"] is True
