"""Model selection: choose the production model on a site's own validation split, within a budget.

The nightly run holds out the most recent plays of a sample of listeners (``validation_split``),
then ``select_model`` searches a small grid of each model's settings by coordinate ascent on
NDCG@10 (EASE lambda, iALS factors / regularisation / alpha, item-kNN neighbours and alpha, RP3beta
alpha / beta), starting from the last run's choice when there is one (steps of one grid point:
a narrow search around it) or from the grid's middle (steps of two points first; a first search
scores the starting points of iALS, EASE and RP3beta before climbing any, the best first), then
tunes the hybrid's weights over the best setting of each model plus content. Every trial is one fit and one
validation pass; a trial is started only when the time it is expected to take (the last trial of
the same model, else the slowest so far) fits in what is left of the budget. The starting point is
always evaluated: it is what the selection keeps when nothing beats it.

Pure engine code: DataFrames and arrays in, a ``Selection`` out (no ORM).
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .data import Interactions, Weighting, build_interactions, target_matrix
from .evaluation import evaluate, time_split, tune_hybrid_weights
from .features import ItemFeatures
from .models import Hybrid, Popularity, Recommender, make_model

# Each model's grid, every axis in increasing order (the search moves along these points).
SEARCH_GRIDS: dict[str, dict[str, tuple]] = {
    "ease": {"lam": (10.0, 25.0, 50.0, 100.0, 200.0, 400.0, 800.0, 1600.0, 3200.0, 6400.0)},
    "rp3beta": {"alpha": (0.5, 0.7, 0.9, 1.1), "beta": (0.15, 0.25, 0.35, 0.5)},
    "itemknn": {"neighbours": (50, 100, 200, 400), "alpha": (0.2, 0.35, 0.5)},
    "als": {
        "factors": (32, 64, 128),
        "reg": (3.0, 10.0, 30.0, 60.0, 120.0),
        "alpha": (0.5, 1.0, 3.0, 6.0, 12.0),
    },
}
# Where a search without a previous choice starts: the grids' middles (no site's tuned values).
COLD_STARTS: dict[str, dict] = {
    "ease": {"lam": 200.0},
    "rp3beta": {"alpha": 0.9, "beta": 0.25},
    "itemknn": {"neighbours": 200, "alpha": 0.35},
    "als": {"factors": 64, "reg": 30.0, "alpha": 3.0},
}
# Settings that are not searched (costs and bounds of the production fit).
FIXED_PARAMS: dict[str, dict] = {
    "ease": {"max_items": 10_000},
    "rp3beta": {"neighbours": 300},
    "itemknn": {},
    "als": {"iterations": 8},
    "content": {},
}
# Settings of the selection's trials only, never of the model fitted on the whole site: EASE scores
# the sample's listeners from the users x users dual (exact, a fraction of the work: the sample has
# fewer listeners than EASE has items).
TRIAL_PARAMS: dict[str, dict] = {"ease": {"dual_scores": True}}
# Models in the order they tend to win on implicit feedback (published comparisons and this
# project's evaluations on the demo and on Last.fm): iALS and EASE, then RP3beta, then item-kNN.
SEARCH_ORDER = ("als", "ease", "rp3beta", "itemknn")
# A search without a previous choice first scores these models' starting points, whatever the
# budget (the two strongest families and the cheap graph model: together their hybrid is the
# default starting point), then climbs the best of them first.
SURVEY = ("als", "ease", "rp3beta")
# The hybrid replaces the best single model only when it beats it by this much NDCG@10.
HYBRID_MARGIN = 0.001
# The share of the budget the settings search may use; the rest is for the hybrid's weights and
# the chosen model's final validation pass.
SEARCH_SHARE = 0.75
# A new choice replaces the previous one only when it scores this much better (relative NDCG@10).
KEEP_MARGIN = 0.01
# The share of each sampled listener's most recent plays held out. The models are then fitted on
# 90% of what the whole site's fit sees, so the settings and the hybrid's weights chosen carry over:
# with 20% held out (a fit on 80%) the hybrid's weights leaned towards content, which helps sparse
# data most, and on Last.fm HetRec end to end served 0.0014-0.0047 NDCG@10 less on each of five
# splits than with 10% (docs/recommender.md, "End to end").
VALIDATION_SHARE = 0.1
METRIC = "ndcg@10"


@dataclass
class ValidationSplit:
    """The model fit part (``interactions``: every sampled listener's older plays) and the targets
    (tracks first met in each listener's most recent ``VALIDATION_SHARE`` of plays, not skipped)."""

    interactions: Interactions
    targets: sp.csr_matrix
    item_features: ItemFeatures | None
    listeners: int  # sampled listeners
    held_out_share: float = 0.0  # the share of each listener's plays held out (0: not a time split)

    @property
    def evaluated(self) -> int:
        return int((np.diff(self.targets.indptr) > 0).sum())


def validation_split(
    events: pd.DataFrame,
    item_ids: np.ndarray,
    *,
    likes: pd.DataFrame | None = None,
    dislikes: pd.DataFrame | None = None,
    item_features: ItemFeatures | None = None,
    weighting: Weighting | None = None,
    now: float | None = None,
    share: float = VALIDATION_SHARE,
) -> ValidationSplit:
    """Hold out the last ``share`` of each listener's plays (by time, as the evaluation does).

    ``events`` as ``build_interactions`` takes them (with ``timestamp``); likes and dislikes count
    only up to each listener's cut-off.
    """
    users = np.sort(events["user_id"].unique())
    fit_part, held = time_split(events, test_share=share)
    cutoff = fit_part.groupby("user_id")["timestamp"].max()
    interactions = build_interactions(
        fit_part,
        likes=_before(likes, cutoff),
        dislikes=_before(dislikes, cutoff),
        user_ids=users,
        item_ids=item_ids,
        weighting=weighting,
        now=now,
    )
    if "skipped" in held:
        held = held[~held["skipped"].fillna(False).astype(bool)]
    targets = target_matrix(held, interactions, exclude=interactions.seen())
    return ValidationSplit(
        interactions=interactions,
        targets=targets,
        item_features=item_features,
        listeners=len(users),
        held_out_share=share,
    )


def _before(frame: pd.DataFrame | None, cutoff: pd.Series) -> pd.DataFrame | None:
    if frame is None or not len(frame) or "timestamp" not in frame:
        return frame
    limit = frame["user_id"].map(cutoff)
    return frame[limit.notna() & (frame["timestamp"] <= limit)]


@dataclass
class Trial:
    """One setting of one model, fitted on the split and scored on its targets."""

    model: str
    params: dict
    metrics: dict[str, float]
    seconds: float

    @property
    def score(self) -> float:
        return self.metrics[METRIC]

    def as_record(self) -> dict:
        return {
            "model": self.model,
            "params": _plain(self.params),
            **{name: round(value, 4) for name, value in self.metrics.items()},
            "seconds": round(self.seconds, 2),
        }


@dataclass
class Selection:
    """The chosen model (components and weights, as ``ProductionPreset`` holds them) and the search."""

    components: dict[str, dict]
    weights: dict[str, float]
    chosen: Trial
    popularity: Trial
    trials: list[Trial] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # models not tried: no budget left
    warm_start: bool = False
    kept_previous: bool = False  # nothing beat the previous choice by KEEP_MARGIN
    budget_seconds: float = 0.0
    seconds: float = 0.0
    coverage: float = 0.0
    diversity: float = float("nan")

    @property
    def name(self) -> str:
        return describe(self.components, self.weights)


def describe(components: dict[str, dict], weights: dict[str, float]) -> str:
    """Return a short name, e.g. "ease" or "hybrid(ease 1, content 0.25)"."""
    active = {name: weight for name, weight in weights.items() if weight and name in components}
    if len(active) == 1:
        return next(iter(active))
    return "hybrid(" + ", ".join(f"{name} {weight:g}" for name, weight in active.items()) + ")"


class _Budget:
    """The selection's clock: trials of the settings search may use ``search`` seconds of the
    ``seconds`` in all (the rest is for mixing the hybrid and the chosen model's final pass)."""

    def __init__(self, seconds: float, search: float | None = None):
        self.seconds = seconds
        self.search = seconds if search is None else search
        self.started = time.perf_counter()
        self.costs: dict[str, float] = {}

    @property
    def spent(self) -> float:
        return time.perf_counter() - self.started

    @property
    def left(self) -> float:
        return self.seconds - self.spent

    def affords(self, model: str) -> bool:
        estimate = self.costs.get(model, max(self.costs.values(), default=0.0))
        return self.spent + estimate <= self.search


class _Remembered(Recommender):
    """A fitted trial model that keeps its scores of the split's listeners: mixing it into a hybrid
    (the previous choice as it stands, the weights' search, the hybrid's evaluation) reuses them
    instead of scoring every listener again. At most listeners x candidate items float32 a model
    (80 MB for 2,000 listeners over 10,000 tracks), freed with the selection."""

    def __init__(self, model: Recommender):
        super().__init__()
        self.model, self.name = model, model.name
        self.interactions, self.item_features = model.interactions, model.item_features
        self._scores: dict[tuple, np.ndarray] = {}

    def score(self, users: np.ndarray, items: np.ndarray | None = None) -> np.ndarray:
        users = np.asarray(users)
        key = (users.tobytes(), None if items is None else np.asarray(items).tobytes())
        if key not in self._scores:
            self._scores[key] = self.model.score(users, items)
        return self._scores[key].copy()  # callers mask and standardise in place

    def score_rows(self, rows, negative=None, items=None) -> np.ndarray:
        return self.model.score_rows(rows, negative, items)

    def item_scores(self, items: np.ndarray) -> np.ndarray:
        return self.model.item_scores(items)

    def params(self) -> dict:
        return self.model.params()


class _Search:
    """Fits and scores settings on the split, remembering each model's best fitted model."""

    def __init__(self, split: ValidationSplit, budget: _Budget, on_trial: Callable[[Trial], None] | None):
        self.split = split
        self.budget = budget
        self.on_trial = on_trial or (lambda _trial: None)
        self.trials: list[Trial] = []
        self.tried: dict[tuple, Trial] = {}
        self.best: dict[str, tuple[Trial, Recommender]] = {}

    def run(self, name: str, searched: dict, *, force: bool = False) -> Trial | None:
        key = (name, tuple(sorted(searched.items())))
        if key in self.tried:
            return self.tried[key]
        if not force and not self.budget.affords(name):
            return None
        started = time.perf_counter()
        model = make_model(name, **{**FIXED_PARAMS.get(name, {}), **TRIAL_PARAMS.get(name, {}), **searched})
        model = _Remembered(model.fit(self.split.interactions, self.split.item_features))
        result = evaluate(model, self.split.targets, cutoffs=(10, 50))
        seconds = time.perf_counter() - started
        self.budget.costs[name] = seconds
        trial = Trial(name, dict(searched), _figures(result), seconds)
        self.trials.append(trial)
        self.tried[key] = trial
        self.on_trial(trial)
        if name not in self.best or trial.score > self.best[name][0].score:
            self.best[name] = (trial, model)
        return trial

    def content(self) -> Recommender:
        """The content model on the split (fitted once, its scores remembered)."""
        if getattr(self, "_content", None) is None:
            self._content = _Remembered(
                make_model("content").fit(self.split.interactions, self.split.item_features)
            )
        return self._content

    def climb(self, name: str, start: dict, *, warm: bool, force: bool = False) -> None:
        """Coordinate ascent from ``start`` over the model's grid (steps of 2 points, then 1, cold)."""
        grid = SEARCH_GRIDS[name]
        current = _on_grid(name, start)
        best = self.run(name, current, force=force)
        if best is None:
            return
        for step in (1,) if warm else (2, 1):
            improved = True
            while improved:
                improved = False
                for axis, values in grid.items():
                    position = values.index(current[axis])
                    for move in (-step, step):
                        if not 0 <= position + move < len(values):
                            continue
                        trial = self.run(name, {**current, axis: values[position + move]})
                        if trial is not None and trial.score > best.score + 1e-6:
                            best, current, improved = trial, {**current, axis: values[position + move]}, True
                            break


def select_model(
    split: ValidationSplit,
    *,
    previous: dict | None = None,
    default: dict,
    budget_seconds: float,
    models: tuple[str, ...] = SEARCH_ORDER,
    on_trial: Callable[[Trial], None] | None = None,
    fit_costs: dict[str, float] | None = None,
    fit_budget: float | None = None,
) -> Selection:
    """Choose the model with the best NDCG@10 on the split's targets within ``budget_seconds``.

    ``previous`` / ``default``: ``{"components": {name: params}, "weights": {name: weight}}``, the
    last run's choice (the search starts around it; its ``skipped`` models, which the last run had
    no budget for, are searched first) and what to start from without one. The
    previous choice is scored as it stands and stays unless another beats it by ``KEEP_MARGIN``
    (relative): noise in the validation does not switch the model every night.

    Everything counts against ``budget_seconds`` except the one setting that is always scored (the
    previous choice, else the first starting point): the other starting points, the climbs and the
    hybrid's weights each start only when they fit in what is left. ``fit_costs`` (expected seconds
    to fit each model on the whole site) and ``fit_budget``: a hybrid mixes only models whose costs
    add up to at most the fit budget (the best scoring first; a model alone is always allowed).
    """
    started = time.perf_counter()
    budget = _Budget(budget_seconds, budget_seconds * SEARCH_SHARE)
    search = _Search(split, budget, on_trial)
    warm = bool(previous and previous.get("components"))
    start = previous if warm else default
    popularity = _popularity(split)
    kept = _score_previous(search, previous, models) if warm else None
    # The starting point's models first (always evaluated), then the others as the budget allows.
    first = [name for name in start["components"] if name in SEARCH_GRIDS and name in models] or [models[0]]
    skipped = []
    order = [*first, *(m for m in models if m not in first)]
    if warm:
        # The models the last run had no budget for go first: over nights every model gets its turn
        # (the previous choice's own models were scored above and are refined after them).
        behind = [m for m in previous.get("skipped", []) if m in models and m not in first]
        order = [*behind, *(m for m in order if m not in behind)]
        for name in behind:  # each one's starting point before any climb: the hybrid can use it
            search.run(name, dict(COLD_STARTS[name]))
    else:
        # A first search scores the strongest families' starting points before climbing any of
        # them (the hybrid of all of them is then the floor of what the night chooses), and climbs
        # the best scoring one first. They start from their grids' middles: the default's own
        # settings were tuned on another site (a default model outside them starts from its own).
        surveyed = [*first, *(m for m in SURVEY if m in models and m not in first)]
        points = {
            name: _on_grid(name, {} if name in SURVEY else start["components"].get(name, {}))
            for name in surveyed
        }
        for position, name in enumerate(surveyed):  # the first always; the others as the budget allows
            search.run(name, points[name], force=position == 0)
        surveyed = [name for name in surveyed if name in search.best]
        first, start = surveyed[:1], {"components": points}
        ranked = sorted(surveyed, key=lambda m: -search.best[m][0].score)
        order = [*ranked, *(m for m in models if m not in ranked)]
    for name in order:
        if name not in first and not budget.affords(name):
            skipped.append(name)
            continue
        given = start["components"].get(name, {})
        searched = {axis: value for axis, value in given.items() if axis in SEARCH_GRIDS[name]}
        search.climb(name, searched, warm=warm and name in start["components"], force=name in first)
    if kept is not None and _nothing_new(search, kept[2]):
        # every model's best setting is the previous choice's own: mixing them again could only
        # find other weights for the same models, which the previous choice's margin would reject
        components, weights, chosen, chosen_model, final = kept[2], kept[3], kept[0], kept[1], kept[4]
    else:
        mixable = _mixable(search, fit_costs or {}, fit_budget)
        # Without budget left, the best model is still mixed with content (cheap: both have their
        # scores of the sample already; content costs next to nothing to fit on the site).
        components, weights, chosen, chosen_model, final = _best_of(
            search, split, mixable=mixable if budget.left > 0 else mixable[:1]
        )
    kept_previous = False
    if kept is not None and chosen.score <= kept[0].score * (1 + KEEP_MARGIN):
        chosen, chosen_model = kept[0], kept[1]
        components, weights = kept[2], kept[3]
        kept_previous, final = True, kept[4]
    if final is None:  # the hybrid's evaluation already has its coverage and diversity
        final = evaluate(chosen_model, split.targets, diversity_vectors=_diversity(split))
    return Selection(
        components=components,
        weights=weights,
        chosen=chosen,
        popularity=popularity,
        trials=search.trials,
        skipped=skipped,
        warm_start=warm,
        kept_previous=kept_previous,
        budget_seconds=budget_seconds,
        seconds=time.perf_counter() - started,
        coverage=final.coverage,
        diversity=final.diversity,
    )


def _score_previous(search: "_Search", previous: dict, models: tuple[str, ...]):
    """Fit and score the previous choice as it stands (its settings snapped to the grids); return
    (trial, model, components, weights, evaluation: a mix's, with coverage and diversity, else
    None), or None when it has no searchable component."""
    split = search.split
    fitted, components = {}, {}
    for name, params in previous["components"].items():
        if not previous["weights"].get(name):
            continue
        if name in SEARCH_GRIDS and name in models:
            grid = SEARCH_GRIDS[name]
            snapped = {axis: _nearest(grid[axis], params.get(axis, COLD_STARTS[name][axis])) for axis in grid}
            search.run(name, snapped, force=True)
            fitted[name] = search.best[name][1]
            components[name] = {**FIXED_PARAMS.get(name, {}), **snapped}
        elif name == "content" and _diversity(split) is not None:
            fitted[name] = search.content()
            components[name] = {}
    if not any(name in SEARCH_GRIDS for name in fitted):
        return None
    weights = {name: float(previous["weights"][name]) for name in fitted}
    if len(fitted) == 1:
        name = next(iter(fitted))
        return search.best[name][0], fitted[name], components, weights, None
    started = time.perf_counter()
    model = Hybrid(fitted, weights).fit(split.interactions, split.item_features, refit=False)
    result = evaluate(model, split.targets, diversity_vectors=_diversity(split))
    trial = Trial("previous", {"weights": weights}, _figures(result), time.perf_counter() - started)
    search.trials.append(trial)
    search.on_trial(trial)
    return trial, model, components, weights, result


def _nothing_new(search: "_Search", components: dict[str, dict]) -> bool:
    """Whether the search's best setting of every model it fitted is the one in ``components``."""
    for name, (trial, _model) in search.best.items():
        if name not in components or any(components[name].get(k) != v for k, v in trial.params.items()):
            return False
    return True


def _mixable(search: "_Search", fit_costs: dict[str, float], fit_budget: float | None) -> list[str]:
    """Return the models a hybrid may mix: the best scoring first, each next one only while the
    expected costs of fitting them all on the whole site stay within ``fit_budget``."""
    ranked = sorted(search.best, key=lambda n: -search.best[n][0].score)
    if fit_budget is None:
        return ranked
    out, total = [], 0.0
    for name in ranked:
        cost = float(fit_costs.get(name, 0.0))
        if not out or total + cost <= fit_budget:
            out.append(name)
            total += cost
    return out


def _best_of(
    search: "_Search", split: ValidationSplit, *, mixable: list[str] | None = None, mix: bool = True
):
    """Return (components, weights, trial, model, evaluation) of the best single model, or of the
    hybrid of the ``mixable`` models' best settings (plus content) when its tuned weights beat it
    by ``HYBRID_MARGIN`` (evaluation: the hybrid's, with coverage and diversity; else None)."""
    components = {name: {**FIXED_PARAMS.get(name, {}), **search.best[name][0].params} for name in search.best}
    best_name = max(search.best, key=lambda n: search.best[n][0].score)
    chosen, chosen_model = search.best[best_name]
    result = ({best_name: components[best_name]}, {best_name: 1.0}, chosen, chosen_model, None)
    mixable = list(search.best) if mixable is None else mixable
    fitted = {name: model for name, (_, model) in search.best.items() if name in mixable}
    if _diversity(split) is not None:
        fitted["content"] = search.content()
        components["content"] = {}
    if len(fitted) < 2:
        return result
    started = time.perf_counter()
    hybrid_weights, _ = tune_hybrid_weights(fitted, split.targets)
    active = {name: weight for name, weight in hybrid_weights.items() if weight}
    if len(active) < 2:
        return result
    hybrid = Hybrid({name: fitted[name] for name in active}, active)
    hybrid.fit(split.interactions, split.item_features, refit=False)
    evaluation = evaluate(hybrid, split.targets, diversity_vectors=_diversity(split))
    trial = Trial("hybrid", {"weights": active}, _figures(evaluation), time.perf_counter() - started)
    search.trials.append(trial)
    search.on_trial(trial)
    if trial.score > chosen.score + HYBRID_MARGIN:
        return {name: components[name] for name in active}, dict(active), trial, hybrid, evaluation
    return result


def search_model(
    split: ValidationSplit, name: str, *, start: dict | None = None, budget_seconds: float = float("inf")
) -> tuple[Trial, Recommender]:
    """Tune one model on the split (the same search, from ``start`` or the grid's middle); return
    the best trial and its fitted model."""
    search = _Search(split, _Budget(budget_seconds), None)
    search.climb(name, start or {}, warm=False, force=True)
    return search.best[name]


def score_choice(
    split: ValidationSplit, *, components: dict[str, dict], weights: dict[str, float]
) -> Selection:
    """Fit one given choice on the split and score it beside popularity (no search)."""
    started = time.perf_counter()
    active = {name: params for name, params in components.items() if weights.get(name)}
    models = {name: make_model(name, **params) for name, params in active.items()}
    model = (
        next(iter(models.values())) if len(models) == 1 else Hybrid(models, {n: weights[n] for n in models})
    )
    model.fit(split.interactions, split.item_features)
    result = evaluate(model, split.targets, diversity_vectors=_diversity(split))
    seconds = time.perf_counter() - started
    trial = Trial(describe(active, weights), {"weights": dict(weights)}, _figures(result), seconds)
    return Selection(
        components=active,
        weights=dict(weights),
        chosen=trial,
        popularity=_popularity(split),
        trials=[trial],
        seconds=seconds,
        coverage=result.coverage,
        diversity=result.diversity,
    )


def _popularity(split: ValidationSplit) -> Trial:
    """Popularity's figures, ranked over only as many of the most popular items as any listener's
    top 50 can reach (50 plus the most items one listener has seen or had blocked): the same lists
    as over every item, for a fraction of the work."""
    model = Popularity().fit(split.interactions)
    interactions = split.interactions
    seen = np.diff(sp.csr_matrix(interactions.seen()).indptr).max(initial=0)
    reach = int(seen) + 50 + 1
    candidates = None
    if reach < model.n_items:
        candidates = np.sort(np.argsort(-model.item_popularity, kind="stable")[:reach])
    return Trial("popularity", {}, _figures(evaluate(model, split.targets, candidates=candidates)), 0.0)


def _diversity(split: ValidationSplit):
    features = split.item_features
    return features.matrix if features is not None and features.matrix.shape[1] else None


def _figures(result) -> dict[str, float]:
    keys = ("ndcg@10", "recall@10", "hr@10", "recall@50", "precision@10")
    return {key: float(result.metrics[key]) for key in keys if key in result.metrics}


def _on_grid(name: str, params: dict) -> dict:
    """Return a model's searched settings from ``params`` snapped to its grid (the cold start's
    value for an axis ``params`` does not give)."""
    grid = SEARCH_GRIDS[name]
    return {axis: _nearest(grid[axis], params.get(axis, COLD_STARTS[name][axis])) for axis in grid}


def _nearest(values: tuple, value) -> object:
    return min(values, key=lambda candidate: abs(np.log(float(candidate)) - np.log(max(float(value), 1e-9))))


def _plain(params: dict) -> dict:
    """Return params with numpy scalars as Python numbers (JSON-ready)."""
    return {key: value.item() if hasattr(value, "item") else value for key, value in params.items()}
