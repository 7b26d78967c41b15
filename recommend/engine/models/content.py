"""Content: items described by their genres, artists, tags...; listeners by what they play.

The user profile is the confidence-weighted sum of the vectors of the items they played, minus
``negative_weight`` times those they skipped or disliked; an item's score is its cosine with the
profile. It needs no listening history for an item (new tracks score like their peers) and none for
a listener either: ``score_features`` takes a profile built from picked genres or artists.
"""

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize

from ..data import Interactions
from ..features import ItemFeatures
from .base import Recommender, batches, top_k

# One block of listeners' profiles made dense over the features they use stays within this.
DENSE_PROFILE_BYTES = 32 * 2**20


class Content(Recommender):
    name = "content"

    def __init__(self, negative_weight: float = 1.0, popularity_weight: float = 0.0):
        super().__init__()
        self.negative_weight = negative_weight
        # A small popularity prior breaks the many ties among items with identical vectors.
        self.popularity_weight = popularity_weight

    def fit(self, interactions: Interactions, item_features: ItemFeatures | None = None) -> "Content":
        if item_features is None:
            raise ValueError("the content model needs item features")
        if item_features.matrix.shape[0] != interactions.n_items:
            raise ValueError("item features must have one row per item of the interactions")
        super().fit(interactions, item_features)
        self.vectors = normalize(sp.csr_matrix(item_features.matrix, dtype=np.float32))
        self._vectors_t = self.vectors.T.tocsr()
        counts = np.log1p(interactions.item_user_counts().astype(np.float32))
        self._prior = counts / counts.max() if counts.size and counts.max() > 0 else counts
        return self

    def profiles(self, rows: sp.csr_matrix, negative: sp.csr_matrix | None = None) -> sp.csr_matrix:
        """Return the listeners' L2-normalised profiles (rows x features)."""
        rows = sp.csr_matrix(rows, dtype=np.float32)
        if negative is not None and self.negative_weight:
            rows = rows - self.negative_weight * sp.csr_matrix(negative, dtype=np.float32)
        return normalize(sp.csr_matrix(rows @ self.vectors))

    def score_features(self, profiles: sp.csr_matrix, items: np.ndarray | None = None) -> np.ndarray:
        """Return item scores for profiles in feature space (e.g. ``ItemFeatures.encode`` output).

        The profiles' features are made dense over the features they use, a few rows at a time, so
        the product is sparse x dense: a sparse x sparse product whose result is nearly dense (items
        share genres) would cost far more.
        """
        profiles = sp.csr_matrix(profiles, dtype=np.float32)
        vectors = self._vectors(items)
        scores = np.zeros((profiles.shape[0], vectors.shape[0]), dtype=np.float32)
        used = np.unique(profiles.indices)
        if len(used):
            columns = vectors[:, used]
            rows = max(1, DENSE_PROFILE_BYTES // (4 * len(used)))
            for part in batches(profiles.shape[0], rows):
                dense = profiles[part][:, used].toarray()
                scores[part] = (columns @ dense.T).T
        if self.popularity_weight:
            scores += self.popularity_weight * (self._prior if items is None else self._prior[items])
        return scores

    def score_rows(
        self, rows: sp.csr_matrix, negative: sp.csr_matrix | None = None, items: np.ndarray | None = None
    ) -> np.ndarray:
        return self.score_features(self.profiles(rows, negative), items)

    def recommend_features(self, profiles: sp.csr_matrix, n: int = 10, *, candidates=None):
        """Return the top-n items for feature-space profiles (cold start), best first."""
        out_items, out_scores = [], []
        for part in batches(profiles.shape[0], 1024):
            scores = self.score_features(profiles[part])
            if candidates is not None:
                allowed = np.zeros(self.n_items, bool)
                allowed[np.asarray(candidates)] = True
                scores[:, ~allowed] = -np.inf
            items, values = top_k(scores, n)
            out_items.append(items)
            out_scores.append(values)
        return np.vstack(out_items), np.vstack(out_scores)

    def item_scores(self, items: np.ndarray) -> np.ndarray:
        return self.score_features(self.vectors[np.asarray(items)])

    def _vectors(self, items: np.ndarray | None) -> sp.csr_matrix:
        """Return the item vectors of some items (the last restriction is cached)."""
        if items is None:
            return self.vectors
        key = (len(items), hash(np.asarray(items).tobytes()))
        if getattr(self, "_vector_key", None) != key:
            self._vector_key, self._vector_cache = key, self.vectors[np.asarray(items)]
        return self._vector_cache
