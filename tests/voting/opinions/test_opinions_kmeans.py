import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voting.opinions.kmeans import Membership, kmeans


def naive(points: np.ndarray, k: int, iters: int, weights: np.ndarray | None = None):
    """A literal transcription of Pol.is kmeans without history."""
    w = np.ones(len(points)) if weights is None else weights
    seen: list[tuple[float, float]] = []
    for p in map(tuple, points):
        if p not in seen:
            seen.append(p)
    centers = np.array(seen[:k])
    for step in range(iters + 1):
        d = np.sqrt(((points[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2))
        label = d.argmin(axis=1)
        keep = np.unique(label)
        new = np.array(
            [np.average(points[label == c], axis=0, weights=w[label == c]) for c in keep]
        )
        label = np.searchsorted(keep, label)
        a = centers[np.lexsort(centers.T[::-1])]
        b = new[np.lexsort(new.T[::-1])]
        m = min(len(a), len(b))
        same = bool(np.all(np.sqrt(((a[:m] - b[:m]) ** 2).sum(axis=1)) < 0.01))
        centers = new
        if step == iters or same:
            break
    return centers, label


def test_worked_example() -> None:
    points = np.array([[0.0, 0.0], [0.0, 0.0], [1.0, 0.0], [10.0, 0.0], [11.0, 0.0]])
    result = kmeans(points, 2, max_iters=20, converge=0.01, point_ids=np.arange(5))
    assert result.ids.tolist() == [0, 1]
    assert result.label.tolist() == [0, 0, 0, 1, 1]
    assert result.centers == pytest.approx(np.array([[1 / 3, 0.0], [10.5, 0.0]]))


def test_fewer_distinct_points_than_k() -> None:
    points = np.array([[1.0, 1.0]] * 4 + [[2.0, 2.0]])
    result = kmeans(points, 100, max_iters=100, converge=0.01, point_ids=np.arange(5))
    assert result.ids.size == 2


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(1, 3000),
    k=st.integers(1, 30),
    weighted=st.booleans(),
)
def test_bounded_lloyd_equals_the_naive_one(seed: int, n: int, k: int, weighted: bool) -> None:
    rng = np.random.default_rng(seed)
    points = np.round(rng.normal(size=(n, 2)) * 3, 1)
    weights = rng.integers(1, 5, n).astype(float) if weighted else None
    result = kmeans(
        points, k, max_iters=100, converge=0.01, point_ids=np.arange(n), weights=weights
    )
    centers, label = naive(points, k, 100, weights)
    assert result.label.tolist() == label.tolist()
    assert result.centers == pytest.approx(centers, abs=1e-9)


def test_clean_start_keeps_ids_and_adds_outliers() -> None:
    points = np.array([[0.0, 0.0], [0.2, 0.0], [5.0, 5.0], [9.0, 9.0]])
    last = Membership(np.array([10, 11, 12]), np.array([4, 4, 7]))
    result = kmeans(
        points, 3, max_iters=20, converge=0.01, point_ids=np.array([10, 11, 12, 13]), last=last
    )
    assert result.ids.tolist() == [4, 7, 8]
    assert result.label.tolist() == [0, 0, 1, 2]


def test_clean_start_without_survivors_starts_one_cluster() -> None:
    points = np.array([[0.0, 0.0], [1.0, 0.0], [8.0, 0.0]])
    last = Membership(np.array([99]), np.array([3]))
    result = kmeans(points, 2, max_iters=20, converge=0.01, point_ids=np.arange(3), last=last)
    assert result.ids.tolist() == [4, 5]
    assert result.label.tolist() == [0, 0, 1]


def test_clean_start_merges_clusters_with_identical_centers() -> None:
    points = np.array([[0.0, 0.0], [0.0, 0.0], [5.0, 5.0]])
    last = Membership(np.array([0, 1, 2]), np.array([3, 6, 9]))
    result = kmeans(points, 3, max_iters=20, converge=0.01, point_ids=np.arange(3), last=last)
    assert result.ids.tolist() == [6, 9]
    assert result.label.tolist() == [0, 0, 1]
