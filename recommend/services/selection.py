"""Model selection for the nightly run: choose the production model on the site's own plays.

A sample of listeners (at most ``SELECTION_USERS``) has the most recent 10% of each one's plays held
out (``engine.selection.VALIDATION_SHARE``); ``recommend.engine.selection`` searches each model's
settings and the hybrid's weights on it, starting from the last successful run's choice, within the
budget (STREAMAPP_RECOMMEND_SELECTION_BUDGET_SECONDS, else 20% of the last run's duration, with a
floor for small sites). The chosen
model is then refitted on everything (``training.fit_trained_model``); EASE's lambda grows with the
listeners (X'X sums over them) and is scaled from the sample to the whole site. A site with too
few listeners to validate on keeps the previous choice (or the engine's default preset) and says so.
What was tried and why the choice was made is recorded on the run (``RecommendationRun.selection``),
and the chosen model's validation figures fill ``RecommendationRun.metrics`` beside popularity.
"""

import dataclasses
import logging
import math
import time
from dataclasses import dataclass, field

from django.conf import settings

from ..models import RecommendationRun

logger = logging.getLogger(__name__)

# Listeners whose plays the validation split holds (a random sample beyond this). Every trial fits
# and scores on them: at 10 million listens a first night's search took 99 s of CPU on 5,000 (the
# hybrid's weights alone 51 s) and 41 s on 2,000, whose NDCG@10 still has a standard error of about
# 0.005, and the comparisons are paired (the same listeners for every model).
SELECTION_USERS = 2_000
# Too little data below this many listeners with held-out plays: the previous choice stays (its
# figures are still measured from MIN_FIGURES_LISTENERS listeners on).
MIN_VALIDATION_LISTENERS = 20
MIN_FIGURES_LISTENERS = 5
# A listener counts for the validation when they have at least this many plays.
MIN_PLAYS = 5
# Budget bounds (seconds) when it is derived rather than set. A first run has no duration to take
# 20% of: 2.5 s per million listens (20% of a run that takes about 12 s per million). Below the
# floor the search only scores its starting points (always done, whatever the budget: see
# engine.selection.SURVEY) and mixes them: its time then follows the data's size, not the budget.
MIN_BUDGET, MAX_BUDGET, FIRST_RUN_MAX_BUDGET = 2.0, 600.0, 60.0
# The 20% share assumes trials are cheap next to the run: they fit on a sample of SELECTION_USERS
# listeners while the run fits and generates for everyone. On a site no bigger than the sample
# every trial is a fit on the whole site, so 20% of a run of seconds buys about one trial: one
# model family, never iALS, a large loss. On Last.fm HetRec end to end (1,892 listeners, 215,000
# listens, runs of 7 s) 2 s served EASE plus content, NDCG@10 0.2056 on seed 3; 15 s reached iALS
# and the hybrid, 0.2146 (docs/recommender.md). Such a site's search may take SMALL_SITE_BUDGET;
# beyond the sample's size this floor shrinks with the sample's share of the listeners (6 s at
# 5,000 listeners, 0.6 s at 50,000, where the 20% share is far larger). The search stops earlier
# once its climbs have converged (tiny sites: well under a second).
SMALL_SITE_BUDGET = 15.0
FIRST_RUN_SECONDS_PER_MILLION = 2.5
BUDGET_SHARE = 0.2
# What fitting each model on the whole site costs, before the site has measured it itself: seconds
# and extra megabytes per million listener-track pairs, measured on the nightly benchmark (10M
# listens, 6.65 million pairs, 200,000 tracks, 2 cores: iALS 123 s of CPU, RP3beta 56 s and 2.2 GB,
# EASE over its 10,000 items 16 s, content 0.1 s). Each run records what its own fit took
# (``selection["fit"]``), which replaces the prior for that model from then on, scaled to the data's
# size.
FIT_COST_PRIORS: dict[str, tuple[float, float]] = {
    "als": (18.5, 10.0),
    "rp3beta": (8.5, 330.0),
    "itemknn": (8.5, 330.0),
    "ease": (2.5, 0.0),
    "content": (0.02, 0.0),
}
# The chosen model's fit on the whole site may take this share of the run, and this much memory
# beyond the history itself (so that the run stays within 2 GB at 10 million listens); a hybrid
# adds up its models' costs. The cheapest model is always allowed, whatever its cost.
FIT_SHARE = 0.25
FIT_MEMORY_MB = 512.0
MIN_FIT_BUDGET = 10.0
FIRST_RUN_RUN_SECONDS_PER_MILLION = 12.0


