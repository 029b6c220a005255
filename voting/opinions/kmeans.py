"""Pol.is k-means on 2-D points: initialisation, clean start from a previous clustering, Lloyd."""

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]

# Rows of the (points x centers) distance block computed at once; bounds memory on 100k points.
CHUNK = 16_384
# Centers nearest to a point's own center, tried before a full scan.
CANDIDATES = 8
# Below this many point-center pairs a plain scan per step is cheaper than keeping bounds.
SMALL = 20_000
# Relative widening of the bounds, so that rounding never lets a bound settle a tie.
SLACK = 1e-12


@dataclass(frozen=True)
class Membership:
    """A clustering remembered between updates: the cluster id of every clustered point id.

    Attributes:
        point_ids: (m,) ids of the points (participant ids, or base-cluster ids for groups).
        cluster_ids: (m,) cluster id of each point.
    """

    point_ids: Ints
    cluster_ids: Ints

    def cluster_of(self, point_ids: Ints) -> Ints:
        """Cluster id of every point of ``point_ids``, or -1 for points this one does not know."""
        return _lookup(self.point_ids, self.cluster_ids, point_ids)


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


def _distances(points: Floats, centers: Floats) -> Floats:
    """(m, c) Euclidean distances, always computed the same way so that ties are exact."""
    squared = (points[:, 0, None] - centers[None, :, 0]) ** 2
    squared += (points[:, 1, None] - centers[None, :, 1]) ** 2
    result: Floats = np.sqrt(squared)
    return result


def nearest(points: Floats, centers: Floats) -> tuple[Ints, Floats]:
    """Nearest center of every point (ties: the first center) and its distance."""
    index = np.empty(points.shape[0], dtype=np.int64)
    distance = np.empty(points.shape[0])
    for start in range(0, points.shape[0], CHUNK):
        block = _distances(points[start : start + CHUNK], centers)
        best = np.argmin(block, axis=1)
        index[start : start + CHUNK] = best
        distance[start : start + CHUNK] = block[np.arange(best.size), best]
    return index, distance


class _Assigner:
    """Nearest-center assignment over successive Lloyd steps that skips provable points.

    Centers keep their initial index; a dropped center becomes a NaN row. Every step's centers
    are remembered, so that a lower bound set at step t can be corrected by the largest
    displacement of any center since t (Hamerly's bound with exact displacements). Each step
    the distance d to the own center a is computed exactly; a point with d below half the gap
    from a to its nearest center, and below its corrected lower bound, keeps a. Otherwise it is
    compared with the ``CANDIDATES`` centers nearest to a: any other center j is at least
    |a - j| - d away, so if the best candidate is closer than that the point is settled, and
    only else scanned against every center. The labels equal a full scan's (ties to the lowest
    index).
    """

    def __init__(self, points: Floats, centers: Floats, guess: Ints) -> None:
        """Assign ``points`` to ``centers``, starting from ``guess`` (a center index per point,
        -1 for none) as the first candidate."""
        self.points = points
        self.x = np.ascontiguousarray(points[:, 0])
        self.y = np.ascontiguousarray(points[:, 1])
        self.history = [centers]
        self.label = guess.copy()
        unknown = np.flatnonzero((guess < 0) | np.isnan(centers[:, 0])[guess])
        if unknown.size:
            self.label[unknown] = _grid_guess(points[unknown], centers)
        # Any other center is at least twice the half gap minus the distance to the own one.
        own = self._own(self.label, centers)
        gaps = _gaps(centers)
        self.lower = 2 * _separation(gaps)[self.label] - own
        self.lower_step = np.zeros(len(points), dtype=np.int64)
        self._check(own, centers, gaps, 0)

    def _own(self, label: Ints, centers: Floats) -> Floats:
        """Distance of every point to center ``label``, computed like ``_distances``."""
        dx = self.x - centers[:, 0].copy()[label]
        dx *= dx
        dy = self.y - centers[:, 1].copy()[label]
        dy *= dy
        dx += dy
        result: Floats = np.sqrt(dx, out=dx)
        return result

    def _scan(self, which: Ints, centers: Floats, step: int) -> None:
        alive = np.flatnonzero(~np.isnan(centers[:, 0]))
        for start in range(0, which.size, CHUNK):
            chosen = which[start : start + CHUNK]
            block = _distances(self.points[chosen], centers[alive])
            rows = np.arange(chosen.size)
            best = np.argmin(block, axis=1)
            self.label[chosen] = alive[best]
            block[rows, best] = np.inf
            self.lower[chosen] = block.min(axis=1)
        self.lower_step[which] = step

    def _settle(self, doubt: Ints, own: Floats, centers: Floats, gaps: Floats, step: int) -> None:
        """Relabel the points ``doubt`` exactly, ``own`` being their distance to their label and
        ``gaps`` the ``_gaps`` of ``centers``."""
        width = min(CANDIDATES, gaps.shape[0] - 1)
        order = np.argpartition(gaps, width, axis=1)
        beyond = np.take_along_axis(gaps, order[:, width : width + 1], axis=1)[:, 0]
        rows = np.arange(len(centers))
        neighbours = np.sort(np.column_stack([rows, order[:, :width]]), axis=1).T.copy()
        # Dropped centers sit at infinity: never nearer than a living one.
        cx, cy = (np.where(np.isnan(c), np.inf, c) for c in centers.T)
        label = self.label[doubt]
        x, y = self.x[doubt], self.y[doubt]
        closest = np.full(doubt.size, np.inf)
        second = np.full(doubt.size, np.inf)
        best = np.zeros(doubt.size, dtype=np.int64)
        # Candidates in increasing index order with a strict test: ties go to the lowest index.
        for column in neighbours:
            candidate = column[label]
            distance = x - cx[candidate]
            distance *= distance
            dy = y - cy[candidate]
            dy *= dy
            distance += dy
            np.sqrt(distance, out=distance)
            # best += (candidate - best) * closer: arithmetic, as masked copies are slow here.
            candidate -= best
            candidate *= distance < closest
            best += candidate
            np.minimum(second, np.maximum(closest, distance), out=second)
            np.minimum(closest, distance, out=closest)
        floor = beyond[label] - own
        sure = closest * (1 + SLACK) < floor
        fine = doubt[sure]
        self.label[fine] = best[sure]
        self.lower[fine] = np.minimum(second, floor)[sure]
        self.lower_step[fine] = step
        self._scan(doubt[~sure], centers, step)

    def assign(self, centers: Floats) -> Ints:
        """Labels (initial center indices) for ``centers``, NaN rows for dropped centers."""
        self.history.append(centers)
        step = len(self.history) - 1
        self._check(self._own(self.label, centers), centers, _gaps(centers), step)
        return self.label

    def _check(self, own: Floats, centers: Floats, gaps: Floats, step: int) -> None:
        """Settle the points whose bounds do not prove their label, ``own`` being the distance
        of every point to its label."""
        moved = np.hypot(*(np.array(self.history) - centers).transpose(2, 0, 1))
        largest = np.nan_to_num(moved, nan=0.0).max(axis=1) * (1 + SLACK)
        bound = self.lower - largest[self.lower_step]
        np.maximum(bound, _separation(gaps)[self.label], out=bound)
        doubt = np.flatnonzero(own * (1 + SLACK) >= bound)
        if doubt.size:
            self._settle(doubt, own[doubt], centers, gaps, step)


