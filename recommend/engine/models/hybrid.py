"""Hybrid: a weighted sum of the component models' standardised scores.

Each component's scores are standardised per listener (z-score over all items) so that weights
are comparable across models; ``evaluation.tune_hybrid_weights`` picks the weights on a validation
split.
"""

import time

import numpy as np
import scipy.sparse as sp

from ..data import Interactions
from ..features import ItemFeatures
from .base import Recommender, normalize_rows


class Hybrid(Recommender):
    name = "hybrid"

    def __init__(self, components: dict[str, Recommender], weights: dict[str, float] | None = None):
        super().__init__()
        if not components:
            raise ValueError("a hybrid needs at least one component")
        self.components = dict(components)
        self.weights = dict.fromkeys(self.components, 1.0) if weights is None else dict(weights)
        unknown = set(self.weights) - set(self.components)
        if unknown:
            raise ValueError(f"weights for unknown components: {sorted(unknown)}")

    def params(self) -> dict:
        return {"weights": {k: round(float(v), 4) for k, v in self.weights.items()}}

    def fit(
        self, interactions: Interactions, item_features: ItemFeatures | None = None, *, refit: bool = True
    ) -> "Hybrid":
        """Fit the components (``refit=False`` keeps components that are already fitted)."""
        super().fit(interactions, item_features)
        self.fit_seconds = {}  # what each component's fit took (the nightly run records it)
        for name, model in self.components.items():
            if refit or model.interactions is None:
                started = time.perf_counter()
                model.fit(interactions, item_features)
                self.fit_seconds[name] = time.perf_counter() - started
        return self

    def _combine(self, parts) -> np.ndarray:
        total = None
        for name, scores in parts:
            weight = self.weights.get(name, 0.0)
            if not weight:
                continue
            # Each component's scores are a fresh array: standardise and weigh them in place.
            scaled = normalize_rows(scores, copy=False)
            scaled *= np.float32(weight)
            if total is None:
                total = scaled
            else:
                total += scaled
        if total is None:
            raise ValueError("every hybrid weight is zero")
        return total

    def _active(self):
        return [(name, model) for name, model in self.components.items() if self.weights.get(name, 0.0)]

    def score(self, users: np.ndarray, items: np.ndarray | None = None) -> np.ndarray:
        return self._combine((name, model.score(users, items)) for name, model in self._active())

    def score_rows(
        self, rows: sp.csr_matrix, negative: sp.csr_matrix | None = None, items: np.ndarray | None = None
    ) -> np.ndarray:
        return self._combine(
            (name, model.score_rows(rows, negative, items)) for name, model in self._active()
        )

    def item_scores(self, items: np.ndarray) -> np.ndarray:
        parts = []
        for name, model in self._active():
            try:
                parts.append((name, model.item_scores(items)))
            except NotImplementedError:
                continue
        return self._combine(parts)
