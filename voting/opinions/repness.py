"""Representative statements of every opinion group (Pol.is ``repness``)."""

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from voting.opinions.stats import statement_stats, two_prop_test
from voting.opinions.tallies import Tallies

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]
Direction = Literal["agree", "disagree"]


@dataclass(frozen=True)
class RepStatement:
    """A statement that represents a group.

    Attributes:
        statement: statement id.
        direction: whether the group is distinguished by agreeing or disagreeing.
        repness: ra or rd, the group's probability over the rest's (> 1: more than the rest).
        repness_test: rat or rdt, two-proportion z-test of the group against the rest.
        p_success: pa or pd, the group's (n + 1) / (n_trials + 2).
        p_test: pat or pdt, one-proportion z-test of p_success against 1/2.
        n_success: the group's agrees or disagrees.
        n_trials: the group's votes on the statement, passes included.
        best_agree: chosen as the group's best agreed statement (Pol.is ``best-agree``).
    """

    statement: int
    direction: Direction
    repness: float
    repness_test: float
    p_success: float
    p_test: float
    n_success: int
    n_trials: int
    best_agree: bool = False


@dataclass(frozen=True)
class _GroupStats:
    """Statistics of one group against the rest, (n_s,) arrays."""

    na: Floats
    nd: Floats
    ns: Floats
    pa: Floats
    pd: Floats
    pat: Floats
    pdt: Floats
    ra: Floats
    rd: Floats
    rat: Floats
    rdt: Floats

    def finalize(self, c: int, statement: int, *, best_agree: bool = False) -> RepStatement:
        """Pol.is ``finalize-cmt-stats``: agree when rat > rdt, else disagree."""
        if self.rat[c] > self.rdt[c]:
            values = (self.ra, self.rat, self.pa, self.pat, self.na)
            direction: Direction = "agree"
        else:
            values = (self.rd, self.rdt, self.pd, self.pdt, self.nd)
            direction = "disagree"
        rep, rep_test, p, p_test, n = (float(v[c]) for v in values)
        return RepStatement(
            statement, direction, rep, rep_test, p, p_test, int(n), int(self.ns[c]), best_agree
        )

    def best_agree(self, columns: Ints, z: float) -> int | None:
        """Pol.is ``beats-best-agr?`` folded over ``columns`` in order.

        The fold only changes its mind at a statement that beats the current best, so it jumps
        from one such statement to the next with a vectorised search."""
        candidates = columns[(self.na[columns] > 0) | (self.nd[columns] > 0)]
        acceptable = (self.pat[candidates] > z) | (
            (self.ra[candidates] > 1.0) & (self.pa[candidates] > 0.5)
        )
        if not acceptable.any():
            return None
        by_repness = self.ra * self.rat * self.pa * self.pat
        by_probability = self.pa * self.pat
        position = int(np.argmax(acceptable))
        while True:
            best = int(candidates[position])
            metric = by_repness if self.ra[best] > 1.0 else by_probability
            later = np.flatnonzero(metric[candidates[position + 1 :]] > metric[best])
            if later.size == 0:
                return best
            position += 1 + int(later[0])


def representative_statements(
    tallies: Tallies, statement_ids: Ints, mod_out: NDArray[np.bool_], z: float, count: int
) -> tuple[tuple[RepStatement, ...], ...]:
    """Pol.is ``conv-repness`` + ``select-rep-comments`` (OPINIONS.md sections 9 and 10).

    Args:
        tallies: (n_groups, n_s) votes of the clustered participants of each group; the rest of
            a group is the sum of the other groups.
        statement_ids: (n_s,) ids of the columns.
        mod_out: (n_s,) statements skipped (rejected or meta).
        z: significance threshold (1.2816).
        count: statements kept per group (5).

    Returns:
        For every group, its representative statements: the passing ones ((rat > z and pat > z)
        or (rdt > z and pdt > z)) sorted by repness * repness_test * p_success * p_test descending (ties in
        column order) behind
        the best agreed one, cut to ``count``, then agrees before disagrees. If none passes: the
        best agreed one alone, else the one with the largest max(rat, rdt) (first in column
        order), else nothing.
    """
    own = statement_stats(tallies)
    rest_a = own.na.sum(axis=0) - own.na
    rest_d = own.nd.sum(axis=0) - own.nd
    rest_s = own.ns.sum(axis=0) - own.ns
    ra = own.pa / ((rest_a + 1) / (rest_s + 2))
    rd = own.pd / ((rest_d + 1) / (rest_s + 2))
    rat = two_prop_test(own.na, rest_a, own.ns, rest_s)
    rdt = two_prop_test(own.nd, rest_d, own.ns, rest_s)
    passing = ((rat > z) & (own.pat > z)) | ((rdt > z) & (own.pdt > z))
    columns = np.flatnonzero(~mod_out)
    result = []
    for g in range(tallies.agree.shape[0]):
        arrays = (own.na, own.nd, own.ns, own.pa, own.pd, own.pat, own.pdt, ra, rd, rat, rdt)
        group = _GroupStats(*(a[g] for a in arrays))
        sufficient = columns[passing[g, columns]]
        agree_best = group.best_agree(columns, z)
        head = []
        if agree_best is not None:
            head = [group.finalize(agree_best, int(statement_ids[agree_best]), best_agree=True)]
        if sufficient.size == 0:
            if not head and columns.size:
                best = int(columns[np.argmax(np.maximum(rat[g], rdt[g])[columns])])
                head = [group.finalize(best, int(statement_ids[best]))]
            result.append(tuple(head))
            continue
        agreeing = rat[g, sufficient] > rdt[g, sufficient]
        metric = np.where(
            agreeing,
            ra[g, sufficient] * rat[g, sufficient] * own.pa[g, sufficient] * own.pat[g, sufficient],
            rd[g, sufficient] * rdt[g, sufficient] * own.pd[g, sufficient] * own.pdt[g, sufficient],
        )
        ranked = sufficient[np.argsort(-metric, kind="stable")]
        chosen = [
            group.finalize(int(c), int(statement_ids[c]))
            for c in ranked[: count + 1]
            if c != agree_best
        ]
        top = (head + chosen)[:count]
        result.append(
            tuple(r for r in top if r.direction == "agree")
            + tuple(r for r in top if r.direction == "disagree")
        )
    return tuple(result)
