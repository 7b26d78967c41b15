"""Model selection: the search finds the best setting on the validation split, starts from the
previous choice, keeps to its budget; the nightly run records it, keeps the previous choice on too
little data, and the admin shows it."""

import itertools

import numpy as np
import pandas as pd
import pytest
from django.urls import reverse

from recommend.engine import selection
from recommend.engine.data import Weighting
from recommend.engine.evaluation import evaluate
from recommend.engine.models import make_model
from recommend.models import RecommendationRun
from recommend.services import selection as selection_service
from recommend.services import workflow
from tests.recommend.pipeline_data import build_catalog, build_history

DEFAULT = {"components": {"ease": {"lam": 200.0}}, "weights": {"ease": 1.0}}


def taste_events(*, users=160, clusters=4, per_cluster=15, plays=10, noise=6, seed=0) -> pd.DataFrame:
    """Listeners who each play one cluster of items (at random, in a random order) and a few
    random items: the most recent plays are mostly more of the listener's cluster."""
    rng = np.random.default_rng(seed)
    rows = []
    for user in range(users):
        cluster = user % clusters
        own = rng.choice(per_cluster, plays, replace=False) + cluster * per_cluster
        stray = rng.choice(clusters * per_cluster, noise, replace=False)
        items = rng.permutation(np.concatenate([own, stray]))
        rows += [(user, int(item), float(t)) for t, item in enumerate(items)]
    return pd.DataFrame(rows, columns=["user_id", "item_id", "timestamp"])


def popular_events(*, users=150, items=120, plays=12, seed=0) -> pd.DataFrame:
    """Listeners who mostly play what is popular (Zipf), a little more of their own quarter of the
    catalog: a strongly regularised EASE (lambda in the thousands) clearly beats a weak one."""
    rng = np.random.default_rng(seed)
    popularity = 1 / np.arange(1, items + 1) ** 1.1
    rows = []
    for user in range(users):
        weights = popularity * np.where(np.arange(items) % 4 == user % 4, 3.8, 1.0)
        chosen = rng.choice(items, plays, replace=False, p=weights / weights.sum())
        rows += [(user, int(item), float(t)) for t, item in enumerate(chosen)]
    return pd.DataFrame(rows, columns=["user_id", "item_id", "timestamp"])


BINARY = Weighting(transform="binary", half_life_days=None)
# 3 of each listener's 12-16 plays held out: the selection's own share (10%) would leave one, too
# coarse a target for comparisons on 150 listeners.
SHARE = 0.2


@pytest.fixture(scope="module")
def split():
    return selection.validation_split(taste_events(), np.arange(60), weighting=BINARY, share=SHARE)


@pytest.fixture(scope="module")
def popular_split():
    return selection.validation_split(popular_events(), np.arange(120), weighting=BINARY, share=SHARE)


def brute_force(split, name: str) -> tuple[dict, float]:
    """Return the best setting of a model over its whole grid, and its NDCG@10."""
    grid = selection.SEARCH_GRIDS[name]
    scores = []
    for values in itertools.product(*grid.values()):
        params = dict(zip(grid, values, strict=True))
        model = make_model(name, **{**selection.FIXED_PARAMS[name], **params}).fit(split.interactions)
        scores.append((params, evaluate(model, split.targets).metrics["ndcg@10"]))
    return max(scores, key=lambda entry: entry[1])


def test_the_validation_split_holds_out_each_listeners_most_recent_plays(split):
    assert split.listeners == 160
    assert split.evaluated > 100
    events = taste_events()
    latest = events.sort_values("timestamp").groupby("user_id").tail(3)
    held = set(zip(*split.targets.nonzero(), strict=True))
    recent = set(zip(latest["user_id"], latest["item_id"], strict=True))
    assert held and held <= recent  # the targets come from each listener's last plays only
    assert not split.interactions.seen().multiply(split.targets).nnz


