"""Vote grids for the opinion engine tests: dense participants x statements arrays."""

import numpy as np
from numpy.typing import NDArray

from deliberation.demo.synthetic import cast_votes, planted_agreement
from voting.opinions import Votes


def grid_votes(grid: NDArray[np.float64], *, in_time_order: bool = True) -> Votes:
    """Votes of a dense participants x statements grid (NaN = no vote), participant by
    participant: row i is participant id i, column j statement id j."""
    rows, cols = np.nonzero(~np.isnan(grid))
    return Votes(
        rows.astype(np.int64),
        cols.astype(np.int64),
        grid[rows, cols].astype(np.int8),
        in_time_order=in_time_order,
    )


def planted_grid(
    n: int, m: int, *, groups: int = 2, density: float = 0.6, seed: int = 0
) -> NDArray[np.float64]:
    """A grid with ``groups`` planted opinion groups: participant i is in group i % groups."""
    rng = np.random.default_rng(seed)
    agree = planted_agreement(rng, groups, m, (0.1, 0.9))
    grid = cast_votes(rng, agree[np.arange(n) % groups], passes=0.1).astype(np.float64)
    grid[rng.random((n, m)) > density] = np.nan
    return grid
