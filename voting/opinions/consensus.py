"""What unites: consensus statements and group-informed consensus."""

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from voting.opinions.stats import statement_stats
from voting.opinions.tallies import Tallies

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]


@dataclass(frozen=True)
class ConsensusStatement:
    """A statement most participants agree (or disagree) with.

    Attributes:
        statement: statement id.
        n_success: agrees (or disagrees) over all participants.
        n_trials: votes, passes included.
        p_success: (n_success + 1) / (n_trials + 2).
        p_test: one-proportion z-test of p_success against 1/2.
    """

    statement: int
    n_success: int
    n_trials: int
    p_success: float
    p_test: float


@dataclass(frozen=True)
class Consensus:
    """Pol.is "majority" lists, best first."""

    agree: tuple[ConsensusStatement, ...]
    disagree: tuple[ConsensusStatement, ...]


def consensus_statements(
    everyone: Tallies, statement_ids: Ints, mod_out: NDArray[np.bool_], z: float, count: int
) -> Consensus:
    """Pol.is ``select-consensus-comments`` (OPINIONS.md section 11).

    Args:
        everyone: (1, n_s) votes of all participants, clustered or not.
        mod_out: (n_s,) statements excluded.

    Per side: statements with p > 0.5 and z-test > ``z``, sorted by p * z descending (ties in
    column order), the first ``count``.
    """
    s = statement_stats(everyone)

    def side(n: Floats, p: Floats, test: Floats) -> tuple[ConsensusStatement, ...]:
        ok = np.flatnonzero((p[0] > 0.5) & (test[0] > z) & ~mod_out)
        order = ok[np.argsort(-(p[0] * test[0])[ok], kind="stable")][:count]
        return tuple(
            ConsensusStatement(
                int(statement_ids[c]),
                int(n[0, c]),
                int(s.ns[0, c]),
                float(p[0, c]),
                float(test[0, c]),
            )
            for c in order
        )

    return Consensus(side(s.na, s.pa, s.pat), side(s.nd, s.pd, s.pdt))


def group_informed_consensus(tallies: Tallies) -> Floats:
    """GAC(c) = product over groups of (agree + 1) / (seen + 2), (n_s,) (OPINIONS.md section 12).

    In (0, 1); high only when every group tends to agree. With no group it is 1 (empty product).
    """
    result: Floats = np.prod((tallies.agree + 1.0) / (tallies.seen + 2.0), axis=0)
    return result
