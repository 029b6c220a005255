"""Routing priority of statements (which card to show next), Pol.is ``comment-priorities``."""

import numpy as np
from numpy.typing import NDArray

from voting.opinions.tallies import Tallies

Floats = NDArray[np.float64]


def priorities(
    totals: Tallies, extremity: Floats, meta: NDArray[np.bool_], meta_priority: float
) -> Floats:
    """(n_s,) priorities, the server draws the next statement proportionally to them.

    importance = (1 - (P + 1) / (S + 2)) * (E + 1) * (A + 1) / (S + 2)
    priority = (importance * (1 + 8 * 2^(-S / 5)))^2, and ``meta_priority``^2 for meta statements.

    Args:
        totals: (1, n_s) agrees A, passes P and votes S of the clustered participants, summed
            over groups (Pol.is uses the previous update's groups).
        extremity: (n_s,) statement extremity E.
        meta: (n_s,) meta statements.
    """
    a = totals.agree[0].astype(np.float64)
    s = totals.seen[0].astype(np.float64)
    p = totals.passes[0].astype(np.float64)
    importance = (1 - (p + 1) / (s + 2)) * (extremity + 1) * (a + 1) / (s + 2)
    result: Floats = np.where(meta, meta_priority**2, (importance * (1 + 8 * 2.0 ** (-s / 5))) ** 2)
    return result
