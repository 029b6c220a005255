import numpy as np
import pytest
from opinion_grids import grid_votes, planted_grid

from voting.opinions import Parameters
from voting.opinions.matrix import build_matrix
from voting.opinions.pca import (
    centred_ratings,
    principal_components,
    project_participants,
    project_statements,
)


def dense_reference(grid: np.ndarray, mod_out: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pol.is on a dense grid: zero mod-out columns, impute column means, centre, SVD."""
    rating = grid.copy()
    rating[:, mod_out] = 0.0
    mean = np.nanmean(np.where(np.isnan(rating).all(axis=0), 0.0, rating), axis=0)
    centred = np.where(np.isnan(rating), 0.0, rating - mean)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    return centred, vt[:2]


@pytest.mark.parametrize(("n", "m"), [(40, 12), (300, 90)])
def test_components_are_the_leading_singular_vectors(n: int, m: int) -> None:
    grid = planted_grid(n, m, groups=3, seed=n)
    matrix = build_matrix(grid_votes(grid), Parameters())
    grid = grid[matrix.participant_ids][:, matrix.statement_ids]
    mod_out = np.zeros(m, dtype=bool)
    mod_out[[1, 4]] = True
    ratings = centred_ratings(matrix, mod_out)
    components = principal_components(ratings, None, np.random.default_rng(0))
    centred, reference = dense_reference(grid, mod_out)
    assert np.abs(np.sum(components * reference, axis=1)) == pytest.approx([1.0, 1.0], abs=1e-9)
    assert components[:, mod_out] == pytest.approx(0.0, abs=1e-12)
    votes = (~np.isnan(grid[:, ~mod_out])).sum(axis=1) + mod_out.sum()
    expected = np.sqrt(m / votes)[:, None] * (centred @ components.T)
    assert project_participants(ratings, components) == pytest.approx(expected, abs=1e-9)


def test_sign_convention_cold_and_warm() -> None:
    grid = planted_grid(120, 80, seed=5)
    ratings = centred_ratings(build_matrix(grid_votes(grid), Parameters()), np.zeros(80, bool))
    cold = principal_components(ratings, None, np.random.default_rng(1))
    for row in cold:
        assert row[np.argmax(np.abs(row))] > 0
    other_seed = principal_components(ratings, None, np.random.default_rng(2))
    assert other_seed == pytest.approx(cold, abs=1e-10)
    flipped = -cold
    warm = principal_components(ratings, flipped, np.random.default_rng(1))
    assert warm == pytest.approx(flipped, abs=1e-10)


def test_no_variance_gives_zero_components() -> None:
    grid = np.array([[1.0, -1.0, 0.0]])
    ratings = centred_ratings(build_matrix(grid_votes(grid), Parameters()), np.zeros(3, bool))
    components = principal_components(ratings, None, np.random.default_rng(0))
    assert not components.any()


def test_statement_projection_and_extremity() -> None:
    grid = np.array([[1.0, 1.0], [1.0, -1.0], [np.nan, -1.0], [1.0, np.nan]])
    ratings = centred_ratings(build_matrix(grid_votes(grid), Parameters()), np.zeros(2, bool))
    components = principal_components(ratings, None, np.random.default_rng(0))
    projected = project_statements(ratings, components)
    assert ratings.center.tolist() == pytest.approx([1.0, -1 / 3])
    assert projected[0] == pytest.approx([0.0, 0.0])
    assert projected[1] == pytest.approx(np.sqrt(2) * (4 / 3) * components[:, 1])
    assert components[0] == pytest.approx([0.0, 1.0])


def test_rank_one_matrix_gives_one_component() -> None:
    # Two camps voting opposite on all 100 statements: one direction of variance, found by the
    # Lanczos path (more than DENSE_GRAM_LIMIT statements) before its Krylov space breaks down.
    grid = np.repeat(np.array([[1.0] * 50 + [-1.0] * 50, [-1.0] * 50 + [1.0] * 50]), 10, axis=0)
    ratings = centred_ratings(build_matrix(grid_votes(grid), Parameters()), np.zeros(100, bool))
    components = principal_components(ratings, None, np.random.default_rng(0))
    assert np.abs(components[0]) == pytest.approx(np.full(100, 0.1), abs=1e-12)
    assert not components[1].any()