def test_the_search_finds_a_high_ease_lambda_when_it_clearly_wins(popular_split):
    best_params, best_score = brute_force(popular_split, "ease")
    weak = make_model("ease", lam=50.0).fit(popular_split.interactions)
    assert evaluate(weak, popular_split.targets).metrics["ndcg@10"] < best_score * 0.97
    chosen = selection.select_model(popular_split, default=DEFAULT, budget_seconds=60, models=("ease",))
    assert chosen.components["ease"]["lam"] >= 1600  # from a start at 200 (the grid's middle)
    assert chosen.chosen.score >= best_score * 0.995
    ease_trials = [trial for trial in chosen.trials if trial.model == "ease"]
    assert len(ease_trials) < len(selection.SEARCH_GRIDS["ease"]["lam"])  # not the whole grid
    assert chosen.popularity.score < chosen.chosen.score


def test_the_selection_picks_the_model_that_wins_on_validation(split):
    best = {name: brute_force(split, name) for name in ("ease", "rp3beta")}
    assert best["rp3beta"][1] > best["ease"][1] * 1.03  # RP3beta clearly wins on this data
    chosen = selection.select_model(split, default=DEFAULT, budget_seconds=60, models=("ease", "rp3beta"))
    assert chosen.chosen.score >= best["rp3beta"][1] - 1e-6
    assert "rp3beta" in chosen.components
    if chosen.chosen.model == "rp3beta":
        assert chosen.components == {"rp3beta": {**selection.FIXED_PARAMS["rp3beta"], **best["rp3beta"][0]}}


def test_a_warm_start_searches_around_the_previous_choice(popular_split):
    best_params, _ = brute_force(popular_split, "ease")
    previous = {"components": {"ease": {**best_params, "max_items": 10_000}}, "weights": {"ease": 1.0}}
    warm = selection.select_model(
        popular_split, previous=previous, default=DEFAULT, budget_seconds=60, models=("ease",)
    )
    cold = selection.select_model(popular_split, default=DEFAULT, budget_seconds=60, models=("ease",))
    assert warm.warm_start and not cold.warm_start
    assert warm.trials[0].params == best_params  # the previous choice first
    assert len([t for t in warm.trials if t.model == "ease"]) <= 3  # it and its two grid neighbours
    assert len(warm.trials) < len(cold.trials)
    assert warm.components["ease"]["lam"] == best_params["lam"] and warm.kept_previous


def test_a_warm_start_that_finds_nothing_new_keeps_the_previous_mix_without_retuning_it(split):
    previous = {
        "components": {
            "ease": {**selection.FIXED_PARAMS["ease"], "lam": 200.0},
            "rp3beta": {**selection.FIXED_PARAMS["rp3beta"], **selection.COLD_STARTS["rp3beta"]},
        },
        "weights": {"ease": 1.0, "rp3beta": 0.5},
    }
    warm = selection.select_model(split, previous=previous, default=DEFAULT, budget_seconds=0.0)
    assert warm.kept_previous
    assert warm.components == previous["components"] and warm.weights == previous["weights"]
    assert [t.model for t in warm.trials][-1] == "previous"  # scored as it stands, not mixed again
    assert "hybrid" not in [t.model for t in warm.trials]


def test_a_warm_start_first_searches_the_models_the_last_run_had_no_budget_for(split):
    previous = {
        "components": {"ease": {"lam": 200.0}},
        "weights": {"ease": 1.0},
        "skipped": ["als"],
    }
    chosen = selection.select_model(
        split, previous=previous, default=DEFAULT, budget_seconds=60, models=("ease", "rp3beta", "als")
    )
    assert [t.model for t in chosen.trials[:2]] == ["ease", "als"]  # the previous choice, then iALS
    assert {t.model for t in chosen.trials} >= {"ease", "rp3beta", "als"}


