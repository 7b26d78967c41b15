"""Splits and metrics on hand-computed examples (no database)."""

import math

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from recommend.engine.data import Weighting, build_interactions
from recommend.engine.evaluation import (
    artist_vectors,
    catalog_coverage,
    evaluate,
    intra_list_diversity,
    random_split,
    ranking_metrics,
    time_split,
)
from recommend.engine.models import Popularity


def test_ndcg_hit_rate_recall_and_precision_of_a_known_ranking():
    top = np.array([[5, 3, 9], [1, 2, -1]])
    targets = sp.csr_matrix(np.array([[0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 1], [0] * 10 + [1]]))
    metrics = ranking_metrics(top, targets, cutoffs=(3,))
    # user 0: hits at ranks 2 and 3 of 3 relevant items; user 1: no hit
    dcg = 1 / math.log2(3) + 1 / math.log2(4)
    ideal = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert metrics["ndcg@3"] == pytest.approx([dcg / ideal, 0.0])
    assert metrics["hr@3"].tolist() == [1.0, 0.0]
    assert metrics["recall@3"] == pytest.approx([2 / 3, 0.0])
    assert metrics["precision@3"] == pytest.approx([2 / 3, 0.0])


def test_a_perfect_ranking_has_ndcg_one_even_with_fewer_relevant_items_than_k():
    top = np.array([[4, 0, 1, 2]])
    targets = sp.csr_matrix(np.array([[0, 0, 0, 0, 1]]))
    assert ranking_metrics(top, targets, cutoffs=(4,))["ndcg@4"] == pytest.approx([1.0])


def test_coverage_counts_items_shown_to_anyone():
    assert catalog_coverage(np.array([[0, 1], [1, -1]]), n_items=8) == pytest.approx(2 / 8)


def test_intra_list_diversity_is_zero_for_one_artist_and_one_for_all_different():
    vectors = artist_vectors(np.array([7, 7, 7, 8, 9]))
    diversity = intra_list_diversity(np.array([[0, 1, 2], [0, 3, 4], [0, 1, 3]]), vectors)
    assert diversity == pytest.approx([0.0, 1.0, 2 / 3])


def test_time_split_holds_out_the_last_fifth_of_each_users_events():
    frame = pd.DataFrame(
        {
            "user_id": [1] * 10 + [2] * 5 + [3],
            "item_id": range(16),
            "timestamp": pd.to_datetime("2026-01-01") + pd.to_timedelta(np.r_[9:-1:-1, 0:5, 0], unit="D"),
        }
    )
    train, test = time_split(frame)
    assert test.groupby("user_id").size().to_dict() == {1: 2, 2: 1}
    assert len(train) + len(test) == len(frame)
    assert not set(train.index) & set(test.index)
    for user_id, held in test.groupby("user_id"):
        assert held["timestamp"].min() > train[train["user_id"] == user_id]["timestamp"].max()
    # user 1's events were given newest first: the two oldest rows of the frame are the newest days
    assert sorted(test[test["user_id"] == 1]["item_id"]) == [0, 1]


def test_random_split_follows_recboles_counts_and_never_leaks():
    frame = pd.DataFrame({"user_id": [1] * 50 + [2] * 5 + [3] * 2, "item_id": range(57)})
    train, valid, test = random_split(frame, shares=(0.8, 0.1, 0.1), seed=3)
    sizes = [part.groupby("user_id").size().to_dict() for part in (train, valid, test)]
    assert sizes[0] == {1: 40, 2: 3, 3: 1}
    assert sizes[1] == {1: 5, 2: 1}
    assert sizes[2] == {1: 5, 2: 1, 3: 1}
    pairs = [set(zip(p["user_id"], p["item_id"])) for p in (train, valid, test)]
    assert not (pairs[0] & pairs[1]) and not (pairs[0] & pairs[2]) and not (pairs[1] & pairs[2])
    again = random_split(frame, shares=(0.8, 0.1, 0.1), seed=3)
    assert again[2].equals(test)


def test_evaluate_scores_the_users_with_targets_and_excludes_what_they_had():
    train = pd.DataFrame({"user_id": [1, 2, 2, 3, 3, 3], "item_id": ["a", "a", "b", "a", "b", "c"]})
    interactions = build_interactions(
        train, item_ids=["a", "b", "c", "d"], weighting=Weighting(transform="binary", half_life_days=None)
    )
    model = Popularity().fit(interactions)  # a > b > c > d
    targets = sp.csr_matrix(np.array([[0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 0, 0]]))
    result = evaluate(
        model, targets, cutoffs=(1, 2), diversity_vectors=artist_vectors(np.array([0, 1, 2, 3]))
    )
    # user 1 had a: gets b (hit); user 2 had a, b: gets c then d (hit at rank 2); user 3 has no target
    assert result.users == 2
    assert result.metrics["hr@1"] == pytest.approx(0.5)
    assert result.metrics["ndcg@2"] == pytest.approx((1 + 1 / math.log2(3)) / 2)
    assert result.coverage == pytest.approx(3 / 4)
    assert result.diversity == pytest.approx(1.0)
