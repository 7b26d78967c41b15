"""Generation: per chunk of listeners, recommendations with reasons, a Discover playlist and up to
six Daily Mixes, swapped in atomically.

Everything heavy is batched over the chunk: one scoring pass of the model, reasons and taste
clusters as batched array products over item embeddings, and a fixed number of queries per chunk
(never per listener). Each listener's old generated playlists and recommendations are replaced in
the chunk's single transaction, reusing the playlists' rows (and so their uids and links); if
anything fails the transaction rolls back and the old ones stay.
"""

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from listening import packed as packed_entries
from listening import selectors as listening_selectors
from listening.models import Playlist

from .. import packed
from ..models import RecommendationList
from . import assembly, frames, training
from .assembly import run_rank
from .training import TrainedModel

logger = logging.getLogger(__name__)

# Each listener's rows are rewritten every night: 100 recommendations, 30 Discover tracks and up to
# 6 x 30 mix tracks keep the nightly writes within budget at 50,000 listeners.
RECOMMENDATIONS_PER_USER = 100
POOL_SIZE = 400  # unplayed candidates scored per listener; recommendations, Discover and mixes draw on them
DISCOVER_LENGTH = 30
DISCOVER_PER_ARTIST = 2
MAX_MIXES = 6
MIX_LENGTH = 30
MIX_PER_ARTIST = 6
MIX_MIN_FAVOURITES = 3
HISTORY_ITEMS = 100  # a listener's heaviest items that define their taste clusters
REASON_SOURCES = 40  # ... and the heaviest of those that may explain a recommendation
KMEANS_ITERATIONS = 8
COLD_START_POPULARITY = 0.15  # weight of popularity beside the content match for taste picks
GENERATED_KINDS = (Playlist.Kind.DISCOVER, Playlist.Kind.DAILY_MIX)
# Why a generated playlist's entry is there, when it is not one of the listener's recommendations.
FAVOURITE_NOTE = "One of your favourites"
NEW_TRACK_NOTE = "New to you, close to what you play"


@dataclass
class GeneratedPlaylist:
    kind: str
    name: str
    description: str
    tracks: object  # track ids (an int64 array), in order
    notes: object  # why each entry is there (an object array of str, shared strings)


@dataclass
class UserLists:
    """What one listener gets: the packed recommendations (``packed.pack_recommendations``' format)
    and the generated playlists, Discover first."""

    user_id: int
    items: bytes
    reasons: str
    recommendation_count: int
    playlists: list[GeneratedPlaylist]


@dataclass
class ChunkResult:
    listeners: int = 0
    playlists: int = 0
    recommendations: int = 0
    skipped: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # of this process (the database server's own work not counted)

    def as_dict(self) -> dict:
        return {
            "listeners": self.listeners,
            "playlists": self.playlists,
            "recommendations": self.recommendations,
            "skipped": self.skipped,
            "seconds": round(self.seconds, 3),
            "cpu_seconds": round(self.cpu_seconds, 3),
        }


# -- scoring -------------------------------------------------------------------------------------


@dataclass
class _Profiles:
    """The chunk's listeners on the model's item index."""

    user_ids: list
    pool_items: object  # users x POOL_SIZE item indices (-1 padded), best first
    pool_scores: object
    history: list  # per user: (item indices, weights), heaviest first
    picks: dict  # user id -> (genre ids, artist ids) for listeners without history


def _exclusions(trained: TrainedModel, user_ids, recent, dislikes):
    """Return a CSR (len(user_ids) x items) of pairs that must never be generated."""
    import numpy as np  # heavy, deferred: web workers import this module
    import scipy.sparse as sp  # heavy, deferred: web workers import this module

    rows_by_user = {u: i for i, u in enumerate(user_ids)}
    parts_rows, parts_cols = [], []
    for frame in (recent, dislikes):
        if len(frame):
            rows = frame["user_id"].map(rows_by_user).to_numpy()
            cols = trained.interactions.item_index(frame["item_id"].to_numpy())
            ok = ~np.isnan(rows.astype(float)) & (cols >= 0)
            parts_rows.append(rows[ok].astype(np.int64))
            parts_cols.append(cols[ok])
    shape = (len(user_ids), trained.interactions.n_items)
    if not parts_rows:
        return sp.csr_matrix(shape, dtype=np.float32)
    rows, cols = np.concatenate(parts_rows), np.concatenate(parts_cols)
    matrix = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=shape)
    matrix.data[:] = 1.0
    return matrix


def _heaviest(matrix, limit: int) -> list:
    """Return each row's (columns, weights), heaviest first, at most ``limit``."""
    import numpy as np  # heavy, deferred: web workers import this module

    out = []
    for row in range(matrix.shape[0]):
        start, stop = matrix.indptr[row], matrix.indptr[row + 1]
        cols, weights = matrix.indices[start:stop], matrix.data[start:stop]
        keep = weights > 0
        cols, weights = cols[keep], weights[keep]
        order = np.argsort(-weights, kind="stable")[:limit]
        out.append((cols[order].astype(np.int64), weights[order].astype(np.float32)))
    return out


