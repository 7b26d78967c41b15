"""Popularity: every listener gets the most played items (the baseline every model must beat)."""

import numpy as np
import scipy.sparse as sp

from ..data import Interactions
from ..features import ItemFeatures
from .base import Recommender


class Popularity(Recommender):
    """Rank items by how many users play them (ties broken by summed confidence)."""

    name = "popularity"

    def fit(self, interactions: Interactions, item_features: ItemFeatures | None = None) -> "Popularity":
        super().fit(interactions, item_features)
        users = interactions.item_user_counts().astype(np.float64)
        weight = np.asarray(interactions.matrix.sum(axis=0)).ravel()
        tie_break = weight / (weight.max() + 1.0) if weight.size and weight.max() > 0 else 0.0
        self.item_popularity = (users + tie_break).astype(np.float32)
        return self

    def score_rows(
        self, rows: sp.csr_matrix, negative: sp.csr_matrix | None = None, items: np.ndarray | None = None
    ) -> np.ndarray:
        popularity = self.item_popularity if items is None else self.item_popularity[items]
        return np.broadcast_to(popularity, (rows.shape[0], len(popularity))).copy()

    def item_scores(self, items: np.ndarray) -> np.ndarray:
        return np.broadcast_to(self.item_popularity, (len(items), self.n_items)).copy()
