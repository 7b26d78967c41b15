"""Item content vectors: TF-IDF over tokens such as genres, artists, albums and tags."""

from collections.abc import Mapping

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.preprocessing import normalize


class ItemFeatures:
    """L2-normalised TF-IDF item vectors (CSR, items x features) with the features' names.

    Row i describes the item in column i of the Interactions it was built for. Feature names are
    ``"<kind>:<value>"`` (``"genre:12"``, ``"artist:7"``, ``"tag:rock"``).
    """

    def __init__(self, matrix: sp.csr_matrix, names: np.ndarray):
        self.matrix = sp.csr_matrix(matrix, dtype=np.float32)
        self.names = np.asarray(names)
        self._lookup = pd.Index(self.names)

    @property
    def n_features(self) -> int:
        return self.matrix.shape[1]

    def feature_index(self, names) -> np.ndarray:
        """Return the column of each feature name (-1 for unknown names)."""
        return self._lookup.get_indexer(np.asarray(names))

    def encode(self, weights: Mapping[str, float] | list[str]) -> sp.csr_matrix:
        """Return a 1 x features row for picked features (e.g. a new listener's genres and artists).

        Unknown names are ignored; the row is L2-normalised.
        """
        if not isinstance(weights, Mapping):
            weights = dict.fromkeys(weights, 1.0)
        columns = self.feature_index(list(weights))
        values = np.array(list(weights.values()), dtype=np.float32)
        ok = columns >= 0
        row = sp.csr_matrix((values[ok], (np.zeros(ok.sum(), int), columns[ok])), shape=(1, self.n_features))
        return normalize(row).astype(np.float32)

    def __repr__(self) -> str:
        return f"ItemFeatures({self.matrix.shape[0]} items x {self.n_features} features)"


def feature_tokens(items: pd.DataFrame, columns: Mapping[str, float], *, id_column: str = "item_id"):
    """Return a long (item_id, feature, weight) frame from item columns.

    ``columns`` maps a column name to the weight of its tokens; a column may hold lists (genres).
    The token of value v in column "artist_id" is "artist_id:v".
    """
    parts = []
    for column, weight in columns.items():
        values = items[[id_column, column]].explode(column).dropna()
        parts.append(
            pd.DataFrame(
                {
                    "item_id": values[id_column].to_numpy(),
                    "feature": column + ":" + values[column].astype(str).to_numpy(),
                    "weight": float(weight),
                }
            )
        )
    if not parts:
        return pd.DataFrame({"item_id": [], "feature": [], "weight": []})
    return pd.concat(parts, ignore_index=True)


def build_item_features(
    tokens: pd.DataFrame, item_ids, *, sublinear_tf: bool = True, min_items: int = 1
) -> ItemFeatures:
    """Build TF-IDF item vectors from a long (item_id, feature[, weight]) frame.

    Repeated (item, feature) rows add up (e.g. how many listeners gave an artist a tag); with
    ``sublinear_tf`` the count c becomes 1 + log(c). Features on fewer than ``min_items`` items are
    dropped. Items without any feature get a zero row.
    """
    item_lookup = pd.Index(np.asarray(item_ids))
    frame = tokens.assign(item_index=item_lookup.get_indexer(tokens["item_id"].to_numpy()))
    frame = frame[frame["item_index"] >= 0]
    if "weight" not in frame:
        frame = frame.assign(weight=1.0)
    frame = frame.groupby(["item_index", "feature"], as_index=False, sort=False)["weight"].sum()
    item_counts = frame.groupby("feature")["item_index"].transform("size")
    frame = frame[item_counts >= min_items]
    names, columns = np.unique(frame["feature"].to_numpy().astype(str), return_inverse=True)
    tf = frame["weight"].to_numpy(dtype=np.float64)
    if sublinear_tf:
        tf = np.where(tf > 0, 1.0 + np.log(np.maximum(tf, 1e-12)), 0.0)
    n_items = len(item_lookup)
    document_frequency = np.bincount(columns, minlength=len(names))
    idf = np.log((1.0 + n_items) / (1.0 + document_frequency)) + 1.0
    matrix = sp.csr_matrix(
        (tf * idf[columns], (frame["item_index"].to_numpy(), columns)), shape=(n_items, len(names))
    )
    return ItemFeatures(normalize(matrix), names)
