"""Interactions: the sparse user x item confidence matrix built from listening events.

Listens count by completion and fade with age (exponential decay with a half-life); skips are
negative evidence that cancels listens of the same track; likes add a strong positive; dislikes
remove the positive, count as strong negative evidence and block the item from recommendations.
Nothing here is ever dense in users x items.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

SECONDS_PER_DAY = 86_400.0


@dataclass(frozen=True)
class Weighting:
    """How events become confidence values.

    ``transform`` maps the summed listen weight of a (user, item) pair: ``"log"`` is log(1 + w)
    (repeats count, with diminishing returns), ``"linear"`` keeps w, ``"binary"`` makes it 1.
    ``skip_weight`` is what one skip subtracts, in units of one full listen; ``like_weight`` and
    ``dislike_weight`` are added after the transform. ``half_life_days=None`` turns decay off.
    """

    transform: str = "log"
    half_life_days: float | None = 120.0
    skip_weight: float = 0.25
    like_weight: float = 2.0
    dislike_weight: float = 4.0

    def __post_init__(self):
        if self.transform not in ("log", "linear", "binary"):
            raise ValueError(f"unknown transform {self.transform!r}: use log, linear or binary")


@dataclass(frozen=True, eq=False)
class Interactions:
    """A user x item confidence matrix with the ids behind its rows and columns.

    ``matrix`` holds positive confidence (float32, CSR); ``negative`` holds negative evidence
    (net skips, dislikes) on the same shape; ``blocked`` marks disliked pairs that are never
    recommended; ``played`` marks every pair with at least one event, even when its listens and
    skips cancel out. ``user_ids[row]`` and ``item_ids[column]`` give the external ids.
    """

    matrix: sp.csr_matrix
    user_ids: np.ndarray
    item_ids: np.ndarray
    negative: sp.csr_matrix = None
    blocked: sp.csr_matrix = None
    played: sp.csr_matrix = None
    _user_lookup: pd.Index = field(init=False, repr=False)
    _item_lookup: pd.Index = field(init=False, repr=False)

    def __post_init__(self):
        shape = (len(self.user_ids), len(self.item_ids))
        if self.matrix.shape != shape:
            raise ValueError(f"matrix shape {self.matrix.shape} does not match the ids {shape}")
        object.__setattr__(self, "matrix", _clean_csr(self.matrix))
        for name in ("negative", "blocked", "played"):
            value = getattr(self, name)
            object.__setattr__(self, name, _clean_csr(value if value is not None else sp.csr_matrix(shape)))
        object.__setattr__(self, "_user_lookup", pd.Index(self.user_ids))
        object.__setattr__(self, "_item_lookup", pd.Index(self.item_ids))

    @property
    def shape(self) -> tuple[int, int]:
        return self.matrix.shape

    @property
    def n_users(self) -> int:
        return self.matrix.shape[0]

    @property
    def n_items(self) -> int:
        return self.matrix.shape[1]

    def user_index(self, ids) -> np.ndarray:
        """Return the row of each user id in an array-like (-1 for unknown ids)."""
        return self._user_lookup.get_indexer(np.asarray(ids))

    def item_index(self, ids) -> np.ndarray:
        """Return the column of each item id in an array-like (-1 for unknown ids)."""
        return self._item_lookup.get_indexer(np.asarray(ids))

    def item_user_counts(self) -> np.ndarray:
        """Return how many users have a positive interaction with each item."""
        return np.diff(self.matrix.tocsc().indptr).astype(np.int64)

    def seen(self, users: np.ndarray | None = None) -> sp.csr_matrix:
        """Return the pairs to exclude from recommendations: anything played, skipped or disliked."""
        rows = slice(None) if users is None else np.asarray(users)
        seen = self.matrix[rows] + self.negative[rows] + self.blocked[rows] + self.played[rows]
        seen.data[:] = 1.0
        return seen.tocsr()

    def signed_rows(self, users: np.ndarray, negative_weight: float = 1.0) -> sp.csr_matrix:
        """Return the users' rows with negative evidence subtracted (input for linear item models)."""
        rows = self.matrix[users]
        if negative_weight and self.negative.nnz:
            rows = rows - negative_weight * self.negative[users]
        return sp.csr_matrix(rows, dtype=np.float32)

    def with_matrix(self, matrix: sp.csr_matrix) -> "Interactions":
        """Return a copy with another positive matrix (same ids, negative evidence and blocks)."""
        return Interactions(matrix, self.user_ids, self.item_ids, self.negative, self.blocked, self.played)


def _clean_csr(matrix) -> sp.csr_matrix:
    matrix = sp.csr_matrix(matrix, dtype=np.float32)
    matrix.sum_duplicates()
    matrix.eliminate_zeros()
    matrix.sort_indices()
    return matrix


def _ids(given, observed: Iterable[pd.Series]) -> np.ndarray:
    if given is not None:
        return np.asarray(pd.Index(given).unique())
    parts = [pd.Series(s) for s in observed if s is not None and len(s)]
    if not parts:
        return np.array([], dtype=np.int64)
    return np.asarray(pd.Index(pd.concat(parts, ignore_index=True).unique()).sort_values())


def _to_seconds(values: pd.Series) -> np.ndarray:
    if pd.api.types.is_datetime64_any_dtype(values):
        if getattr(values.dt, "tz", None) is not None:
            values = values.dt.tz_convert("UTC").dt.tz_localize(None)
        return values.astype("datetime64[ns]").astype(np.int64).to_numpy() / 1e9
    return values.astype(np.float64).to_numpy()


