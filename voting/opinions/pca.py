"""Two-component PCA of the centred, mean-imputed rating matrix, computed sparsely."""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.linalg import eigh_tridiagonal

from voting.opinions.matrix import VoteMatrix

Floats = NDArray[np.float64]
Mask = NDArray[np.bool_]

N_COMPONENTS = 2
# Below this many statements the statements x statements Gram matrix is small enough to diagonalise
# densely; above it a Lanczos iteration works on the sparse operator X^T X.
DENSE_GRAM_LIMIT = 64
# Lanczos stops once the two leading Ritz pairs have residuals below 1e-10 of their Ritz values:
# the components are then within 1e-10 (mostly 1e-11) of exact ones on the Pol.is conversations
# and synthetic rounds of the benchmark, after 15-16 products by X^T X from a random start. A
# warm start (the last update's components) stops at 1e-8, within about 1e-8 of exact (5e-9 on
# those data, with unchanged clusters), after 10-11 products instead of 12-13. The basis is
# kept (full reorthogonalisation), so at most LANCZOS_STEPS products are made.
LANCZOS_TOLERANCE = 1e-10
WARM_LANCZOS_TOLERANCE = 1e-8
LANCZOS_STEPS = 300
# Relative to the total variance, smaller eigenvalues are numerical noise: no direction there.
NOISE = 1e-10
SIGN_TIE = 1e-9


@dataclass(frozen=True)
class CentredRatings:
    """The rating matrix (mod-out columns zeroed) after mean imputation and centring.

    Imputed cells become exactly 0 after centring, and mod-out columns are 0 everywhere, so only
    the voted cells of the other columns are stored.

    Attributes:
        matrix: (n_p, n_s) CSR float64 of v - mean at voted cells of non-mod-out columns.
        center: (n_s,) column means over voted cells (passes count as 0); 0 for mod-out columns.
        votes: (n_p,) non-empty rating-matrix cells per participant: their votes on non-mod-out
            statements plus every mod-out column (zeroed cells are votes, not gaps).
        spread: (n_s,) columns with at least one stored cell (the others have no variance).
    """

    matrix: sp.csr_matrix
    center: Floats
    votes: Floats
    spread: Mask


def centred_ratings(matrix: VoteMatrix, mod_out: Mask) -> CentredRatings:
    """Mean-impute and centre the rating matrix (OPINIONS.md sections 1, 2 and 4)."""
    n_p, n_s = matrix.shape
    col, code, indptr = matrix.col, matrix.cell_code, matrix.indptr
    if mod_out.any():
        kept = ~mod_out[col]
        col, code = col[kept], code[kept]
        indptr = np.zeros(n_p + 1, dtype=np.int64)
        np.cumsum(np.bincount(matrix.row[kept], minlength=n_p), out=indptr[1:])
    # Votes per statement and vote value; sums of +-1 are exact, so the means are too.
    counts = np.bincount(code, minlength=3 * n_s).reshape(n_s, 3)
    seen = counts.sum(axis=1)
    center = np.divide(
        (counts[:, 2] - counts[:, 0]).astype(np.float64), seen, out=np.zeros(n_s), where=seen > 0
    )
    # v - mean for every (statement, vote) pair, looked up by the cells' codes.
    data = (np.array([-1.0, 0.0, 1.0]) - center[:, None]).reshape(-1)[code]
    index = np.int32 if indptr[-1] < np.iinfo(np.int32).max else np.int64
    centred = sp.csr_matrix(
        (data, col.astype(index), indptr.astype(index)), shape=(n_p, n_s), copy=False
    )
    votes = (np.diff(indptr) + int(mod_out.sum())).astype(np.float64)
    return CentredRatings(centred, center, votes, seen > 0)


