"""Implicit ALS (Hu, Koren & Volinsky 2008) solved with a few conjugate-gradient steps per sweep.

Every (user, item) pair is a preference p (1 if played, else 0) with a confidence c: 1 + alpha * w
for played pairs, 1 + negative_alpha * w for skipped or disliked ones (confidently 0; negative_alpha
defaults to alpha), 1 elsewhere.
Each sweep solves (Y'CY + reg I) x = Y'Cp for all users, then for all items, touching only the
non-zero pairs (Takacs et al. 2011), in blocks of bounded size. The item factors are the embeddings
that Daily Mixes cluster.
"""

import numpy as np
import scipy.sparse as sp

from ..data import Interactions
from ..features import ItemFeatures
from .base import SCORE_BUDGET_BYTES, Recommender


class ALS(Recommender):
    """Implicit matrix factorisation: score(u, i) = x_u . y_i."""

    name = "als"

    def __init__(
        self,
        factors: int = 64,
        reg: float = 10.0,
        alpha: float = 0.5,
        negative_alpha: float | None = None,
        iterations: int = 8,
        cg_steps: int = 2,
        seed: int = 0,
    ):
        super().__init__()
        self.factors = factors
        self.reg = reg
        self.alpha = alpha
        self.negative_alpha = negative_alpha
        self.iterations = iterations
        self.cg_steps = cg_steps
        self.seed = seed

    def _confidence(self, positive: sp.csr_matrix, negative: sp.csr_matrix | None):
        """Return (confidence - 1, confidence * preference) as CSR matrices."""
        positive = sp.csr_matrix(positive, dtype=np.float32)
        extra = self.alpha * positive
        negative_alpha = self.alpha if self.negative_alpha is None else self.negative_alpha
        if negative is not None and negative_alpha:
            extra = extra + negative_alpha * sp.csr_matrix(negative, dtype=np.float32)
        target = positive.copy()
        target.data = 1.0 + self.alpha * target.data
        return sp.csr_matrix(extra, dtype=np.float32), target

    def fit(self, interactions: Interactions, item_features: ItemFeatures | None = None) -> "ALS":
        super().fit(interactions, item_features)
        rng = np.random.default_rng(self.seed)
        n_users, n_items = interactions.shape
        scale = 0.01
        users = (rng.standard_normal((n_users, self.factors)) * scale).astype(np.float32)
        items = (rng.standard_normal((n_items, self.factors)) * scale).astype(np.float32)
        extra, target = self._confidence(interactions.matrix, interactions.negative)
        extra_t, target_t = extra.T.tocsr(), target.T.tocsr()
        for _ in range(self.iterations):
            users = conjugate_gradient_solve(extra, target, items, users, self.reg, self.cg_steps)
            items = conjugate_gradient_solve(extra_t, target_t, users, items, self.reg, self.cg_steps)
        self.user_factors, self.item_factors = users, items
        norms = np.linalg.norm(items, axis=1, keepdims=True)
        self._unit_items = items / np.where(norms > 0, norms, 1.0)
        return self

    def user_vectors(self, rows: sp.csr_matrix, negative: sp.csr_matrix | None = None) -> np.ndarray:
        """Return factors for listeners given as interaction rows (fold-in, item factors fixed)."""
        extra, target = self._confidence(rows, negative)
        start = np.zeros((rows.shape[0], self.factors), np.float32)
        steps = max(self.cg_steps, min(self.factors, 16))
        return conjugate_gradient_solve(extra, target, self.item_factors, start, self.reg, steps)

    def _items(self, items: np.ndarray | None) -> np.ndarray:
        return self.item_factors if items is None else self.item_factors[items]

    def score(self, users: np.ndarray, items: np.ndarray | None = None) -> np.ndarray:
        return self.user_factors[np.asarray(users)] @ self._items(items).T

    def score_rows(
        self, rows: sp.csr_matrix, negative: sp.csr_matrix | None = None, items: np.ndarray | None = None
    ) -> np.ndarray:
        return self.user_vectors(rows, negative) @ self._items(items).T

    def item_scores(self, items: np.ndarray) -> np.ndarray:
        return self._unit_items[np.asarray(items)] @ self._unit_items.T


def _row_blocks(indptr: np.ndarray, max_nnz: int, max_rows: int = 65_536):
    n = len(indptr) - 1
    start = 0
    while start < n:
        stop = int(np.searchsorted(indptr, indptr[start] + max_nnz, side="right")) - 1
        stop = min(max(stop, start + 1), start + max_rows, n)
        yield slice(start, stop)
        start = stop


def conjugate_gradient_solve(
    extra: sp.csr_matrix,
    target: sp.csr_matrix,
    fixed: np.ndarray,
    current: np.ndarray,
    reg: float,
    steps: int,
    budget_bytes: int = SCORE_BUDGET_BYTES,
) -> np.ndarray:
    """Improve each row x of ``current`` towards (F'F + F' diag(extra_row) F + reg I) x = target_row F.

    ``extra`` holds confidence - 1 and ``target`` confidence * preference per pair (CSR, rows x
    len(fixed)); runs ``steps`` conjugate-gradient steps from ``current`` (a warm start).
    """
    factors = fixed.shape[1]
    gram = (fixed.T @ fixed + reg * np.eye(factors)).astype(np.float32)
    result = np.array(current, dtype=np.float32, copy=True)
    max_nnz = max(1, budget_bytes // (factors * 4 * 3))
    for part in _row_blocks(extra.indptr, max_nnz):
        block = extra[part]
        counts = np.diff(block.indptr)
        neighbours = fixed[block.indices]
        weights = block.data

        def apply(vectors, block=block, counts=counts, neighbours=neighbours, weights=weights):
            # Rows are sorted by owner, so repeating each vector is a sequential (cheap) gather.
            dots = np.einsum("nk,nk->n", np.repeat(vectors, counts, axis=0), neighbours) * weights
            spread = sp.csr_matrix((dots, block.indices, block.indptr), shape=block.shape)
            return vectors @ gram + spread @ fixed

        x = result[part]
        residual = np.asarray(target[part] @ fixed, dtype=np.float32) - apply(x)
        direction = residual.copy()
        power = np.einsum("nk,nk->n", residual, residual)
        for _ in range(steps):
            if not np.any(power > 1e-20):
                break
            applied = apply(direction)
            step = power / np.maximum(np.einsum("nk,nk->n", direction, applied), 1e-20)
            x = x + step[:, None] * direction
            residual = residual - step[:, None] * applied
            new_power = np.einsum("nk,nk->n", residual, residual)
            direction = residual + (new_power / np.maximum(power, 1e-20))[:, None] * direction
            power = new_power
        result[part] = x
    return result