def _score_chunk(trained: TrainedModel, user_ids: Sequence[int]) -> _Profiles:
    """Score the chunk's listeners (a fixed number of queries for the whole chunk)."""
    import numpy as np  # heavy, deferred: web workers import this module

    interactions = trained.interactions
    user_ids = [int(u) for u in user_ids]
    index = interactions.user_index(np.asarray(user_ids, dtype=np.int64))
    fitted = [u for u, i in zip(user_ids, index, strict=True) if i >= 0]
    unfitted = [u for u, i in zip(user_ids, index, strict=True) if i < 0]
    # Plays since training must not be recommended back; listeners unknown to the model get their
    # whole history read here (new since the nightly run).
    recent = frames.events_frame(user_ids=fitted, since=trained.reference_time - 1) if fitted else None
    new_events = frames.events_frame(user_ids=unfitted) if unfitted else None
    new_likes = frames.likes_frame(user_ids=unfitted) if unfitted else None
    dislikes = frames.dislikes_frame(user_ids=user_ids)

    n = len(user_ids)
    pools = _Pools(
        items=np.full((n, POOL_SIZE), -1, np.int64),
        scores=np.full((n, POOL_SIZE), -np.inf, np.float32),
        history=[(np.array([], np.int64), np.array([], np.float32))] * n,
        position={u: i for i, u in enumerate(user_ids)},
    )
    if fitted:
        _pools_fitted(trained, pools, fitted, index=index, recent=recent, dislikes=dislikes)
    with_history = []
    if unfitted:
        active = set(new_events["user_id"].tolist()) | set(new_likes["user_id"].tolist())
        with_history = [u for u in unfitted if u in active]
    if with_history:
        _pools_own_history(
            trained, pools, with_history, new_events=new_events, new_likes=new_likes, dislikes=dislikes
        )
    cold = [u for u in unfitted if u not in set(with_history)]
    picks = _taste_picks(cold) if cold else {}
    if picks:
        _pools_taste(trained, pools, picks, dislikes=dislikes)
    return _Profiles(
        user_ids=user_ids,
        pool_items=pools.items,
        pool_scores=pools.scores,
        history=pools.history,
        picks=picks,
    )


@dataclass
class _Pools:
    """The chunk's candidate pools being filled, one row per listener (``position`` maps id to row)."""

    items: object  # users x POOL_SIZE item indices (-1 padded), best first
    scores: object
    history: list  # per user: (item indices, weights), heaviest first
    position: dict


def _pools_fitted(
    trained: TrainedModel, pools: _Pools, fitted: list[int], *, index, recent, dislikes
) -> None:
    """Fill the pools of the listeners the model was fitted on, from the model's own scores."""
    import numpy as np  # heavy, deferred: web workers import this module

    rows = np.array([pools.position[u] for u in fitted])
    users = index[rows]
    exclude = _exclusions(trained, fitted, recent, dislikes[dislikes["user_id"].isin(fitted)])
    items, scores = trained.model.recommend(
        users, n=POOL_SIZE, exclude=exclude, candidates=np.asarray(trained.candidates)
    )
    pools.items[rows], pools.scores[rows] = items, scores
    for row, entry in zip(rows, _heaviest(trained.interactions.matrix[users], HISTORY_ITEMS), strict=True):
        pools.history[row] = entry


def _pools_own_history(
    trained: TrainedModel, pools: _Pools, with_history: list[int], *, new_events, new_likes, dislikes
) -> None:
    """Fill the pools of listeners new since training who have a history, folded in from its rows."""
    import numpy as np  # heavy, deferred: web workers import this module

    from recommend.engine.data import build_interactions  # heavy, deferred: web workers import this module

    interactions = trained.interactions
    weighting = training.production_preset().weighting
    own = build_interactions(
        new_events[new_events["user_id"].isin(with_history)],
        likes=new_likes[new_likes["user_id"].isin(with_history)],
        dislikes=dislikes[dislikes["user_id"].isin(with_history)],
        user_ids=with_history,
        item_ids=interactions.item_ids,
        weighting=weighting,
        now=trained.reference_time,
    )
    items, scores = trained.model.recommend_rows(
        own.matrix, n=POOL_SIZE, negative=own.negative, candidates=np.asarray(trained.candidates)
    )
    seen = own.seen()
    rows = np.array([pools.position[u] for u in with_history])
    for local, row in enumerate(rows):
        played = set(seen.indices[seen.indptr[local] : seen.indptr[local + 1]].tolist())
        keep = np.array([i >= 0 and i not in played for i in items[local]], dtype=bool)
        kept = items[local][keep]
        pools.items[row, : len(kept)] = kept
        pools.scores[row, : len(kept)] = scores[local][keep]
    for row, entry in zip(rows, _heaviest(own.matrix, HISTORY_ITEMS), strict=True):
        pools.history[row] = entry


def _taste_picks(cold: list[int]) -> dict:
    """Return the genres and artists listeners without history picked, by listener (1 or 2 queries)."""
    picks = {}
    genre_picks, artist_picks = frames.taste_frames(cold)
    for u in cold:
        genres = genre_picks.loc[genre_picks["user_id"] == u, "genre_id"].tolist()
        artists = artist_picks.loc[artist_picks["user_id"] == u, "artist_id"].tolist()
        if genres or artists:
            picks[u] = (genres, artists)
    return picks


