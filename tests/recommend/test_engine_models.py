"""Each model ranks small hand-made data the way it should (no database)."""

import tracemalloc

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from recommend.engine.data import Weighting, build_interactions
from recommend.engine.evaluation import tune_hybrid_weights
from recommend.engine.features import build_item_features, feature_tokens
from recommend.engine.models import (
    ALS,
    EASE,
    Content,
    Hybrid,
    ItemKNN,
    Popularity,
    RP3Beta,
    default_batch_size,
    make_model,
    top_k,
)
from recommend.engine.models.base import SCORE_BUDGET_BYTES

ROCK = ["r0", "r1", "r2", "r3"]
JAZZ = ["j0", "j1", "j2", "j3"]
CATALOG = [*ROCK, *JAZZ, "rock-new"]
BINARY = Weighting(transform="binary", half_life_days=None)


def als():
    return ALS(factors=4, reg=0.05, alpha=10.0, iterations=25, cg_steps=4)


def collaborative_models():
    return [ItemKNN(neighbours=5, shrink=0.0), EASE(lam=1.0), als()]


@pytest.fixture
def taste_groups():
    """Six rock fans play all rock tracks; eight jazz fans (so jazz is more popular) play all jazz;
    listener "t" played three rock tracks and nothing else. Nobody played rock-new yet."""
    rows = [(f"rock{u}", item) for u in range(6) for item in ROCK]
    rows += [(f"jazz{u}", item) for u in range(8) for item in JAZZ]
    rows += [("t", item) for item in ROCK[:3]]
    return pd.DataFrame(rows, columns=["user_id", "item_id"])


@pytest.fixture
def interactions(taste_groups):
    return build_interactions(taste_groups, item_ids=CATALOG, weighting=BINARY)


@pytest.fixture
def features():
    items = pd.DataFrame(
        {"item_id": CATALOG, "genre": ["rock"] * 4 + ["jazz"] * 4 + ["rock"], "artist": list("AABBCCDDA")}
    )
    return build_item_features(feature_tokens(items, {"genre": 1.0, "artist": 1.0}), CATALOG)


def ids(interactions, items):
    return [interactions.item_ids[i] for i in np.ravel(items) if i >= 0]


def user(interactions, name="t"):
    return interactions.user_index([name])


def test_popularity_ranks_by_how_many_listeners_play_an_item(interactions):
    model = Popularity().fit(interactions)
    items, scores = model.recommend(user(interactions), n=4)
    assert set(ids(interactions, items)) == set(JAZZ)  # 8 jazz fans beat 7 rock listeners
    assert list(scores[0]) == sorted(scores[0], reverse=True)
    items, _ = model.recommend(user(interactions, "jazz0"), n=1)
    assert ids(interactions, items) == ["r0"]  # the most played rock track (7 listeners)


@pytest.mark.parametrize("model", collaborative_models(), ids=lambda m: m.name)
def test_collaborative_models_recommend_the_missing_track_of_the_listeners_group(interactions, model):
    model.fit(interactions)
    items, _ = model.recommend(user(interactions), n=2)
    assert ids(interactions, items)[0] == "r3"


@pytest.mark.parametrize("model", collaborative_models(), ids=lambda m: m.name)
def test_similar_items_stay_in_the_taste_group_and_exclude_the_item(interactions, model):
    model.fit(interactions)
    items, _ = model.similar_items(interactions.item_index(["r0", "j0"]), n=3)
    assert set(ids(interactions, items[0])) <= set(ROCK) - {"r0"}
    assert set(ids(interactions, items[1])) <= set(JAZZ) - {"j0"}


@pytest.mark.parametrize("model", collaborative_models(), ids=lambda m: m.name)
def test_a_new_listeners_row_is_scored_without_refitting(interactions, model):
    model.fit(interactions)
    row = sp.csr_matrix(np.isin(CATALOG, ["j0", "j1", "j2"]).astype(np.float32)[None, :])
    items, _ = model.recommend_rows(row, n=1)
    assert ids(interactions, items) == ["j3"]


@pytest.mark.parametrize("model", [*collaborative_models(), Popularity(), Content()], ids=lambda m: m.name)
def test_recommendations_never_repeat_what_the_listener_played(interactions, features, model):
    model.fit(interactions, features)
    everyone = np.arange(interactions.n_users)
    items, _ = model.recommend(everyone, n=len(CATALOG))
    seen = interactions.seen().toarray() > 0
    for row, user_items in enumerate(items):
        assert not seen[row, user_items[user_items >= 0]].any()
    # everything not seen is offered (-1 pads the rest of the list)
    assert (items >= 0).sum() == (~seen).sum() - (model.name == "ease") * (
        ~seen[:, interactions.item_index(["rock-new"])[0]]
    ).sum()


