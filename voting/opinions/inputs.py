"""Inputs of the opinion pipeline: a time-ordered stream of votes and the moderation flags."""

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

AGREE = 1
DISAGREE = -1
PASS = 0


INT64 = np.iinfo(np.int64)


def _ids(name: str, ids: NDArray[np.generic]) -> NDArray[np.int64]:
    """``ids`` as int64, or ValueError when they are not integers of the int64 range."""
    if ids.dtype == np.int64:
        return ids  # type: ignore[return-value]
    if ids.dtype == object:
        bad = next(
            (
                x
                for x in ids.tolist()
                if isinstance(x, bool)
                or not isinstance(x, int | np.integer)
                or not INT64.min <= int(x) <= INT64.max
            ),
            None,
        )
        if bad is None:
            return ids.astype(np.int64)
        raise ValueError(f"{name} ids must be integers between -2**63 and 2**63 - 1, not {bad!r}")
    if not np.issubdtype(ids.dtype, np.integer):
        raise ValueError(f"{name} ids must be integers, not {ids.dtype} values")
    if ids.size and (int(ids.min()) < INT64.min or int(ids.max()) > INT64.max):
        bad = int(ids.max()) if int(ids.max()) > INT64.max else int(ids.min())
        raise ValueError(f"{name} id {bad} is outside the int64 range")
    return ids.astype(np.int64)


def _values(value: NDArray[np.generic]) -> NDArray[np.int8]:
    """``value`` as int8, or ValueError naming the first value that is not exactly -1, 0, +1."""
    if np.issubdtype(value.dtype, np.integer):
        if not value.size or (int(value.min()) >= DISAGREE and int(value.max()) <= AGREE):
            return value.astype(np.int8, copy=False)
        wrong = ~np.isin(value, (DISAGREE, PASS, AGREE))
    elif np.issubdtype(value.dtype, np.floating):
        wrong = ~np.isin(value, (DISAGREE, PASS, AGREE))  # NaN and inf are never in
    elif value.dtype == object:
        wrong = np.array([not _is_vote(x) for x in value.tolist()], dtype=bool).reshape(-1)
    else:
        raise ValueError(f"vote values must be -1, 0 or +1, not {value.dtype} values")
    if not wrong.any():
        return value.astype(np.int8)
    at = int(np.flatnonzero(wrong)[0])
    raise ValueError(
        f"vote values must be exactly -1 (disagree), 0 (pass) or +1 (agree): "
        f"event {at} has {np.asarray(value[at]).item()!r}"
    )


def _is_vote(x: object) -> bool:
    return not isinstance(x, bool) and isinstance(x, int | float | np.number) and x in (-1, 0, 1)


def canonical_order(
    participant: NDArray[np.int64], statement: NDArray[np.int64]
) -> NDArray[np.intp]:
    """The order of events without timestamps: by statement id, then participant id (the order
    in which a Pol.is full recompute meets them, so rows appear by the lowest statement they
    voted on). Stable: events on the same cell keep their relative order."""
    return np.lexsort((participant, statement))


@dataclass(frozen=True)
class Votes:
    """Vote events, oldest first; on the same participant and statement the last event wins.

    Attributes:
        participant: (n_events,) int64 participant ids (any integers of the int64 range).
        statement: (n_events,) int64 statement ids (any integers of the int64 range).
        value: (n_events,) int8, ``AGREE`` = +1, ``DISAGREE`` = -1, ``PASS`` = 0 (the Palabre and
            Pol.is-export sign; Pol.is' internal sign is the opposite).
        in_time_order: True when the events are the real history in time order: the clustered set
            is then replayed after every event, as the live Pol.is worker builds it. False when the
            events only describe a final matrix (an export without timestamps): the clustered-set
            rule is applied once to the final matrix, and the events are put in
            ``canonical_order`` (by statement, then participant) whatever order they came in, so
            the result does not depend on it. Such a matrix has one value per cell: an event
            repeated with the same value counts once, two different values on one cell are an
            error.

    Integer arrays of other dtypes, and votes given as floats that are exactly -1.0, 0.0 or 1.0,
    are converted. Rows and columns of every matrix the pipeline builds follow the order in
    which participants and statements first appear in the stream; that order is also the
    k-means initialisation order.

    Raises:
        ValueError: arrays of different lengths; a value that is not exactly -1, 0 or +1 (0.5,
            NaN, inf, 2); an id that is not an integer of the int64 range; without time order,
            two different values on one cell. The message says which.
    """

    participant: NDArray[np.int64]
    statement: NDArray[np.int64]
    value: NDArray[np.int8]
    in_time_order: bool = True

    def __post_init__(self) -> None:
        n = np.shape(self.participant)
        if len(n) != 1 or np.shape(self.statement) != n or np.shape(self.value) != n:
            raise ValueError("participant, statement and value must be 1-D arrays of one length")
        participant = _ids("participant", np.asarray(self.participant))
        statement = _ids("statement", np.asarray(self.statement))
        value = _values(np.asarray(self.value))
        if not self.in_time_order and value.size:
            order = canonical_order(participant, statement)
            participant, statement, value = participant[order], statement[order], value[order]
            same = (participant[1:] == participant[:-1]) & (statement[1:] == statement[:-1])
            clash = np.flatnonzero(same & (value[1:] != value[:-1]))
            if clash.size:
                i = int(clash[0])
                raise ValueError(
                    f"votes without time order describe one value per cell, but participant "
                    f"{participant[i]} has {value[i]} and {value[i + 1]} on statement {statement[i]}"
                )
        object.__setattr__(self, "participant", participant)
        object.__setattr__(self, "statement", statement)
        object.__setattr__(self, "value", value)

    @classmethod
    def from_lists(
        cls,
        participant: list[int],
        statement: list[int],
        value: list[int],
        *,
        in_time_order: bool = True,
    ) -> "Votes":
        """Build from plain lists (convenient for small examples and tests); the same checks."""
        return cls(
            np.array(participant, dtype=object).reshape(-1),
            np.array(statement, dtype=object).reshape(-1),
            np.array(value, dtype=object).reshape(-1),
            in_time_order=in_time_order,
        )


@dataclass(frozen=True)
class Conversation:
    """Everything the pipeline reads about one conversation (a Palabre round).

    Attributes:
        votes: the vote events.
        rejected: ids of statements a moderator rejected (Pol.is ``mod = -1``).
        meta: ids of meta statements (about the conversation itself). Rejected and meta statements
            form the "mod-out" set: zeroed in the rating matrix, absent from representative and
            consensus lists, still present in group-informed consensus and priorities.
        territory: optional territory label per participant id; participants without a label are
            left out of the territory analysis. An empty mapping means no territory analysis.

    Raises:
        ValueError: an id that is not an integer of the int64 range, or a label not a string.
    """

    votes: Votes
    rejected: frozenset[int] = frozenset()
    meta: frozenset[int] = frozenset()
    territory: Mapping[int, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, ids in (("rejected", self.rejected), ("meta", self.meta)):
            _ids(f"{name} statement", np.array(list(ids), dtype=object))
        _ids("territory participant", np.array(list(self.territory), dtype=object))
        label = next((t for t in self.territory.values() if not isinstance(t, str)), None)
        if label is not None:
            raise ValueError(f"territory labels must be strings, not {label!r}")
