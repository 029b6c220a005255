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
        cell_code: (nnz,) 3 * column + vote + 1: which statement and which vote, in one index.
        statement_first_event: (n_s,) index, in the admitted stream, of the first vote on each
            statement.
        opening_row, opening_event: (m,) row and stream index of the first vote on every cell
            first voted during the opening, the events before the first vote on the
            ``min_votes``-th statement (the whole stream when there are fewer statements); in
            (row, column) order. Only then can fewer votes than ``min_votes`` qualify a
            participant for clustering (OPINIONS.md section 3).
    """

    participant_ids: Ints
    statement_ids: Ints
    indptr: Ints
    row: Ints
    col: Ints
    value: NDArray[np.int8]
    cell_code: Ints
    statement_first_event: Ints
    opening_row: Ints
    opening_event: Ints

    @property
    def shape(self) -> tuple[int, int]:
        """(n_p, n_s)."""
        return self.participant_ids.size, self.statement_ids.size

    @property
    def votes_per_participant(self) -> Ints:
        """(n_p,) number of voted cells (passes included) of every row."""
        return np.diff(self.indptr)


# Events handled at once by ``_first_events`` (its event numbers then stay in cache).
CHUNK = 1 << 18


def _codes(ids: Ints) -> tuple[Ints, Ints]:
    """Non-negative codes of ``ids`` in increasing id order (possibly with unused codes), and the
    id of every code. Dense ids are offset (O(n)); sparse ones are ranked by a sort."""
    low = int(ids.min())
    span = int(ids.max()) - low + 1
    if span <= 4 * ids.size + 1024:
        return ids - low if low else ids, np.arange(low, low + span, dtype=np.int64)
    names, codes = np.unique(ids, return_inverse=True)
    return codes.reshape(-1).astype(np.int64), names.astype(np.int64)


def _first_events(codes: Ints, size: int) -> Ints:
    """(size,) index of the first event of every code (``codes.size`` when absent)."""
    first = np.full(size, codes.size, dtype=np.int64)
    for start in range(0, codes.size, CHUNK):
        stop = min(start + CHUNK, codes.size)
        np.minimum.at(first, codes[start:stop], np.arange(start, stop, dtype=np.int64))
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
        nothing,
        nothing,
    )


def _admit(
    ids: Ints, cap: int, shift: int = 0
) -> tuple[Ints, Ints, Ints, NDArray[np.bool_] | None]:
    """Codes of ``ids`` in order of first appearance: (code of every event shifted left by
    ``shift`` bits, id of every code, first event of every code, mask of the events to keep
    when more than ``cap`` codes)."""
    dense, names = _codes(ids)
    first = _first_events(dense, names.size)
    order = np.argsort(first)[: np.count_nonzero(first < ids.size)]
    keep = None
    if order.size > cap:
        admitted = np.zeros(names.size, dtype=bool)
        admitted[order[:cap]] = True
        keep = admitted[dense]
    rank = np.empty(names.size, dtype=np.int64)
    rank[order] = np.arange(order.size, dtype=np.int64) << shift
    return rank[dense], names[order], first[order], keep


def build_matrix(votes: Votes, params: Parameters) -> VoteMatrix:
    """Build the vote matrix from the event stream (Pol.is ``named_matrix`` + ``customs``).

    Only the first ``params.max_statements`` statements (in order of first vote) are admitted,
    then the first ``params.max_participants`` participants; votes touching others are dropped
    and the rest is numbered as a stream of its own. A later vote on a cell replaces an earlier
    one.

    Cost: one sort of n_events packed 64-bit keys (row, column, event, vote) plus O(n_events)
    passes, and a sort of the opening's events; no dense array.

    Raises:
        ValueError: when a key does not fit in 62 bits (more than about 10^9 events at the
            participant and statement caps).
    """
    if votes.participant.size == 0:
        return _empty()
    column, statement_ids, statement_first, keep = _admit(
        votes.statement.astype(np.int64, copy=False), params.max_statements
    )
    s_bits = _bits(statement_ids.size)
    if keep is None:
        # The row of every event, already in place in the (row, column) cell code.
        cell, participant_ids, _, keep = _admit(
            votes.participant.astype(np.int64, copy=False), params.max_participants, s_bits
        )
    if keep is not None:
        kept = Votes(votes.participant[keep], votes.statement[keep], votes.value[keep])
        return build_matrix(kept, params)
    n = cell.size
    e_bits = _bits(n)
    if _bits(participant_ids.size) + s_bits + e_bits + 2 > 62:
        raise ValueError("too many events for the matrix builder")
    cell |= column
    del column
    opened = np.sort(statement_first)
    opening = int(opened[params.min_votes - 1]) if opened.size >= params.min_votes else n
    opening_cells, opening_event = np.unique(cell[:opening], return_index=True)
    # One integer sort of (row, column, event, vote + 1) packed in one int64 groups the events
    # by cell, oldest first, with cells in (row, column) order.
    key = np.left_shift(cell, e_bits + 2, out=cell)
    event = np.arange(1, 4 * n + 1, 4, dtype=np.int64)
    event += votes.value
    key |= event
    del event
    key.sort()
    cell = key >> (e_bits + 2)
    repeated = cell[1:] == cell[:-1]
    if repeated.any():
        # Keep the last event of every cell.
        key = key[np.append(~repeated, True)]
        cell = np.right_shift(key, e_bits + 2, out=cell[: key.size])
    del repeated
    key &= 3
    value = key.astype(np.int8)
    value -= 1
    rows = cell >> s_bits
    cell &= (1 << s_bits) - 1
    code = cell * 3
    code += key
    del key
    indptr = np.searchsorted(rows, np.arange(participant_ids.size + 1, dtype=np.int64))
    return VoteMatrix(
        participant_ids=participant_ids,
        statement_ids=statement_ids,
        indptr=indptr,
        row=rows,
        col=cell,
        value=value,
        cell_code=code,
        statement_first_event=statement_first,
        opening_row=opening_cells >> s_bits,
        opening_event=opening_event.astype(np.int64),
    )
