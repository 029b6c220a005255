import numpy as np
import pytest

from voting.opinions import Parameters
from voting.opinions.groups import KSmoother, best_k, candidate_ks, silhouette, stable_labels
from voting.opinions.kmeans import Membership


def test_silhouette_worked_example() -> None:
    centers = np.array([[0.0, 0.0], [0.0, 1.0], [4.0, 0.0]])
    label = np.array([0, 0, 1])
    # a(0) = 1, b(0) = 4 -> 0.75; a(1) = 1, b(1) = sqrt(17) -> 1 - 1/sqrt(17); alone -> 0.
    expected = (0.75 + (1 - 1 / np.sqrt(17)) + 0.0) / 3
    assert silhouette(centers, label) == pytest.approx(expected)


def test_silhouette_of_one_group_is_zero() -> None:
    assert silhouette(np.zeros((3, 2)), np.zeros(3, dtype=np.int64)) == 0.0


def test_best_k_ties_go_to_the_larger_k() -> None:
    assert best_k({2: 0.5, 3: 0.7, 4: 0.7}) == 4


@pytest.mark.parametrize(
    ("n_base", "ks"), [(1, [2]), (11, [2]), (12, [2, 3]), (35, [2, 3, 4]), (100, [2, 3, 4, 5])]
)
def test_candidate_ks(n_base: int, ks: list[int]) -> None:
    assert list(candidate_ks(n_base, Parameters())) == ks


def test_smoother_needs_four_consecutive_wins() -> None:
    smoother = KSmoother()
    shown = []
    for best in [2, 3, 3, 3, 2, 3, 3, 3, 3, 3]:
        smoother = smoother.update(best, {2, 3, 4, 5}, 4)
        shown.append(smoother.smoothed_k)
    assert shown == [2, 2, 2, 2, 2, 2, 2, 2, 3, 3]


def test_smoother_drops_an_unavailable_k() -> None:
    smoother = KSmoother(last_k=5, last_k_count=9, smoothed_k=5).update(2, {2}, 4)
    assert smoother.smoothed_k == 2


def test_stable_labels_follow_the_groups_shown_last() -> None:
    shown = Membership(np.array([10, 11, 12, 13, 14]), np.array([0, 0, 1, 1, 2]))
    # The same three groups found in another order, plus a participant new since.
    labels = stable_labels(
        shown, np.array([10, 11, 12, 13, 14, 15]), np.array([2, 2, 0, 0, 1, 1]), 3
    )
    assert labels.tolist() == [1, 2, 0]


def test_stable_labels_give_a_new_group_the_free_label() -> None:
    shown = Membership(np.array([1, 2, 3, 4, 5]), np.array([0, 0, 1, 1, 1]))
    labels = stable_labels(shown, np.array([1, 2, 3, 4, 5]), np.array([1, 1, 2, 2, 0]), 3)
    assert labels.tolist() == [2, 0, 1]


def test_stable_labels_keep_the_order_without_overlap() -> None:
    shown = Membership(np.array([1, 2]), np.array([0, 1]))
    labels = stable_labels(shown, np.array([7, 8, 9]), np.array([1, 0, 1]), 2)
    assert labels.tolist() == [0, 1]
