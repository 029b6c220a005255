import numpy as np
import pytest

from voting.opinions import adjusted_rand_index


def test_identical_partitions_whatever_the_names() -> None:
    assert adjusted_rand_index(np.array([0, 0, 1, 1, 2]), np.array([5, 5, 3, 3, 9])) == 1.0


def test_worked_example() -> None:
    # Contingency [[2, 1], [0, 2]]: index 1 + 1 = 2, rows 3 + 1 = 4, columns 1 + 3 = 4, 10 pairs.
    a = np.array([0, 0, 0, 1, 1])
    b = np.array([0, 0, 1, 1, 1])
    expected = (2 - 4 * 4 / 10) / ((4 + 4) / 2 - 4 * 4 / 10)
    assert adjusted_rand_index(a, b) == pytest.approx(expected)


def test_lengths_must_match() -> None:
    with pytest.raises(ValueError, match="same length"):
        adjusted_rand_index(np.array([0]), np.array([0, 1]))
