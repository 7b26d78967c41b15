"""Item-item collaborative filtering on the sparse user x item matrix.

Two similarities: cosine (``ItemKNN``) and RP3beta (``RP3Beta``: the probability of walking
item -> listener -> item, sharpened by ``alpha`` and divided by the destination's popularity to the
``beta``; Paudel et al. 2017). Only each item's ``neighbours`` best are kept, so the similarity is
sparse (items x neighbours); it is computed a block of items at a time, each block holding at most
a fixed number of co-occurrences, and never as a dense items x items array. Co-occurrences grow
with the square of a listener's history, so only each listener's ``max_user_items`` heaviest items
count towards similarities (scores still use everything they played).
"""

import numpy as np
import scipy.sparse as sp

from ..data import Interactions
from ..features import ItemFeatures
from .base import Recommender

MAX_BLOCK_PATHS = 8_000_000


class ItemKNN(Recommender):
    """score(u, j) = sum over the user's items i of w(u, i) * sim(i, j), sim kept top-k per item.

    Cosine: sim(i, j) = |U_i . U_j| / (|U_i|^alpha |U_j|^(1 - alpha) + shrink) (alpha 0.5 is the
    plain cosine; ``shrink`` damps similarities built on few common listeners). ``binary``
    computes similarities on who-played-what rather than on confidence weights; the user's own row
    keeps its weights either way, minus ``negative_weight`` times their skips and dislikes.
    ``max_user_items`` caps how many of a listener's items count towards similarities.
    """

    name = "itemknn"
    similarity_kind = "cosine"

    def __init__(
        self,
        neighbours: int = 200,
        shrink: float = 0.0,
        alpha: float = 0.2,
        binary: bool = True,
        negative_weight: float = 1.0,
        max_user_items: int | None = 500,
    ):
        super().__init__()
        self.neighbours = neighbours
        self.shrink = shrink
        self.alpha = alpha
        self.binary = binary
        self.negative_weight = negative_weight
        self.max_user_items = max_user_items

    def _similarity(self, matrix: sp.csr_matrix) -> sp.csr_matrix:
        return item_similarity(
            cap_rows(matrix, self.max_user_items),
            neighbours=self.neighbours,
            shrink=self.shrink,
            alpha=self.alpha,
            binary=self.binary,
        )

    def fit(self, interactions: Interactions, item_features: ItemFeatures | None = None) -> "ItemKNN":
        super().fit(interactions, item_features)
        self.similarity = self._similarity(interactions.matrix)
        return self

    def score_rows(
        self, rows: sp.csr_matrix, negative: sp.csr_matrix | None = None, items: np.ndarray | None = None
    ) -> np.ndarray:
        rows = sp.csr_matrix(rows, dtype=np.float32)
        if negative is not None and self.negative_weight:
            rows = rows - self.negative_weight * sp.csr_matrix(negative, dtype=np.float32)
        return np.asarray((rows @ self._columns(items)).toarray(), dtype=np.float32)

    def _columns(self, items: np.ndarray | None) -> sp.csr_matrix:
        """Return the similarity restricted to some columns (the last restriction is cached)."""
        if items is None:
            return self.similarity
        key = (len(items), hash(np.asarray(items).tobytes()))
        if getattr(self, "_column_key", None) != key:
            self._column_key, self._column_cache = key, self.similarity[:, items].tocsr()
        return self._column_cache

    def item_scores(self, items: np.ndarray) -> np.ndarray:
        return self.similarity[np.asarray(items)].toarray()


class RP3Beta(ItemKNN):
    """ItemKNN with the RP3beta similarity: sim(i, j) = P(i -> u -> j)^alpha / popularity(j)^beta."""

    name = "rp3beta"
    similarity_kind = "rp3beta"

    def __init__(
        self,
        neighbours: int = 300,
        alpha: float = 1.1,
        beta: float = 0.5,
        binary: bool = True,
        negative_weight: float = 1.0,
        max_user_items: int | None = 500,
    ):
        super().__init__(
            neighbours=neighbours,
            alpha=alpha,
            binary=binary,
            negative_weight=negative_weight,
            max_user_items=max_user_items,
        )
        del self.shrink
        self.beta = beta

    def _similarity(self, matrix: sp.csr_matrix) -> sp.csr_matrix:
        return rp3beta_similarity(
            cap_rows(matrix, self.max_user_items),
            neighbours=self.neighbours,
            alpha=self.alpha,
            beta=self.beta,
            binary=self.binary,
        )


def cap_rows(matrix: sp.csr_matrix, limit: int | None) -> sp.csr_matrix:
    """Return the matrix with each row cut to its ``limit`` largest entries (None: unchanged)."""
    matrix = sp.csr_matrix(matrix)
    counts = np.diff(matrix.indptr)
    if limit is None or not len(counts) or counts.max() <= limit:
        return matrix
    rows = np.repeat(np.arange(matrix.shape[0]), counts)
    # One stable argsort of (row, value rank descending) packed in an int64: a fraction of lexsort.
    value_rank = np.empty(len(rows), np.int64)
    value_rank[np.argsort(-matrix.data, kind="stable")] = np.arange(len(rows))
    order = np.argsort(rows * len(rows) + value_rank, kind="stable")
    rank = np.empty(len(order), np.int64)
    rank[order] = np.arange(len(order)) - matrix.indptr[rows[order]]
    keep = rank < limit
    return sp.csr_matrix((matrix.data[keep], (rows[keep], matrix.indices[keep])), shape=matrix.shape)