def principal_components(
    ratings: CentredRatings, previous: Floats | None, rng: np.random.Generator
) -> Floats:
    """The two leading principal axes, as a (2, n_s) array of unit rows (or zero rows).

    Exact leading eigenvectors of X^T X for the centred matrix X, which Pol.is' warm-started power
    iteration converges to. X is never densified: a Lanczos iteration multiplies by X and X^T. A component is
    a zero row when its variance is numerically nil (fewer independent directions than 2, e.g.
    one participant or one statement voted identically by all).

    Sign convention: with ``previous`` ((2, n_s), the last update's components aligned on the
    current columns, 0 for new statements) each component takes the sign that makes its dot
    product with the previous one positive, so the map does not flip between updates; when that
    product is 0 (cold start) the largest-magnitude entry is made positive, the first such entry
    in column order when several are equal within a relative 1e-9.

    The start vector is the sum of the previous components (warm start: fewer products) or
    uniform random numbers from ``rng`` (cold start, as Pol.is); the result depends on it only
    within the solver's tolerance: residuals 1e-10 of the eigenvalues cold (components within
    1e-10 of exact), 1e-8 warm (within about 1e-8).
    """
    x = ratings.matrix
    n_s = x.shape[1]
    components = np.zeros((N_COMPONENTS, n_s))
    total = float(np.dot(x.data, x.data))
    if total == 0.0:
        return components
    if n_s <= DENSE_GRAM_LIMIT:
        values, vectors = np.linalg.eigh((x.T @ x).toarray())
    else:
        # Columns without data stay exactly 0 in every Krylov vector if they start at 0.
        start = np.zeros(n_s) if previous is None else previous.sum(axis=0) * ratings.spread
        tolerance = WARM_LANCZOS_TOLERANCE
        if not start.any():
            start = rng.random(n_s) * ratings.spread
            tolerance = LANCZOS_TOLERANCE
        xt = x.T
        values, vectors = _lanczos(lambda v: xt @ (x @ v), start, tolerance, NOISE * total)
    leading = np.argsort(values)[::-1][:N_COMPONENTS]
    for i, j in enumerate(leading):
        if values[j] > NOISE * total:
            components[i] = _oriented(vectors[:, j], None if previous is None else previous[i])
    return components


def _lanczos(
    apply: Callable[[Floats], Floats], start: Floats, tolerance: float, noise: float
) -> tuple[Floats, Floats]:
    """Leading Ritz pairs of the symmetric positive semi-definite operator ``apply``.

    Lanczos from ``start`` (non-zero) with full reorthogonalisation, stopped when the
    ``N_COMPONENTS`` largest Ritz pairs have residuals within ``tolerance`` of their Ritz
    values (of ``noise`` for smaller values, which are not directions), when the Krylov space is
    invariant, or after ``LANCZOS_STEPS`` products. Returns at most ``N_COMPONENTS`` values and
    the (n, count) unit vectors, largest first.
    """
    steps = min(LANCZOS_STEPS, start.size)
    basis = np.empty((steps, start.size))
    alpha = np.empty(steps)
    beta = np.empty(steps)
    q = start / np.linalg.norm(start)
    for j in range(steps):
        basis[j] = q
        w = apply(q)
        alpha[j] = q @ w
        known = basis[: j + 1]
        # Twice is enough (Kahan-Parlett) to keep the basis orthogonal to rounding.
        w -= known.T @ (known @ w)
        w -= known.T @ (known @ w)
        beta[j] = np.linalg.norm(w)
        ritz, mix = eigh_tridiagonal(alpha[: j + 1], beta[:j])
        top = np.argsort(ritz)[::-1][:N_COMPONENTS]
        residual = beta[j] * np.abs(mix[j, top])
        converged = top.size == N_COMPONENTS and bool(
            np.all(residual <= tolerance * np.maximum(np.abs(ritz[top]), noise))
        )
        if converged or beta[j] <= np.finfo(float).eps * np.abs(ritz).max():
            break
        q = w / beta[j]
    vectors: Floats = known.T @ mix[:, top]
    vectors /= np.linalg.norm(vectors, axis=0)
    values: Floats = ritz[top].astype(np.float64)
    return values, vectors


def _oriented(vector: Floats, previous: Floats | None) -> Floats:
    alignment = 0.0 if previous is None else float(np.dot(vector, previous))
    if alignment == 0.0:
        magnitude = np.abs(vector)
        alignment = float(vector[np.argmax(magnitude >= magnitude.max() * (1 - SIGN_TIE))])
    return vector if alignment > 0 else -vector


def project_participants(ratings: CentredRatings, components: Floats) -> Floats:
    """Sparsity-aware projection (OPINIONS.md section 5), (n_p, 2).

    x_p = sqrt(n_s / max(n_p votes, 1)) * sum over p's cells of (v - mean) * component.
    """
    n_s = ratings.matrix.shape[1]
    scale = np.sqrt(n_s / np.maximum(ratings.votes, 1.0))
    # One sparse product per component: scipy's multi-vector product is slower than two.
    projected: Floats = np.column_stack([ratings.matrix @ c for c in components])
    projected *= scale[:, None]
    return projected


def project_statements(ratings: CentredRatings, components: Floats) -> Floats:
    """Statement projection (OPINIONS.md section 5), (n_s, 2).

    A statement sits where a participant who agreed with it alone would: sqrt(n_s) * (1 - mean)
    * component (agree = +1 here, so statements lie on the side of the participants who agree).
    Its Euclidean length is the statement's extremity.
    """
    n_s = ratings.center.size
    projected: Floats = (np.sqrt(n_s) * (1.0 - ratings.center))[:, None] * components.T
    return projected
