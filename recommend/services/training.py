"""Training: read the listening history in bulk, fit the production model, write item neighbours,
and persist everything the generation chunks need (on other machines too) to one file.

The file (``<STREAMAPP_RECOMMEND_DIR>/run-<database>-<id>.joblib``, by default under
STREAMAPP_VAR_DIR/private, outside MEDIA_ROOT: nothing serves it) holds the fitted model with its
interactions, the item embeddings, the content vectors and the catalog facts that titles and
reasons need. It is written uncompressed so every worker memory-maps its arrays instead of loading a
copy. Deployments with several machines point STREAMAPP_RECOMMEND_DIR at shared storage.
"""

import logging
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from .. import packed, selectors
from ..models import RecommendationRun, SimilarArtistList, SimilarTrackList
from . import frames, selection

logger = logging.getLogger(__name__)


def production_preset():
    """Return the engine's production preset (``recommend.engine.production.PRODUCTION_PRESET``).

    That preset is the one constant to change when the evaluation (docs/recommender.md, Evaluation)
    picks another model: components, weights, weighting and the number of candidates.
    """
    # heavy, deferred: web workers import this module
    from recommend.engine.production import PRODUCTION_PRESET

    return PRODUCTION_PRESET


def model_name(preset=None) -> str:
    """Return a short description of the production model, e.g. "hybrid(ease 2, als 1, content 0.25)"."""
    preset = preset or production_preset()
    if len(preset.weights) == 1:
        return next(iter(preset.weights))
    return "hybrid(" + ", ".join(f"{name} {weight:g}" for name, weight in preset.weights.items()) + ")"


TRACK_NEIGHBOURS = 30
ARTIST_NEIGHBOURS = 30
# Similar tracks come from a cosine item-kNN over who played what, whatever the production model:
# cheap at scale (sparse, top-k per item) when each listener's heaviest items count.
NEIGHBOUR_USER_ITEMS = 100
EMBEDDING_DIMENSIONS = 48
CONTENT_DIMENSIONS = 16


@dataclass(eq=False)
class TrainedModel:
    """A fitted model and the catalog facts generation needs, aligned on the model's item index."""

    model: object  # engine Recommender, fitted (holds the Interactions)
    model_name: str
    reference_time: float  # Unix seconds: "now" for recency weights
    candidates: object  # item indices that may be recommended (sorted)
    embeddings: object  # items x d float32, unit rows
    features: object  # engine ItemFeatures (genres, artist, album) for cold start
    item_artist: object  # artist id per item
    item_album: object
    item_available: object  # bool per item
    item_titles: object  # title per item
    item_genres: object  # CSR items x genres (binary)
    genre_ids: object  # genre id per genre column
    genre_names: object
    artist_names: dict  # artist id -> name
    popularity: object  # listeners per item
    run_id: int | None = None
    metrics: dict = field(default_factory=dict)
    path: str = ""
    # What fitting took on the whole site: {"seconds": {model: s}, "pairs": listener-track pairs}
    # (the next run's model selection reads it from the run's record to weigh each model's cost).
    fit_costs: dict = field(default_factory=dict)

    @property
    def interactions(self):
        return self.model.interactions

    @property
    def item_ids(self):
        return self.interactions.item_ids


