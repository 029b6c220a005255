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


def first_appearance_codes(ids: Ints) -> tuple[Ints, Ints, Ints]:
    """Number distinct ids 0, 1, ... in order of first appearance.

    Returns:
        codes: (n,) code of every entry of ``ids``.
        unique_ids: (u,) the id of every code.
        first_index: (u,) position in ``ids`` of the first occurrence of every code.
    """
    n = ids.size
    if n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    low = int(ids.min())
    span = int(ids.max()) - low + 1
    if span <= 4 * n + 1024:
        dense = ids - low
        size = span
    else:
        uniq, dense = np.unique(ids, return_inverse=True)
        size = uniq.size
    first = np.full(size, n, dtype=np.int64)
    np.minimum.at(first, dense, np.arange(n, dtype=np.int64))
    present = np.flatnonzero(first < n)
    order = present[np.argsort(first[present])]
    table = np.empty(size, dtype=np.int64)
    table[order] = np.arange(order.size, dtype=np.int64)
    first_index = first[order]
    return table[dense], ids[first_index].astype(np.int64), first_index


def _bits(n: int) -> int:
    """Bits needed to store 0 .. n - 1."""
    return max(int(n - 1).bit_length(), 1)


def build_matrix(votes: Votes, params: Parameters) -> VoteMatrix:
    """Build the vote matrix from the event stream (Pol.is ``named_matrix`` + ``customs``).

    Only the first ``params.max_statements`` statements and then the first
    ``params.max_participants`` participants (in order of first vote) are admitted; votes touching
    others are dropped. A later vote on a cell replaces an earlier one.
    Cost: one integer sort of the events, O(n_events log n_events); memory O(n_events).

    Raises:
        ValueError: when (row, column, event) cannot be packed in 62 bits (more than about
            4 * 10^9 events at the participant and statement caps).
    """
    participant = votes.participant.astype(np.int64, copy=False)
    statement = votes.statement.astype(np.int64, copy=False)
    value = votes.value.astype(np.int8, copy=False)
    s_code, statement_ids, statement_first = first_appearance_codes(statement)
    p_code, participant_ids, _ = first_appearance_codes(participant)
    keep = s_code < params.max_statements
    if not keep.all():
        participant, statement, value = participant[keep], statement[keep], value[keep]
        p_code, participant_ids, _ = first_appearance_codes(participant)
    admitted = p_code < params.max_participants
    if not (keep.all() and admitted.all()):
        participant, statement, value = participant[admitted], statement[admitted], value[admitted]
        p_code, participant_ids, _ = first_appearance_codes(participant)
        s_code, statement_ids, statement_first = first_appearance_codes(statement)
    n_events = participant.size
    n_p, n_s = participant_ids.size, statement_ids.size
    s_bits, e_bits = _bits(n_s), _bits(n_events)
    if _bits(n_p) + s_bits + e_bits > 62:
        raise ValueError("too many events for the matrix builder")
    # One fast integer sort groups the events by cell, oldest first inside a cell.
    key = np.sort((((p_code << s_bits) | s_code) << e_bits) | np.arange(n_events, dtype=np.int64))
    cell = key >> e_bits
    event = key & ((1 << e_bits) - 1)
    starts = np.ones(n_events, dtype=bool)
    np.not_equal(cell[1:], cell[:-1], out=starts[1:])
    ends = np.ones(n_events, dtype=bool)
    ends[:-1] = starts[1:]
    cells = cell[starts]
    row = cells >> s_bits
    indptr = np.zeros(n_p + 1, dtype=np.int64)
    np.cumsum(np.bincount(row, minlength=n_p), out=indptr[1:])
    return VoteMatrix(
        participant_ids=participant_ids,
        statement_ids=statement_ids,
        indptr=indptr,
        row=row,
        col=cells & ((1 << s_bits) - 1),
        value=value[event[ends]],
        first_event=event[starts],
        statement_first_event=statement_first,
    )
