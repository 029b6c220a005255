"""Which participants are clustered ("in-conv"): threshold, stickiness and greedy top-up."""

import numpy as np
from numpy.typing import NDArray

from voting.opinions.matrix import VoteMatrix
from voting.opinions.parameters import Parameters

Mask = NDArray[np.bool_]


def clustered_participants(
    matrix: VoteMatrix, *, in_time_order: bool, previous: Mask, params: Parameters
) -> Mask:
    """The clustered set of Pol.is (OPINIONS.md section 3), as a (n_p,) boolean mask over rows.

    A participant enters once their count of voted statements (passes included, moderation
    ignored) reaches min(``min_votes``, statements voted on so far); nobody ever leaves
    (``previous``, a mask over the same rows, is kept); while fewer than ``greedy_n`` are in, the
    participants with the most votes are added.

    With ``in_time_order`` the outcome of replaying the rule after every event of the stream is
    computed without replaying: a participant's count only changes at their own first vote on a
    cell and the threshold only grows, so each first vote needs testing once, against the number
    of statements voted on at that instant; anyone reaching ``min_votes`` votes qualifies, and a
    smaller count can only qualify before the first vote on the ``min_votes``-th statement, so
    only those early votes are ranked. The greedy top-up of a per-event replay admits exactly the
    first ``greedy_n`` participants to appear. Without time order the rule is applied once to the
    final matrix and the top-up takes the highest counts, ties in row order. Cost O(nnz) plus a
    sort of the early votes.
    """
    n_p, n_s = matrix.shape
    inside = previous.copy()
    if n_p == 0:
        return inside
    counts = matrix.votes_per_participant
    inside |= counts >= min(params.min_votes, n_s)
    if in_time_order:
        # The m-th vote of anyone meets min(m, .); fewer votes can only qualify while fewer than
        # m statements exist, i.e. before the first vote on the m-th statement.
        opened = np.sort(matrix.statement_first_event)
        row, when = matrix.opening_row, matrix.opening_event
        order = np.lexsort((when, row))
        row, when = row[order], when[order]
        starts = np.searchsorted(row, row)
        count_after = np.arange(row.size, dtype=np.int64) - starts + 1
        statements_seen = np.searchsorted(opened, when, side="right")
        inside[row[count_after >= statements_seen]] = True
        inside[: params.greedy_n] = True
        return inside
    missing = params.greedy_n - int(inside.sum())
    if missing > 0:
        by_count = np.argsort(-counts, kind="stable")
        inside[by_count[~inside[by_count]][:missing]] = True
    return inside