def test_a_first_search_scores_the_strongest_families_before_climbing_any(split):
    chosen = selection.select_model(split, default=DEFAULT, budget_seconds=60)
    starts = [(t.model, t.params) for t in chosen.trials[:3]]
    assert starts == [
        ("ease", {"lam": 200.0}),  # the default's model, then iALS and RP3beta at their grids' middles
        ("als", selection.COLD_STARTS["als"]),
        ("rp3beta", selection.COLD_STARTS["rp3beta"]),
    ]
    best_start = max(chosen.trials[:3], key=lambda t: t.score).model
    assert chosen.trials[3].model == best_start  # the best scoring family is climbed first
    assert {t.model for t in chosen.trials} >= {"ease", "als", "rp3beta", "itemknn", "hybrid"}
    assert chosen.chosen.score >= max(t.score for t in chosen.trials[:3])


def test_the_budget_bounds_the_search(split):
    none_left = selection.select_model(split, default=DEFAULT, budget_seconds=0.0)
    # the one setting always scored: the default's starting point; nothing else, no mix
    assert [t.model for t in none_left.trials] == ["ease"]
    assert none_left.skipped == ["als", "rp3beta", "itemknn"]
    assert none_left.components == {"ease": {**selection.FIXED_PARAMS["ease"], "lam": 200.0}}
    forced = none_left.trials[0].seconds
    some = selection.select_model(split, default=DEFAULT, budget_seconds=0.2)
    slowest = max(t.seconds for t in some.trials)
    # a trial starts only when the last one of its model (else the slowest) fits in what is left
    assert some.seconds <= forced + 0.2 + 2 * slowest + 0.5
    assert len(some.trials) < len(selection.select_model(split, default=DEFAULT, budget_seconds=60).trials)


def test_popularity_ranked_over_its_reachable_items_scores_as_over_every_item(split):
    from recommend.engine.evaluation import evaluate
    from recommend.engine.models import Popularity

    everything = selection._figures(evaluate(Popularity().fit(split.interactions), split.targets))
    assert selection._popularity(split).metrics == pytest.approx(everything)


def test_without_budget_the_first_model_is_still_mixed_with_content(split, monkeypatch):
    from recommend.engine.features import build_item_features

    mixed = []
    tune = selection.tune_hybrid_weights
    monkeypatch.setattr(
        selection,
        "tune_hybrid_weights",
        lambda fitted, *a, **k: mixed.append(set(fitted)) or tune(fitted, *a, **k),
    )

    tokens = pd.DataFrame({"item_id": np.arange(60), "feature": [f"genre:{i // 15}" for i in range(60)]})
    features = build_item_features(tokens, split.interactions.item_ids)
    with_content = selection.ValidationSplit(split.interactions, split.targets, features, split.listeners)
    chosen = selection.select_model(with_content, default=DEFAULT, budget_seconds=0.0)
    assert [t.model for t in chosen.trials if t.model != "hybrid"] == ["ease"]
    assert set(chosen.components) <= {"ease", "content"}
    assert mixed == [{"ease", "content"}]  # the content mix was tuned


def test_a_hybrid_mixes_only_models_whose_fitting_costs_fit_the_budget(split):
    everything = selection.select_model(split, default=DEFAULT, budget_seconds=60)
    fitted = {t.model for t in everything.trials} & set(selection.SEARCH_GRIDS)
    assert len(fitted) >= 3
    costs = {"ease": 30.0, "als": 120.0, "rp3beta": 50.0, "itemknn": 50.0, "content": 0.0}
    bounded = selection.select_model(
        split, default=DEFAULT, budget_seconds=60, fit_costs=costs, fit_budget=60.0
    )
    collaborative = [name for name in bounded.components if name != "content"]
    assert sum(costs[name] for name in collaborative) <= 60.0 or len(collaborative) == 1
    assert "als" not in bounded.components or collaborative == ["als"]  # alone it is always allowed


