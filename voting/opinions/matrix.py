"""The vote matrix: last vote per participant and statement, kept sparse."""

import threading
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


def _stable_sort(codes: Ints, bits: int) -> tuple[Ints, Ints]:
    """``codes`` (non-negative, below 2**``bits``) sorted stably, and the sort order. Least
    significant 16-bit digit first, each pass a stable radix sort (numpy's for 16-bit keys):
    O(n) per pass instead of a comparison sort's O(n log n)."""
    ordered = codes.astype(np.uint32) if bits <= 32 else codes
    order: Ints = np.arange(codes.size, dtype=np.int64)
    for shift in range(0, bits, 16):
        step = np.argsort((ordered >> shift).astype(np.uint16), kind="stable")
        order = order[step] if shift else step
        ordered = ordered[step]
    return ordered.astype(np.int64), order


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

    Cost: O(n_events) passes (two stable 16-bit radix sorts of the (row, column) codes at
    the default caps) and a sort of the opening's events; no dense array.
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
    cell |= column
    del column
    opened = np.sort(statement_first)
    opening = int(opened[params.min_votes - 1]) if opened.size >= params.min_votes else n
    opening_cells, opening_event = np.unique(cell[:opening], return_index=True)
    cell, order = _stable_sort(cell, _bits(participant_ids.size) + s_bits)
    # Events of one cell are consecutive, oldest first: keep the last one of each.
    last = np.append(cell[1:] != cell[:-1], True)
    cell = cell[last]
    value = votes.value[order[last]]
    del order, last
    rows = cell >> s_bits
    cell &= (1 << s_bits) - 1
    code = cell * 3
    code += value
    code += 1
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


def _extend_ids(known: Ints, ids: Ints, start: int) -> tuple[Ints, Ints, Ints]:
    """Codes of the events ``ids`` (events ``start`` onwards of a stream) given the ``known``
    ids (at least one) of the events before: (code of every event, ids of the codes new here in order of
    first appearance, stream index of their first event)."""
    order = np.argsort(known)
    where = np.minimum(np.searchsorted(known[order], ids), known.size - 1)
    found = known[order][where] == ids
    codes = np.empty(ids.size, dtype=np.int64)
    codes[found] = order[where[found]]
    unknown = np.flatnonzero(~found)
    names, first, inverse = np.unique(ids[unknown], return_index=True, return_inverse=True)
    rank = np.empty(names.size, dtype=np.int64)
    rank[np.argsort(first)] = np.arange(known.size, known.size + names.size, dtype=np.int64)
    codes[unknown] = rank[inverse.reshape(-1)]
    by_first = np.sort(first)
    return codes, ids[unknown[by_first]], unknown[by_first] + start


def extend_matrix(
    matrix: VoteMatrix, votes: Votes, start: int, params: Parameters
) -> VoteMatrix | None:
    """``build_matrix(votes, params)`` from ``matrix``, the matrix of the first ``start`` events
    of ``votes``: O(new events) work plus a few copies of the cell arrays instead of a sort of
    every event. None when the new events could change what the earlier ones decided: a cap
    reached (events would be dropped) or the opening not over (fewer than ``min_votes``
    statements)."""
    if votes.value.size == start:
        return matrix
    if matrix.statement_ids.size < params.min_votes:
        return None
    column, new_statements, statement_first = _extend_ids(
        matrix.statement_ids, votes.statement[start:], start
    )
    row, new_participants, _ = _extend_ids(matrix.participant_ids, votes.participant[start:], start)
    n_s = matrix.statement_ids.size + new_statements.size
    n_p = matrix.participant_ids.size + new_participants.size
    if n_s > params.max_statements or n_p > params.max_participants:
        return None
    # The last new vote on every cell, cells in (row, column) order.
    key = row * n_s + column
    order = np.argsort(key, kind="stable")
    key = key[order]
    last = np.append(key[1:] != key[:-1], True)
    key, value = key[last], votes.value[start:][order[last]]
    old_key = matrix.row * n_s + matrix.col
    at = np.searchsorted(old_key, key)
    voted = at < old_key.size
    voted[voted] = old_key[at[voted]] == key[voted]
    # Cells voted before take the new value; the others are inserted in order, with one mask
    # for the columns and the values (rows and codes follow from them).
    values = matrix.value.copy()
    values[at[voted]] = value[voted]
    at, key, value = at[~voted], key[~voted], value[~voted]
    new_row = key // n_s
    place = at + np.arange(at.size, dtype=np.int64)
    old_place = np.ones(matrix.col.size + at.size, dtype=bool)
    old_place[place] = False
    col = np.empty(old_place.size, dtype=np.int64)
    col[place] = key % n_s
    col[old_place] = matrix.col
    merged = np.empty(old_place.size, dtype=np.int8)
    merged[place] = value
    merged[old_place] = values
    counts = np.zeros(n_p, dtype=np.int64)
    counts[: matrix.participant_ids.size] = np.diff(matrix.indptr)
    counts += np.bincount(new_row, minlength=n_p)
    indptr = np.zeros(n_p + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    code = col * 3
    code += merged
    code += 1
    return VoteMatrix(
        participant_ids=np.concatenate([matrix.participant_ids, new_participants]),
        statement_ids=np.concatenate([matrix.statement_ids, new_statements]),
        indptr=indptr,
        row=np.repeat(np.arange(n_p, dtype=np.int64), counts),
        col=col,
        value=merged,
        cell_code=code,
        statement_first_event=np.concatenate([matrix.statement_first_event, statement_first]),
        opening_row=matrix.opening_row,
        opening_event=matrix.opening_event,
    )


class MatrixMemo:
    """The vote matrix of the last stream built, extended (``extend_matrix``) when the next
    stream only appends events to it, as a live round's stream does between two updates (a
    withdrawal or a retraction removes events: the matrix is then built afresh). Holds the
    last stream (by reference: its arrays must not be changed in place afterwards) and its
    matrix; safe to share between threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: tuple[Votes, Parameters, VoteMatrix] | None = None

    def build(self, votes: Votes, params: Parameters) -> VoteMatrix:
        """``build_matrix(votes, params)``."""
        with self._lock:
            last = self._last
        matrix = None
        if last is not None and last[1] == params and _appends(last[0], votes):
            matrix = extend_matrix(last[2], votes, last[0].value.size, params)
        if matrix is None:
            matrix = build_matrix(votes, params)
        with self._lock:
            self._last = (votes, params, matrix)
        return matrix


def _appends(before: Votes, after: Votes) -> bool:
    """Whether the time-ordered stream ``after`` is ``before`` followed by more events."""
    n = before.value.size
    return (
        before.in_time_order
        and after.in_time_order
        and after.value.size >= n
        and all(
            np.array_equal(getattr(after, name)[:n], getattr(before, name))
            for name in ("participant", "statement", "value")
        )
    )