@dataclass
class Choice:
    """What the run fits on everything, and what to record about how it was chosen."""

    preset: object  # engine ProductionPreset
    name: str
    record: dict
    metrics: dict = field(default_factory=dict)


def default_choice() -> dict:
    """Return the engine's default preset as a choice (components and weights)."""
    # heavy, deferred: web workers import this module
    from recommend.engine.production import PRODUCTION_PRESET

    return {"components": dict(PRODUCTION_PRESET.components), "weights": dict(PRODUCTION_PRESET.weights)}


def previous_choice() -> dict | None:
    """Return the most recent successful run's chosen model (components as validated, weights)."""
    runs = RecommendationRun.objects.filter(status=RecommendationRun.Status.SUCCEEDED).order_by("-created_at")
    from recommend.engine.models import MODELS  # heavy, deferred: web workers import this module

    for selection in runs.values_list("selection", flat=True)[:20]:
        selection = selection if isinstance(selection, dict) else {}
        chosen = selection.get("chosen") or {}
        components, weights = chosen.get("components") or {}, chosen.get("weights") or {}
        usable = (
            isinstance(components, dict)
            and isinstance(weights, dict)
            and any(weights.get(name) for name in components)
            and all(name in MODELS and isinstance(params, dict) for name, params in components.items())
        )
        if usable:
            return {
                "components": chosen["components"],
                "weights": chosen["weights"],
                "name": chosen.get("name"),
                "skipped": [name for name in selection.get("skipped") or [] if name in MODELS],
            }
    return None


def _last_run() -> RecommendationRun | None:
    """The last successful run with a duration (what the budgets are shares of)."""
    return (
        RecommendationRun.objects.filter(
            status=RecommendationRun.Status.SUCCEEDED, started_at__isnull=False, finished_at__isnull=False
        )
        .order_by("-created_at")
        .first()
    )


def budget_seconds(*, listens: int, listeners: int) -> tuple[float, str]:
    """Return the selection's time budget and where it comes from."""
    configured = float(settings.STREAMAPP_RECOMMEND_SELECTION_BUDGET_SECONDS or 0)
    if configured > 0:
        return configured, "STREAMAPP_RECOMMEND_SELECTION_BUDGET_SECONDS"
    small_site = round(SMALL_SITE_BUDGET * min(1.0, SELECTION_USERS / max(listeners, 1)), 1)
    floor = max(MIN_BUDGET, small_site)
    last = _last_run()
    if last is not None and last.duration_seconds:
        share, cap = BUDGET_SHARE * last.duration_seconds, MAX_BUDGET
        source = f"20% of run {last.pk}'s {last.duration_seconds:.0f} s"
    else:
        share, cap = FIRST_RUN_SECONDS_PER_MILLION * listens / 1_000_000, FIRST_RUN_MAX_BUDGET
        source = f"first run: 2.5 s per million listens ({listens:,})"
    if share < floor and small_site > MIN_BUDGET:
        source += f"; at least {floor:g} s on a site of {listeners:,} listeners"
    return round(min(cap, max(floor, share)), 1), source


def choose(data, *, features, weighting) -> Choice:
    """Choose the production model on ``data`` (training.TrainingData, events still loaded).

    ``features``: the engine ItemFeatures of ``data.tracks`` (the content model and diversity).
    """
    from recommend.engine import selection as engine  # heavy, deferred: web workers import this module

    started = time.perf_counter()
    previous = previous_choice()
    fallback = previous or default_choice()
    counts = data.events.groupby("user_id").size()
    eligible = int((counts >= MIN_PLAYS).sum())
    if eligible < MIN_FIGURES_LISTENERS:
        return _kept(fallback, previous is not None, _too_little(eligible, f"with {MIN_PLAYS} plays or more"))
    split, scale, pairs = _split(data, counts, features=features, weighting=weighting)
    if split.evaluated < MIN_VALIDATION_LISTENERS:
        reason = _too_little(split.evaluated, "with new tracks among their most recent plays")
        choice = _kept(fallback, previous is not None, reason)
        if split.evaluated:
            scored = engine.score_choice(
                split, components=fallback["components"], weights=fallback["weights"]
            )
            choice.record.update(_figures_record(scored, split))
            choice.metrics = _metrics(scored, split)
        return choice
    budget, budget_source = budget_seconds(listens=len(data.events), listeners=len(counts))
    costs = FitCosts.expected(pairs=pairs, listens=len(data.events))
    allowed = costs.allowed()
    result = engine.select_model(
        split,
        previous=_within(previous, allowed),
        default=default_choice(),
        budget_seconds=max(0.0, budget - (time.perf_counter() - started)),  # the split counts too
        models=tuple(name for name in engine.SEARCH_ORDER if name in allowed),
        fit_costs=costs.seconds,
        fit_budget=costs.budget_seconds,
    )
    fitted = _scaled(result.components, scale)
    record = {
        "status": "selected",
        "reason": _reason(result, previous),
        "chosen": {"name": result.name, "components": result.components, "weights": result.weights},
        "fitted_components": fitted,
        **_figures_record(result, split),
        "skipped": result.skipped,
        "warm_start": result.warm_start,
        "previous": previous.get("name") if previous else None,
        "budget_seconds": budget,
        "budget_source": budget_source,
        "seconds": round(time.perf_counter() - started, 2),
        "scale": round(scale, 3),
        "fit_costs": costs.as_record(),
    }
    logger.info("model selection: %s", record["reason"])
    return Choice(
        preset=_preset(fitted, result.weights),
        name=result.name,
        record=record,
        metrics=_metrics(result, split),
    )


