"""Comparing two partitions of the same participants."""

import numpy as np
from numpy.typing import NDArray


def adjusted_rand_index(a: NDArray[np.int64], b: NDArray[np.int64]) -> float:
    """Adjusted Rand index (Hubert and Arabie) of two labelings of the same n items.

    1.0 for identical partitions (whatever the label names), about 0 for independent ones.
    Two partitions that both put everything in one cluster (or everything apart) score 1.0.

    Raises:
        ValueError: labelings of different lengths.
    """
    if a.shape != b.shape:
        raise ValueError("labelings must have the same length")
    _, ia = np.unique(a, return_inverse=True)
    _, ib = np.unique(b, return_inverse=True)
    table = np.zeros((int(ia.max(initial=-1)) + 1, int(ib.max(initial=-1)) + 1))
    np.add.at(table, (ia.reshape(-1), ib.reshape(-1)), 1)

    def pairs(x: NDArray[np.float64]) -> float:
        return float((x * (x - 1) / 2).sum())

    index = pairs(table)
    rows = pairs(table.sum(axis=1))
    cols = pairs(table.sum(axis=0))
    total = a.size * (a.size - 1) / 2
    expected = rows * cols / total if total else 0.0
    maximum = (rows + cols) / 2
    if maximum == expected:
        return 1.0
    return (index - expected) / (maximum - expected)