def event_weights(events: pd.DataFrame, weighting: Weighting, now=None) -> tuple[np.ndarray, np.ndarray]:
    """Return (positive, negative) weight per event.

    Uses ``weight`` when present, else completion ``ms_played / duration_ms`` (1 when unknown);
    ``skipped`` events give negative evidence instead; ``timestamp`` ages every event by the
    half-life, relative to ``now`` (default: the newest event).
    """
    n = len(events)
    if "weight" in events:
        base = events["weight"].to_numpy(dtype=np.float64)
    elif "ms_played" in events and "duration_ms" in events:
        played = events["ms_played"].to_numpy(dtype=np.float64)
        duration = events["duration_ms"].to_numpy(dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            base = np.clip(played / duration, 0.0, 1.0)
        base = np.where(np.isfinite(base), base, 1.0)
    else:
        base = np.ones(n)
    decay = np.ones(n)
    if weighting.half_life_days and "timestamp" in events and n:
        seconds = _to_seconds(events["timestamp"])
        reference = np.nanmax(seconds) if now is None else _to_seconds(pd.Series([now]))[0]
        age_days = np.clip(reference - seconds, 0, None) / SECONDS_PER_DAY
        decay = np.where(np.isfinite(age_days), 0.5 ** (age_days / weighting.half_life_days), 1.0)
    skipped = (
        events["skipped"].fillna(False).to_numpy(dtype=bool) if "skipped" in events else np.zeros(n, bool)
    )
    positive = np.where(skipped, 0.0, base * decay)
    negative = np.where(skipped, weighting.skip_weight * decay, 0.0)
    return positive, negative


def build_interactions(
    events: pd.DataFrame,
    *,
    likes: pd.DataFrame | None = None,
    dislikes: pd.DataFrame | None = None,
    user_ids=None,
    item_ids=None,
    weighting: Weighting | None = None,
    now=None,
) -> Interactions:
    """Build Interactions from events (user_id, item_id and weight or ms_played/duration_ms,
    optional skipped and timestamp), plus optional likes and dislikes frames (user_id, item_id).

    ``user_ids`` / ``item_ids`` fix the index (e.g. the whole catalog, so that items nobody played
    still get a column); events with ids outside them are dropped.
    """
    weighting = weighting or Weighting()
    frames = [f for f in (events, likes, dislikes) if f is not None]
    users = _ids(user_ids, [f["user_id"] for f in frames])
    items = _ids(item_ids, [f["item_id"] for f in frames])
    user_lookup, item_lookup = pd.Index(users), pd.Index(items)
    shape = (len(users), len(items))

    def coords(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        rows = user_lookup.get_indexer(frame["user_id"].to_numpy())
        cols = item_lookup.get_indexer(frame["item_id"].to_numpy())
        return rows, cols, (rows >= 0) & (cols >= 0)

    rows, cols, known = coords(events)
    positive, negative = event_weights(events, weighting, now)
    pos = sp.csr_matrix((positive[known], (rows[known], cols[known])), shape=shape, dtype=np.float64)
    neg = sp.csr_matrix((negative[known], (rows[known], cols[known])), shape=shape, dtype=np.float64)
    played = sp.csr_matrix((np.ones(known.sum()), (rows[known], cols[known])), shape=shape)
    played.data[:] = 1.0
    net = (pos - neg).tocsr()
    net.eliminate_zeros()
    matrix, negative_matrix = net.maximum(0).tocsr(), (-net).maximum(0).tocsr()
    if weighting.transform == "log":
        matrix.data = np.log1p(matrix.data)
    elif weighting.transform == "binary":
        matrix.data[:] = 1.0
    if likes is not None and len(likes):
        r, c, ok = coords(likes)
        liked = sp.csr_matrix((np.ones(ok.sum()), (r[ok], c[ok])), shape=shape)
        liked.data[:] = 1.0  # a like counts once however often it was recorded
        matrix = matrix + weighting.like_weight * liked
        negative_matrix = negative_matrix - negative_matrix.multiply(liked)
    blocked = sp.csr_matrix(shape)
    if dislikes is not None and len(dislikes):
        r, c, ok = coords(dislikes)
        blocked = sp.csr_matrix((np.ones(ok.sum()), (r[ok], c[ok])), shape=shape)
        blocked.data[:] = 1.0
        matrix = matrix - matrix.multiply(blocked)
        negative_matrix = (
            negative_matrix - negative_matrix.multiply(blocked) + weighting.dislike_weight * blocked
        )
    return Interactions(
        matrix=sp.csr_matrix(matrix),
        user_ids=users,
        item_ids=items,
        negative=sp.csr_matrix(negative_matrix),
        blocked=blocked,
        played=played,
    )


def target_matrix(
    pairs: pd.DataFrame, interactions: Interactions, *, exclude: sp.csr_matrix | None = None
) -> sp.csr_matrix:
    """Return a binary user x item relevance matrix for (user_id, item_id) pairs on the index of
    ``interactions``, leaving out pairs in ``exclude`` (e.g. what the user already had)."""
    rows = interactions.user_index(pairs["user_id"].to_numpy())
    cols = interactions.item_index(pairs["item_id"].to_numpy())
    ok = (rows >= 0) & (cols >= 0)
    target = sp.csr_matrix((np.ones(ok.sum(), np.float32), (rows[ok], cols[ok])), shape=interactions.shape)
    target.data[:] = 1.0
    if exclude is not None:
        target = target - target.multiply(exclude.astype(bool))
    return _clean_csr(target)
