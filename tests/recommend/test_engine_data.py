"""Interactions: completion, recency, skips, likes and dislikes become confidence (no database)."""

import numpy as np
import pandas as pd
import pytest

from recommend.engine.data import Interactions, Weighting, build_interactions, target_matrix
from recommend.engine.features import build_item_features, feature_tokens

LINEAR = Weighting(
    transform="linear", half_life_days=None, skip_weight=0.5, like_weight=2.0, dislike_weight=4.0
)


def events(rows, columns=("user_id", "item_id", "ms_played", "duration_ms", "skipped")):
    return pd.DataFrame(rows, columns=list(columns))


def value(interactions: Interactions, user, item, matrix="matrix") -> float:
    row, column = interactions.user_index([user])[0], interactions.item_index([item])[0]
    return float(getattr(interactions, matrix)[row, column])


def test_a_full_listen_counts_more_than_a_partial_one():
    frame = events([(1, "a", 200_000, 200_000, False), (1, "b", 100_000, 200_000, False)])
    interactions = build_interactions(frame, weighting=LINEAR)
    assert value(interactions, 1, "a") == pytest.approx(1.0)
    assert value(interactions, 1, "b") == pytest.approx(0.5)


def test_an_old_listen_fades_by_the_half_life():
    frame = pd.DataFrame(
        {
            "user_id": [1, 1],
            "item_id": ["old", "new"],
            "timestamp": pd.to_datetime(["2026-01-01", "2026-01-31"], utc=True),
        }
    )
    interactions = build_interactions(frame, weighting=Weighting(transform="linear", half_life_days=30))
    assert value(interactions, 1, "new") == pytest.approx(1.0)
    assert value(interactions, 1, "old") == pytest.approx(0.5)


def test_repeats_have_diminishing_returns_with_the_log_transform():
    frame = events([(1, "a", 1, 1, False)] * 7 + [(1, "b", 1, 1, False)])
    interactions = build_interactions(frame, weighting=Weighting(half_life_days=None))
    assert value(interactions, 1, "a") == pytest.approx(np.log(8))
    assert value(interactions, 1, "b") == pytest.approx(np.log(2))


def test_skips_are_negative_evidence_that_cancels_listens():
    frame = events(
        [
            (1, "loved", 200_000, 200_000, False),
            (1, "loved", 200_000, 200_000, False),
            (1, "loved", 10_000, 200_000, True),
            (1, "hated", 10_000, 200_000, True),
        ]
    )
    interactions = build_interactions(frame, weighting=LINEAR)
    assert value(interactions, 1, "loved") == pytest.approx(1.5)
    assert value(interactions, 1, "hated") == 0.0
    assert value(interactions, 1, "hated", "negative") == pytest.approx(0.5)
    assert value(interactions, 1, "loved", "negative") == 0.0


def test_likes_add_a_strong_positive_and_dislikes_block():
    frame = events([(1, "a", 1, 1, False), (1, "b", 1, 1, False), (1, "c", 1, 1, True)])
    likes = pd.DataFrame({"user_id": [1, 1], "item_id": ["a", "c"]})
    dislikes = pd.DataFrame({"user_id": [1], "item_id": ["b"]})
    interactions = build_interactions(frame, likes=likes, dislikes=dislikes, weighting=LINEAR)
    assert value(interactions, 1, "a") == pytest.approx(3.0)
    assert value(interactions, 1, "c") == pytest.approx(2.0)  # liked after a skip: positive, not negative
    assert value(interactions, 1, "c", "negative") == 0.0
    assert value(interactions, 1, "b") == 0.0
    assert value(interactions, 1, "b", "negative") == pytest.approx(4.0)
    assert value(interactions, 1, "b", "blocked") == 1.0


def test_the_index_can_cover_the_whole_catalog_and_drops_unknown_ids():
    frame = pd.DataFrame({"user_id": [1, 2], "item_id": [10, 99], "weight": [3.0, 1.0]})
    interactions = build_interactions(frame, item_ids=[10, 11, 12], user_ids=[1, 2], weighting=LINEAR)
    assert interactions.shape == (2, 3)
    assert interactions.matrix.nnz == 1
    assert list(interactions.item_index([12, 10, 77])) == [2, 0, -1]
    assert list(interactions.user_index([2, 5])) == [1, -1]
    assert interactions.item_user_counts().tolist() == [1, 0, 0]


def test_seen_covers_played_skipped_and_disliked_items():
    frame = events([(1, "a", 1, 1, False), (1, "b", 1, 1, True), (1, "d", 1, 1, False)])
    dislikes = pd.DataFrame({"user_id": [1], "item_id": ["d"]})
    interactions = build_interactions(
        frame, dislikes=dislikes, item_ids=["a", "b", "c", "d"], weighting=LINEAR
    )
    assert interactions.seen([0]).toarray().tolist() == [[1, 1, 0, 1]]


def test_target_matrix_is_binary_and_leaves_out_excluded_pairs():
    train = pd.DataFrame({"user_id": [1], "item_id": ["a"], "weight": [5.0]})
    interactions = build_interactions(train, item_ids=["a", "b"], user_ids=[1], weighting=LINEAR)
    held_out = pd.DataFrame({"user_id": [1, 1, 1, 3], "item_id": ["a", "b", "b", "a"]})
    target = target_matrix(held_out, interactions, exclude=interactions.seen())
    assert target.toarray().tolist() == [[0, 1]]


def test_item_features_are_tf_idf_rows_and_encode_picked_features():
    items = pd.DataFrame({"item_id": [1, 2, 3], "artist_id": [7, 7, 8], "genre_ids": [[1, 2], [1], []]})
    features = build_item_features(feature_tokens(items, {"artist_id": 1.0, "genre_ids": 1.0}), [1, 2, 3, 4])
    assert features.matrix.shape == (4, 4)
    norms = np.sqrt(features.matrix.multiply(features.matrix).sum(axis=1)).A.ravel()
    assert norms == pytest.approx([1, 1, 1, 0])  # item 4 has no features
    row = features.encode(["genre_ids:2", "nope"])
    assert row.nnz == 1 and row[0, features.feature_index(["genre_ids:2"])[0]] == pytest.approx(1.0)


def test_an_unknown_transform_is_refused():
    with pytest.raises(ValueError, match="unknown transform"):
        Weighting(transform="sqrt")


def test_a_track_whose_listens_and_skips_cancel_out_still_counts_as_seen():
    frame = events(
        [(1, "a", 100_000, 200_000, False), (1, "a", 10_000, 200_000, True), (1, "b", 1, 1, False)]
    )
    interactions = build_interactions(frame, weighting=LINEAR, item_ids=["a", "b", "c"])
    assert value(interactions, 1, "a") == 0.0 and value(interactions, 1, "a", "negative") == 0.0
    assert interactions.seen([0]).toarray().tolist() == [[1, 1, 0]]
