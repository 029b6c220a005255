"""Opinion groups: weighted k-means of the base clusters for each k, silhouette, k smoothing."""

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linear_sum_assignment

from voting.opinions.kmeans import Clustering, Membership, kmeans
from voting.opinions.parameters import Parameters

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]


@dataclass(frozen=True)
class KSmoother:
    """Pol.is ``group-k-smoother`` memory.

    Attributes:
        last_k: best k of the previous update (0 before the first one).
        last_k_count: consecutive updates ``last_k`` has been the best.
        smoothed_k: the k shown (0 before the first update).
    """

    last_k: int = 0
    last_k_count: int = 0
    smoothed_k: int = 0

    def update(self, best_k: int, available: set[int], buffer: int) -> "KSmoother":
        """Shown k changes only once the same new best k won ``buffer`` consecutive updates.

        The first update shows its best k. A shown k that is no longer among the ``available``
        candidates (too few base clusters now) is replaced by the best k.
        """
        count = self.last_k_count + 1 if best_k == self.last_k else 1
        shown = self.smoothed_k
        if count >= buffer or shown not in available:
            shown = best_k
        return KSmoother(best_k, count, shown)


def candidate_ks(n_base: int, params: Parameters) -> range:
    """k = 2 .. min(max_k, 2 + n_base // 12) (Pol.is ``max-k-fn``)."""
    return range(2, min(params.max_k, 2 + n_base // 12) + 1)


def group_clusterings(
    centers: Floats,
    base_ids: Ints,
    sizes: Floats,
    last: Mapping[int, Membership],
    params: Parameters,
) -> dict[int, Clustering]:
    """Weighted k-means of the base-cluster centers for every candidate k.

    Each k is warm-started from ``last[k]`` (membership of base-cluster ids) when present.
    The iteration limit is ``params.group_iters`` (20, what Pol.is effectively runs).
    """
    return {
        k: kmeans(
            centers,
            k,
            max_iters=params.group_iters,
            converge=params.converge,
            point_ids=base_ids,
            weights=sizes,
            last=last.get(k),
        )
        for k in candidate_ks(len(centers), params)
    }


def silhouette(centers: Floats, label: Ints) -> float:
    """Mean silhouette over base-cluster centers, unweighted (Pol.is ``silhouette``).

    a(i): mean distance to the other centers of its group; b(i): the smallest mean distance to
    another group's centers; s(i) = (b - a) / max(a, b), 0 for a center alone in its group or
    when a = b = 0. A clustering with a single group scores 0.
    """
    n_groups = int(label.max()) + 1 if label.size else 0
    if n_groups < 2:
        return 0.0
    distance = np.hypot(
        centers[:, None, 0] - centers[None, :, 0], centers[:, None, 1] - centers[None, :, 1]
    )
    # Column sums per group (no BLAS call: a matrix product here is slower on 100 points).
    sums = np.column_stack([distance[:, label == g].sum(axis=1) for g in range(n_groups)])
    sizes = np.bincount(label, minlength=n_groups)
    own = sizes[label] - 1
    a = np.divide(
        sums[np.arange(len(centers)), label], own, out=np.zeros(len(centers)), where=own > 0
    )
    others = sums / np.maximum(sizes, 1)
    others[np.arange(len(centers)), label] = np.inf
    b = others.min(axis=1)
    top = np.maximum(a, b)
    score = np.divide(b - a, top, out=np.zeros(len(centers)), where=(own > 0) & (top > 0))
    return float(score.mean())


def best_k(silhouettes: Mapping[int, float]) -> int:
    """The k of largest silhouette; ties go to the larger k (Clojure ``max-key``)."""
    return max(silhouettes, key=lambda k: (silhouettes[k], k))


def stable_labels(shown: Membership, point_ids: Ints, group: Ints, k: int) -> Ints:
    """(k,) the label to show for each of the ``k`` new groups, so that colours do not swap.

    ``group`` (one entry per point of ``point_ids``, values 0..k-1) is matched to the labels
    shown last time (``shown``): the labels 0..k-1 are assigned to the new groups so that the
    number of points keeping their label is largest (points new since, or whose old label is k
    or more, do not count). Without any overlap the order is kept.
    """
    old = shown.cluster_of(point_ids)
    both = (old >= 0) & (old < k)
    if not both.any():
        return np.arange(k, dtype=np.int64)
    overlap = np.bincount(group[both] * k + old[both], minlength=k * k).reshape(k, k)
    rows, labels = linear_sum_assignment(overlap, maximize=True)
    result: Ints = labels[np.argsort(rows)].astype(np.int64)
    return result