# -- the nightly run ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_nightly_run_records_its_choice_and_warm_starts_from_it():
    build_history(build_catalog(), listeners=24)
    first = workflow.run_sync()
    assert first.status == RecommendationRun.Status.SUCCEEDED, first.error
    record = first.selection
    assert record["status"] == "selected" and not record["warm_start"]
    assert record["trials"] and record["popularity"]["ndcg@10"] >= 0
    assert first.model_name == record["chosen"]["name"]
    assert first.metrics["ndcg@10"] == record["validation"]["ndcg@10"]
    assert "popularity_ndcg@10" in first.metrics
    assert "select" in first.stage_timings and "evaluate" not in first.stage_timings
    # what the fit on the whole site took, per model it chose: the next run weighs costs with it
    active = {name for name, weight in record["chosen"]["weights"].items() if weight}
    assert set(record["fit"]["seconds"]) == active and record["fit"]["pairs"] > 0
    assert set(record["fit_costs"]["allowed"]) >= active
    second = workflow.run_sync()
    assert second.selection["fit_costs"]["source"]["content"] == "measured" or "content" not in active
    assert second.selection["warm_start"]
    assert second.selection["previous"] == record["chosen"]["name"]
    assert second.selection["trials"][0]["params"] == next(
        {k: v for k, v in params.items() if k in selection.SEARCH_GRIDS[name]}
        for name, params in record["chosen"]["components"].items()
        if name in selection.SEARCH_GRIDS
    )


@pytest.mark.django_db
def test_too_little_data_keeps_the_default_then_the_previous_choice_and_says_so(settings):
    build_history(build_catalog(), listeners=8)
    run = workflow.run_sync()
    assert run.status == RecommendationRun.Status.SUCCEEDED, run.error
    assert run.selection["status"] == "kept"
    assert "too little data" in run.selection["reason"] and "default model" in run.selection["reason"]
    default = selection_service.default_choice()
    assert run.selection["chosen"]["components"] == default["components"]
    assert run.metrics["ndcg@10"] >= 0  # the kept model is still measured on the few listeners
    previous = {"components": {"itemknn": {"neighbours": 50, "alpha": 0.5}}, "weights": {"itemknn": 1.0}}
    RecommendationRun.objects.filter(pk=run.pk).update(selection={"chosen": previous})
    again = workflow.run_sync()
    assert again.selection["status"] == "kept" and "previous run's choice" in again.selection["reason"]
    assert again.model_name == "itemknn"


def test_fit_costs_come_from_the_last_run_else_the_priors_and_bound_what_may_be_fitted(db):
    from django.utils import timezone

    first = selection_service.FitCosts.expected(pairs=6_650_000, listens=10_000_000)
    # no run yet: the priors, and a fit budget of a quarter of 12 s per million listens
    assert set(first.source.values()) == {"prior"} and first.budget_seconds == 30.0
    assert first.allowed() == {"ease", "content"}  # iALS 123 s and RP3beta's 2.2 GB are out
    small = selection_service.FitCosts.expected(pairs=74_000, listens=214_000)
    assert small.allowed() == {"ease", "als", "rp3beta", "itemknn", "content"}  # within the 10 s floor
    now = timezone.now()
    RecommendationRun.objects.create(
        status=RecommendationRun.Status.SUCCEEDED,
        started_at=now - pd.Timedelta(seconds=400),
        finished_at=now,
        selection={"fit": {"seconds": {"als": 10.0, "ease": 200.0}, "pairs": 1_000_000}},
    )
    measured = selection_service.FitCosts.expected(pairs=2_000_000, listens=3_000_000)
    assert measured.source["als"] == measured.source["ease"] == "measured"
    assert measured.seconds["als"] == 20.0 and measured.seconds["ease"] == 400.0  # scaled to the pairs
    assert measured.budget_seconds == 100.0  # a quarter of the last run's 400 s
    assert "als" in measured.allowed() and "ease" not in measured.allowed()
    previous = {"components": {"ease": {"lam": 1.0}, "content": {}}, "weights": {"ease": 1.0, "content": 0.5}}
    assert selection_service._within(previous, measured.allowed()) is None  # nothing collaborative left
    both = {
        **previous,
        "components": {**previous["components"], "als": {}},
        "weights": {**previous["weights"], "als": 1},
    }
    assert selection_service._within(both, measured.allowed())["weights"] == {"content": 0.5, "als": 1}