def _separation(gaps: Floats) -> Floats:
    """(c,) half the distance from every center to its nearest other (inf when alone), from
    the ``_gaps`` of the centers."""
    result: Floats = 0.5 * gaps.min(axis=1)
    return result


def _gaps(centers: Floats) -> Floats:
    """(c, c) distances between centers; inf on the diagonal and for dropped centers."""
    gaps = _distances(centers, centers)
    gaps[np.isnan(gaps)] = np.inf
    np.fill_diagonal(gaps, np.inf)
    return gaps


def _grid_guess(points: Floats, centers: Floats) -> Ints:
    """A nearby center for every point: the center nearest to the middle of its grid cell.

    Only a starting guess for ``_Assigner._settle``, which makes the labels exact; a grid of
    about 4 cells per center keeps the guess within the guessed center's neighbours."""
    low = points.min(axis=0)
    span = points.max(axis=0) - low
    side = int(np.ceil(2 * np.sqrt(len(centers))))
    size = np.where(span > 0, span / side, 1.0)
    cell = np.minimum(((points - low) / size).astype(np.int64), side - 1)
    across, down = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    middles = low + (np.column_stack([across.ravel(), down.ravel()]) + 0.5) * size
    nearest_center, _ = nearest(middles, centers)
    result: NDArray[np.int64] = nearest_center[cell[:, 0] * side + cell[:, 1]]
    return result


def _means(points: Floats, weights: Floats | None, label: Ints, n: int) -> Floats:
    """(n, 2) weighted mean of the points of every label (weights None: all 1); NaN rows for
    empty labels."""
    return _label_means(_weighted(points, weights), weights, label, n)


def _weighted(points: Floats, weights: Floats | None) -> Floats:
    """(2, m) contiguous coordinates of the points, times their weights."""
    columns = np.array(points.T, order="C")
    if weights is not None:
        columns *= weights
    return columns