def _pools_taste(trained: TrainedModel, pools: _Pools, picks: dict, *, dislikes) -> None:
    """Fill the pools of listeners without history from their picked genres and artists (content match
    plus a little popularity)."""
    import numpy as np  # heavy, deferred: web workers import this module
    import scipy.sparse as sp  # heavy, deferred: web workers import this module

    from recommend.engine.models.base import top_k  # heavy, deferred: web workers import this module

    users = list(picks)
    features = trained.features
    candidates = np.asarray(trained.candidates)
    profiles = sp.vstack(
        [
            features.encode([f"genre_ids:{g}" for g in picks[u][0]] + [f"artist_id:{a}" for a in picks[u][1]])
            for u in users
        ]
    ).tocsr()
    vectors = features.matrix[candidates]
    scores = np.asarray((vectors @ profiles.T).toarray().T, dtype=np.float32)
    popularity = np.log1p(np.asarray(trained.popularity, dtype=np.float32)[candidates])
    if popularity.size and popularity.max() > 0:
        scores += COLD_START_POPULARITY * popularity / popularity.max()
    exclude = _exclusions(trained, users, dislikes.iloc[:0], dislikes[dislikes["user_id"].isin(users)])
    if exclude.nnz:
        dense = exclude[:, candidates].toarray() > 0
        scores[dense] = -np.inf
    top, values = top_k(scores, POOL_SIZE)
    rows = np.array([pools.position[u] for u in users])
    pools.items[rows] = np.where(top >= 0, candidates[np.maximum(top, 0)], -1)
    pools.scores[rows] = values


# -- reasons and taste clusters -------------------------------------------------------------------


def _padded(history: list, limit: int):
    import numpy as np  # heavy, deferred: web workers import this module

    items = np.zeros((len(history), limit), np.int64)
    weights = np.zeros((len(history), limit), np.float32)
    for row, (cols, values) in enumerate(history):
        count = min(limit, len(cols))
        items[row, :count], weights[row, :count] = cols[:count], values[:count]
    return items, weights


def _seeds(embeddings, history: list, pool_items):
    """Return, per (listener, pool item), the history item that argues most for it (-1: none).

    The argument of played item i for j is the listener's weight on i times cos(e_i, e_j), over
    their REASON_SOURCES heaviest items: a cheap stand-in for each item's share of the score.
    """
    import numpy as np  # heavy, deferred: web workers import this module

    sources, weights = _padded(history, REASON_SOURCES)
    targets = np.maximum(pool_items, 0)
    similarity = np.matmul(embeddings[sources], np.transpose(embeddings[targets], (0, 2, 1)))
    argument = similarity * weights[:, :, None]
    argument[sources[:, :, None] == targets[:, None, :]] = 0.0
    best = argument.argmax(axis=1)
    value = np.take_along_axis(argument, best[:, None, :], axis=1)[:, 0, :]
    seeds = np.take_along_axis(sources, best, axis=1)
    return np.where((value > 0) & (pool_items >= 0), seeds, -1)