def test_the_budget_is_the_setting_or_a_share_of_the_last_run(settings, db):
    settings.STREAMAPP_RECOMMEND_SELECTION_BUDGET_SECONDS = 7
    assert selection_service.budget_seconds(listens=10, listeners=2) == (
        7.0,
        "STREAMAPP_RECOMMEND_SELECTION_BUDGET_SECONDS",
    )
    settings.STREAMAPP_RECOMMEND_SELECTION_BUDGET_SECONDS = 0
    budget = selection_service.budget_seconds
    assert budget(listens=10_000_000, listeners=50_000)[0] == 25.0  # 2.5 s a million
    assert budget(listens=400_000, listeners=50_000)[0] == selection_service.MIN_BUDGET
    # A site no bigger than the validation sample: every trial is a fit on the whole site.
    seconds, source = budget(listens=200_000, listeners=1_892)
    assert seconds == selection_service.SMALL_SITE_BUDGET == 15.0 and "at least 15 s" in source
    assert budget(listens=200_000, listeners=5_000)[0] == 6.0  # the sample's share of the listeners
    from django.utils import timezone

    now = timezone.now()
    RecommendationRun.objects.create(
        status=RecommendationRun.Status.SUCCEEDED,
        started_at=now - pd.Timedelta(seconds=1000),
        finished_at=now,
    )
    seconds, source = budget(listens=10, listeners=2)
    assert seconds == 200.0 and "20%" in source and "at least" not in source
    # A small site's run lasts seconds: 20% of it would not buy one trial of each model family.
    RecommendationRun.objects.create(
        status=RecommendationRun.Status.SUCCEEDED,
        started_at=now - pd.Timedelta(seconds=7),
        finished_at=now,
    )
    seconds, source = budget(listens=200_000, listeners=1_892)
    assert seconds == selection_service.SMALL_SITE_BUDGET
    assert "20% of run" in source and "at least 15 s on a site of 1,892 listeners" in source
    assert budget(listens=1_000_000, listeners=50_000)[0] == selection_service.MIN_BUDGET


@pytest.mark.django_db
def test_the_admin_shows_the_choice_and_its_validation_table(staff_client):
    build_history(build_catalog(), listeners=24)
    run = workflow.run_sync()
    page = staff_client.get(reverse("admin:recommend_recommendationrun_change", args=[run.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "model selection" in text.lower() and run.selection["chosen"]["name"] in text
    assert "popularity" in text and "NDCG@10" in text and "Recall@10" in text
    assert f"{run.selection['budget_seconds']} s budget" in text
    # the wide tables scroll sideways on a phone (the admin's own stylesheet beside Django's)
    assert "streamapp/css/admin.css" in text and text.count('<div class="admin-scroll"><table>') >= 3
    first = run.selection["trials"][0]
    assert f"{first['ndcg@10']:.4f}" in text
    # the held-out share is recorded with the run (runs recorded before it held out 20%)
    assert run.selection["held_out_share"] == run.metrics["held_out_share"] == 0.1
    assert text.count("the most recent 10% of each one's plays") == 2
    assert "held_out_share" not in text
    RecommendationRun.objects.filter(pk=run.pk).update(
        selection={k: v for k, v in run.selection.items() if k != "held_out_share"}
    )
    text = staff_client.get(
        reverse("admin:recommend_recommendationrun_change", args=[run.pk])
    ).content.decode()
    assert "the most recent 20% of each one's plays" in text