def artifact_dir() -> Path:
    """Return the folder where trained models are persisted (created on demand)."""
    folder = Path(settings.STREAMAPP_RECOMMEND_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _artifact_prefix() -> str:
    """Return the file name prefix of this database's models: run ids restart in every database
    (tests, benchmarks) that may share one folder."""
    name = Path(str(connection.settings_dict["NAME"])).name
    return "run-" + re.sub(r"[^A-Za-z0-9]+", "_", name)[:60] + "-"


def artifact_path(run_id: int) -> Path:
    return artifact_dir() / f"{_artifact_prefix()}{run_id}.joblib"


def _components(model) -> dict:
    return getattr(model, "components", None) or {model.name: model}


@dataclass
class TrainingData:
    events: object
    likes: object
    dislikes: object
    tracks: object
    track_genres: object
    genres: object
    artists: object
    user_ids: object
    reference_time: float


def load_training_data(*, user_ids=None) -> TrainingData:
    """Read every listening event, like, dislike and the catalog into DataFrames (bulk reads).

    ``user_ids`` restricts the listeners (the whole history otherwise).
    """
    import numpy as np  # heavy, deferred: web workers import this module

    events = frames.events_frame(user_ids=user_ids)
    likes = frames.likes_frame(user_ids=user_ids)
    dislikes = frames.dislikes_frame(user_ids=user_ids)
    tracks, track_genres, genres, artists = frames.catalog_frames()
    users = np.unique(np.concatenate([events["user_id"].to_numpy(), likes["user_id"].to_numpy()]))
    return TrainingData(
        events=events,
        likes=likes,
        dislikes=dislikes,
        tracks=tracks,
        track_genres=track_genres,
        genres=genres,
        artists=artists,
        user_ids=users,
        reference_time=timezone.now().timestamp(),
    )


def item_features(data: TrainingData):
    """Return the engine's item features of the catalog (genres, artist, album)."""
    # heavy, deferred: web workers import this module
    from recommend.engine.benchmark import streamapp_item_features

    return streamapp_item_features(_items_frame(data))


def _items_frame(data: TrainingData):
    """Return the engine's items frame (item_id, artist_id, album_id, genre_ids lists)."""
    genre_lists = data.track_genres.groupby("item_id")["genre_id"].agg(list)
    items = data.tracks[["item_id", "artist_id", "album_id"]].copy()
    items["genre_ids"] = items["item_id"].map(genre_lists)
    items["genre_ids"] = [value if isinstance(value, list) else [] for value in items["genre_ids"]]
    return items


def _unit(vectors):
    import numpy as np  # heavy, deferred: web workers import this module

    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.where(norms > 0, norms, 1.0)).astype(np.float32)


def _svd(matrix, dimensions: int):
    import numpy as np  # heavy, deferred: web workers import this module
    from sklearn.decomposition import TruncatedSVD  # heavy, deferred: web workers import this module

    k = min(dimensions, min(matrix.shape) - 1)
    if k < 1 or not matrix.nnz:
        return np.zeros((matrix.shape[0], 1), np.float32)
    return TruncatedSVD(n_components=k, random_state=0).fit_transform(matrix).astype(np.float32)


def _embeddings(model, interactions, features, dimensions: int = EMBEDDING_DIMENSIONS):
    """Return unit item embeddings: who listens to the item (ALS item factors when the model has
    them, else a truncated SVD of the item x listener matrix) beside what it is (a truncated SVD of
    its genre / artist / album vector), with equal weight.

    Co-listening alone is noise for rarely played tracks; content alone misses taste. Daily Mixes
    cluster these and reasons compare them.
    """
    import numpy as np  # heavy, deferred: web workers import this module

    factors = None
    for component in _components(model).values():
        if hasattr(component, "item_factors"):
            factors = np.asarray(component.item_factors, dtype=np.float32)
            break
    if factors is None:
        factors = _svd(interactions.matrix.T.tocsr(), dimensions)
    content = _svd(features.matrix, CONTENT_DIMENSIONS)
    return np.ascontiguousarray(_unit(np.hstack([_unit(factors), _unit(content)])))


def candidate_items(popularity, available, limit: int | None = None):
    """Return the sorted item indices that may be recommended: playable, the most listened first,
    at most the preset's ``max_candidates`` (the scoring work grows with candidates)."""
    import numpy as np  # heavy, deferred: web workers import this module

    limit = production_preset().max_candidates if limit is None else limit

    playable = np.flatnonzero(available)
    if len(playable) > limit:
        playable = playable[np.argsort(-popularity[playable], kind="stable")[:limit]]
    return np.sort(playable)