def _label_means(columns: Floats, weights: Floats | None, label: Ints, n: int) -> Floats:
    """``_means`` from the points' ``_weighted`` coordinates."""
    mass = np.bincount(label, weights=weights, minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.column_stack([np.bincount(label, weights=c, minlength=n) / mass for c in columns])


def _subset(weights: Floats | None, which: NDArray[np.bool_]) -> Floats | None:
    return None if weights is None else weights[which]


def _distinct_first(points: Floats) -> Ints:
    """Row indices of the distinct points, in row order of their first occurrence."""
    as_complex = np.ascontiguousarray(points).view(np.complex128).reshape(-1)
    _, first = np.unique(as_complex, return_index=True)
    return np.sort(first)


def _same(a: Floats, b: Floats, converge: float) -> bool:
    """Pol.is ``same-clustering?``: the sorted centers pairwise closer than ``converge``, up to
    the shorter list."""
    a = a[np.lexsort((a[:, 1], a[:, 0]))]
    b = b[np.lexsort((b[:, 1], b[:, 0]))]
    m = min(len(a), len(b))
    return bool(np.all(np.hypot(*(a[:m] - b[:m]).T) < converge))


def _lookup(keys: Ints, values: Ints, wanted: Ints) -> Ints:
    """The value of the key equal to every ``wanted`` (keys distinct), -1 when there is none.

    Keys spanning a range a few times their count go through a table (O(n)), others through a
    sort."""
    result = np.full(wanted.size, -1, dtype=np.int64)
    if keys.size == 0:
        return result
    low, high = int(keys.min()), int(keys.max())
    if high - low <= 4 * keys.size + 1024:
        table = np.full(high - low + 1, -1, dtype=np.int64)
        table[keys - low] = values
        inside = np.flatnonzero((wanted >= low) & (wanted <= high))
        result[inside] = table[wanted[inside] - low]
        return result
    order = np.argsort(keys)
    known = keys[order]
    where = np.minimum(np.searchsorted(known, wanted), known.size - 1)
    return np.where(known[where] == wanted, values[order][where], -1)


def _merge_identical(
    points: Floats, weights: Floats | None, ids: Ints, label: Ints
) -> tuple[Ints, Ints]:
    """Merge clusters whose centers are identical; the one with most members keeps its id
    (ties: the higher id)."""
    member = label >= 0
    centers = _means(points[member], _subset(weights, member), label[member], ids.size)
    _, group = np.unique(centers.view(np.complex128).reshape(-1), return_inverse=True)
    if group.max(initial=-1) + 1 == ids.size:
        return ids, label
    target = np.arange(ids.size)
    size = np.bincount(label[member], minlength=ids.size)
    for g in np.unique(group):
        same = np.flatnonzero(group == g)
        target[same] = same[len(same) - 1 - np.argmax(size[same][::-1])]
    kept = np.unique(target)
    label[member] = np.searchsorted(kept, target[label[member]])
    return ids[kept], label


def _clean_start(
    points: Floats, point_ids: Ints, weights: Floats | None, last: Membership, k: int
) -> tuple[Ints, Ints]:
    """Pol.is ``clean-start-clusters``: cluster ids and the label of every point (-1: none).

    Old clusters are re-centred on their surviving members (dropped when none survive; one
    cluster of everything when none at all does), clusters with identical centers are merged
    (the one with most members keeps its id, ties to the higher id), then while there are fewer
    clusters than min(k, distinct points), the point farthest from its nearest center (ties: the
    last point) leaves its cluster for a new one with the next id.
    """
    old = last.cluster_of(point_ids)
    ids = np.unique(old[old >= 0])
    if ids.size == 0:
        next_id = int(last.cluster_ids.max()) + 1 if last.cluster_ids.size else 0
        ids = np.array([next_id], dtype=np.int64)
        label = np.zeros(len(points), dtype=np.int64)
    else:
        label = _lookup(ids, np.arange(ids.size, dtype=np.int64), old)
        ids, label = _merge_identical(points, weights, ids, label)
    possible = min(k, _distinct_first(points).size) if ids.size < k else k
    while ids.size < possible:
        member = label >= 0
        centers = _means(points[member], _subset(weights, member), label[member], ids.size)
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
    means. It stops after the step whose sorted centers are pairwise within ``converge`` of the
    sorted previous ones (compared up to the shorter list), or after ``max_iters`` + 1 steps.
    Labels are those of the last step.

    Args:
        points: (n, 2) positions, n >= 1.
        k: wanted number of clusters (fewer when fewer distinct points or clusters empty out).
        point_ids: (n,) names of the points, used to match ``last``.
        weights: (n,) positive weights, or None for all 1.
    """
    if last is not None:
        ids, label = _clean_start(points, point_ids, weights, last, k)
        member = label >= 0
        centers = _means(points[member], _subset(weights, member), label[member], ids.size)
    else:
        centers = points[_distinct_first(points)[:k]]
        ids = np.arange(len(centers), dtype=np.int64)
        label = np.full(len(points), -1, dtype=np.int64)
    # Centers keep their initial index during the steps; dropped ones become NaN rows.
    assigner = None
    if len(points) * len(centers) > SMALL:
        # A point's clean-start cluster is the first candidate for its nearest center.
        assigner = _Assigner(points, centers, label)
    alive = np.ones(ids.size, dtype=bool)
    label = np.zeros(len(points), dtype=np.int64)
    columns = _weighted(points, weights)
    for step in range(max_iters + 1):
        if assigner is None:
            living = np.flatnonzero(~np.isnan(centers[:, 0]))
            label = living[nearest(points, centers[living])[0]]
        else:
            label = assigner.label if step == 0 else assigner.assign(centers)
        new_centers = _label_means(columns, weights, label, ids.size)
        alive = ~np.isnan(new_centers[:, 0])
        done = step == max_iters or _same(
            centers[~np.isnan(centers[:, 0])], new_centers[alive], converge
        )
        centers = new_centers
        if done:
            break
    renumber = np.cumsum(alive) - 1
    return Clustering(ids[alive], centers[alive], renumber[label])
