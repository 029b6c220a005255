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

    With ``in_time_order`` the rule is replayed after every event of the stream, incrementally: a
    participant's count only changes at their own first vote on a cell, and the threshold only
    grows, so each first vote is tested once against the number of statements seen at that
    instant. The greedy top-up of a per-event replay admits exactly the first ``greedy_n``
    participants to appear. Without time order the rule is applied once to the final matrix and
    the top-up takes the highest counts, ties in row order. Cost O(nnz log nnz).
    """
    n_p, _ = matrix.shape
    inside = previous.copy()
    if n_p == 0:
        return inside
    counts = matrix.votes_per_participant
    if in_time_order:
        n_events = int(matrix.first_event.max()) + 1
        key = np.sort(matrix.row * n_events + matrix.first_event)
        row = key // n_events
        when = key - row * n_events
        count_after = np.arange(row.size, dtype=np.int64) - matrix.indptr[row] + 1
        statements_seen = np.searchsorted(np.sort(matrix.statement_first_event), when, side="right")
        qualified = count_after >= np.minimum(params.min_votes, statements_seen)
        inside[row[qualified]] = True
        inside[: params.greedy_n] = True
        return inside
    inside |= counts >= min(params.min_votes, matrix.shape[1])
    missing = params.greedy_n - int(inside.sum())
    if missing > 0:
        by_count = np.argsort(-counts, kind="stable")
        inside[by_count[~inside[by_count]][:missing]] = True
    return inside