@pytest.mark.parametrize(
    "model", [ItemKNN(neighbours=5, shrink=0.0), EASE(lam=1.0), als(), Content()], ids=lambda m: m.name
)
def test_skips_and_dislikes_lower_the_scores_of_similar_items(interactions, features, model):
    model.fit(interactions, features)
    j1 = interactions.item_index(["j1"])[0]
    row = sp.csr_matrix(np.isin(CATALOG, ["r0", "j2"]).astype(np.float32)[None, :])
    skipped_jazz = sp.csr_matrix(np.isin(CATALOG, ["j0"]).astype(np.float32)[None, :])
    plain = model.score_rows(row)[0, j1]
    with_skip = model.score_rows(row, skipped_jazz)[0, j1]
    assert with_skip < plain


def test_a_disliked_item_is_never_recommended(taste_groups):
    dislikes = pd.DataFrame({"user_id": ["t"], "item_id": ["r3"]})
    interactions = build_interactions(taste_groups, dislikes=dislikes, item_ids=CATALOG, weighting=BINARY)
    model = ItemKNN(neighbours=5, shrink=0.0).fit(interactions)
    items, _ = model.recommend(user(interactions), n=len(CATALOG), exclude_seen=False)
    assert "r3" not in ids(interactions, items)


def test_content_recommends_same_genre_tracks_to_a_cold_listener(interactions, features):
    model = Content().fit(interactions, features)
    profile = features.encode(["genre:rock"])
    items, _ = model.recommend_features(profile, n=5)
    assert set(ids(interactions, items)) == {*ROCK, "rock-new"}


def test_content_recommends_a_new_track_nobody_played_yet(interactions, features):
    model = Content().fit(interactions, features)
    items, _ = model.recommend(user(interactions), n=2)
    assert set(ids(interactions, items)) == {"r3", "rock-new"}
    similar, _ = model.similar_items(interactions.item_index(["rock-new"]), n=1)
    assert ids(interactions, similar) in (["r0"], ["r1"])  # same genre and artist


def test_content_needs_item_features(interactions):
    with pytest.raises(ValueError, match="item features"):
        Content().fit(interactions)


def test_hybrid_weights_choose_which_model_ranks(interactions):
    components = {"popularity": Popularity(), "itemknn": ItemKNN(neighbours=5, shrink=0.0)}
    popular = Hybrid(components, {"popularity": 1.0, "itemknn": 0.0}).fit(interactions)
    items, _ = popular.recommend(user(interactions), n=1)
    assert ids(interactions, items)[0] in JAZZ
    personal = Hybrid(components, {"popularity": 0.1, "itemknn": 1.0}).fit(interactions)
    items, _ = personal.recommend(user(interactions), n=1)
    assert ids(interactions, items) == ["r3"]


def test_tuning_gives_the_weight_to_the_component_that_finds_the_held_out_tracks(interactions):
    components = {
        "popularity": Popularity().fit(interactions),
        "itemknn": ItemKNN(neighbours=5, shrink=0.0).fit(interactions),
    }
    targets = sp.lil_matrix(interactions.shape, dtype=np.float32)
    targets[user(interactions)[0], interactions.item_index(["r3"])[0]] = 1
    weights, ndcg = tune_hybrid_weights(components, targets.tocsr())
    assert ndcg == pytest.approx(1.0)
    assert weights["itemknn"] > 0 and weights["itemknn"] > weights["popularity"]


def test_hybrid_refuses_weights_for_unknown_components():
    with pytest.raises(ValueError, match="unknown components"):
        Hybrid({"popularity": Popularity()}, {"ease": 1.0})


def test_als_gives_item_embeddings_for_clustering(interactions):
    model = als().fit(interactions)
    assert model.item_factors.shape == (len(CATALOG), 4)
    rock, jazz = interactions.item_index(["r0", "r1"]), interactions.item_index(["j0"])
    unit = model.item_factors / np.linalg.norm(model.item_factors, axis=1, keepdims=True)
    assert unit[rock[0]] @ unit[rock[1]] > unit[rock[0]] @ unit[jazz[0]]


def test_ease_covers_at_most_max_items_most_played_items(interactions):
    model = EASE(lam=1.0, max_items=4, min_users=1).fit(interactions)
    assert set(ids(interactions, model.items)) == set(JAZZ)
    scores = model.score(user(interactions))
    assert np.isneginf(scores[0, interactions.item_index(ROCK)]).all()


