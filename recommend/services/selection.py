"""Model selection for the nightly run: choose the production model on the site's own plays.

A sample of listeners (at most ``SELECTION_USERS``) has the most recent 20% of each one's plays held
out; ``recommend.engine.selection`` searches each model's settings and the hybrid's weights on it,
starting from the last successful run's choice, within the budget
(STREAMAPP_RECOMMEND_SELECTION_BUDGET_SECONDS, else 20% of the last run's duration). The chosen
model is then refitted on everything (``training.fit_trained_model``); EASE's lambda grows with the
listeners (X'X sums over them) and is scaled from the sample to the whole site. A site with too
few listeners to validate on keeps the previous choice (or the engine's default preset) and says so.
What was tried and why the choice was made is recorded on the run (``RecommendationRun.selection``),
and the chosen model's validation figures fill ``RecommendationRun.metrics`` beside popularity.
"""

import dataclasses
import logging
import math
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
FIRST_RUN_SECONDS_PER_MILLION = 2.5
BUDGET_SHARE = 0.2


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


def budget_seconds(*, listens: int) -> tuple[float, str]:
    """Return the selection's time budget and where it comes from."""
    configured = float(settings.STREAMAPP_RECOMMEND_SELECTION_BUDGET_SECONDS or 0)
    if configured > 0:
        return configured, "STREAMAPP_RECOMMEND_SELECTION_BUDGET_SECONDS"
    last = (
        RecommendationRun.objects.filter(
            status=RecommendationRun.Status.SUCCEEDED, started_at__isnull=False, finished_at__isnull=False
        )
        .order_by("-created_at")
        .first()
    )
    if last is not None and last.duration_seconds:
        seconds = min(MAX_BUDGET, max(MIN_BUDGET, BUDGET_SHARE * last.duration_seconds))
        return round(seconds, 1), f"20% of run {last.pk}'s {last.duration_seconds:.0f} s"
    seconds = min(FIRST_RUN_MAX_BUDGET, max(MIN_BUDGET, FIRST_RUN_SECONDS_PER_MILLION * listens / 1_000_000))
    return round(seconds, 1), f"first run: 2.5 s per million listens ({listens:,}), at least 2 s"


def choose(data, *, features, weighting) -> Choice:
    """Choose the production model on ``data`` (training.TrainingData, events still loaded).

    ``features``: the engine ItemFeatures of ``data.tracks`` (the content model and diversity).
    """
    from recommend.engine import selection as engine  # heavy, deferred: web workers import this module

    previous = previous_choice()
    fallback = previous or default_choice()
    counts = data.events.groupby("user_id").size()
    eligible = int((counts >= MIN_PLAYS).sum())
    if eligible < MIN_FIGURES_LISTENERS:
        return _kept(fallback, previous is not None, _too_little(eligible, f"with {MIN_PLAYS} plays or more"))
    split, scale = _split(data, counts, features=features, weighting=weighting)
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
    budget, budget_source = budget_seconds(listens=len(data.events))
    result = engine.select_model(split, previous=previous, default=default_choice(), budget_seconds=budget)
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
        "seconds": round(result.seconds, 2),
        "scale": round(scale, 3),
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
    """Return the validation split of a sample of listeners, and listeners / sampled listeners."""
    import numpy as np  # heavy, deferred: web workers import this module

    from recommend.engine import selection as engine  # heavy, deferred: web workers import this module

    listeners = counts.index.to_numpy()
    sample = listeners
    if len(listeners) > SELECTION_USERS:
        sample = np.sort(np.random.default_rng(0).choice(listeners, SELECTION_USERS, replace=False))

    def sampled(frame):
        return frame[frame["user_id"].isin(sample)]

    split = engine.validation_split(
        sampled(data.events),
        data.tracks["item_id"].to_numpy(),
        likes=sampled(data.likes),
        dislikes=sampled(data.dislikes),
        item_features=features,
        weighting=weighting,
        now=data.reference_time,
    )
    return split, len(listeners) / len(sample)


def _figures_record(result, split) -> dict:
    return {
        "validation": _figures(result.chosen.metrics),
        "popularity": _figures(result.popularity.metrics),
        "trials": [trial.as_record() for trial in result.trials],
        "listeners": int(split.listeners),
        "evaluated": int(split.evaluated),
    }


def _metrics(result, split) -> dict:
    """Return RecommendationRun.metrics: the chosen model's validation figures beside popularity."""
    diversity = float(result.diversity)
    return {
        "users": int(split.listeners),
        "evaluated_users": int(split.evaluated),
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
