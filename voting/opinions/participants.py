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
    size = np.bincount(group[inside], minlength=n_groups)
    centers = (
        np.column_stack(
            [
                np.bincount(group[inside], weights=projection[inside, i], minlength=n_groups)
                for i in (0, 1)
            ]
        )
        / np.maximum(size, 1)[:, None]
    )
    direction = centers - everyone
    length = np.hypot(direction[:, 0], direction[:, 1])
    unit = np.divide(
        direction, length[:, None], out=np.zeros_like(direction), where=length[:, None] > 0
    )
    own = np.where(inside, group, 0)
    offset = projection - centers[own]
    centricness = np.where(inside, 1 - np.hypot(*(projection - everyone).T), np.nan)
    coreness = np.where(inside, 1 - np.hypot(*offset.T), np.nan)
    extremeness = np.where(inside, np.einsum("ij,ij->i", offset, unit[own]), np.nan)
    return ParticipantStats(centricness, coreness, extremeness)