def test_make_model_builds_by_name_and_rejects_unknown_names():
    assert isinstance(make_model("ease", lam=5.0), EASE)
    with pytest.raises(ValueError, match="unknown model"):
        make_model("svd")


def test_top_k_sorts_and_pads_rows_with_too_few_finite_scores():
    scores = np.array([[0.1, 0.9, 0.5], [-np.inf, 2.0, -np.inf]], dtype=np.float32)
    items, values = top_k(scores, 4)
    assert items.tolist() == [[1, 2, 0, -1], [1, -1, -1, -1]]
    assert values[0, :3] == pytest.approx([0.9, 0.5, 0.1])


def test_batched_recommend_never_builds_a_users_by_items_array():
    rng = np.random.default_rng(0)
    n_users, n_items = 10_000, 5_000
    rows = np.repeat(np.arange(n_users), 20)
    frame = pd.DataFrame({"user_id": rows, "item_id": rng.integers(0, n_items, len(rows))})
    interactions = build_interactions(frame, item_ids=np.arange(n_items), weighting=BINARY)
    model = ItemKNN(neighbours=20).fit(interactions)
    tracemalloc.start()
    try:
        items, scores = model.recommend(np.arange(n_users), n=10, batch_size=100)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    dense_bytes = n_users * n_items * 4
    assert items.shape == (n_users, 10) and (items >= 0).all()
    assert peak < dense_bytes / 10
    assert default_batch_size(200_000) * 200_000 * 4 <= 64 * 2**20


@pytest.mark.parametrize("model", [*collaborative_models(), Content()], ids=lambda m: m.name)
def test_because_names_the_played_track_behind_a_recommendation(interactions, features, model):
    model.fit(interactions, features)
    played = ["r0", "j0"]
    row = sp.csr_matrix(np.isin(CATALOG, played).astype(np.float32)[None, :])
    sources, weights = model.because(row, interactions.item_index(["r2", "j3"]))
    assert ids(interactions, sources) == ["r0", "j0"]
    assert (weights > 0).all()


@pytest.mark.parametrize(
    "model",
    [*collaborative_models(), Popularity(), Content(), RP3Beta(alpha=1.0, beta=0.3)],
    ids=lambda m: m.name,
)
def test_candidates_restrict_the_work_and_the_answer_but_not_the_scores(interactions, features, model):
    model.fit(interactions, features)
    everyone = np.arange(interactions.n_users)
    candidates = interactions.item_index(["r3", "j1", "j3", "rock-new", "r0"])
    items, scores = model.recommend(everyone, n=3, candidates=candidates)
    assert set(items[items >= 0]) <= set(candidates)
    full = model.score(everyone)
    full[interactions.seen().toarray() > 0] = -np.inf
    allowed = np.zeros(len(CATALOG), bool)
    allowed[candidates] = True
    full[:, ~allowed] = -np.inf
    _, expected = top_k(full, 3)
    np.testing.assert_allclose(scores, expected, rtol=1e-5)


def test_cap_rows_keeps_each_listeners_heaviest_items():
    from recommend.engine.models.itemknn import cap_rows

    matrix = sp.csr_matrix(np.array([[1.0, 5.0, 3.0, 0.0], [2.0, 0.0, 0.0, 0.0]]))
    assert cap_rows(matrix, 2).toarray().tolist() == [[0.0, 5.0, 3.0, 0.0], [2.0, 0.0, 0.0, 0.0]]
    assert cap_rows(matrix, None) is not None and cap_rows(matrix, None).nnz == 4


def test_top_k_per_row_keeps_the_largest_positive_values_of_each_row():
    from recommend.engine.models.itemknn import top_k_per_row

    rng = np.random.default_rng(1)
    matrix = sp.random(60, 500, density=0.2, random_state=2, format="csr") - 0.1 * sp.random(
        60, 500, density=0.05, random_state=3, format="csr"
    )
    matrix = sp.csr_matrix(matrix)
    matrix.data += rng.normal(0, 1e-3, matrix.nnz)
    keep = top_k_per_row(matrix.indptr, matrix.data, 7)
    for row in range(60):
        start, stop = matrix.indptr[row], matrix.indptr[row + 1]
        values = matrix.data[start:stop]
        expected = set(np.sort(values[values > 0])[-7:])
        assert set(values[keep[start:stop]]) == expected


