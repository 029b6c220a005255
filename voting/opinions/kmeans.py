"""Pol.is k-means on 2-D points: initialisation, clean start from a previous clustering, Lloyd."""

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]

# Rows of the (points x centers) distance block computed at once; bounds memory on 100k points.
CHUNK = 16_384


@dataclass(frozen=True)
class Membership:
    """A clustering remembered between updates: the cluster id of every clustered point id.

    Attributes:
        point_ids: (m,) ids of the points (participant ids, or base-cluster ids for groups).
        cluster_ids: (m,) cluster id of each point.
    """

    point_ids: Ints
    cluster_ids: Ints


@dataclass(frozen=True)
class Clustering:
    """Result of a k-means run.

    Attributes:
        ids: (c,) cluster ids, ascending; ids persist across updates through ``Membership``.
        centers: (c, 2) weighted mean of every cluster's points.
        label: (n,) index into ``ids`` of every point's cluster.
    """

    ids: Ints
    centers: Floats
    label: Ints

    def membership(self, point_ids: Ints) -> Membership:
        """Remember this clustering of the points named ``point_ids``."""
        return Membership(point_ids, self.ids[self.label])


def nearest(points: Floats, centers: Floats) -> tuple[Ints, Floats]:
    """Index of the nearest center of every point (ties: the first center) and its distance."""
    n = points.shape[0]
    index = np.empty(n, dtype=np.int64)
    distance = np.empty(n)
    for start in range(0, n, CHUNK):
        block = points[start : start + CHUNK]
        squared = (block[:, 0, None] - centers[None, :, 0]) ** 2
        squared += (block[:, 1, None] - centers[None, :, 1]) ** 2
        best = np.argmin(squared, axis=1)
        index[start : start + CHUNK] = best
        distance[start : start + CHUNK] = np.sqrt(squared[np.arange(best.size), best])
    return index, distance


def _means(points: Floats, weights: Floats, label: Ints, n: int) -> Floats:
    """(n, 2) weighted mean of the points of every label; NaN rows for empty labels."""
    mass = np.bincount(label, weights=weights, minlength=n)
    x = np.bincount(label, weights=weights * points[:, 0], minlength=n)
    y = np.bincount(label, weights=weights * points[:, 1], minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.column_stack([x / mass, y / mass])


def _distinct_first(points: Floats) -> Ints:
    """Row indices of the distinct points, in row order of their first occurrence."""
    _, first = np.unique(points, axis=0, return_index=True)
    return np.sort(first)


def _same(a: Floats, b: Floats, converge: float) -> bool:
    """Pol.is ``same-clustering?``: sorted centers pairwise closer than ``converge``."""
    a = a[np.lexsort((a[:, 1], a[:, 0]))]
    b = b[np.lexsort((b[:, 1], b[:, 0]))]
    m = min(len(a), len(b))
    return bool(np.all(np.hypot(*(a[:m] - b[:m]).T) < converge))


def _previous_cluster(point_ids: Ints, last: Membership) -> Ints:
    """Cluster id of every point in ``last``, or -1 for points it does not know."""
    order = np.argsort(last.point_ids)
    known = last.point_ids[order]
    if known.size == 0:
        return np.full(point_ids.size, -1, dtype=np.int64)
    where = np.minimum(np.searchsorted(known, point_ids), known.size - 1)
    return np.where(known[where] == point_ids, last.cluster_ids[order][where], -1)


def _clean_start(
    points: Floats, point_ids: Ints, weights: Floats, last: Membership, k: int
) -> tuple[Ints, Ints]:
    """Pol.is ``clean-start-clusters``: cluster ids and the label of every point (-1: none).

    Old clusters are re-centred on their surviving members (dropped when none survive; one
    cluster of everything when none at all does), clusters with identical centers are merged
    (the one with most members keeps its id, ties to the higher id), then while there are fewer
    clusters than min(k, distinct points), the point farthest from its nearest center (ties: the
    last point) leaves its cluster for a new one with the next id.
    """
    old = _previous_cluster(point_ids, last)
    ids = np.unique(old[old >= 0])
    if ids.size == 0:
        next_id = int(last.cluster_ids.max()) + 1 if last.cluster_ids.size else 0
        return np.array([next_id], dtype=np.int64), np.zeros(len(points), dtype=np.int64)
    label = np.where(old >= 0, np.searchsorted(ids, old), -1)
    member = label >= 0
    centers = _means(points[member], weights[member], label[member], ids.size)
    _, group = np.unique(centers, axis=0, return_inverse=True)
    group = group.reshape(-1)
    target = np.arange(ids.size)
    size = np.bincount(label[member], minlength=ids.size)
    for g in np.unique(group):
        same = np.flatnonzero(group == g)
        target[same] = same[len(same) - 1 - np.argmax(size[same][::-1])]
    kept = np.unique(target)
    ids = ids[kept]
    label[member] = np.searchsorted(kept, target[label[member]])
    possible = min(k, _distinct_first(points).size)
    while ids.size < possible:
        member = label >= 0
        centers = _means(points[member], weights[member], label[member], ids.size)
        _, distance = nearest(points, centers)
        outlier = len(distance) - 1 - int(np.argmax(distance[::-1]))
        if distance[outlier] <= 0:
            break
        label[outlier] = ids.size
        ids = np.append(ids, ids.max() + 1)
        used = np.bincount(label[label >= 0], minlength=ids.size) > 0
        if not used.all():
            label = np.where(label >= 0, (np.cumsum(used) - 1)[label], -1)
            ids = ids[used]
    return ids, label


def kmeans(
    points: Floats,
    k: int,
    *,
    max_iters: int,
    converge: float,
    point_ids: Ints,
    weights: Floats | None = None,
    last: Membership | None = None,
) -> Clustering:
    """Pol.is ``kmeans`` (OPINIONS.md sections 6 and 7) on (n, 2) points.

    Start: ``_clean_start`` from ``last`` when given, else the first k distinct points in row
    order (ids 0..k-1). Then Lloyd steps: every point goes to its nearest center (Euclidean; ties
    to the lower cluster index), clusters left empty are dropped, centers become the (weighted)
    means. It stops after the step whose sorted centers are all within ``converge`` of the
    previous ones, or after ``max_iters`` + 1 steps. Labels are those of the last step.

    Args:
        points: (n, 2) positions, n >= 1.
        k: wanted number of clusters (fewer when fewer distinct points or clusters empty out).
        point_ids: (n,) names of the points, used to match ``last``.
        weights: (n,) positive weights, or None for all 1.
    """
    w = np.ones(len(points)) if weights is None else weights
    if last is not None:
        ids, label = _clean_start(points, point_ids, w, last, k)
        member = label >= 0
        centers = _means(points[member], w[member], label[member], ids.size)
    else:
        centers = points[_distinct_first(points)[:k]]
        ids = np.arange(len(centers), dtype=np.int64)
    for step in range(max_iters + 1):
        label, _ = nearest(points, centers)
        new_centers = _means(points, w, label, ids.size)
        used = np.bincount(label, minlength=ids.size) > 0
        if not used.all():
            label = (np.cumsum(used) - 1)[label]
            ids, new_centers = ids[used], new_centers[used]
        done = step == max_iters or _same(centers, new_centers, converge)
        centers = new_centers
        if done:
            break
    return Clustering(ids, centers, label)