def _blocks_by_paths(paths: np.ndarray, max_paths: int):
    """Yield slices of consecutive items whose co-occurrence counts add up to at most max_paths."""
    n = len(paths)
    ends = np.cumsum(paths)
    start = 0
    while start < n:
        base = ends[start - 1] if start else 0
        stop = int(np.searchsorted(ends, base + max_paths, side="right"))
        stop = min(max(stop, start + 1), n)
        yield slice(start, stop)
        start = stop


def top_k_per_row(indptr: np.ndarray, values: np.ndarray, k: int) -> np.ndarray:
    """Return a mask of the k largest positive values in each row of CSR data (linear time).

    Rows longer than k are padded into buckets of similar length (at most twice the data) and
    partitioned with one ``argpartition`` per bucket, instead of sorting everything.
    """
    lengths = np.diff(indptr)
    keep = np.repeat(lengths <= k, lengths)
    long_rows = np.flatnonzero(lengths > k)
    if len(long_rows):
        buckets = np.ceil(np.log2(lengths[long_rows])).astype(np.int64)
        for bucket in np.unique(buckets):
            rows = long_rows[buckets == bucket]
            width = int(lengths[rows].max())
            offsets = indptr[rows][:, None] + np.arange(width)[None, :]
            valid = np.arange(width)[None, :] < lengths[rows][:, None]
            padded = np.where(valid, values[np.where(valid, offsets, 0)], -np.inf)
            best = np.argpartition(-padded, k - 1, axis=1)[:, :k]
            chosen = np.take_along_axis(offsets, best, axis=1)[np.take_along_axis(valid, best, axis=1)]
            keep[chosen] = True
    return keep & (values > 0)


def _pairwise(
    left: sp.csr_matrix,
    right: sp.csr_matrix,
    paths: np.ndarray,
    k: int,
    weigh,
    max_paths: int,
    dtype=np.float64,
):
    """Top-k of weigh(items, dots) for left @ right, a block of rows at a time (left: items x users)."""
    n_items = left.shape[0]
    rows, cols, vals = [], [], []
    for part in _blocks_by_paths(paths, max_paths):
        block = sp.csr_matrix(left[part] @ right)
        items = np.repeat(np.arange(part.start, part.stop), np.diff(block.indptr))
        values = weigh(items, block.indices, block.data.astype(dtype, copy=False))
        values[items == block.indices] = 0.0
        keep = top_k_per_row(block.indptr, values, k) if k > 0 else np.zeros(len(values), bool)
        rows.append(items[keep])
        cols.append(block.indices[keep])
        vals.append(values[keep])
    if not rows:
        return sp.csr_matrix((n_items, n_items), dtype=np.float32)
    return sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(n_items, n_items),
        dtype=np.float32,
    )


def _prepare(matrix: sp.csr_matrix, binary: bool) -> sp.csr_matrix:
    matrix = sp.csr_matrix(matrix, dtype=np.float64)
    if binary:
        matrix = matrix.copy()
        matrix.data[:] = 1.0
    return matrix


def item_similarity(
    matrix: sp.csr_matrix,
    *,
    neighbours: int = 200,
    shrink: float = 0.0,
    alpha: float = 0.2,
    binary: bool = True,
    max_paths: int = MAX_BLOCK_PATHS,
) -> sp.csr_matrix:
    """Return the items x items (asymmetric) cosine similarity, keeping each item's best neighbours.

    Binary input is multiplied in single precision (co-occurrence counts are exact in float32 up to
    16 million listeners), and without shrinkage each dot product is scaled by the two norms'
    precomputed reciprocals: half the memory traffic of the double-precision division.
    """
    single = binary and not shrink
    matrix = _prepare(matrix, binary)
    by_item = matrix.T.tocsr()
    norms = np.sqrt(np.asarray(by_item.multiply(by_item).sum(axis=1)).ravel())
    left, right = norms**alpha, norms ** (1.0 - alpha)
    paths = by_item.astype(bool).astype(np.float64) @ np.diff(matrix.indptr).astype(np.float64)
    if single:
        inverse_left = (1.0 / np.maximum(left, 1e-12)).astype(np.float32)
        inverse_right = (1.0 / np.maximum(right, 1e-12)).astype(np.float32)

        def scaled(items, others, dots):
            dots *= inverse_left[items]
            dots *= inverse_right[others]
            return dots

        return _pairwise(
            by_item.astype(np.float32),
            matrix.astype(np.float32),
            paths,
            neighbours,
            scaled,
            max_paths,
            np.float32,
        )

    def weigh(items, others, dots):
        return dots / (left[items] * right[others] + shrink + 1e-12)

    return _pairwise(by_item, matrix, paths, neighbours, weigh, max_paths)


def rp3beta_similarity(
    matrix: sp.csr_matrix,
    *,
    neighbours: int = 300,
    alpha: float = 1.1,
    beta: float = 0.5,
    binary: bool = True,
    max_paths: int = MAX_BLOCK_PATHS,
) -> sp.csr_matrix:
    """Return the RP3beta item x item similarity, keeping each item's best neighbours."""
    matrix = _prepare(matrix, binary)
    user_degree = np.asarray(matrix.sum(axis=1)).ravel()
    item_degree = np.asarray(matrix.sum(axis=0)).ravel()
    user_step = sp.diags(1.0 / np.where(user_degree > 0, user_degree, 1.0)) @ matrix
    item_step = sp.diags(1.0 / np.where(item_degree > 0, item_degree, 1.0)) @ matrix.T.tocsr()
    penalty = np.where(item_degree > 0, item_degree, 1.0) ** -beta
    paths = matrix.T.tocsr().astype(bool).astype(np.float64) @ np.diff(matrix.indptr).astype(np.float64)

    def weigh(items, others, probability):
        return probability**alpha * penalty[others]

    return _pairwise(sp.csr_matrix(item_step), sp.csr_matrix(user_step), paths, neighbours, weigh, max_paths)
