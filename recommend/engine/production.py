"""The model the nightly rebuild trains: its preset, the unfitted model and the items it scores.

``recommend.services.training`` and ``bench/rebuild.py`` use it; ``benchmark`` re-exports the names.
"""

from dataclasses import dataclass

import numpy as np

from .data import Interactions, Weighting
from .models import Hybrid, Recommender, make_model


@dataclass(frozen=True)
class ProductionPreset:
    """The model the nightly rebuild trains: a hybrid of ``components`` (registry name -> params)
    mixed with ``weights``, on interactions built with ``weighting``.

    ``max_candidates`` bounds the items scored per listener at scale (the most played ones, see
    ``production_candidates``); ``list_length`` is the Discover playlist's length.
    """

    weighting: Weighting
    components: dict[str, dict]
    weights: dict[str, float]
    max_candidates: int = 10_000
    list_length: int = 30


# The best configuration on the streamapp evaluation (docs/recommender.md, "Evaluation"): EASE over the 10,000
# tracks with the most listeners plus a little content, weighted as the hybrid tuning chose on the
# demo's validation split (iALS got no weight there, and costs the most to train at scale).
# Keep the names stable: reco-pipeline imports PRODUCTION_PRESET and production_model().
PRODUCTION_PRESET = ProductionPreset(
    weighting=Weighting(),
    components={"ease": {"lam": 50.0, "max_items": 10_000}, "content": {}},
    weights={"ease": 2.0, "content": 0.25},
    max_candidates=10_000,
)


def production_model(preset: ProductionPreset = PRODUCTION_PRESET) -> Recommender:
    """Return the unfitted model of the nightly rebuild (fit it with item features: content needs them)."""
    components = {name: make_model(name, **params) for name, params in preset.components.items()}
    if len(components) == 1:
        return next(iter(components.values()))
    return Hybrid(components, dict(preset.weights))


def production_candidates(
    interactions: Interactions, *, max_candidates: int | None = None, min_users: int = 1
) -> np.ndarray:
    """Return the item indices the nightly rebuild scores: the ``max_candidates`` (default: the
    preset's) items with the most listeners among those with at least ``min_users``, sorted.

    Scoring work and memory grow with the candidates, not with the catalogue; tracks nobody has
    played yet reach listeners through the content model and cold-start mixes instead.
    """
    limit = PRODUCTION_PRESET.max_candidates if max_candidates is None else max_candidates
    counts = interactions.item_user_counts()
    eligible = np.flatnonzero(counts >= min_users)
    if len(eligible) > limit:
        eligible = eligible[np.argsort(-counts[eligible], kind="stable")[:limit]]
    return np.sort(eligible)