def _too_little(count: int, what: str) -> str:
    return (
        f"too little data to choose a model: {count} listener(s) {what} "
        f"(at least {MIN_VALIDATION_LISTENERS} needed)"
    )


def _split(data, counts, *, features, weighting):
    """Return the validation split of a sample of listeners, listeners / sampled listeners, and the
    site's listener-track pairs.

    The split covers the tracks the production model may recommend (``training.candidate_items``:
    the most listened-to playable ones): every model is scored on what it could serve, and fitting
    and scoring a sample over them rather than the whole catalogue costs a fraction (at 200,000
    tracks, an iALS trial 21 s of CPU over every track).
    """
    import numpy as np  # heavy, deferred: web workers import this module

    from recommend.engine import selection as engine  # heavy, deferred: web workers import this module
    from recommend.engine.features import ItemFeatures  # heavy, deferred: web workers import this module

    from . import training

    listeners = counts.index.to_numpy()
    sample = listeners
    if len(listeners) > SELECTION_USERS:
        sample = np.sort(np.random.default_rng(0).choice(listeners, SELECTION_USERS, replace=False))

    def sampled(frame):
        return frame[frame["user_id"].isin(sample)]

    all_items = data.tracks["item_id"].to_numpy()
    pairs = data.events[["user_id", "item_id"]].drop_duplicates()
    listened = pairs["item_id"].value_counts()
    popularity = listened.reindex(all_items, fill_value=0).to_numpy()
    candidates = training.candidate_items(popularity, data.tracks["is_available"].to_numpy(dtype=bool))
    if features is not None:
        features = ItemFeatures(features.matrix[candidates], features.names)
    split = engine.validation_split(
        sampled(data.events),
        all_items[candidates],
        likes=sampled(data.likes),
        dislikes=sampled(data.dislikes),
        item_features=features,
        weighting=weighting,
        now=data.reference_time,
    )
    return split, len(listeners) / len(sample), len(pairs)


@dataclass
class FitCosts:
    """What fitting each model on the whole site is expected to cost, and what the run allows."""

    seconds: dict[str, float]
    memory_mb: dict[str, float]
    budget_seconds: float
    source: dict[str, str]

    @classmethod
    def expected(cls, *, pairs: int, listens: int) -> "FitCosts":
        """The last run's measured fit seconds per pair where it has them, else the priors, times
        ``pairs``; the budget: FIT_SHARE of the last run (a first run's estimate: 12 s a million)."""
        measured, run_seconds = _last_fit()
        if run_seconds is None:
            run_seconds = FIRST_RUN_RUN_SECONDS_PER_MILLION * listens / 1_000_000
        millions = pairs / 1_000_000
        seconds, memory, source = {}, {}, {}
        for name, (per_million, mb_per_million) in FIT_COST_PRIORS.items():
            rate = measured.get(name)
            seconds[name] = round((rate * pairs) if rate is not None else per_million * millions, 2)
            source[name] = "measured" if rate is not None else "prior"
            memory[name] = round(mb_per_million * millions, 1)
        return cls(seconds, memory, round(max(MIN_FIT_BUDGET, FIT_SHARE * run_seconds), 1), source)

    def allowed(self) -> set[str]:
        """The models that may be fitted on the whole site: within the time and memory budgets, and
        the cheapest collaborative model whatever it costs (content costs next to nothing)."""
        ok = {
            name
            for name in self.seconds
            if self.seconds[name] <= self.budget_seconds and self.memory_mb[name] <= FIT_MEMORY_MB
        }
        collaborative = [name for name in self.seconds if name != "content"]
        ok.add(
            min(collaborative, key=lambda name: (self.memory_mb[name] > FIT_MEMORY_MB, self.seconds[name]))
        )
        return ok | {"content"}

    def as_record(self) -> dict:
        return {
            "expected_seconds": self.seconds,
            "expected_memory_mb": self.memory_mb,
            "source": self.source,
            "budget_seconds": self.budget_seconds,
            "allowed": sorted(self.allowed()),
        }


