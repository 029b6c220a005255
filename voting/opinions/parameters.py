"""Parameters of the opinion pipeline, defaulting to the values of the Pol.is math worker."""

import math
import numbers
from dataclasses import dataclass, fields

# Smallest value of every parameter; the integers have no upper bound but the memory they cost.
MINIMUM: dict[str, float] = {
    "max_participants": 1,
    "max_statements": 1,
    "min_votes": 1,
    "greedy_n": 0,
    "base_k": 2,
    "base_iters": 1,
    "max_k": 2,
    "group_iters": 1,
    "k_buffer": 1,
    "converge": 0.0,
    "z_90": 0.0,
    "rep_count": 0,
    "consensus_count": 0,
    "meta_priority": 0.0,
    "privacy_k": 1,
}


@dataclass(frozen=True)
class Parameters:
    """Tunable constants (OPINIONS.md section 15). The defaults reproduce Pol.is.

    Attributes:
        max_participants: participants admitted, in order of first vote; later ones are ignored.
        max_statements: statements admitted, in order of first vote; later ones are ignored.
        min_votes: a participant is clustered once they voted on min(min_votes, statements so far).
        greedy_n: while fewer participants are clustered, the most active others are added.
        base_k: number of base clusters (buckets).
        base_iters: iteration budget of the base k-means.
        max_k: largest number of opinion groups.
        group_iters: iteration budget of the group k-means.
        k_buffer: consecutive wins a new best k needs before it is shown.
        converge: k-means stops when sorted centers moved less than this (projection units).
        z_90: one-sided 90% significance threshold of the z-tests.
        rep_count: representative statements kept per group.
        consensus_count: consensus statements kept per side.
        meta_priority: routing priority of meta statements before squaring.
        privacy_k: territory counts below this are flagged for suppression.

    Raises:
        ValueError: a parameter of the wrong type (an integer parameter given a float or a
            bool, a float parameter NaN or infinite) or below its minimum (``MINIMUM``: at
            least one participant, statement, vote, iteration and k-smoother win, at least two
            base clusters and groups, no negative count, threshold or priority). The message
            names the parameter.
    """

    max_participants: int = 100_000
    max_statements: int = 10_000
    min_votes: int = 7
    greedy_n: int = 15
    base_k: int = 100
    base_iters: int = 100
    max_k: int = 5
    group_iters: int = 20
    k_buffer: int = 4
    converge: float = 0.01
    z_90: float = 1.2816
    rep_count: int = 5
    consensus_count: int = 5
    meta_priority: float = 7.0
    privacy_k: int = 5

    def __post_init__(self) -> None:
        for spec in fields(self):
            value = getattr(self, spec.name)
            if spec.type in (int, "int"):
                if isinstance(value, bool) or not isinstance(value, numbers.Integral):
                    raise ValueError(f"Parameters.{spec.name} must be an integer, not {value!r}")
            elif isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise ValueError(f"Parameters.{spec.name} must be a number, not {value!r}")
            elif not math.isfinite(value):
                raise ValueError(f"Parameters.{spec.name} must be finite, not {value!r}")
            if value < MINIMUM[spec.name]:
                raise ValueError(
                    f"Parameters.{spec.name} must be at least {MINIMUM[spec.name]}, not {value!r}"
                )
