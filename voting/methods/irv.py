"""Instant runoff voting, with parallel-universe tie-breaking for the winner set."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from voting.methods.count import Context, Count, tiers_by_score
from voting.methods.pairwise import preference_matrix, rank_keys, ranked_explanation
from voting.methods.plurality import TIED_TOP
from voting.methods.profile import CodeArray, IntArray, MassArray
from voting.methods.result import Explained, Notice

_EXHAUSTED = -1
_TIED = -2
# Sets of continuing options explored for the complete winner set.
SEARCH_BUDGET = 50_000


class _Rounds:
    """Round counts of one profile, memoised by the set of continuing options (a bitmask).

    For each set it keeps, per ballot, the option the ballot counts for, ``_EXHAUSTED`` or
    ``_TIED``; a set one elimination below a known set only recomputes the ballots that counted
    for the eliminated option or were tied.
    """

    def __init__(self, keys: CodeArray, mass: MassArray, size: int) -> None:
        self._keys = keys
        self._mass = mass
        self._size = size
        self._codes: dict[int, IntArray] = {}
        self._memo: dict[int, tuple[list[int], int, int]] = {}
        self._winners: dict[int, frozenset[int]] = {}
        self.complete = True

    def _top(self, rows: IntArray | slice, continuing: int) -> IntArray:
        live = np.array([(continuing >> j) & 1 for j in range(self._size)], dtype=np.bool_)
        keys = self._keys[rows]
        masked = np.where(live[None, :], keys, np.iinfo(keys.dtype).max)
        best = masked.min(axis=1, initial=np.iinfo(keys.dtype).max)
        at_best = masked == best[:, None]
        codes: CodeArray = np.argmax(at_best, axis=1).astype(np.int64)
        codes[np.count_nonzero(at_best, axis=1) > 1] = _TIED
        codes[best > self._size] = _EXHAUSTED
        return codes

    def codes(self, continuing: int) -> IntArray:
        """Per ballot: the option it counts for, ``_EXHAUSTED`` or ``_TIED``."""
        if continuing not in self._codes:
            parents = [
                (e, continuing | (1 << e))
                for e in range(self._size)
                if not (continuing >> e) & 1 and continuing | (1 << e) in self._codes
            ]
            if parents:
                eliminated, parent = parents[0]
                codes = self._codes[parent].copy()
                stale = np.flatnonzero((codes == eliminated) | (codes == _TIED))
                codes[stale] = self._top(stale, continuing)
            else:
                codes = self._top(slice(None), continuing)
            self._codes[continuing] = codes
        return self._codes[continuing]

    def tally(self, continuing: int) -> tuple[list[int], int, int]:
        """``(units per option, exhausted units, invalid units)`` for the continuing options."""
        if continuing not in self._memo:
            codes = self.codes(continuing)
            counted = codes >= 0
            units = np.zeros(self._size, dtype=self._mass.dtype)
            np.add.at(units, codes[counted], self._mass[counted])
            self._memo[continuing] = (
                [int(u) for u in units],
                int(self._mass[codes == _EXHAUSTED].sum()),
                int(self._mass[codes == _TIED].sum()),
            )
        return self._memo[continuing]

    def majority(self, continuing: int) -> int | None:
        """The option holding more than half of the counted weight, if any."""
        units = self.tally(continuing)[0]
        total = sum(units)
        return next((x for x in _members(continuing) if 2 * units[x] > total), None)

    def lowest(self, continuing: int) -> list[int]:
        """Continuing options with the fewest units (the options one round may eliminate)."""
        units = self.tally(continuing)[0]
        least = min(units[x] for x in _members(continuing))
        return [x for x in _members(continuing) if units[x] == least]

    def winners(self, continuing: int) -> frozenset[int]:
        """Every option that wins under some choice among tied lowest options.

        When no ballot is tied at the top, options without any ballot are eliminated together:
        in any order they transfer nothing and stay lowest, so this only keeps many empty
        options from multiplying the universes. Past :data:`SEARCH_BUDGET` sets of continuing options only the first tied
        option is followed and :attr:`complete` turns False.
        """
        if continuing not in self._winners:
            members = _members(continuing)
            leader = self.majority(continuing) if len(members) > 1 else members[0]
            units, _, invalid = self.tally(continuing)
            if leader is not None:
                result = frozenset({leader})
            elif (
                not invalid
                and any(units[x] for x in members)
                and not all(units[x] for x in members)
            ):
                empty = sum(1 << x for x in members if not units[x])
                result = self.winners(continuing & ~empty)
            else:
                lowest = self.lowest(continuing)
                if len(self._winners) >= SEARCH_BUDGET:
                    self.complete = False
                    lowest = lowest[:1]
                result = frozenset().union(*(self.winners(continuing & ~(1 << x)) for x in lowest))
            self._winners[continuing] = result
        return self._winners[continuing]


def _members(mask: int) -> list[int]:
    return [x for x in range(mask.bit_length()) if (mask >> x) & 1]


def count_instant_runoff(ctx: Context) -> Count:
    """Instant runoff: each ballot counts for its highest continuing option; a ballot whose
    highest group holding a continuing option holds several continuing options is invalid for
    that round (reason ``tied_top_group``; it counts again once a single one of them continues);
    exhausted ballots count for nobody. An option with more than half of the ballots counted in
    a round wins; otherwise the option with the fewest is eliminated.

    ``winners`` is the complete set of options winning under some choice of which tied lowest
    option to eliminate (parallel-universe tie-breaking). ``winner`` and the explained rounds
    eliminate, among tied lowest options, the one last in the seeded order.

    Explanation: ``pairwise``, ``condorcet_winner``, ``smith_set`` and ``rounds``: per round the
    weight per continuing option, ``exhausted``, ``invalid``, the ``tied`` lowest options when
    several, and the ``eliminated`` option or the ``elected`` one; ``winners_complete``.
    ``counts`` holds first-round weights; the ballot summary's invalid ballots are those invalid
    in the first round.
    """
    size = len(ctx.profile.candidates)
    voting = ~ctx.profile.abstaining
    rounds = _Rounds(rank_keys(ctx)[voting], ctx.mass[voting], size)
    everyone = (1 << size) - 1
    winners = tuple(sorted(rounds.winners(everyone)))
    continuing = everyone
    described: list[Explained] = []
    eliminated: list[int] = []
    elected: int | None = None
    while elected is None:
        units, exhausted, invalid = rounds.tally(continuing)
        members = _members(continuing)
        entry: dict[str, Explained] = {
            "counts": {ctx.name(x): ctx.weight(units[x]) for x in members},
            "exhausted": ctx.weight(exhausted),
            "invalid": ctx.weight(invalid),
        }
        elected = rounds.majority(continuing) if len(members) > 1 else members[0]
        if elected is not None:
            entry["elected"] = ctx.name(elected)
        else:
            lowest = rounds.lowest(continuing)
            loser = max(lowest, key=ctx.order.index)
            if len(lowest) > 1:
                entry["tied"] = ctx.names(lowest)
            entry["eliminated"] = ctx.name(loser)
            eliminated.append(loser)
            continuing &= ~(1 << loser)
        described.append(entry)
    final = rounds.tally(continuing)[0]
    unbeaten = [Fraction(final[x]) if (continuing >> x) & 1 else Fraction(-1) for x in range(size)]
    standing = [
        tier for tier in tiers_by_score(unbeaten) if elected not in tier and unbeaten[tier[0]] >= 0
    ]
    ranking = ((elected,), *standing, *((x,) for x in reversed(eliminated)))
    first_units = rounds.tally(everyone)[0]
    tied_first = np.zeros(ctx.profile.rows, dtype=np.bool_)
    tied_first[voting] = rounds.codes(everyone) == _TIED
    explanation = ranked_explanation(ctx, preference_matrix(ctx))
    explanation["rounds"] = described
    explanation["winners_complete"] = rounds.complete
    notices: tuple[Notice, ...] = ()
    if not rounds.complete:
        notices = (
            Notice(
                "winners_incomplete",
                "Too many tied eliminations to explore every order: other options might also "
                "win under some order of the ties.",
                {"explored": SEARCH_BUDGET},
            ),
        )
    return Count(
        winners=winners,
        winner=elected,
        tie_rule="seeded_order",
        ranking=ranking,
        counts={ctx.name(x): Fraction(first_units[x], ctx.denominator) for x in range(size)},
        count_kind="first_preferences",
        explanation=explanation,
        invalid=((TIED_TOP, tied_first),),
        notices=notices,
    )