def _last_fit() -> tuple[dict[str, float], float | None]:
    """Return the last successful run's fit seconds per listener-track pair of each model it
    fitted, and its duration (None: no run yet)."""
    run = _last_run()
    if run is None:
        return {}, None
    fit = (run.selection or {}).get("fit") if isinstance(run.selection, dict) else None
    rates = {}
    if isinstance(fit, dict) and isinstance(fit.get("seconds"), dict) and fit.get("pairs"):
        pairs = float(fit["pairs"])
        rates = {
            name: float(value) / pairs
            for name, value in fit["seconds"].items()
            if name in FIT_COST_PRIORS and isinstance(value, int | float) and value >= 0
        }
    return rates, run.duration_seconds or None


def _within(previous: dict | None, allowed: set[str]) -> dict | None:
    """Return the previous choice without the models the run can no longer afford (None: nothing left)."""
    if previous is None:
        return None
    weights = {name: w for name, w in previous["weights"].items() if name in allowed and w}
    if not any(name != "content" for name in weights):
        return None
    components = {name: p for name, p in previous["components"].items() if name in weights}
    return {**previous, "components": components, "weights": weights}


def _figures_record(result, split) -> dict:
    return {
        "validation": _figures(result.chosen.metrics),
        "popularity": _figures(result.popularity.metrics),
        "trials": [trial.as_record() for trial in result.trials],
        "listeners": int(split.listeners),
        "evaluated": int(split.evaluated),
        "held_out_share": split.held_out_share,
    }


def _metrics(result, split) -> dict:
    """Return RecommendationRun.metrics: the chosen model's validation figures beside popularity."""
    diversity = float(result.diversity)
    return {
        "users": int(split.listeners),
        "evaluated_users": int(split.evaluated),
        "held_out_share": split.held_out_share,
        **_figures(result.chosen.metrics),
        "coverage@10": round(result.coverage, 4),
        "diversity@10": None if math.isnan(diversity) else round(diversity, 4),
        **{f"popularity_{name}": value for name, value in _figures(result.popularity.metrics).items()},
    }


def kept_choice(reason: str) -> Choice:
    """Return the previous choice (or the default) without validating: ``reason`` says why."""
    previous = previous_choice()
    return _kept(previous or default_choice(), previous is not None, reason)


def _kept(choice: dict, is_previous: bool, reason: str) -> Choice:
    from recommend.engine.selection import describe  # heavy, deferred: web workers import this module

    name = describe(choice["components"], choice["weights"])
    kept = "the previous run's choice" if is_previous else "the default model"
    record = {
        "status": "kept",
        "reason": f"{reason}; kept {kept}, {name}",
        "chosen": {"name": name, "components": choice["components"], "weights": choice["weights"]},
        "warm_start": False,
        "previous": choice.get("name") if is_previous else None,
        "trials": [],
    }
    logger.info("model selection: %s", record["reason"])
    return Choice(preset=_preset(choice["components"], choice["weights"]), name=name, record=record)


def _preset(components: dict, weights: dict):
    # heavy, deferred: web workers import this module
    from recommend.engine.production import PRODUCTION_PRESET

    active = {name: dict(params) for name, params in components.items() if weights.get(name)}
    return dataclasses.replace(
        PRODUCTION_PRESET, components=active, weights={name: float(weights[name]) for name in active}
    )


def _scaled(components: dict, scale: float) -> dict:
    """Return the components for the whole site: EASE's lambda times listeners / sampled listeners."""
    out = {name: dict(params) for name, params in components.items()}
    if "ease" in out and scale != 1.0:
        out["ease"]["lam"] = round(float(out["ease"]["lam"]) * scale, 3)
    return out


def _figures(metrics: dict) -> dict:
    return {name: round(float(value), 4) for name, value in metrics.items()}


def _reason(result, previous: dict | None) -> str:
    best = result.chosen
    popularity = result.popularity.score
    lift = "popularity 0"
    if popularity > 0:
        lift = f"{best.score / popularity:.1f}x popularity's {popularity:.4f}"
    start = "started from the default grid"
    if previous:
        start = f"started from the previous choice ({previous.get('name')})"
    skipped = f"; no budget left for {', '.join(result.skipped)}" if result.skipped else ""
    return (
        f"best validation NDCG@10 of {len(result.trials)} settings tried: {result.name} "
        f"{best.score:.4f} ({lift}); {start}{skipped}"
    )