def fit_trained_model(
    data: TrainingData,
    *,
    step: Callable[[str], None] | None = None,
    preset=None,
    features=None,
) -> TrainedModel:
    """Fit the production model on training data and collect what generation needs.

    ``preset``: the model to fit (the model selection's choice; default: the engine's preset);
    ``features``: the catalog's item features when the caller built them already.
    """
    import numpy as np  # heavy, deferred: web workers import this module
    import scipy.sparse as sp  # heavy, deferred: web workers import this module

    # heavy, deferred: web workers import this module
    from recommend.engine.data import build_interactions
    from recommend.engine.production import production_model

    step = step or (lambda _name: None)
    preset = preset or production_preset()
    tracks = data.tracks
    item_ids = tracks["item_id"].to_numpy()
    interactions = build_interactions(
        data.events,
        likes=data.likes,
        dislikes=data.dislikes,
        user_ids=data.user_ids,
        item_ids=item_ids,
        weighting=preset.weighting,
        now=data.reference_time,
    )
    data.events = data.likes = data.dislikes = None  # the largest frames: memory for the fit
    step("interactions")
    if features is None:
        features = item_features(data)
    model = production_model(preset)
    fit_started = time.perf_counter()
    model.fit(interactions, features)
    fit_seconds = getattr(model, "fit_seconds", None) or {model.name: time.perf_counter() - fit_started}
    fit_costs = {
        "seconds": {name: round(float(value), 3) for name, value in fit_seconds.items()},
        "pairs": int(interactions.matrix.nnz),
    }
    step("fit")
    genre_ids = data.genres["genre_id"].to_numpy()
    genre_names = data.genres["name"].to_numpy()
    genre_column = {gid: column for column, gid in enumerate(genre_ids)}
    rows = interactions.item_index(data.track_genres["item_id"].to_numpy())
    cols = np.array(
        [genre_column.get(g, -1) for g in data.track_genres["genre_id"].to_numpy()], dtype=np.int64
    )
    ok = (rows >= 0) & (cols >= 0)
    item_genres = sp.csr_matrix(
        (np.ones(ok.sum(), np.float32), (rows[ok], cols[ok])), shape=(len(item_ids), len(genre_ids))
    )
    item_genres.data[:] = 1.0
    popularity = interactions.item_user_counts().astype(np.float32)
    available = tracks["is_available"].to_numpy(dtype=bool)
    trained = TrainedModel(
        model=model,
        model_name=model_name(preset),
        reference_time=data.reference_time,
        candidates=candidate_items(popularity, available),
        embeddings=_embeddings(model, interactions, features),
        features=features,
        item_artist=tracks["artist_id"].to_numpy(dtype=np.int64),
        item_album=tracks["album_id"].to_numpy(dtype=np.int64),
        item_available=available,
        item_titles=tracks["title"].to_numpy(dtype=object),
        item_genres=item_genres,
        genre_ids=genre_ids,
        genre_names=genre_names,
        artist_names=dict(
            zip(data.artists["artist_id"].tolist(), data.artists["name"].tolist(), strict=True)
        ),
        popularity=popularity,
        fit_costs=fit_costs,
    )
    step("embeddings")
    return trained


def save_trained(trained: TrainedModel, path: Path) -> Path:
    """Write the trained model to ``path`` (uncompressed, so readers memory-map its arrays)."""
    import joblib  # heavy, deferred: web workers import this module

    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    cached = trained.__dict__.pop("_catalog", None)  # generation's per-process lookup lists
    joblib.dump(trained, partial, compress=0)
    if cached is not None:
        trained._catalog = cached
    os.replace(partial, path)  # readers never see half a file
    trained.path = str(path)
    return path


_loaded: dict[str, TrainedModel] = {}


def load_trained_path(path: str) -> TrainedModel:
    """Return the trained model saved at ``path``, memory-mapped (cached per process)."""
    import joblib  # heavy, deferred: web workers import this module

    if path not in _loaded:
        trained = joblib.load(path, mmap_mode="r")
        trained.path = path
        _loaded.clear()  # keep one model per process
        _loaded[path] = trained
    return _loaded[path]


