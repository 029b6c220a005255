"""Inputs of the opinion pipeline: a time-ordered stream of votes and the moderation flags."""

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

AGREE = 1
DISAGREE = -1
PASS = 0


@dataclass(frozen=True)
class Votes:
    """Vote events, oldest first; on the same participant and statement the last event wins.

    Attributes:
        participant: (n_events,) int64 participant ids (any integers).
        statement: (n_events,) int64 statement ids (any integers).
        value: (n_events,) int8, ``AGREE`` = +1, ``DISAGREE`` = -1, ``PASS`` = 0 (the Palabre and
            Pol.is-export sign; Pol.is' internal sign is the opposite).
        in_time_order: True when the events are the real history in time order: the clustered set
            is then replayed after every event, as the live Pol.is worker builds it. False when the
            events only describe a final matrix (an export without timestamps): the clustered-set
            rule is applied once to the final matrix.

    Rows and columns of every matrix the pipeline builds follow the order in which participants
    and statements first appear in the stream; that order is also the k-means initialisation order.

    Raises:
        ValueError: arrays of different lengths, or a value outside {-1, 0, +1}.
    """

    participant: NDArray[np.int64]
    statement: NDArray[np.int64]
    value: NDArray[np.int8]
    in_time_order: bool = True

    def __post_init__(self) -> None:
        n = self.participant.shape
        if self.participant.ndim != 1 or self.statement.shape != n or self.value.shape != n:
            raise ValueError("participant, statement and value must be 1-D arrays of one length")
        if self.value.size and (self.value.min() < DISAGREE or self.value.max() > AGREE):
            raise ValueError("vote values must be -1 (disagree), 0 (pass) or +1 (agree)")

    @classmethod
    def from_lists(
        cls,
        participant: list[int],
        statement: list[int],
        value: list[int],
        *,
        in_time_order: bool = True,
    ) -> "Votes":
        """Build from plain lists (convenient for small examples and tests)."""
        return cls(
            np.asarray(participant, dtype=np.int64).reshape(-1),
            np.asarray(statement, dtype=np.int64).reshape(-1),
            np.asarray(value, dtype=np.int8).reshape(-1),
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
    """

    votes: Votes
    rejected: frozenset[int] = frozenset()
    meta: frozenset[int] = frozenset()
    territory: Mapping[int, str] = field(default_factory=dict)
