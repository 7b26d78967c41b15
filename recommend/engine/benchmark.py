"""The evaluation protocols behind ``manage.py evaluate_recommender``, and each dataset's presets.

- streamapp: each listener's plays split by time (the last 20% held out for the test, the last
  20% of the rest for validation); the targets are tracks first listened to in the held-out part.
- lastfm-hetrec: RecBole's protocol for the published results: (user, artist) pairs split at
  random 80/10/10 per user, relevance binarised, every artist ranked, seen artists excluded;
  models are fitted on the 80%, tuned on the 10% validation and reported on the 10% test.

The nightly rebuild's model lives in ``production``; its names are re-exported here for older
imports (reco-pipeline imports PRODUCTION_PRESET and production_model() from this module).
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .data import Interactions, Weighting, build_interactions, target_matrix
from .datasets import LastfmHetrec
from .evaluation import (
    EvaluationResult,
    artist_vectors,
    evaluate,
    fit_timed,
    grid_search,
    random_split,
    time_split,
    tune_hybrid_weights,
)
from .features import ItemFeatures, build_item_features, feature_tokens
from .models import MODELS, Hybrid, Recommender, make_model
from .production import PRODUCTION_PRESET, ProductionPreset, production_candidates, production_model  # noqa: F401 (re-exported)

DEFAULT_MODELS = ("popularity", "itemknn", "rp3beta", "ease", "als", "content", "hybrid")


@dataclass(frozen=True)
class Preset:
    """A dataset's weighting and each model's hyperparameters (chosen on its validation split)."""

    weighting: Weighting
    params: dict[str, dict]


PRESETS = {
    # Chosen on the validation split of the demo's 300 synthetic listeners (docs/recommender.md, Evaluation).
    "streamapp": Preset(
        weighting=Weighting(),
        params={
            "popularity": {},
            "itemknn": {"neighbours": 200, "shrink": 0.0, "alpha": 0.2},
            "rp3beta": {"neighbours": 300, "alpha": 1.1, "beta": 0.5},
            "ease": {"lam": 50.0},
            "als": {"factors": 64, "reg": 10.0, "alpha": 0.5},
            "content": {},
        },
    ),
    "lastfm-hetrec": Preset(
        # log(1 + play count) trains a little better than binary (docs/recommender.md); relevance is binary.
        weighting=Weighting(transform="log", half_life_days=None),
        params={
            "popularity": {},
            "itemknn": {"neighbours": 400, "shrink": 0.0, "alpha": 0.2},
            "rp3beta": {"neighbours": 300, "alpha": 0.5, "beta": 0.25},
            "ease": {"lam": 1600.0},
            "als": {"factors": 128, "reg": 30.0, "alpha": 1.0, "iterations": 10},
            "content": {},
        },
    ),
}


# Grids for ``--tune`` (each point is one fit and one validation pass).
TUNING_GRIDS = {
    "itemknn": {"neighbours": [100, 400], "shrink": [0.0, 10.0], "alpha": [0.2, 0.35, 0.5]},
    "rp3beta": {"neighbours": [300], "alpha": [0.5, 0.7, 0.9], "beta": [0.15, 0.25, 0.35]},
    "ease": {"lam": [25.0, 50.0, 100.0, 200.0, 400.0, 800.0, 1600.0, 3200.0]},
    "als": {"factors": [64, 128, 256], "reg": [10.0, 30.0, 60.0], "alpha": [1.0, 3.0, 6.0, 12.0]},
}


@dataclass
class Split:
    """Everything a comparison needs; ``train`` and ``test_train`` are the same object unless the
    protocol refits on training + validation before the test."""

    dataset: str
    train: Interactions
    valid_targets: sp.csr_matrix
    test_train: Interactions
    test_targets: sp.csr_matrix
    test_exclude: sp.csr_matrix | None
    item_features: ItemFeatures | None
    diversity_vectors: sp.csr_matrix | None
    description: str = ""

    @property
    def refit(self) -> bool:
        return self.test_train is not self.train


@dataclass
class Comparison:
    results: list[EvaluationResult]
    params: dict[str, dict] = field(default_factory=dict)
    hybrid_validation_ndcg: float | None = None
    seconds: float = 0.0

    def best(self, metric: str = "ndcg@10") -> EvaluationResult:
        return max(self.results, key=lambda result: result.metrics[metric])


def lastfm_hetrec_split(data: LastfmHetrec, *, seed: int = 0, weighting: Weighting | None = None) -> Split:
    """Split Last.fm HetRec per user 80/10/10 at random (RecBole's protocol)."""
    weighting = weighting or PRESETS["lastfm-hetrec"].weighting
    plays = data.plays
    train, valid, test = random_split(plays, shares=(0.8, 0.1, 0.1), seed=seed)
    users = np.sort(plays["user_id"].unique())
    items = np.sort(plays["item_id"].unique())
    interactions = build_interactions(train, user_ids=users, item_ids=items, weighting=weighting)
    seen = interactions.seen()
    valid_targets = target_matrix(valid, interactions, exclude=seen)
    valid_pairs = target_matrix(valid, interactions)
    test_targets = target_matrix(test, interactions, exclude=seen + valid_pairs)
    # Tags count as artist content only when given on a training pair (or by a user who never
    # played that artist): a tag on a held-out pair would leak it.
    held_out = pd.concat([valid, test])[["user_id", "item_id"]].assign(_held=True)
    tags = data.tags.merge(held_out, on=["user_id", "item_id"], how="left")
    tags = tags[tags["_held"].isna()]
    tokens = pd.DataFrame({"item_id": tags["item_id"], "feature": "tag:" + tags["tag"], "weight": 1.0})
    features = build_item_features(tokens, items, min_items=2)
    return Split(
        dataset="lastfm-hetrec",
        train=interactions,
        valid_targets=valid_targets,
        test_train=interactions,
        test_targets=test_targets,
        test_exclude=valid_pairs,
        item_features=features,
        diversity_vectors=features.matrix,
        description=(
            f"{len(users):,} users, {len(items):,} artists, {len(plays):,} pairs; random 80/10/10 per user "
            f"(seed {seed}), binary relevance, all artists ranked"
        ),
    )


def streamapp_split(
    events: pd.DataFrame,
    items: pd.DataFrame,
    *,
    likes: pd.DataFrame | None = None,
    dislikes: pd.DataFrame | None = None,
    weighting: Weighting | None = None,
    test_share: float = 0.2,
) -> Split:
    """Split listening events per user by time.

    ``events``: user_id, item_id, timestamp, ms_played, duration_ms, skipped (one row per play);
    ``items``: item_id, artist_id, album_id, genre_ids (a list per track) for the whole catalog;
    ``likes`` / ``dislikes``: user_id, item_id, timestamp (counted only before the user's cut-off).
    The targets are tracks listened to (not skipped) in the held-out part and never met before.
    """
    weighting = weighting or PRESETS["streamapp"].weighting
    users = np.sort(events["user_id"].unique())
    item_ids = np.asarray(items["item_id"])
    train, test = time_split(events, test_share=test_share)
    fit_part, valid = time_split(train, test_share=test_share)

    def interactions_for(part: pd.DataFrame) -> Interactions:
        cutoff = part.groupby("user_id")["timestamp"].max()
        return build_interactions(
            part,
            likes=_before(likes, cutoff),
            dislikes=_before(dislikes, cutoff),
            user_ids=users,
            item_ids=item_ids,
            weighting=weighting,
        )

    fit_interactions, test_interactions = interactions_for(fit_part), interactions_for(train)
    listened = ~valid["skipped"].fillna(False).astype(bool)
    valid_targets = target_matrix(valid[listened], fit_interactions, exclude=fit_interactions.seen())
    listened = ~test["skipped"].fillna(False).astype(bool)
    test_targets = target_matrix(test[listened], test_interactions, exclude=test_interactions.seen())
    features = streamapp_item_features(items)
    return Split(
        dataset="streamapp",
        train=fit_interactions,
        valid_targets=valid_targets,
        test_train=test_interactions,
        test_targets=test_targets,
        test_exclude=None,
        item_features=features,
        diversity_vectors=features.matrix,
        description=(
            f"{len(users):,} listeners, {len(item_ids):,} tracks, {len(events):,} plays; last "
            f"{test_share:.0%} of each listener's plays held out (time split)"
        ),
    )


def streamapp_item_features(items: pd.DataFrame) -> ItemFeatures:
    """Return track vectors over genres, artist and album (artist weighs most)."""
    columns = {"genre_ids": 1.0, "artist_id": 2.0, "album_id": 1.0}
    tokens = feature_tokens(items, {c: w for c, w in columns.items() if c in items})
    return build_item_features(tokens, items["item_id"].to_numpy())


def _before(frame: pd.DataFrame | None, cutoff: pd.Series) -> pd.DataFrame | None:
    if frame is None or not len(frame) or "timestamp" not in frame:
        return frame
    limit = frame["user_id"].map(cutoff)
    return frame[limit.notna() & (frame["timestamp"] <= limit)]


def _build(name: str, params: dict) -> Recommender:
    return make_model(name, **params)


def compare_models(
    split: Split,
    names=DEFAULT_MODELS,
    *,
    params: dict[str, dict] | None = None,
    tune: bool = False,
    on_step: Callable[[str], None] | None = None,
) -> Comparison:
    """Fit, (optionally tune,) and evaluate each named model on the split; the hybrid mixes the
    others with weights chosen on the validation targets."""
    started = time.perf_counter()
    names = list(names)
    unknown = [name for name in names if name not in MODELS]
    if unknown:
        raise ValueError(f"unknown models: {', '.join(unknown)} (choose from {', '.join(MODELS)})")
    preset = PRESETS[split.dataset]
    chosen = {name: dict(preset.params.get(name, {})) for name in names if name != "hybrid"}
    for name, values in (params or {}).items():
        chosen.setdefault(name, {}).update(values)
    step = on_step or (lambda _: None)
    if "content" in chosen and split.item_features is None:
        chosen.pop("content")
    results, validation_models = [], {}
    for name, model_params in chosen.items():
        if tune and name in TUNING_GRIDS:
            step(f"tune {name}")
            grid = dict(TUNING_GRIDS[name].items())
            best, _ = grid_search(
                lambda n=name, p=model_params, **kw: _build(n, {**p, **kw}),
                grid,
                split.train,
                split.valid_targets,
                item_features=split.item_features,
            )
            model_params.update(best)
        step(f"fit {name}")
        model, seconds = fit_timed(_build(name, model_params), split.train, split.item_features)
        validation_models[name] = model
        if split.refit:
            model, seconds = fit_timed(_build(name, model_params), split.test_train, split.item_features)
        step(f"evaluate {name}")
        results.append(_evaluate(split, model, seconds))
    hybrid_ndcg = None
    if "hybrid" in names and validation_models:
        step("tune hybrid")
        tuning_started = time.perf_counter()
        weights, hybrid_ndcg = tune_hybrid_weights(validation_models, split.valid_targets)
        tuning_seconds = time.perf_counter() - tuning_started
        test_models = {result.model: result for result in results}
        if split.refit:
            components = {}
            for name, weight in weights.items():
                if weight:
                    components[name], _ = fit_timed(
                        _build(name, chosen[name]), split.test_train, split.item_features
                    )
        else:
            components = {name: validation_models[name] for name, weight in weights.items() if weight}
        hybrid = Hybrid(components, {name: weights[name] for name in components})
        hybrid.fit(split.test_train, split.item_features, refit=False)
        seconds = tuning_seconds + sum(test_models[name].fit_seconds for name in components)
        step("evaluate hybrid")
        results.append(_evaluate(split, hybrid, seconds))
        chosen["hybrid"] = hybrid.params()
    order = {name: position for position, name in enumerate(names)}
    results.sort(key=lambda result: order.get(result.model, len(order)))
    return Comparison(
        results=results,
        params=chosen,
        hybrid_validation_ndcg=hybrid_ndcg,
        seconds=time.perf_counter() - started,
    )


def _evaluate(split: Split, model: Recommender, fit_seconds: float) -> EvaluationResult:
    return evaluate(
        model,
        split.test_targets,
        exclude=split.test_exclude,
        diversity_vectors=split.diversity_vectors,
        fit_seconds=fit_seconds,
    )


def diversity_by_artist(items: pd.DataFrame) -> sp.csr_matrix:
    """Return artist one-hot vectors for the catalog (diversity without content vectors)."""
    return artist_vectors(items["artist_id"].to_numpy())