def load_trained(run_id: int) -> TrainedModel:
    """Return the trained model of a run, memory-mapped from its file (cached per process)."""
    path = artifact_path(run_id)
    if str(path) not in _loaded and not path.exists():
        raise FileNotFoundError(f"no trained model for run {run_id} at {path}")
    return load_trained_path(str(path))


def remember_trained(trained: TrainedModel) -> None:
    """Cache a model trained in this process so its chunks need not read the file back."""
    if trained.path:
        _loaded.clear()
        _loaded[trained.path] = trained


def latest_trained() -> TrainedModel | None:
    """Return the model of the newest succeeded run whose file still exists, or None."""
    runs = RecommendationRun.objects.filter(status=RecommendationRun.Status.SUCCEEDED).values_list(
        "pk", flat=True
    )
    for run_id in runs[:3]:
        if artifact_path(run_id).exists():
            return load_trained(run_id)
    return None


def remove_old_artifacts(*, keep: set[int]) -> int:
    """Delete persisted models of runs other than ``keep``; return how many files went."""
    removed = 0
    prefix = _artifact_prefix()
    for path in artifact_dir().glob(f"{prefix}*.joblib"):
        try:
            run_id = int(path.stem.removeprefix(prefix))
        except ValueError:
            continue
        if run_id not in keep:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


# -- item neighbours ----------------------------------------------------------------------------


def track_neighbours(trained: TrainedModel, n: int = TRACK_NEIGHBOURS):
    """Return (track_ids, similar_ids, ranks, scores) arrays: each track's n nearest playable tracks.

    Cosine over who played what (each listener's NEIGHBOUR_USER_ITEMS heaviest tracks), whatever
    the production model: sparse, top-k per track, never items x items dense.
    """
    import numpy as np  # heavy, deferred: web workers import this module
    import scipy.sparse as sp  # heavy, deferred: web workers import this module

    # heavy, deferred: web workers import this module
    from recommend.engine.models.itemknn import cap_rows, item_similarity

    available = np.asarray(trained.item_available, dtype=bool)
    matrix = cap_rows(trained.interactions.matrix, NEIGHBOUR_USER_ITEMS)
    # Unplayable tracks may have neighbours but are nobody's neighbour: drop their columns first.
    matrix = sp.csr_matrix(matrix @ sp.diags(available.astype(np.float32)))
    matrix.eliminate_zeros()
    similarity = item_similarity(matrix, neighbours=n, alpha=0.5, binary=True)
    return _ranked(similarity, np.asarray(trained.item_ids), np.asarray(trained.item_ids))


def _ranked(similarity, row_ids, column_ids):
    """Return (row ids, column ids, ranks from 1, scores) of a sparse top-k similarity, best first."""
    import numpy as np  # heavy, deferred: web workers import this module

    rows = np.repeat(np.arange(similarity.shape[0]), np.diff(similarity.indptr))
    cols, scores = similarity.indices, similarity.data
    order = np.lexsort((-scores, rows))
    rows, cols, scores = rows[order], cols[order], scores[order]
    ranks = np.arange(len(rows)) - np.searchsorted(rows, rows, side="left") + 1
    return row_ids[rows], column_ids[cols], ranks.astype(np.int64), scores.astype(np.float32)


def artist_neighbours(trained: TrainedModel, n: int = ARTIST_NEIGHBOURS):
    """Return (artist_ids, similar_ids, ranks, scores): cosine over who listens to each artist."""
    import numpy as np  # heavy, deferred: web workers import this module
    import scipy.sparse as sp  # heavy, deferred: web workers import this module

    # heavy, deferred: web workers import this module
    from recommend.engine.models.itemknn import item_similarity

    artists, item_artist = np.unique(np.asarray(trained.item_artist), return_inverse=True)
    one_hot = sp.csr_matrix(
        (np.ones(len(item_artist), np.float32), (np.arange(len(item_artist)), item_artist)),
        shape=(len(item_artist), len(artists)),
    )
    by_artist = sp.csr_matrix(trained.interactions.matrix @ one_hot)
    similarity = item_similarity(by_artist, neighbours=n, alpha=0.5, binary=True)
    return _ranked(similarity, artists, artists)


