"""Participant statistics relative to the map and their group (Pol.is ``participant-stats``)."""

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]


@dataclass(frozen=True)
class ParticipantStats:
    """(n_p,) arrays, NaN for participants without a group.

    Attributes:
        centricness: 1 - distance to the mean projection of all participants.
        coreness: 1 - distance to the mean projection of the participant's group.
        extremeness: position relative to the group center along the unit direction from the
            global center to the group center (positive: beyond the group center).
    """

    centricness: Floats
    coreness: Floats
    extremeness: Floats


def participant_stats(projection: Floats, group: Ints, n_groups: int) -> ParticipantStats:
    """Compute the statistics from (n_p, 2) projections and (n_p,) group indices (-1: none)."""
    n_p = len(projection)
    nan = np.full(n_p, np.nan)
    if n_p == 0 or n_groups == 0:
        return ParticipantStats(nan, nan.copy(), nan.copy())
    everyone = projection.mean(axis=0)
    inside = group >= 0
    # Coordinates as contiguous rows: element-wise work on (n, 2) columns is strided and slow.
    x, y = np.ascontiguousarray(projection.T)
    members = group[inside]
    size = np.bincount(members, minlength=n_groups)
    centers = (
        np.column_stack(
            [np.bincount(members, weights=c[inside], minlength=n_groups) for c in (x, y)]
        )
        / np.maximum(size, 1)[:, None]
    )
    direction = centers - everyone
    length = np.hypot(direction[:, 0], direction[:, 1])
    unit = np.divide(
        direction, length[:, None], out=np.zeros_like(direction), where=length[:, None] > 0
    )
    own = np.where(inside, group, 0)
    ox = x - centers[:, 0][own]
    oy = y - centers[:, 1][own]
    outside = ~inside
    centricness = 1 - np.hypot(x - everyone[0], y - everyone[1])
    coreness = 1 - np.hypot(ox, oy)
    extremeness = ox * unit[:, 0][own]
    extremeness += oy * unit[:, 1][own]
    for values in (centricness, coreness, extremeness):
        values[outside] = np.nan
    return ParticipantStats(centricness, coreness, extremeness)
