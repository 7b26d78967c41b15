"""EASE (Steck 2019): a closed-form linear item-item model, B = I - P / diag(P), P = (X'X + lam I)^-1.

B is dense over the items it covers, so EASE covers at most ``max_items`` items (default 10,000:
a 400 MB float32 matrix, solved in single precision, some 30 s of LAPACK on 2 cores), chosen by
popularity among items with at least ``min_users`` listeners; items outside get no EASE score
(-inf). When there are fewer users than covered items, P comes from the users x users dual
(Woodbury identity), which gives the same B for a fraction of the work. Either way the dense
arrays are items x items over the covered items (or users x users, fewer): memory is bounded by
``max_items``, never by the catalogue or by users x items.
"""

import numpy as np
import scipy.sparse as sp
from scipy.linalg import lapack

from ..data import Interactions
from ..features import ItemFeatures
from .base import Recommender
from .itemknn import _blocks_by_paths

# The dual solution's work array (users x a block of items, float64) stays within this.
DUAL_BLOCK_BYTES = 64 * 2**20
# Co-occurrences per block of users when adding up the Gram matrix X'X.
GRAM_BLOCK_PATHS = 16_000_000


class EASE(Recommender):
    """EASE with L2 weight ``lam``; ``binary`` fits on who-played-what instead of the confidence."""

    name = "ease"

    def __init__(
        self,
        lam: float = 50.0,
        binary: bool = False,
        max_items: int = 10_000,
        min_users: int = 2,
        negative_weight: float = 1.0,
        dual_scores: bool = False,
    ):
        super().__init__()
        self.lam = lam
        self.binary = binary
        self.max_items = max_items
        self.min_users = min_users
        self.negative_weight = negative_weight
        # Score from the users x users dual without forming B when there are fewer users than
        # items (``DualScores``): the model selection's trials, which only score listeners.
        self.dual_scores = dual_scores
        self._dual = None

    def fit(self, interactions: Interactions, item_features: ItemFeatures | None = None) -> "EASE":
        super().fit(interactions, item_features)
        matrix = self._input(interactions.matrix)
        counts = interactions.item_user_counts()
        eligible = np.flatnonzero(counts >= self.min_users)
        if len(eligible) > self.max_items:
            eligible = eligible[np.argsort(-counts[eligible], kind="stable")[: self.max_items]]
        self.items = np.sort(eligible)
        covered = matrix[:, self.items]
        if self.dual_scores and covered.shape[0] < covered.shape[1]:
            self._dual, self.weights = DualScores(covered, self.lam), None
        else:
            self._dual, self.weights = None, ease_weights(covered, self.lam)
        return self

    def _input(self, rows: sp.csr_matrix) -> sp.csr_matrix:
        rows = sp.csr_matrix(rows, dtype=np.float32)
        if self.binary:
            rows = rows.copy()
            rows.data[:] = 1.0
        return rows

    def score_rows(
        self, rows: sp.csr_matrix, negative: sp.csr_matrix | None = None, items: np.ndarray | None = None
    ) -> np.ndarray:
        rows = self._input(rows)
        if negative is not None and self.negative_weight:
            rows = rows - self.negative_weight * self._input(negative)
        inputs = sp.csr_matrix(rows)[:, self.items]
        if self._dual is not None:
            scores = np.full((rows.shape[0], self.n_items), -np.inf, dtype=np.float32)
            scores[:, self.items] = self._dual.scores(inputs)
            return scores if items is None else scores[:, np.asarray(items)]
        if items is None:
            scores = np.full((rows.shape[0], self.n_items), -np.inf, dtype=np.float32)
            scores[:, self.items] = inputs @ self.weights
            return scores
        covered, weights = self._columns(np.asarray(items))
        scores = np.full((rows.shape[0], len(items)), -np.inf, dtype=np.float32)
        scores[:, covered] = inputs @ weights
        return scores

    def _columns(self, items: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return which of ``items`` EASE covers and their weight columns (the last answer is cached)."""
        key = (len(items), hash(items.tobytes()))
        if getattr(self, "_column_key", None) != key:
            position = np.minimum(np.searchsorted(self.items, items), max(len(self.items) - 1, 0))
            covered = np.flatnonzero((len(self.items) > 0) & (self.items[position] == items))
            columns = position[covered]
            if len(columns) == len(self.items) and (columns == np.arange(len(columns))).all():
                weights = self.weights  # every covered item, in order: no 400 MB copy
            else:
                weights = np.ascontiguousarray(self.weights[:, columns])
            self._column_key = key
            self._column_cache = covered, weights
        return self._column_cache

    def item_scores(self, items: np.ndarray) -> np.ndarray:
        if self._dual is not None:
            raise NotImplementedError("EASE fitted for dual scores only has no item weights")
        items = np.asarray(items)
        scores = np.full((len(items), self.n_items), -np.inf, dtype=np.float32)
        position = np.searchsorted(self.items, items)
        position = np.minimum(position, max(len(self.items) - 1, 0))
        covered = (len(self.items) > 0) & (self.items[position] == items)
        if covered.any():
            scores[np.ix_(np.flatnonzero(covered), self.items)] = self.weights[position[covered]]
        return scores


class DualScores:
    """EASE's scores R B without B, for fewer users than items (exact, not an approximation).

    With K = (XX' + lam I)^-1 (users x users), Woodbury gives P = (X'X + lam I)^-1 =
    (I - X' K X) / lam, so R P = (R - (R X') K X) / lam for any rows R, and diag(P)_i =
    (1 - x_i' K x_i) / lam from the column x_i of X; then R B = R - R P diag(P)^-1. Fitting costs
    users^2 x items of sparse work instead of the items x items matrix (400 MB and seconds of
    LAPACK at 10,000 items), and scoring r rows r x users^2 + r x nnz(X).
    """

    def __init__(self, matrix: sp.csr_matrix, lam: float):
        # Single precision, as the primal solution: lam >= 10 keeps XX' + lam I well conditioned.
        x = sp.csr_matrix(matrix, dtype=np.float32)
        self.kernel = _dual_kernel(x, lam)
        self.x_t = x.T.tocsr()  # items x users
        # x_i' K x_i for each item i, from (X' K) over X's non-zero entries only.
        x_t_kernel = self.x_t @ self.kernel  # items x users (dense)
        rows, columns = self.x_t.nonzero()
        quadratic = np.bincount(
            rows, weights=x_t_kernel[rows, columns] * self.x_t.data, minlength=self.x_t.shape[0]
        )
        diagonal = (1.0 - quadratic) / lam
        self.inverse_diagonal = (1.0 / np.maximum(diagonal, np.finfo(np.float32).tiny)).astype(np.float32)
        self.lam = np.float32(lam)

    def scores(self, rows: sp.csr_matrix) -> np.ndarray:
        rows = sp.csr_matrix(rows, dtype=np.float32)
        through = (rows @ self.x_t).toarray() @ self.kernel  # R X' K, rows x users
        dense = rows.toarray()
        rows_p = dense - np.asarray(self.x_t @ through.T).T  # lam R P
        rows_p *= self.inverse_diagonal / self.lam
        dense -= rows_p
        return dense


def _dual_kernel(matrix: sp.csr_matrix, lam: float) -> np.ndarray:
    """Return K = (XX' + lam I)^-1 (users x users, in the matrix's precision) for X = ``matrix``."""
    gram = (matrix @ matrix.T).toarray()
    gram[np.diag_indices(matrix.shape[0])] += gram.dtype.type(lam)
    return _spd_inverse(gram)


def _spd_inverse(matrix: np.ndarray, block: int = 1024) -> np.ndarray:
    """Invert a symmetric positive definite float32 or float64 matrix in place (Cholesky) and return it."""
    potrf, potri = lapack.get_lapack_funcs(("potrf", "potri"), (matrix,))
    # The transpose of a C-ordered symmetric matrix is the same matrix in Fortran order, which
    # LAPACK can overwrite without a copy.
    factor, info = potrf(matrix.T, lower=False, overwrite_a=True, clean=True)
    if info != 0:
        raise np.linalg.LinAlgError(f"EASE: the Gram matrix is not positive definite (info={info})")
    inverse, info = potri(factor, lower=False, overwrite_c=True)
    if info != 0:
        raise np.linalg.LinAlgError(f"EASE: inversion failed (info={info})")
    # dpotri fills the upper triangle only: mirror it a block of rows at a time (no full copy).
    n = inverse.shape[0]
    for start in range(0, n, block):
        stop = min(n, start + block)
        inverse[start:stop, :start] = inverse[:start, start:stop].T
        diagonal_block = inverse[start:stop, start:stop]
        inverse[start:stop, start:stop] = np.triu(diagonal_block) + np.triu(diagonal_block, 1).T
    return inverse


def _gram(matrix: sp.csr_matrix, max_paths: int = GRAM_BLOCK_PATHS) -> np.ndarray:
    """Return X'X as a dense float32 array, adding up blocks of users whose co-occurrences number
    at most ``max_paths``: the sparse product of all users at once may be as large as the dense
    result (a heavy listener pairs every covered item) and would double the peak memory."""
    n_items = matrix.shape[1]
    gram = np.zeros((n_items, n_items), np.float32)
    counts = np.diff(matrix.indptr).astype(np.float64)
    for part in _blocks_by_paths(counts**2, max_paths):
        block = matrix[part]
        product = sp.csr_matrix(block.T @ block)
        rows = np.repeat(np.arange(n_items), np.diff(product.indptr))
        gram[rows, product.indices] += product.data  # (row, column) pairs are unique in a CSR product
    return gram


def ease_weights(matrix: sp.csr_matrix, lam: float) -> np.ndarray:
    """Return EASE's items x items weights B (float32, zero diagonal) for a users x items matrix."""
    matrix = sp.csr_matrix(matrix, dtype=np.float64)
    n_users, n_items = matrix.shape
    if n_items == 0:
        return np.zeros((0, 0), np.float32)
    if n_users < n_items:
        # P = (X'X + lam I)^-1 = (I - X' (XX' + lam I)^-1 X) / lam, a block of item columns at a
        # time so that no dense users x items array is built (K X is users x block).
        kernel = _dual_kernel(matrix, lam)
        by_item = matrix.T.tocsr()
        columns = matrix.tocsc()
        # Each block is computed in double precision and kept in single: half the memory of the
        # items x items result (800 MB at 10,000 items in double).
        precision = np.empty((n_items, n_items), np.float32)
        block = max(1, min(n_items, DUAL_BLOCK_BYTES // (8 * n_users)))
        for start in range(0, n_items, block):
            stop = min(n_items, start + block)
            kernel_x = np.asarray((columns[:, start:stop].T @ kernel).T)  # users x block
            precision[:, start:stop] = -(by_item @ kernel_x)
        del kernel
        precision[np.diag_indices(n_items)] += 1.0
        precision /= lam
    else:
        # Single precision: half the memory (a 10,000-item Gram is 400 MB) and about half the
        # time of double; on the 1M-listen bench the weights differ by < 1e-6 and every listener's
        # top 30 is the same.
        gram = _gram(matrix.astype(np.float32))
        gram[np.diag_indices(n_items)] += np.float32(lam)
        precision = _spd_inverse(gram)
    precision /= -np.diag(precision).copy()
    precision[np.diag_indices(n_items)] = 0.0
    # C order: scipy's sparse @ dense would copy a Fortran-ordered matrix on every product.
    return np.ascontiguousarray(precision, dtype=np.float32)