def _clusters(embeddings, history: list):
    """Cluster each listener's heaviest items by taste: batched spherical k-means over embeddings.

    Returns (centroids users x K x d, valid users x K, history assignment users x HISTORY_ITEMS).
    Each listener gets k = history items // 8 clusters (at least 1 with 3 items, at most 6),
    seeded farthest-first from their heaviest item so that runs are deterministic.
    """
    import numpy as np  # heavy, deferred: web workers import this module

    items, weights = _padded(history, HISTORY_ITEMS)
    present = weights > 0
    counts = present.sum(axis=1)
    k = np.clip(counts // 8, np.where(counts >= MIX_MIN_FAVOURITES, 1, 0), MAX_MIXES)
    n_users, size = items.shape
    dims = embeddings.shape[1]
    vectors = embeddings[items] * present[:, :, None]
    centroids = np.zeros((n_users, MAX_MIXES, dims), np.float32)
    centroids[:, 0] = vectors[:, 0]
    closest = np.matmul(vectors, centroids[:, 0, :, None])[:, :, 0]
    for j in range(1, MAX_MIXES):
        farthest = np.where(present, closest, np.inf).argmin(axis=1)
        centroids[:, j] = vectors[np.arange(n_users), farthest]
        closest = np.maximum(closest, np.matmul(vectors, centroids[:, j, :, None])[:, :, 0])
    valid = np.arange(MAX_MIXES)[None, :] < k[:, None]
    assign = np.zeros((n_users, size), np.int64)
    for _ in range(KMEANS_ITERATIONS):
        similarity = np.matmul(vectors, np.transpose(centroids, (0, 2, 1)))
        similarity[~np.broadcast_to(valid[:, None, :], similarity.shape)] = -np.inf
        assign = similarity.argmax(axis=2)
        membership = (assign[:, :, None] == np.arange(MAX_MIXES)[None, None, :]) * weights[:, :, None]
        sums = np.matmul(np.transpose(membership, (0, 2, 1)).astype(np.float32), vectors)
        norms = np.linalg.norm(sums, axis=2, keepdims=True)
        centroids = np.where(norms > 0, sums / np.where(norms > 0, norms, 1.0), centroids).astype(np.float32)
    return centroids, valid, assign


def _assign_pool(embeddings, pool_items, centroids, valid):
    import numpy as np  # heavy, deferred: web workers import this module

    similarity = np.matmul(embeddings[np.maximum(pool_items, 0)], np.transpose(centroids, (0, 2, 1)))
    similarity[~np.broadcast_to(valid[:, None, :], similarity.shape)] = -np.inf
    return similarity.argmax(axis=2)


# -- assembling the lists -------------------------------------------------------------------------


class _Catalog:
    """The items' names and groupings, as arrays for the chunk's vectorised passes and as Python
    lists for the few scalar lookups (built once per model and process: scalar lookups in
    memory-mapped arrays cost microseconds each)."""

    def __init__(self, trained: TrainedModel):
        import numpy as np  # heavy, deferred: web workers import this module

        self.ids = np.asarray(trained.item_ids, dtype=np.int64)
        self.artists = np.asarray(trained.item_artist, dtype=np.int64)
        self.albums = np.asarray(trained.item_album, dtype=np.int64)
        self.is_available = np.asarray(trained.item_available, dtype=bool)
        self.genre_bounds = np.asarray(trained.item_genres.indptr, dtype=np.int64)
        self.genre_indices = np.asarray(trained.item_genres.indices, dtype=np.int64)
        has_genre = self.genre_bounds[1:] > self.genre_bounds[:-1]
        first = self.genre_indices[np.minimum(self.genre_bounds[:-1], max(len(self.genre_indices) - 1, 0))]
        self.main_genres = (
            np.where(has_genre, first, -1) if len(self.genre_indices) else np.full(len(self.ids), -1)
        )
        self.item_ids = self.ids.tolist()
        self.artist = self.artists.tolist()
        self.titles = list(trained.item_titles)
        self.genre_names = list(trained.genre_names)
        self.genre_index = {int(g): i for i, g in enumerate(trained.genre_ids)}
        self.artist_names = trained.artist_names
        self.seed_reasons: dict[int, str] = {}  # seed item -> its reason, shared by every chunk

    @classmethod
    def of(cls, trained: TrainedModel) -> "_Catalog":
        catalog = getattr(trained, "_catalog", None)
        if catalog is None:
            catalog = cls(trained)
            trained._catalog = catalog
        return catalog

    def artist_name(self, item: int) -> str:
        return self.artist_names.get(self.artist[item], "")

    def item_genres(self, item: int) -> list[int]:
        return self.genre_indices[self.genre_bounds[item] : self.genre_bounds[item + 1]].tolist()

    def main_genre(self, item: int) -> str | None:
        genre = int(self.main_genres[item])
        return self.genre_names[genre] if genre >= 0 else None

    def seed_reason(self, seed: int) -> str:
        reason = self.seed_reasons.get(seed)
        if reason is None:
            reason = self.seed_reasons[seed] = _reason(self, -1, seed, None)
        return reason


def _cut(text: str, limit: int) -> str:
    text = " ".join(text.split())  # one line: the packed reasons are one per line
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _reason(catalog: _Catalog, item: int, seed: int, picks) -> str:
    if seed >= 0:
        return _cut(f"Because you listened to {catalog.titles[seed]} by {catalog.artist_name(seed)}", 200)
    if picks:
        genres, artists = picks
        if int(catalog.artist[item]) in artists:
            return _cut(f"Because you picked {catalog.artist_name(item)}", 200)
        picked = {catalog.genre_index.get(g) for g in genres}
        for genre in catalog.item_genres(item):
            if genre in picked:
                return _cut(f"Because you like {catalog.genre_names[genre]}", 200)
    genre = catalog.main_genre(item)
    return _cut(f"Popular in {genre}" if genre else "Popular with listeners like you", 200)


def _title(number: int, genres: list[str], artists: list[str]) -> tuple[str, str]:
    """Return a Daily Mix's name and description from its main genres (two) and artists (three)."""
    genres, artists = [g for g in genres if g], [a for a in artists if a]
    lead = (genres[:1] + artists[:1]) if genres else artists[:2]
    name = _cut(f"Daily Mix {number}: {', '.join(lead)} and more" if lead else f"Daily Mix {number}", 200)
    description = "Favourites and new finds"
    if genres or artists:
        description += (
            ": " + " and ".join(genres) + (" with " if genres and artists else "") + ", ".join(artists)
        )
    return name, _cut(description, 2000)


def _pick_groups(pool, picks, catalog: _Catalog) -> list[int]:
    """Group a cold-start pool by the pick each item matches (artists first, then genres)."""
    genres, artists = picks
    keys = [("artist", a) for a in artists] + [("genre", catalog.genre_index.get(g)) for g in genres]
    groups = []
    for item in pool:
        artist, item_genres = int(catalog.artist[item]), set(catalog.item_genres(int(item)))
        group = len(keys)
        for position, (kind, value) in enumerate(keys):
            if (kind == "artist" and value == artist) or (kind == "genre" and value in item_genres):
                group = position
                break
        groups.append(group)
    return groups


@dataclass
class _Chunk:
    """A chunk's pools, compacted (each row's candidates first, best first), and what is derived."""

    user_ids: list
    pool: object  # rows x POOL_SIZE item indices, -1 padded
    scores: object
    sizes: object  # per row: how many candidates
    groups: object  # rows x POOL_SIZE: each candidate's taste group (cluster, or matched pick)
    picks: dict  # row -> the listener's picks (listeners without history)


def _compacted(profiles: _Profiles):
    import numpy as np  # heavy, deferred: web workers import this module

    order = np.argsort(profiles.pool_items < 0, axis=1, kind="stable")
    pool = np.take_along_axis(profiles.pool_items, order, axis=1)
    scores = np.take_along_axis(profiles.pool_scores, order, axis=1)
    return pool, scores


def _recommendation_lists(catalog: _Catalog, chunk: _Chunk, seeds):
    """Pack each row's recommendations: return (per row (items, reasons, count), rows x
    RECOMMENDATIONS_PER_USER reasons as an object array for the playlists' notes)."""
    import numpy as np  # heavy, deferred: web workers import this module

    rows, width = len(chunk.user_ids), min(RECOMMENDATIONS_PER_USER, chunk.pool.shape[1])
    items = chunk.pool[:, :width]
    safe = np.maximum(items, 0)
    counts = np.minimum(chunk.sizes, width)
    present = np.arange(width)[None, :] < counts[:, None]
    # A reason's key: the seed item (>= 0), or -2 - the item's main genre ("Popular in ..."), -1 none.
    keys = np.where(seeds >= 0, seeds, -2 - catalog.main_genres[safe])
    unique, codes = np.unique(keys, return_inverse=True)
    texts = [
        catalog.seed_reason(key) if key >= 0 else _genre_reason(catalog, -2 - key) for key in unique.tolist()
    ]
    reasons = np.empty(len(texts), dtype=object)
    reasons[:] = texts
    reasons = reasons[codes.reshape(rows, width)]
    codes = codes.reshape(rows, width).astype(np.int64)
    for row, picks in chunk.picks.items():  # listeners without history: reasons from their picks
        own = [_reason(catalog, item, -1, picks) for item in items[row, : counts[row]].tolist()]
        reasons[row, : counts[row]] = own
        lookup: dict[str, int] = {}
        codes[row, : counts[row]] = [len(unique) + lookup.setdefault(text, len(lookup)) for text in own]
    # Each row's reason lines in order of first use, and each entry's line.
    span = int(codes.max(initial=0)) + 1
    pair_key = np.where(
        present, np.arange(rows)[:, None] * span + codes, -1 - np.arange(rows * width).reshape(rows, width)
    )
    first = (run_rank(pair_key.ravel()).reshape(rows, width) == 0) & present
    pairs, pair_of = np.unique(pair_key, return_inverse=True)
    line_of_pair = np.zeros(len(pairs), np.int64)
    line_of_pair[pair_of.reshape(rows, width)[first]] = (np.cumsum(first, axis=1) - 1)[first]
    packed_rows = np.zeros((rows, width), dtype=packed.RECOMMENDATION_DTYPE)
    packed_rows["track"] = catalog.ids[safe]
    packed_rows["score"] = np.where(np.isfinite(chunk.scores[:, :width]), chunk.scores[:, :width], 0.0)
    packed_rows["seed"] = np.where(seeds >= 0, catalog.ids[np.maximum(seeds, 0)], 0)
    packed_rows["reason"] = line_of_pair[pair_of.reshape(rows, width)]
    out = [
        (packed_rows[row, : counts[row]].tobytes(), "\n".join(reasons[row][first[row]]), int(counts[row]))
        for row in range(rows)
    ]
    return out, reasons


def _genre_reason(catalog: _Catalog, genre: int) -> str:
    return _cut(
        f"Popular in {catalog.genre_names[genre]}" if genre >= 0 else "Popular with listeners like you", 200
    )


def _discover_lists(catalog: _Catalog, chunk: _Chunk):
    """Return each row's Discover as pool positions (a list per row)."""
    import numpy as np  # heavy, deferred: web workers import this module

    safe = np.maximum(chunk.pool, 0)
    artists = catalog.artists[safe]
    positions = assembly.discover_positions(
        artists, catalog.albums[safe], chunk.pool >= 0, chunk.groups, length=DISCOVER_LENGTH
    )
    chosen = [row[row >= 0].tolist() for row in positions]
    for row, picked in enumerate(chosen):
        if len(picked) < min(DISCOVER_LENGTH, chunk.sizes[row]):  # album variety ran out before the pool did
            chosen[row] = assembly.discover_fill(
                picked, artists[row, : chunk.sizes[row]].tolist(), length=DISCOVER_LENGTH
            )
    return chosen


def _mix_lists(catalog: _Catalog, chunk: _Chunk, history: list, discover: list, clusters):
    """Return the chunk's Daily Mixes (``assembly.MixEntries``) and each one's (name, description)."""
    import numpy as np  # heavy, deferred: web workers import this module

    _centroids, cluster_valid, history_assign = clusters
    rows, size = chunk.pool.shape
    n_groups = max(MAX_MIXES, int(chunk.groups.max(initial=0)) + 1)
    items, weights = _padded(history, HISTORY_ITEMS)
    row_of = np.repeat(np.arange(rows), items.shape[1]).reshape(items.shape)
    favourite = (weights > 0) & catalog.is_available[items] & cluster_valid[row_of, history_assign]
    fav = (row_of[favourite], history_assign[favourite], items[favourite], np.full(favourite.sum(), -1))
    in_discover = np.zeros((rows, size), dtype=bool)
    for row, picked in enumerate(discover):
        in_discover[row, picked] = True
    new = (chunk.pool >= 0) & ~in_discover
    pool_row = np.repeat(np.arange(rows), size).reshape(rows, size)
    positions = np.broadcast_to(np.arange(size), (rows, size))
    fresh = (pool_row[new], chunk.groups[new], chunk.pool[new], positions[new])
    fav_count = np.bincount(fav[0] * n_groups + fav[1], minlength=rows * n_groups).reshape(rows, n_groups)
    weight = np.bincount(
        fav[0] * n_groups + fav[1], weights=weights[favourite], minlength=rows * n_groups
    ).reshape(rows, n_groups)
    eligible = fav_count >= MIX_MIN_FAVOURITES
    new_count = np.bincount(fresh[0] * n_groups + fresh[1], minlength=rows * n_groups).reshape(rows, n_groups)
    for row, picks in chunk.picks.items():  # the groups matching a pick, by how many new finds they hold
        matched = len(picks[0]) + len(picks[1])  # the last group holds items matching no pick
        eligible[row] = (np.arange(n_groups) < matched) & (new_count[row] >= MIX_MIN_FAVOURITES)
        weight[row] = new_count[row]
    mixes = assembly.mix_entries(
        fav,
        fresh,
        weight=weight,
        eligible=eligible,
        max_mixes=MAX_MIXES,
        length=MIX_LENGTH,
        artist=catalog.artists,
    )
    return mixes, _mix_titles(
        catalog, mixes, fav, weights[favourite], n_groups=n_groups, picked_rows=set(chunk.picks)
    )


def _mix_titles(catalog: _Catalog, mixes, fav, fav_weights, *, n_groups: int, picked_rows: set) -> list:
    """Name each mix by the main genres and artists of its favourites (by weight), or of its tracks
    for listeners without history."""
    import numpy as np  # heavy, deferred: web workers import this module

    n_mixes = len(mixes.mix_row)
    mix_of = np.full(int(fav[0].max(initial=0) + 1) * n_groups + n_groups, -1, np.int64)
    mix_of[mixes.mix_row * n_groups + mixes.mix_group] = np.arange(n_mixes)
    owner = mix_of[fav[0] * n_groups + fav[1]] if len(fav[0]) else np.array([], np.int64)
    basis_owner, basis_item, basis_weight = owner[owner >= 0], fav[2][owner >= 0], fav_weights[owner >= 0]
    if picked_rows:  # their mixes' own tracks, each weighing the same
        picked = np.isin(mixes.mix_row[mixes.mix], list(picked_rows))
        basis_owner = np.concatenate([basis_owner, mixes.mix[picked]])
        basis_item = np.concatenate([basis_item, mixes.item[picked]])
        basis_weight = np.concatenate([basis_weight, np.ones(picked.sum(), np.float32)])
    artists = assembly.top_weighted(basis_owner, catalog.artists[basis_item], basis_weight, limit=3)
    starts, stops = catalog.genre_bounds[basis_item], catalog.genre_bounds[basis_item + 1]
    lengths = stops - starts
    offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
    genres = assembly.top_weighted(
        np.repeat(basis_owner, lengths),
        catalog.genre_indices[offsets],
        np.repeat(basis_weight, lengths),
        limit=2,
    )
    names = catalog.artist_names
    return [
        _title(
            int(mixes.mix_slot[mix]),
            [catalog.genre_names[g] for g in (genres[mix] if mix < len(genres) else [])],
            [names.get(a, "") for a in (artists[mix] if mix < len(artists) else [])],
        )
        for mix in range(n_mixes)
    ]


def _notes(reasons, counts, row: int, positions):
    """Return the notes of a row's playlist entries given as pool positions (-1: a favourite)."""
    import numpy as np  # heavy, deferred: web workers import this module

    notes = np.full(len(positions), NEW_TRACK_NOTE, dtype=object)
    notes[positions < 0] = FAVOURITE_NOTE
    recommended = (positions >= 0) & (positions < counts[row])
    notes[recommended] = reasons[row, positions[recommended]]
    return notes


def assemble(trained: TrainedModel, profiles: _Profiles) -> list[UserLists]:
    """Turn the chunk's scores into recommendations, Discover and Daily Mixes per listener (array
    passes over the whole chunk; Python per listener and per playlist only)."""
    import numpy as np  # heavy, deferred: web workers import this module

    catalog = _Catalog.of(trained)
    embeddings = np.asarray(trained.embeddings)
    pool, scores = _compacted(profiles)
    seeds = _seeds(embeddings, profiles.history, pool[:, :RECOMMENDATIONS_PER_USER])
    clusters = _clusters(embeddings, profiles.history)
    groups = _assign_pool(embeddings, pool, clusters[0], clusters[1])
    chunk = _Chunk(
        user_ids=profiles.user_ids,
        pool=pool,
        scores=scores,
        sizes=(pool >= 0).sum(axis=1),
        groups=groups,
        picks={},
    )
    for row, user_id in enumerate(profiles.user_ids):
        picks = profiles.picks.get(user_id)
        if picks and chunk.sizes[row]:
            chunk.picks[row] = picks
            groups[row] = 0
            groups[row, : chunk.sizes[row]] = _pick_groups(
                pool[row, : chunk.sizes[row]].tolist(), picks, catalog
            )
    recommendations, reasons = _recommendation_lists(catalog, chunk, seeds)
    counts = np.array([count for _, _, count in recommendations], np.int64)
    discover = _discover_lists(catalog, chunk)
    mixes, titles = _mix_lists(catalog, chunk, profiles.history, discover, clusters)
    bounds = np.searchsorted(mixes.mix, np.arange(len(titles) + 1))
    mixes_of: dict[int, list] = {}
    for mix, (name, description) in enumerate(titles):
        row = int(mixes.mix_row[mix])
        items, positions = (
            mixes.item[bounds[mix] : bounds[mix + 1]],
            mixes.pool_position[bounds[mix] : bounds[mix + 1]],
        )
        mixes_of.setdefault(row, []).append(
            GeneratedPlaylist(
                Playlist.Kind.DAILY_MIX,
                name,
                description,
                catalog.ids[items],
                _notes(reasons, counts, row, positions),
            )
        )
    out = []
    for row, user_id in enumerate(profiles.user_ids):
        if not chunk.sizes[row]:
            continue
        picked = np.asarray(discover[row], np.int64)
        playlists = [
            GeneratedPlaylist(
                Playlist.Kind.DISCOVER,
                "Discover",
                _discover_description(),
                catalog.ids[pool[row, picked]],
                _notes(reasons, counts, row, picked),
            )
        ]
        items, text, count = recommendations[row]
        out.append(UserLists(user_id, items, text, count, playlists + mixes_of.get(row, [])))
    return out


# -- writing --------------------------------------------------------------------------------------


def _write(lists: list[UserLists], *, run_id: int | None) -> tuple[int, int]:
    """Swap in the listeners' generated playlists and recommendations in one transaction.

    Existing Discover and Daily Mix rows are reused in order (their uids and links survive); extra
    old mixes are deleted. Returns (playlists, recommendations) written.
    """
    if not lists:
        return 0, 0
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # The swap stays atomic; only its durability waits for the WAL writer (a crash loses at
            # most the last fraction of a second of swaps: those listeners keep their old lists).
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        return _swap(lists, run_id=run_id)


def _swap(lists: list[UserLists], *, run_id: int | None) -> tuple[int, int]:
    """The body of ``_write``; call it inside a transaction."""
    now = timezone.now()
    user_ids = sorted(entry.user_id for entry in lists)
    _listeners_lock(user_ids)
    existing = _generated_existing(user_ids)
    updates, creates, contents, keep_ids = _playlists_plan(lists, existing=existing, now=now)
    old_ids = [pk for pks in existing.values() for pk in pks]
    surplus = [pk for pk in old_ids if pk not in keep_ids]
    stamp = now if connection.vendor == "postgresql" else connection.ops.adapt_datetimefield_value(now)

    _entries_pack(contents)
    with transaction.atomic():
        if surplus:
            Playlist.objects.filter(pk__in=surplus).delete()
        if updates:
            _playlists_update(updates, stamp=stamp)
        if creates:
            Playlist.objects.bulk_create(creates, batch_size=500)
        RecommendationList.objects.filter(user_id__in=user_ids).delete()
        written = _recommendations_write(lists, run_id=run_id)
        listening_selectors.listener_changed(user_ids=[entry.user_id for entry in lists])
    return len(contents), written


def _listeners_lock(user_ids: list[int]) -> None:
    """Lock the listeners' rows in id order, so that a listener's swaps never interleave.

    E.g. the nightly chunk and a cold start at the same moment (a no-op on SQLite, which writes one at
    a time).
    """
    list(
        get_user_model().objects.select_for_update().filter(pk__in=user_ids).order_by("pk").values_list("pk")
    )


def _generated_existing(user_ids: list[int]) -> dict[tuple[int, str], list[int]]:
    """Return the ids of the listeners' generated playlists by (owner, kind), oldest first."""
    existing: dict[tuple[int, str], list[int]] = {}
    for pk, owner, kind in (
        Playlist.objects.filter(owner_id__in=user_ids, kind__in=GENERATED_KINDS)
        .order_by("id")
        .values_list("id", "owner_id", "kind")
    ):
        existing.setdefault((owner, kind), []).append(pk)
    return existing


def _playlists_plan(
    lists: list[UserLists], *, existing: dict[tuple[int, str], list[int]], now
) -> tuple[list[Playlist], list[Playlist], list, set[int]]:
    """Match the wanted playlists with the existing rows, reused in order.

    Return the playlists to update and to create, the contents (Playlist object, track ids, their
    notes) and the ids of the reused rows.
    """
    updates, creates, contents = [], [], []
    keep_ids = set()
    for entry in lists:
        reuse = {kind: list(existing.get((entry.user_id, kind), [])) for kind in GENERATED_KINDS}
        for wanted in entry.playlists:
            kind, name, description = wanted.kind, wanted.name, wanted.description
            if not len(wanted.tracks):
                continue
            if reuse[kind]:
                playlist = Playlist(
                    pk=reuse[kind].pop(0),
                    owner_id=entry.user_id,
                    kind=kind,
                    name=name,
                    description=description,
                )
                playlist.updated_at = now
                updates.append(playlist)
                keep_ids.add(playlist.pk)
            else:
                playlist = Playlist(owner_id=entry.user_id, kind=kind, name=name, description=description)
                creates.append(playlist)
            contents.append((playlist, wanted.tracks, wanted.notes))
    return updates, creates, contents, keep_ids


def _playlists_update(updates: list[Playlist], *, stamp) -> None:
    """Write the reused playlists' names, descriptions, entries and update times in bulk."""
    import pandas as pd  # heavy, deferred: web workers import this module

    frames.update_rows(
        Playlist._meta.db_table,
        "id",
        pd.DataFrame(
            {
                "id": [p.pk for p in updates],
                "name": [p.name for p in updates],
                "description": [p.description for p in updates],
                "entries": [p.entries for p in updates],
                "entry_notes": [p.entry_notes for p in updates],
                "updated_at": [stamp] * len(updates),
            }
        ),
    )


def _entries_pack(contents: list) -> None:
    """Set each playlist's packed entries (``listening.packed``'s format) from its track ids and
    notes, for the whole chunk at once: one array of records, the notes numbered per playlist by
    factorising (playlist, note) pairs, so that Python only joins each playlist's few distinct notes.
    """
    import numpy as np  # heavy, deferred: web workers import this module
    import pandas as pd  # heavy, deferred: web workers import this module

    if not contents:
        return
    sizes = np.array([len(tracks) for _, tracks, _ in contents], np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    note_codes, notes = pd.factorize(np.concatenate([notes for _, _, notes in contents]))
    playlist_of = np.repeat(np.arange(len(contents), dtype=np.int64), sizes)
    pairs, pair_notes = pd.factorize(playlist_of * len(notes) + note_codes)
    # Pairs are numbered in order of appearance and each playlist's entries are contiguous, so a
    # playlist's pairs run from the pair of its first entry: that offset makes them its own indexes.
    first_pair = pairs[starts]
    records = np.empty(len(pairs), dtype=packed_entries.ENTRY_DTYPE)
    records["track"] = np.concatenate([tracks for _, tracks, _ in contents])
    records["note"] = pairs - np.repeat(first_pair, sizes)
    blob = records.tobytes()
    lines = [packed_entries.escape_note(str(note)) for note in notes]
    pair_lines = [lines[code] for code in (pair_notes % len(notes)).tolist()]
    ends = np.append(first_pair[1:], len(pair_notes)).tolist()
    width = records.itemsize
    for (playlist, _, _), start, size, first, end in zip(
        contents, starts.tolist(), sizes.tolist(), first_pair.tolist(), ends, strict=True
    ):
        playlist.entries = blob[start * width : (start + size) * width]
        playlist.entry_notes = "\n".join(pair_lines[first:end])


def _recommendations_write(lists: list[UserLists], *, run_id: int | None) -> int:
    """Write the listeners' recommendations, one packed row each (their old ones are deleted); return
    how many recommendations that is."""
    rows = [(entry.user_id, run_id, packed.binary_value(entry.items), entry.reasons) for entry in lists]
    packed.insert_lists(RecommendationList._meta.db_table, ["user_id", "run_id", "items", "reasons"], rows)
    return sum(entry.recommendation_count for entry in lists)


def _discover_description() -> str:
    return "Thirty tracks you have never played, picked from what you listen to. Renewed every night."


def generate_chunk(
    trained: TrainedModel, user_ids: Sequence[int], *, run_id: int | None = None
) -> ChunkResult:
    """Generate and swap in the lists of a chunk of listeners; return the counts.

    A fixed number of queries for the whole chunk. Listeners with nothing to recommend (no
    history and no taste picks) keep whatever they had.
    """
    started, started_cpu = time.perf_counter(), time.process_time()
    profiles = _score_chunk(trained, user_ids)
    lists = assemble(trained, profiles)
    playlists, recommendations = _write(lists, run_id=run_id)
    return ChunkResult(
        listeners=len(lists),
        playlists=playlists,
        recommendations=recommendations,
        skipped=len(user_ids) - len(lists),
        seconds=time.perf_counter() - started,
        cpu_seconds=time.process_time() - started_cpu,
    )


# Before the first nightly run, a model trained in this process serves cold starts for a while.
ADHOC_MODEL_SECONDS = 3600
_adhoc: dict = {}


def generate_for_user(user) -> ChunkResult:
    """Generate one listener's lists now (cold start after taste picks, or after new plays).

    Uses the newest nightly model (memory-mapped, read once per process). Before any nightly run,
    trains one on the current history in this process (quick on a new site), without persisting
    it, and keeps it for an hour.
    """
    trained = training.latest_trained()
    if trained is None:
        if _adhoc.get("until", 0.0) < time.monotonic():
            _adhoc["trained"] = training.train(persist=False, evaluate=False, write_similar=False)
            _adhoc["until"] = time.monotonic() + ADHOC_MODEL_SECONDS
        trained = _adhoc["trained"]
    return generate_chunk(trained, [user.pk], run_id=None)


def generated_playlists(user) -> list[Playlist]:
    """Return the listener's generated playlists: Discover first, then the Daily Mixes in order."""
    playlists = list(Playlist.objects.filter(owner=user, kind__in=GENERATED_KINDS).order_by("id"))
    return sorted(playlists, key=lambda p: (p.kind != Playlist.Kind.DISCOVER, p.pk))
