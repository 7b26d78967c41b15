"""Offline evaluation: per-user splits, ranking metrics, coverage, diversity and tuning.

Everything is vectorised over users and runs a batch of users at a time, so memory stays bounded
by batch x items.
"""

import itertools
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .data import Interactions
from .features import ItemFeatures
from .models.base import Recommender, batches, default_batch_size, normalize_rows, top_k

# -- splits ---------------------------------------------------------------------------------------


def _holdout_counts(sizes: np.ndarray, shares: Iterable[float]) -> list[np.ndarray]:
    """Return per-user counts for each held-out share (RecBole's rule).

    A share rounds down, but a user who would get none of a share while keeping more than one
    training event gives it one (so users with few events still have something held out).
    """
    sizes = np.asarray(sizes, dtype=np.int64)
    counts = [np.floor(sizes * share + 1e-9).astype(np.int64) for share in shares]
    train = sizes - sum(counts)
    for count, share in zip(reversed(counts), reversed(list(shares))):
        bump = (count == 0) & (sizes * share > 0) & (train > 1)
        count += bump
        train -= bump
    return counts


def time_split(
    events: pd.DataFrame, *, test_share: float = 0.2, user: str = "user_id", time_column: str = "timestamp"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split each user's events by time: the last ``test_share`` of them (by count) is held out."""
    ordered = events.sort_values([user, time_column], kind="stable")
    position = ordered.groupby(user, sort=False).cumcount().to_numpy()
    sizes = ordered.groupby(user, sort=False)[user].transform("size").to_numpy()
    (held,) = _holdout_counts(sizes, [test_share])
    is_test = position >= sizes - held
    return ordered[~is_test], ordered[is_test]


def random_split(
    events: pd.DataFrame, *, shares: tuple[float, ...] = (0.8, 0.1, 0.1), seed: int = 0, user: str = "user_id"
) -> tuple[pd.DataFrame, ...]:
    """Split each user's events at random into parts of the given shares (the first is training)."""
    rng = np.random.default_rng(seed)
    shuffled = events.iloc[rng.permutation(len(events))]
    position = shuffled.groupby(user, sort=False).cumcount().to_numpy()
    sizes = shuffled.groupby(user, sort=False)[user].transform("size").to_numpy()
    held = _holdout_counts(sizes, shares[1:])
    bounds = [sizes - sum(held)]
    for count in held:
        bounds.append(bounds[-1] + count)
    parts, lower = [], np.zeros_like(sizes)
    for upper in bounds:
        parts.append(shuffled[(position >= lower) & (position < upper)])
        lower = upper
    return tuple(parts)


# -- metrics --------------------------------------------------------------------------------------


def ranking_metrics(
    top: np.ndarray, targets: sp.csr_matrix, *, cutoffs: Iterable[int] = (10, 50)
) -> dict[str, np.ndarray]:
    """Return per-user HR@k, NDCG@k, Recall@k and Precision@k for each cutoff k.

    ``top`` holds each user's ranked items (-1 for none), ``targets`` the relevant items (binary
    CSR, rows aligned with ``top``). Recall@k divides by all relevant items; NDCG's ideal ranking
    puts min(k, relevant) hits first.
    """
    targets = sp.csr_matrix(targets)
    relevant = np.diff(targets.indptr)
    hits = np.zeros(top.shape, bool)
    for part in batches(top.shape[0], default_batch_size(targets.shape[1])):
        dense = targets[part].toarray() > 0
        block = top[part]
        hits[part] = np.take_along_axis(dense, np.maximum(block, 0), axis=1) & (block >= 0)
    result = {}
    safe_relevant = np.maximum(relevant, 1)
    for k in cutoffs:
        discounts = 1.0 / np.log2(np.arange(2, k + 2))
        ideal = np.concatenate([[0.0], np.cumsum(discounts)])[np.minimum(relevant, k)]
        hit_k = hits[:, :k]
        result[f"hr@{k}"] = hit_k.any(axis=1).astype(float)
        result[f"ndcg@{k}"] = (hit_k * discounts[: hit_k.shape[1]]).sum(axis=1) / np.where(
            ideal > 0, ideal, 1
        )
        result[f"recall@{k}"] = hit_k.sum(axis=1) / safe_relevant
        result[f"precision@{k}"] = hit_k.sum(axis=1) / k
    return result


def catalog_coverage(top: np.ndarray, n_items: int) -> float:
    """Return the share of all items that appear in at least one list."""
    shown = np.unique(top[top >= 0])
    return len(shown) / n_items if n_items else 0.0


def intra_list_diversity(top: np.ndarray, vectors: sp.csr_matrix) -> np.ndarray:
    """Return per-list 1 - mean pairwise cosine similarity of the items' (L2-normalised) vectors.

    Uses sum_{i != j} v_i.v_j = |sum v|^2 - sum |v_i|^2, so it never forms the pairs. Items
    without a vector count as unlike everything.
    """
    vectors = sp.csr_matrix(vectors, dtype=np.float32)
    n_rows, k = top.shape
    diversity = np.full(n_rows, np.nan)
    for part in batches(n_rows, 4096):
        block = top[part]
        valid = block >= 0
        count = valid.sum(axis=1)
        stacked = vectors[np.where(valid, block, 0).ravel()]
        stacked = sp.diags(valid.ravel().astype(np.float32)) @ stacked
        owner = sp.csr_matrix(
            (np.ones(block.size, np.float32), (np.repeat(np.arange(len(block)), k), np.arange(block.size))),
            shape=(len(block), block.size),
        )
        sums = owner @ stacked
        total = np.asarray(sums.multiply(sums).sum(axis=1)).ravel()
        own = owner @ np.asarray(stacked.multiply(stacked).sum(axis=1)).ravel()
        pairs = count * (count - 1)
        with np.errstate(invalid="ignore", divide="ignore"):
            diversity[part] = np.where(pairs > 0, 1.0 - (total - own) / pairs, np.nan)
    return diversity


def artist_vectors(item_artist: np.ndarray) -> sp.csr_matrix:
    """Return one-hot artist vectors (for diversity when items have no other content vectors)."""
    _, codes = np.unique(np.asarray(item_artist), return_inverse=True)
    n = len(codes)
    return sp.csr_matrix(
        (np.ones(n, np.float32), (np.arange(n), codes)), shape=(n, codes.max() + 1 if n else 0)
    )


@dataclass
class EvaluationResult:
    """One model's scores on one split (means over the evaluated users)."""

    model: str
    metrics: dict[str, float]
    coverage: float
    diversity: float
    users: int
    fit_seconds: float = 0.0
    evaluate_seconds: float = 0.0
    params: dict = field(default_factory=dict)

    def __getitem__(self, key: str) -> float:
        return self.metrics[key]


def evaluate(
    model: Recommender,
    targets: sp.csr_matrix,
    *,
    exclude: sp.csr_matrix | None = None,
    diversity_vectors: sp.csr_matrix | None = None,
    cutoffs: tuple[int, ...] = (10, 50),
    list_length: int = 10,
    batch_size: int | None = None,
    fit_seconds: float = 0.0,
    progress: Callable[[int], None] | None = None,
    candidates: np.ndarray | None = None,
) -> EvaluationResult:
    """Evaluate a fitted model on the users that have targets (rows of ``targets``).

    Every item is ranked; items the user had in training are excluded, and so are the pairs in
    ``exclude`` (users x items, e.g. a validation part the model was not fitted on).
    ``candidates`` (sorted item indices) restricts the ranking to them: only for a model whose
    top lists cannot leave them (e.g. popularity's most popular items, enough of them).
    """
    started = time.perf_counter()
    users = np.flatnonzero(np.diff(sp.csr_matrix(targets).indptr) > 0)
    top, _ = model.recommend(
        users,
        n=max(cutoffs),
        exclude=exclude[users] if exclude is not None else None,
        batch_size=batch_size,
        progress=progress,
        candidates=candidates,
    )
    per_user = ranking_metrics(top, targets[users], cutoffs=cutoffs)
    metrics = {name: float(values.mean()) if len(values) else 0.0 for name, values in per_user.items()}
    lists = top[:, :list_length]
    diversity = float("nan")
    if diversity_vectors is not None and len(users):
        diversity = float(np.nanmean(intra_list_diversity(lists, diversity_vectors)))
    return EvaluationResult(
        model=model.name,
        metrics=metrics,
        coverage=catalog_coverage(lists, model.n_items),
        diversity=diversity,
        users=len(users),
        fit_seconds=fit_seconds,
        evaluate_seconds=time.perf_counter() - started,
        params=model.params(),
    )


def fit_timed(model: Recommender, interactions: Interactions, item_features: ItemFeatures | None = None):
    """Fit a model and return it with the seconds it took."""
    started = time.perf_counter()
    model.fit(interactions, item_features)
    return model, time.perf_counter() - started


# -- tuning ---------------------------------------------------------------------------------------


def grid_search(
    factory: Callable[..., Recommender],
    grid: dict[str, list],
    interactions: Interactions,
    targets: sp.csr_matrix,
    *,
    item_features: ItemFeatures | None = None,
    exclude: sp.csr_matrix | None = None,
    metric: str = "ndcg@10",
) -> tuple[dict, list[tuple[dict, float]]]:
    """Fit ``factory(**params)`` for every combination in ``grid``; return the best params and all scores."""
    names = list(grid)
    trials = []
    for values in itertools.product(*(grid[name] for name in names)):
        params = dict(zip(names, values))
        model = factory(**params).fit(interactions, item_features)
        result = evaluate(model, targets, exclude=exclude)
        trials.append((params, result.metrics[metric]))
    best = max(trials, key=lambda trial: trial[1])[0] if trials else {}
    return best, trials


@dataclass
class _Candidates:
    items: np.ndarray  # users x candidates (-1: padding or duplicate)
    scores: dict[str, np.ndarray]  # component -> users x candidates, standardised (0: no score)
    hits: np.ndarray  # users x candidates
    relevant: np.ndarray  # users


def _hybrid_candidates(components, users, targets, exclude, per_model, batch_size) -> _Candidates:
    any_model = next(iter(components.values()))
    n_items = any_model.n_items
    size = batch_size or default_batch_size(n_items)
    items_parts, hit_parts = [], []
    score_parts = {name: [] for name in components}
    for part in batches(len(users), size):
        batch = users[part]
        seen = any_model.interactions.seen(batch)
        if exclude is not None:
            seen = seen + exclude[batch]
        rows, cols = seen.nonzero()
        normalised = {name: normalize_rows(model.score(batch)) for name, model in components.items()}
        union = np.hstack([top_k(_masked(s, rows, cols), per_model)[0] for s in normalised.values()])
        union.sort(axis=1)
        duplicate = np.zeros(union.shape, bool)
        duplicate[:, 1:] = union[:, 1:] == union[:, :-1]
        union[duplicate] = -1
        safe = np.maximum(union, 0)
        for name, scores in normalised.items():
            values = np.take_along_axis(scores, safe, axis=1)
            values[(union < 0) | ~np.isfinite(values)] = 0.0  # no score: adds nothing to a mix
            score_parts[name].append(values)
        dense_targets = targets[batch].toarray() > 0
        hit_parts.append(np.take_along_axis(dense_targets, safe, axis=1) & (union >= 0))
        items_parts.append(union)
    return _Candidates(
        items=np.vstack(items_parts),
        scores={name: np.vstack(parts) for name, parts in score_parts.items()},
        hits=np.vstack(hit_parts),
        relevant=np.diff(targets[users].indptr),
    )


def _masked(scores: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    masked = scores.copy()
    masked[rows, cols] = -np.inf
    return masked


def _candidate_ndcg(candidates: _Candidates, weights: dict[str, float], k: int) -> float:
    total = np.zeros(candidates.items.shape, np.float32)
    for name, weight in weights.items():
        if weight:
            total += weight * candidates.scores[name]
    total[candidates.items < 0] = -np.inf
    order, _ = top_k(total, k)
    hits = np.take_along_axis(candidates.hits, np.maximum(order, 0), axis=1) & (order >= 0)
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    ideal = np.concatenate([[0.0], np.cumsum(discounts)])[np.minimum(candidates.relevant, k)]
    ndcg = (hits * discounts).sum(axis=1) / np.where(ideal > 0, ideal, 1)
    return float(ndcg.mean()) if len(ndcg) else 0.0


def tune_hybrid_weights(
    components: dict[str, Recommender],
    targets: sp.csr_matrix,
    *,
    exclude: sp.csr_matrix | None = None,
    k: int = 10,
    grid: tuple[float, ...] = (0.0, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0),
    rounds: int = 3,
    per_model: int = 100,
    max_users: int | None = 5000,
    seed: int = 0,
    batch_size: int | None = None,
) -> tuple[dict[str, float], float]:
    """Choose hybrid weights that maximise NDCG@k on validation targets; return them and the NDCG.

    The fitted ``components`` score the validation users once; the hybrid is then re-ranked only
    over the union of each component's top ``per_model`` items (an item outside all of them could
    hardly reach a hybrid's top k), by coordinate ascent over ``grid`` starting from the best
    single component. At most ``max_users`` validation users (a random sample) keep it bounded.
    """
    users = np.flatnonzero(np.diff(sp.csr_matrix(targets).indptr) > 0)
    if max_users and len(users) > max_users:
        users = np.sort(np.random.default_rng(seed).choice(users, max_users, replace=False))
    candidates = _hybrid_candidates(components, users, targets, exclude, per_model, batch_size)
    names = list(components)
    singles = {name: _candidate_ndcg(candidates, {name: 1.0}, k) for name in names}
    best_name = max(singles, key=singles.get)
    weights = {name: float(name == best_name) for name in names}
    best = singles[best_name]
    for _ in range(rounds):
        improved = False
        for name in names:
            for value in grid:
                if value == weights[name]:
                    continue
                trial = {**weights, name: value}
                if not any(trial.values()):
                    continue
                score = _candidate_ndcg(candidates, trial, k)
                if score > best + 1e-6:
                    best, weights, improved = score, trial, True
        if not improved:
            break
    return weights, best