def test_ease_on_a_200k_track_catalogue_keeps_dense_weights_to_its_max_items_most_played():
    rng = np.random.default_rng(0)
    n_users, n_items, per_user = 3_000, 200_000, 30
    played = (rng.zipf(1.3, n_users * per_user) - 1) % n_items
    frame = pd.DataFrame({"user_id": np.repeat(np.arange(n_users), per_user), "item_id": played})
    interactions = build_interactions(frame, item_ids=np.arange(n_items), weighting=BINARY)
    tracemalloc.start()
    try:
        model = EASE(lam=10.0, max_items=1_000).fit(interactions)
        _, fit_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        items, _ = model.recommend(np.arange(500), n=10)
        _, score_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert model.weights.shape == (1_000, 1_000)
    counts = interactions.item_user_counts()
    uncovered = np.setdiff1d(np.arange(n_items), model.items)
    assert counts[model.items].min() >= counts[uncovered].max()
    assert np.isin(items[items >= 0], model.items).all()
    # Fitting holds a few items x items float64 arrays over the covered items, scoring a batch of
    # users x items within the score budget; all users x items would be 2.4 GB.
    assert fit_peak < 5 * 1_000 * 1_000 * 8
    assert score_peak < 2 * SCORE_BUDGET_BYTES < n_users * n_items * 4 / 5


def test_ease_dual_solution_in_item_blocks_equals_the_primal_one(monkeypatch):
    from recommend.engine.models import ease

    rng = np.random.default_rng(1)
    matrix = sp.random(60, 150, density=0.1, random_state=rng, format="csr", dtype=np.float64)
    dense = matrix.toarray()
    precision = np.linalg.inv(dense.T @ dense + 5.0 * np.eye(150))
    expected = precision / -np.diag(precision)
    np.fill_diagonal(expected, 0.0)
    monkeypatch.setattr(ease, "DUAL_BLOCK_BYTES", 8 * 60 * 7)  # blocks of 7 items
    assert ease.ease_weights(matrix, 5.0) == pytest.approx(expected.astype(np.float32), abs=1e-5)


def test_ease_dual_scores_equal_the_scores_of_its_weights_for_any_rows(interactions):
    from recommend.engine.models import ease

    rng = np.random.default_rng(2)
    matrix = sp.random(60, 150, density=0.1, random_state=rng, format="csr", dtype=np.float32)
    weights = ease.ease_weights(matrix, 5.0)
    dual = ease.DualScores(matrix, 5.0)
    other = sp.random(9, 150, density=0.2, random_state=rng, format="csr", dtype=np.float32)
    for rows in (matrix, other):  # the fitted listeners and rows it never saw
        assert dual.scores(rows) == pytest.approx(rows @ weights, abs=1e-4)
    # the model scores the same either way and says it has no item weights when dual
    primal, by_dual = EASE(lam=5.0, min_users=1), EASE(lam=5.0, min_users=1, dual_scores=True)
    users = np.arange(interactions.n_users)
    primal.fit(interactions)
    by_dual.fit(interactions)
    if interactions.n_users < len(by_dual.items):
        assert by_dual.weights is None
        with pytest.raises(NotImplementedError):
            by_dual.item_scores(np.array([0]))
    assert by_dual.score(users) == pytest.approx(primal.score(users), abs=1e-4)


def test_production_model_is_the_presets_hybrid_and_ranks_the_missing_track(interactions, features):
    from recommend.engine.production import PRODUCTION_PRESET, production_candidates, production_model

    model = production_model()
    assert isinstance(model, Hybrid)
    assert set(model.components) == set(PRODUCTION_PRESET.components)
    assert model.weights == PRODUCTION_PRESET.weights
    model.fit(interactions, features)
    candidates = production_candidates(interactions)
    items, _ = model.recommend(user(interactions), n=1, candidates=candidates)
    assert ids(interactions, items) == ["r3"]
    assert production_candidates(interactions, max_candidates=4).tolist() == sorted(
        interactions.item_index(JAZZ).tolist()
    )


def test_ease_gram_added_up_in_blocks_of_listeners_equals_the_whole_product():
    from recommend.engine.models import ease

    matrix = sp.random(400, 120, density=0.05, random_state=2, format="lil", dtype=np.float32)
    matrix[7, :] = 1.0  # a listener who played everything: a block of their own
    matrix = sp.csr_matrix(matrix)
    gram = ease._gram(matrix, max_paths=500)
    assert gram == pytest.approx((matrix.T @ matrix).toarray(), abs=1e-4)
