"""The normalised profile every method counts: unique ballots as integer arrays.

Whatever form the ballots arrive in (:class:`~voting.methods.ballots.Ballot` objects, a
:class:`~voting.methods.ballots.BallotProfile`, a :class:`~voting.methods.ballots.RankedProfile`),
:func:`build_profile` validates them against the candidates and the ballot type, and merges
identical ballots (same choice, territory and weight) into one row with a count.

Row encoding of ``values`` (rows by candidates, candidates in the order given to ``tally``):

- ranked: dense rank, 1 for the top group, 2 for the next non-empty group..., 0 for unranked;
- approval: 1 approved, 0 not;
- score: the value, a blank holding the scale's lowest value and flagged in ``blank``;
- stance: a single column with the :data:`STANCE_CODES` code; block reasons in ``reasons``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from functools import cached_property
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from voting.methods.ballots import Ballot, BallotProfile, Block, RankedProfile, Stance
from voting.methods.errors import MethodError

IntArray = npt.NDArray[np.int64]
# Ballot codes in the smallest signed integer type that holds them (memory-bound comparisons
# over millions of ballots run several times faster on int8 than on int64).
CodeArray = npt.NDArray[np.signedinteger[Any]]
BoolArray = npt.NDArray[np.bool_]
# Per-row weight totals: int64, or Python ints (object dtype) when int64 could overflow.
MassArray = npt.NDArray[np.int64] | npt.NDArray[np.object_]

STANCE_CODES: dict[Stance, int] = {
    Stance.AGREE: 0,
    Stance.ABSTAIN: 1,
    Stance.DISAGREE: 2,
    Stance.BLOCK: 3,
}
# Room left in int64 sums for the largest factor a method multiplies weights by (number of
# options, scale values).
_HEADROOM = 1 << 21
_Label = TypeVar("_Label", str, Fraction)
_INT64_LIMIT = 1 << 63


class BallotKind(StrEnum):
    """The shape of ballot a method reads."""

    RANKED = "ranked"
    APPROVAL = "approval"
    SCORE = "score"
    STANCE = "stance"


@dataclass(frozen=True)
class Scale:
    """Inclusive integer bounds of a score or grade scale."""

    low: int
    high: int


@dataclass(frozen=True, eq=False)
class Profile:
    """Unique ballots, validated, with counts and exact weights.

    Attributes:
        kind: ballot type.
        candidates: option names, in the order given to ``tally``.
        values: ``(rows, columns)``, encoded as described in the module docstring, in the
            smallest signed integer type holding the codes.
        blank: ``(rows, columns)`` bool, True where a score ballot left the option blank.
        reasons: table of distinct block reasons; ``reason[row]`` indexes it, -1 for none.
        territories: table of territory labels; ``territory[row]`` indexes it, -1 for none.
        weights: table of distinct per-ballot weights; ``weight[row]`` indexes it.
        count: number of identical ballots in each row (people, not weight).
    """

    kind: BallotKind
    candidates: tuple[str, ...]
    values: CodeArray
    blank: BoolArray
    reasons: tuple[str, ...]
    reason: IntArray
    territories: tuple[str, ...]
    territory: IntArray
    weights: tuple[Fraction, ...]
    weight: IntArray
    count: IntArray

    @property
    def rows(self) -> int:
        """Number of unique ballots."""
        return int(self.values.shape[0])

    @cached_property
    def abstaining(self) -> BoolArray:
        """Rows that express nothing: empty ranking, empty approval set, all-blank score ballot,
        or the abstain stance."""
        if self.kind is BallotKind.STANCE:
            empty: BoolArray = self.values[:, 0] == STANCE_CODES[Stance.ABSTAIN]
        else:
            said = ~self.blank if self.kind is BallotKind.SCORE else self.values != 0
            # Column by column: reducing along a short second axis is slow for millions of rows.
            empty = np.ones(self.rows, dtype=np.bool_)
            for column in range(said.shape[1]):
                empty &= ~said[:, column]
        empty.flags.writeable = False  # computed once and shared
        return empty

    def mass(self) -> tuple[MassArray, int]:
        """Exact weight of each row as integer units of ``1 / denominator``.

        Returns ``(units, denominator)`` where row ``i`` weighs ``units[i] / denominator`` in
        total (its count times its per-ballot weight); ``denominator`` is the least common
        denominator of the weights. ``units`` is int64 when every sum a method forms fits,
        otherwise an object array of Python ints.
        """
        denominator = math.lcm(*(w.denominator for w in self.weights)) if self.weights else 1
        per_ballot = [w.numerator * (denominator // w.denominator) for w in self.weights]
        ballots_per_weight = np.zeros(len(self.weights), dtype=np.int64)
        np.add.at(ballots_per_weight, self.weight, self.count)
        total = sum(int(n) * u for n, u in zip(ballots_per_weight, per_ballot, strict=True))
        if total * _HEADROOM < _INT64_LIMIT:
            return self.count * np.asarray(per_ballot, dtype=np.int64)[self.weight], denominator
        table = np.asarray(per_ballot, dtype=object)
        return self.count.astype(object) * table[self.weight], denominator

    def select(self, rows: BoolArray) -> Profile:
        """The profile restricted to the rows where ``rows`` is True (same tables)."""
        return Profile(
            kind=self.kind,
            candidates=self.candidates,
            values=self.values[rows],
            blank=self.blank[rows],
            reasons=self.reasons,
            reason=self.reason[rows],
            territories=self.territories,
            territory=self.territory[rows],
            weights=self.weights,
            weight=self.weight[rows],
            count=self.count[rows],
        )


BallotsInput = Sequence[Ballot] | BallotProfile | RankedProfile


def build_profile(
    kind: BallotKind,
    candidates: tuple[str, ...],
    ballots: BallotsInput,
    scale: Scale | None = None,
) -> Profile:
    """Validate ``ballots`` for a method reading ``kind`` ballots and merge identical ones.

    ``scale`` is required for score ballots.

    Raises:
        MethodError: a ballot of the wrong shape, naming an unknown candidate, naming one twice,
            with a score off the scale or not an integer, a bare ``"block"`` stance without a
            reason, or a rank array whose width differs from the number of candidates.
    """
    if isinstance(ballots, RankedProfile):
        if kind is not BallotKind.RANKED:
            raise MethodError(f"a rank array holds ranked ballots, this method reads {kind}")
        return _from_rank_array(candidates, ballots)
    if isinstance(ballots, BallotProfile):
        items, counts = ballots.ballots, list(ballots.counts)
    else:
        items = tuple(ballots)
        counts = [1] * len(items)
    for ballot in items:
        if not isinstance(ballot, Ballot):
            raise MethodError(f"expected Ballot objects, got {type(ballot).__name__}")
    index = {name: j for j, name in enumerate(candidates)}
    width = 1 if kind is BallotKind.STANCE else len(candidates)
    values = np.zeros((len(items), width), dtype=np.int64)
    blank = np.zeros((len(items), width), dtype=np.bool_)
    reasons: dict[str, int] = {}
    reason = np.full(len(items), -1, dtype=np.int64)
    for row, ballot in enumerate(items):
        if kind is BallotKind.RANKED:
            values[row] = _ranked_row(ballot.choice, index)
        elif kind is BallotKind.APPROVAL:
            values[row] = _approval_row(ballot.choice, index)
        elif kind is BallotKind.SCORE:
            if scale is None:
                raise MethodError("score ballots need a scale")
            values[row], blank[row] = _score_row(ballot.choice, index, scale)
        else:
            values[row, 0], text = _stance_code(ballot.choice)
            if text is not None:
                reason[row] = reasons.setdefault(text, len(reasons))
    territories, territory = _labels([b.territory for b in items])
    weights, weight = _labels([b.weight for b in items])
    return _merge(
        kind=kind,
        candidates=candidates,
        values=values,
        blank=blank,
        reasons=tuple(reasons),
        reason=reason,
        territories=territories,
        territory=territory,
        weights=weights,
        weight=weight,
        count=np.asarray(counts, dtype=np.int64),
    )


def _ranked_row(choice: object, index: Mapping[str, int]) -> IntArray:
    if isinstance(choice, str | Mapping | Set) or not isinstance(choice, Sequence):
        raise MethodError("a ranked ballot is a sequence of groups (lists of option names)")
    row = np.zeros(len(index), dtype=np.int64)
    rank = 0
    for group in choice:
        if isinstance(group, str) or not isinstance(group, Sequence | Set):
            raise MethodError(f"a ranked group must be a list of names, not {group!r}")
        if not group:
            continue
        rank += 1
        for name in group:
            j = _candidate(name, index)
            if row[j]:
                raise MethodError(f"option {name!r} appears twice on one ballot")
            row[j] = rank
    return row


def _approval_row(choice: object, index: Mapping[str, int]) -> IntArray:
    if not isinstance(choice, Set):
        raise MethodError("an approval ballot is a set of option names")
    row = np.zeros(len(index), dtype=np.int64)
    for name in choice:
        row[_candidate(name, index)] = 1
    return row


def _score_row(
    choice: object, index: Mapping[str, int], scale: Scale
) -> tuple[IntArray, BoolArray]:
    if not isinstance(choice, Mapping):
        raise MethodError("a score ballot is a mapping from option name to integer")
    row = np.full(len(index), scale.low, dtype=np.int64)
    blank = np.ones(len(index), dtype=np.bool_)
    for name, value in choice.items():
        j = _candidate(name, index)
        if isinstance(value, bool) or not isinstance(value, int):
            raise MethodError(f"the score of {name!r} must be an integer, not {value!r}")
        if not scale.low <= value <= scale.high:
            raise MethodError(
                f"the score {value} of {name!r} is off the scale {scale.low}..{scale.high}"
            )
        row[j] = value
        blank[j] = False
    return row, blank


def _stance_code(choice: object) -> tuple[int, str | None]:
    if isinstance(choice, Block):
        return STANCE_CODES[Stance.BLOCK], choice.reason
    if isinstance(choice, str) and choice in {s.value for s in Stance}:
        if choice == Stance.BLOCK:
            raise MethodError("a block needs a reason: cast Block(reason)")
        return STANCE_CODES[Stance(choice)], None
    raise MethodError(f"a stance is agree, abstain, disagree or Block(reason), not {choice!r}")


def _candidate(name: object, index: Mapping[str, int]) -> int:
    if not isinstance(name, str):
        raise MethodError(f"option names are strings, not {name!r}")
    if name not in index:
        raise MethodError(f"unknown candidate {name!r}")
    return index[name]


def _labels(items: Sequence[_Label | None]) -> tuple[tuple[_Label, ...], IntArray]:
    table: dict[_Label, int] = {}
    codes = np.fromiter(
        (-1 if item is None else table.setdefault(item, len(table)) for item in items),
        dtype=np.int64,
        count=len(items),
    )
    return tuple(table), codes


def _from_rank_array(candidates: tuple[str, ...], bulk: RankedProfile) -> Profile:
    ranks = np.asarray(bulk.ranks)
    if ranks.shape[1] != len(candidates):
        raise MethodError(
            f"the rank array has {ranks.shape[1]} columns for {len(candidates)} candidates"
        )
    rows = ranks.shape[0]
    counts = (
        np.ones(rows, dtype=np.int64)
        if bulk.counts is None
        else np.asarray(bulk.counts, dtype=np.int64)
    )
    territories, territory = (
        _labels(list(bulk.territories))
        if bulk.territories is not None
        else ((), np.full(rows, -1, dtype=np.int64))
    )
    if any(not isinstance(t, str) for t in territories):
        raise MethodError("territory labels must be strings")
    if bulk.weights is not None:
        weights, weight = _labels([_checked_weight(w) for w in bulk.weights])
    else:
        weights, weight = (Fraction(1),), np.zeros(rows, dtype=np.int64)
    # Merge on the raw ranks first (cheap), densify the unique rows, then merge again.
    merged, territory, weight, counts = _merge_rows(ranks, territory, weight, counts)
    dense = _dense_ranks(merged)
    if dense is not merged:
        dense, territory, weight, counts = _merge_rows(dense, territory, weight, counts)
    values = compact(dense)
    width = len(candidates)
    return Profile(
        kind=BallotKind.RANKED,
        candidates=candidates,
        values=values,
        blank=np.zeros((values.shape[0], width), dtype=np.bool_),
        reasons=(),
        reason=np.full(values.shape[0], -1, dtype=np.int64),
        territories=territories,
        territory=territory,
        weights=weights,
        weight=weight,
        count=counts,
    )


def _checked_weight(weight: object) -> Fraction:
    if isinstance(weight, bool) or not isinstance(weight, int | Fraction) or weight <= 0:
        raise MethodError(f"a weight must be a positive int or Fraction, not {weight!r}")
    return Fraction(weight)


def _dense_ranks(ranks: npt.NDArray[np.integer[Any]]) -> npt.NDArray[np.integer[Any]]:
    """Replace each row's positive ranks by 1, 2, ... in the same order; 0 stays unranked.

    Rows already dense (the ranks used are exactly 1..highest) are kept; they are found with a
    bitmask of the ranks used when ranks stay below 63, which avoids sorting every row.
    """
    if ranks.size == 0:
        return ranks
    if int(ranks.max()) < 63:
        # Column by column: reducing along a short second axis is slow for millions of rows.
        highest = np.zeros(ranks.shape[0], dtype=np.int64)
        used = np.zeros(ranks.shape[0], dtype=np.int64)
        for column in range(ranks.shape[1]):
            rank = ranks[:, column].astype(np.int64)
            np.maximum(highest, rank, out=highest)
            used |= np.left_shift(1, rank)
        loose = np.flatnonzero((used | 1) != (np.left_shift(1, highest + 1) - 1))
    else:
        loose = np.arange(ranks.shape[0])
    if loose.size == 0:
        return ranks
    part = ranks[loose]
    order = np.argsort(part, axis=1, kind="stable")
    sorted_part = np.take_along_axis(part, order, axis=1)
    step = np.ones(sorted_part.shape, dtype=np.bool_)
    step[:, 1:] = sorted_part[:, 1:] != sorted_part[:, :-1]
    step &= sorted_part > 0
    dense_part = np.empty_like(part)
    np.put_along_axis(dense_part, order, np.cumsum(step, axis=1), axis=1)
    dense = ranks.copy()
    dense[loose] = dense_part
    return dense


def _merge(
    *,
    kind: BallotKind,
    candidates: tuple[str, ...],
    values: IntArray,
    blank: BoolArray,
    reasons: tuple[str, ...],
    reason: IntArray,
    territories: tuple[str, ...],
    territory: IntArray,
    weights: tuple[Fraction, ...],
    weight: IntArray,
    count: IntArray,
) -> Profile:
    width = values.shape[1]
    stacked = np.concatenate([values, blank.astype(np.int64), reason[:, None]], axis=1)
    rows, territory, weight, count = _merge_rows(stacked, territory, weight, count)
    merged = rows.astype(np.int64, copy=False)
    return Profile(
        kind=kind,
        candidates=candidates,
        values=compact(merged[:, :width]),
        blank=merged[:, width : 2 * width].astype(np.bool_),
        reasons=reasons,
        reason=merged[:, 2 * width],
        territories=territories,
        territory=territory,
        weights=weights,
        weight=weight,
        count=count,
    )


def compact(values: npt.NDArray[np.integer[Any]]) -> CodeArray:
    """``values`` in the smallest signed integer type that holds them."""
    low = int(values.min()) if values.size else 0
    high = int(values.max()) if values.size else 0
    for dtype in (np.int8, np.int16, np.int32):
        info = np.iinfo(dtype)
        if info.min <= low and high <= info.max:
            return values.astype(dtype, copy=False)
    return values.astype(np.int64, copy=False)


def _merge_rows(
    values: npt.NDArray[np.integer[Any]], territory: IntArray, weight: IntArray, count: IntArray
) -> tuple[npt.NDArray[np.integer[Any]], IntArray, IntArray, IntArray]:
    """Merge rows equal in values, territory and weight, summing their counts.

    Rows come out sorted by their merge key, so deterministically whatever the input order.
    """
    if values.shape[0] == 0:
        return values, territory, weight, count
    lows = [int(v) for v in values.min(axis=0)] + [int(territory.min()), int(weight.min())]
    highs = [int(v) for v in values.max(axis=0)] + [int(territory.max()), int(weight.max())]
    radix = [high - low + 1 for low, high in zip(lows, highs, strict=True)]
    if math.prod(radix) < _INT64_LIMIT:
        strides = [math.prod(radix[j + 1 :]) for j in range(len(radix))]
        width = values.shape[1]
        key = (territory - lows[width]) * strides[width] + (weight - lows[width + 1])
        for column in range(width):
            if radix[column] > 1:
                key += (values[:, column].astype(np.int64) - lows[column]) * strides[column]
        order = np.argsort(key)
        ordered = key[order]
        starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
        first = order[starts]
        merged_count = np.add.reduceat(count[order], starts)
    else:
        stacked = np.concatenate([values, territory[:, None], weight[:, None]], axis=1)
        _, first, inverse = np.unique(stacked, axis=0, return_index=True, return_inverse=True)
        merged_count = np.zeros(first.shape[0], dtype=np.int64)
        np.add.at(merged_count, inverse.reshape(-1), count)
    return values[first], territory[first], weight[first], merged_count
