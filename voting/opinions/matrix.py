"""The vote matrix: last vote per participant and statement, kept sparse."""

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from voting.opinions.inputs import Votes
from voting.opinions.parameters import Parameters

Ints = NDArray[np.int64]


@dataclass(frozen=True)
class VoteMatrix:
    """Sparse participants x statements matrix of the last vote on every voted cell.

    Rows and columns are in order of first appearance in the admitted vote stream. Cells are
    sorted by (row, column); passes are stored cells with value 0, unvoted cells are absent.

    Attributes:
        participant_ids: (n_p,) participant id of every row.
        statement_ids: (n_s,) statement id of every column.
        indptr: (n_p + 1,) CSR row pointer into the cell arrays.
        row, col: (nnz,) row and column of every voted cell.
        value: (nnz,) int8 last vote, +1 agree, -1 disagree, 0 pass.
        first_event: (nnz,) index, in the admitted stream, of the first vote on the cell.
        statement_first_event: (n_s,) index of the first vote on each statement.
    """

    participant_ids: Ints
    statement_ids: Ints
    indptr: Ints
    row: Ints
    col: Ints
    value: NDArray[np.int8]
    first_event: Ints
    statement_first_event: Ints

    @property
    def shape(self) -> tuple[int, int]:
        """(n_p, n_s)."""
        return self.participant_ids.size, self.statement_ids.size

    @property
    def votes_per_participant(self) -> Ints:
        """(n_p,) number of voted cells (passes included) of every row."""
        return np.diff(self.indptr)


# Events scanned at once when looking for the first vote on every statement.
SCAN = 1 << 20


def _codes(ids: Ints) -> tuple[Ints, Ints]:
    """Non-negative codes of ``ids`` in increasing id order (possibly with unused codes), and the
    id of every code. Dense ids are offset (O(n)); sparse ones are ranked by a sort."""
    low = int(ids.min())
    span = int(ids.max()) - low + 1
    if span <= 4 * ids.size + 1024:
        return ids - low, np.arange(low, low + span, dtype=np.int64)
    names, codes = np.unique(ids, return_inverse=True)
    return codes.reshape(-1).astype(np.int64), names.astype(np.int64)


def _first_events(codes: Ints, size: int) -> Ints:
    """(size,) index of the first event of every code (``codes.size`` when absent).

    The stream is scanned in chunks; only events of codes not seen before a chunk are examined,
    which after the first few chunks is almost none (statements are few and appear early)."""
    n = codes.size
    first = np.full(size, n, dtype=np.int64)
    for start in range(0, n, SCAN):
        chunk = codes[start : start + SCAN]
        new = np.flatnonzero(first[chunk] == n)
        if new.size:
            np.minimum.at(first, chunk[new], new + start)
    return first


def _bits(n: int) -> int:
    """Bits needed to store 0 .. n - 1."""
    return max(int(n - 1).bit_length(), 1)


def _empty() -> VoteMatrix:
    nothing = np.zeros(0, dtype=np.int64)
    return VoteMatrix(
        nothing,
        nothing,
        np.zeros(1, np.int64),
        nothing,
        nothing,
        np.zeros(0, np.int8),
        nothing,
        nothing,
    )


def _admit(ids: Ints, cap: int) -> tuple[Ints, Ints, Ints, NDArray[np.bool_] | None]:
    """Codes of ``ids`` in order of first appearance: (code of every event, id of every code,
    first event of every code, mask of the events to keep when more than ``cap`` codes)."""
    dense, names = _codes(ids)
    first = _first_events(dense, names.size)
    order = np.argsort(first)[: np.count_nonzero(first < ids.size)]
    keep = None
    if order.size > cap:
        admitted = np.zeros(names.size, dtype=bool)
        admitted[order[:cap]] = True
        keep = admitted[dense]
    rank = np.empty(names.size, dtype=np.int64)
    rank[order] = np.arange(order.size, dtype=np.int64)
    return rank[dense], names[order], first[order], keep


def build_matrix(votes: Votes, params: Parameters) -> VoteMatrix:
    """Build the vote matrix from the event stream (Pol.is ``named_matrix`` + ``customs``).

    Only the first ``params.max_statements`` statements (in order of first vote) are admitted,
    then the first ``params.max_participants`` participants; votes touching others are dropped
    and the rest is numbered as a stream of its own. A later vote on a cell replaces an earlier
    one.

    Cost: one sort of n_events packed 64-bit keys (row, column, event, vote) plus O(n_events)
    passes; no dense array.

    Raises:
        ValueError: when a key does not fit in 62 bits (more than about 10^9 events at the
            participant and statement caps).
    """
    if votes.participant.size == 0:
        return _empty()
    column, statement_ids, statement_first, keep = _admit(
        votes.statement.astype(np.int64, copy=False), params.max_statements
    )
    if keep is None:
        row, participant_ids, _, keep = _admit(
            votes.participant.astype(np.int64, copy=False), params.max_participants
        )
    if keep is not None:
        kept = Votes(votes.participant[keep], votes.statement[keep], votes.value[keep])
        return build_matrix(kept, params)
    n = row.size
    s_bits, e_bits = _bits(statement_ids.size), _bits(n)
    if _bits(participant_ids.size) + s_bits + e_bits + 2 > 62:
        raise ValueError("too many events for the matrix builder")
    # One integer sort of (row, column, event, vote + 1) packed in one int64 groups the events
    # by cell, oldest first, with cells in (row, column) order.
    key = np.left_shift(row, s_bits, out=row)
    key |= column
    key <<= e_bits
    key |= np.arange(n, dtype=np.int64)
    key <<= 2
    key += votes.value + 1
    del column
    key.sort()
    cell = key >> (e_bits + 2)
    starts = np.ones(n, dtype=bool)
    np.not_equal(cell[1:], cell[:-1], out=starts[1:])
    ends = np.ones(n, dtype=bool)
    ends[:-1] = starts[1:]
    cell = cell[starts]
    rows = cell >> s_bits
    cell &= (1 << s_bits) - 1
    indptr = np.zeros(participant_ids.size + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=participant_ids.size), out=indptr[1:])
    first = key[starts]
    first >>= 2
    first &= (1 << e_bits) - 1
    last = key[ends]
    last &= 3
    value = last.astype(np.int8)
    value -= 1
    return VoteMatrix(
        participant_ids=participant_ids,
        statement_ids=statement_ids,
        indptr=indptr,
        row=rows,
        col=cell,
        value=value,
        first_event=first,
        statement_first_event=statement_first,
    )
