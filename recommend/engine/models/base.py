"""The interface every recommender shares, and the batched top-k machinery behind it.

A model scores users in batches of rows, so the largest array alive is batch x items, never
users x items: ``default_batch_size`` keeps one batch's scores within a memory budget.
"""

from collections.abc import Callable, Iterator

import numpy as np
import scipy.sparse as sp

from ..data import Interactions
from ..features import ItemFeatures

SCORE_BUDGET_BYTES = 128 * 2**20
MAX_BATCH = 4096


def default_batch_size(n_items: int, budget_bytes: int = SCORE_BUDGET_BYTES) -> int:
    """Return how many users to score at once so that a few float32 batch x items arrays fit."""
    return int(max(1, min(MAX_BATCH, budget_bytes // (4 * 4 * max(n_items, 1)))))


def batches(n: int, size: int) -> Iterator[slice]:
    for start in range(0, n, size):
        yield slice(start, min(n, start + size))


def top_k(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the k best columns of each row, best first, and their scores.

    Rows with fewer than k finite scores are padded with item -1 and score -inf.
    """
    n_rows, n_cols = scores.shape
    k_eff = min(k, n_cols)
    if k_eff == 0:
        return np.full((n_rows, k), -1, np.int64), np.full((n_rows, k), -np.inf, np.float32)
    if k_eff < n_cols:
        part = np.argpartition(-scores, k_eff - 1, axis=1)[:, :k_eff]
    else:
        part = np.broadcast_to(np.arange(n_cols), (n_rows, n_cols)).copy()
    part_scores = np.take_along_axis(scores, part, axis=1)
    order = np.argsort(-part_scores, axis=1, kind="stable")
    items = np.take_along_axis(part, order, axis=1).astype(np.int64)
    values = np.take_along_axis(part_scores, order, axis=1).astype(np.float32)
    missing = ~np.isfinite(values) | np.isnan(values)
    items[missing], values[missing] = -1, -np.inf
    if k_eff < k:
        items = np.pad(items, ((0, 0), (0, k - k_eff)), constant_values=-1)
        values = np.pad(values, ((0, 0), (0, k - k_eff)), constant_values=-np.inf)
    return items, values


def normalize_rows(scores: np.ndarray, *, copy: bool = True) -> np.ndarray:
    """Standardise each row (z-score over its finite entries); non-finite entries get the row's minimum.

    Used to put the scores of different models on one scale before a hybrid adds them.
    ``copy=False`` works in place on a float32 array the caller no longer needs. Four passes over
    the array when every score is finite (the nightly run's batches are users x candidates).
    """
    scores = np.array(scores, dtype=np.float32) if copy else np.asarray(scores, dtype=np.float32)
    n_cols = max(scores.shape[1], 1)
    sums = scores.sum(axis=1, dtype=np.float64)
    if not np.isfinite(sums).all():
        finite = np.isfinite(scores)
        row_min = np.where(finite, scores, np.inf).min(axis=1, keepdims=True)
        row_min = np.where(np.isfinite(row_min), row_min, 0.0)
        np.copyto(scores, np.broadcast_to(row_min, scores.shape).astype(np.float32), where=~finite)
        sums = scores.sum(axis=1, dtype=np.float64)
    scores -= (sums / n_cols).astype(np.float32)[:, None]
    std = np.sqrt(np.einsum("ij,ij->i", scores, scores, dtype=np.float64) / n_cols)
    scores *= (1.0 / np.where(std > 0, std, 1.0)).astype(np.float32)[:, None]
    return scores


class Recommender:
    """Base class: subclasses implement ``fit`` and ``score_rows`` (and usually ``item_scores``).

    Users are rows of the Interactions given to ``fit`` (``score``, ``recommend``); any other
    listener, e.g. a radio's seed or a new listener's few plays, is a CSR row over the same items
    (``score_rows``, ``recommend_rows``).
    """

    name = "base"

    def __init__(self):
        self.interactions: Interactions | None = None
        self.item_features: ItemFeatures | None = None

    # -- to implement -------------------------------------------------------------------------
    def fit(self, interactions: Interactions, item_features: ItemFeatures | None = None) -> "Recommender":
        self.interactions = interactions
        self.item_features = item_features
        return self

    def score_rows(
        self, rows: sp.csr_matrix, negative: sp.csr_matrix | None = None, items: np.ndarray | None = None
    ) -> np.ndarray:
        """Return float32 scores (rows x items) for listeners given by interaction rows.

        ``items`` (sorted item indices) restricts the columns scored, and the work, to those items.
        """
        raise NotImplementedError

    def item_scores(self, items: np.ndarray) -> np.ndarray:
        """Return float32 similarity of each given item to every item (items x all items)."""
        raise NotImplementedError(f"{self.name} has no item similarity")

    # -- shared -------------------------------------------------------------------------------
    @property
    def n_items(self) -> int:
        return self.interactions.n_items

    def params(self) -> dict:
        """Return the hyperparameters (the constructor's arguments)."""
        return {k: v for k, v in vars(self).items() if not k.startswith("_") and _is_param(v)}

    def score(self, users: np.ndarray, items: np.ndarray | None = None) -> np.ndarray:
        """Return float32 scores (len(users) x items) for users of the fitted Interactions."""
        users = np.asarray(users)
        return self.score_rows(self.interactions.matrix[users], self.interactions.negative[users], items)

    def recommend(
        self,
        users,
        n: int = 10,
        *,
        exclude_seen: bool = True,
        exclude: sp.csr_matrix | None = None,
        candidates: np.ndarray | None = None,
        batch_size: int | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return the top-n items (len(users) x n, -1 padded) and their scores for fitted users.

        ``exclude_seen`` leaves out whatever the user played, skipped or disliked; ``exclude`` is
        an extra users x items CSR (rows aligned with ``users``) of pairs to leave out;
        ``candidates`` restricts to those item indices (e.g. playable tracks, or the most played
        ones at scale): only they are scored. Users are scored in batches of ``batch_size``
        (default: a memory budget), calling ``progress(done)`` after each.
        """
        users = np.atleast_1d(np.asarray(users, dtype=np.int64))
        columns = _columns(candidates)
        size = batch_size or default_batch_size(self.n_items if columns is None else len(columns))
        out_items = np.empty((len(users), n), np.int64)
        out_scores = np.empty((len(users), n), np.float32)
        for part in batches(len(users), size):
            batch = users[part]
            scores = self.score(batch, columns)
            _mask(scores, self.interactions.blocked[batch], columns)
            if exclude_seen:
                _mask(scores, self.interactions.seen(batch), columns)
            if exclude is not None:
                _mask(scores, exclude[part], columns)
            out_items[part], out_scores[part] = _top_k_of(scores, n, columns)
            if progress:
                progress(part.stop)
        return out_items, out_scores

    def recommend_rows(
        self,
        rows: sp.csr_matrix,
        n: int = 10,
        *,
        negative: sp.csr_matrix | None = None,
        exclude_seen: bool = True,
        candidates: np.ndarray | None = None,
        batch_size: int | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return the top-n items for listeners given as interaction rows (see ``recommend``)."""
        rows = sp.csr_matrix(rows, dtype=np.float32)
        negative = sp.csr_matrix(negative if negative is not None else rows.shape, dtype=np.float32)
        columns = _columns(candidates)
        size = batch_size or default_batch_size(self.n_items if columns is None else len(columns))
        out_items = np.empty((rows.shape[0], n), np.int64)
        out_scores = np.empty((rows.shape[0], n), np.float32)
        for part in batches(rows.shape[0], size):
            scores = self.score_rows(rows[part], negative[part], columns)
            if exclude_seen:
                _mask(scores, rows[part] + negative[part], columns)
            out_items[part], out_scores[part] = _top_k_of(scores, n, columns)
        return out_items, out_scores

    def similar_items(
        self, items, n: int = 10, *, candidates: np.ndarray | None = None, batch_size: int | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return the n items most similar to each given item (itself excluded) and the scores."""
        items = np.atleast_1d(np.asarray(items, dtype=np.int64))
        size = batch_size or default_batch_size(self.n_items)
        allowed = _allowed_mask(candidates, self.n_items)
        out_items = np.empty((len(items), n), np.int64)
        out_scores = np.empty((len(items), n), np.float32)
        for part in batches(len(items), size):
            batch = items[part]
            scores = np.array(self.item_scores(batch), dtype=np.float32)
            scores[np.arange(len(batch)), batch] = -np.inf
            if allowed is not None:
                scores[:, ~allowed] = -np.inf
            out_items[part], out_scores[part] = top_k(scores, n)
        return out_items, out_scores

    def because(
        self, row: sp.csr_matrix, items, *, max_sources: int = 500, chunk: int = 64
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return, for each recommended item, the played item that argues most for it, and how much.

        The argument of played item i for item j is the listener's weight on i times sim(i, j)
        (for ItemKNN and EASE exactly i's contribution to j's score). Looks at the listener's
        ``max_sources`` heaviest items, ``chunk`` at a time. Item -1 where nothing argues for it.
        """
        row = sp.csr_matrix(row, dtype=np.float32)
        items = np.atleast_1d(np.asarray(items, dtype=np.int64))
        sources, weights = row.indices, row.data
        keep = weights > 0
        sources, weights = sources[keep], weights[keep]
        if len(sources) > max_sources:
            heaviest = np.argsort(-weights, kind="stable")[:max_sources]
            sources, weights = sources[heaviest], weights[heaviest]
        best_source = np.full(len(items), -1, np.int64)
        best_value = np.zeros(len(items), np.float32)
        for part in batches(len(sources), chunk):
            similarity = np.asarray(self.item_scores(sources[part]), dtype=np.float32)[:, items]
            argument = np.where(np.isfinite(similarity), similarity, 0.0) * weights[part][:, None]
            argument[sources[part][:, None] == items[None, :]] = 0.0
            winner = argument.argmax(axis=0)
            value = argument[winner, np.arange(len(items))]
            better = value > best_value
            best_source[better], best_value[better] = sources[part][winner[better]], value[better]
        return best_source, best_value

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params().items())
        return f"{type(self).__name__}({args})"


def _is_param(value) -> bool:
    return isinstance(value, (int, float, str, bool, type(None), tuple))


def _allowed_mask(candidates, n_items: int) -> np.ndarray | None:
    if candidates is None:
        return None
    allowed = np.zeros(n_items, bool)
    allowed[np.asarray(candidates, dtype=np.int64)] = True
    return allowed


def _columns(candidates) -> np.ndarray | None:
    return None if candidates is None else np.unique(np.asarray(candidates, dtype=np.int64))


def _top_k_of(scores: np.ndarray, n: int, columns: np.ndarray | None):
    items, values = top_k(scores, n)
    if columns is not None:
        items = np.where(items >= 0, columns[np.maximum(items, 0)], -1)
    return items, values


def _mask(scores: np.ndarray, pairs: sp.spmatrix, columns: np.ndarray | None = None) -> None:
    if pairs is None or not pairs.nnz:
        return
    if columns is not None:
        pairs = sp.csr_matrix(pairs)[:, columns]
    rows, cols = pairs.nonzero()
    scores[rows, cols] = -np.inf