def _packed_rows(owners, similar, scores) -> list[tuple]:
    """Return (owner id, packed neighbours) rows from ``_ranked``'s arrays (sorted by owner, then rank)."""
    import numpy as np  # heavy, deferred: web workers import this module

    if not len(owners):
        return []
    records = np.empty(len(owners), dtype=packed.NEIGHBOUR_DTYPE)
    records["id"], records["score"] = similar, scores
    blob = records.tobytes()
    starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])
    ends = np.r_[starts[1:], len(owners)]
    size = records.itemsize
    return [
        (int(owner), packed.binary_value(blob[start * size : end * size]))
        for owner, start, end in zip(owners[starts].tolist(), starts.tolist(), ends.tolist(), strict=True)
    ]


@transaction.atomic
def write_neighbours(trained: TrainedModel) -> tuple[int, int]:
    """Replace every track's and artist's neighbour list with the trained model's (one packed row per
    track or artist); return the counts of neighbours written.

    One transaction: readers keep seeing the previous neighbours until it commits.
    """
    tracks = track_neighbours(trained)
    artists = artist_neighbours(trained)
    SimilarTrackList.objects.all().delete()
    SimilarArtistList.objects.all().delete()
    packed.insert_lists(
        SimilarTrackList._meta.db_table, ["track_id", "items"], _packed_rows(tracks[0], tracks[1], tracks[3])
    )
    packed.insert_lists(
        SimilarArtistList._meta.db_table,
        ["artist_id", "items"],
        _packed_rows(artists[0], artists[1], artists[3]),
    )
    selectors.neighbours_changed()
    return len(tracks[0]), len(artists[0])


def train(
    *,
    run: RecommendationRun | None = None,
    persist: bool = True,
    evaluate: bool = True,
    write_similar: bool = True,
    timings: dict | None = None,
    on_step: Callable[[str], None] | None = None,
) -> TrainedModel:
    """Load the history, choose the model on a validation split of it (``evaluate``; otherwise keep
    the last run's choice), fit the choice on everything, write item neighbours, and (``persist``)
    save it for the generation chunks of ``run``. Records the choice on ``run``, stage timings in
    ``timings``, and calls ``on_step(stage)`` after each stage (the workflow refreshes its lock).
    """
    timings = {} if timings is None else timings
    clock = {"last": time.perf_counter()}

    def step(name: str) -> None:
        now = time.perf_counter()
        timings[name] = round(timings.get(name, 0.0) + now - clock["last"], 3)
        clock["last"] = now
        if on_step:
            on_step(name)

    data = load_training_data()
    step("load")
    features = item_features(data)
    weighting = production_preset().weighting
    if evaluate:
        choice = selection.choose(data, features=features, weighting=weighting)
    else:
        choice = selection.kept_choice("no selection asked for (evaluate=False)")
    step("select")
    if run is not None:
        RecommendationRun.objects.filter(pk=run.pk).update(selection=choice.record)
        run.selection = choice.record
    trained = fit_trained_model(data, step=step, preset=choice.preset, features=features)
    if run is not None:
        choice.record["fit"] = trained.fit_costs
        RecommendationRun.objects.filter(pk=run.pk).update(selection=choice.record)
        run.selection = choice.record
    trained.run_id = run.pk if run else None
    trained.metrics = choice.metrics
    del data
    if write_similar:
        write_neighbours(trained)
        step("neighbours")
    if persist and run is not None:
        save_trained(trained, artifact_path(run.pk))
        remember_trained(trained)
        step("save")
    return trained
