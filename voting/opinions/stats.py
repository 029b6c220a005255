"""Pol.is' per-statement proportions and z-tests, vectorised over groups and statements."""

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from voting.opinions.tallies import Tallies

Floats = NDArray[np.float64]


def prop_test(success: Floats, trials: Floats) -> Floats:
    """One-proportion z-test against 1/2 with +1 pseudocounts (Pol.is ``prop-test``)."""
    result: Floats = 2.0 * np.sqrt(trials + 1) * ((success + 1) / (trials + 1) - 0.5)
    return result


def two_prop_test(
    success: Floats, success_rest: Floats, trials: Floats, trials_rest: Floats
) -> Floats:
    """Two-proportion z-test with +1 on all four counts (Pol.is ``two-prop-test``); 0 if p = 1."""
    p1 = (success + 1) / (trials + 1)
    p2 = (success_rest + 1) / (trials_rest + 1)
    pooled = (success + success_rest + 2) / (trials + trials_rest + 2)
    spread = pooled * (1 - pooled) * (1 / (trials + 1) + 1 / (trials_rest + 1))
    result: Floats = np.divide(
        p1 - p2, np.sqrt(np.maximum(spread, 0.0)), out=np.zeros_like(p1), where=spread > 0
    )
    return result


@dataclass(frozen=True)
class StatementStats:
    """Pol.is ``comment-stats`` for every group (rows) and statement (columns).

    Attributes:
        na, nd, ns: agrees, disagrees and votes (passes included).
        pa, pd: (n + 1) / (ns + 2), the Beta(1, 1) posterior means.
        pat, pdt: one-proportion z-tests of pa and pd against 1/2.
    """

    na: Floats
    nd: Floats
    ns: Floats
    pa: Floats
    pd: Floats
    pat: Floats
    pdt: Floats


def statement_stats(tallies: Tallies) -> StatementStats:
    """Proportions and one-proportion tests of every cell of ``tallies``."""
    na = tallies.agree.astype(np.float64)
    nd = tallies.disagree.astype(np.float64)
    ns = tallies.seen.astype(np.float64)
    return StatementStats(
        na,
        nd,
        ns,
        (na + 1) / (ns + 2),
        (nd + 1) / (ns + 2),
        prop_test(na, ns),
        prop_test(nd, ns),
    )
