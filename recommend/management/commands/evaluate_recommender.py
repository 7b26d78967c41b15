"""``manage.py evaluate_recommender``: compare the recommenders offline and print one table."""

import math
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from streamapp.progress import command_progress

DATASETS = ("streamapp", "lastfm-hetrec")
COLUMNS = [
    ("model", None),
    ("HR@10", "hr@10"),
    ("NDCG@10", "ndcg@10"),
    ("Recall@10", "recall@10"),
    ("Recall@50", "recall@50"),
    ("Prec@10", "precision@10"),
    ("coverage", "coverage"),
    ("ILD", "diversity"),
    ("train s", "fit_seconds"),
]


class Command(BaseCommand):
    help = (
        "Train every recommender on the first part of each listener's history and report HR@10, "
        "NDCG@10, Recall@10/50, Precision@10, catalog coverage and intra-list diversity on the rest, "
        "beside the popularity baseline. --dataset lastfm-hetrec runs the same on Last.fm HetRec 2011."
    )

    def add_arguments(self, parser):
        from recommend.engine.benchmark import DEFAULT_MODELS  # heavy (pandas, scikit-learn): deferred

        parser.add_argument("--dataset", choices=DATASETS, default="streamapp")
        parser.add_argument("--seed", type=int, default=0, help="random split seed (lastfm-hetrec)")
        parser.add_argument(
            "--models",
            default=",".join(DEFAULT_MODELS),
            help=f"comma-separated, from: {', '.join(DEFAULT_MODELS)} (default: all)",
        )
        parser.add_argument(
            "--data-dir",
            help="the lastfm-hetrec folder (default: $STREAMAPP_LASTFM_HETREC_DIR "
            "or ../shared/data/lastfm-hetrec2011)",
        )
        parser.add_argument(
            "--tune", action="store_true", help="grid-search each model on the validation split"
        )
        parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
        parser.add_argument("--no-progress", action="store_true", help="do not show the progress bar")

    def handle(self, *args, dataset, seed, models, data_dir, tune, markdown, no_progress, **options):
        from recommend.engine import benchmark  # heavy (pandas, scikit-learn): deferred

        names = [name.strip() for name in models.split(",") if name.strip()]
        unknown = [name for name in names if name not in benchmark.DEFAULT_MODELS]
        if unknown or not names:
            raise CommandError(
                f"unknown model(s): {', '.join(unknown) or '(none given)'}; "
                f"choose from {', '.join(benchmark.DEFAULT_MODELS)}"
            )
        started = time.perf_counter()
        split = self._lastfm_split(data_dir, seed) if dataset == "lastfm-hetrec" else self._streamapp_split()
        if split.test_targets.nnz == 0:
            raise CommandError(
                "nothing to evaluate: no listener has new tracks in the held-out part of their history"
            )
        self.stdout.write(f"{dataset}: {split.description}")
        steps = len([n for n in names if n != "hybrid"]) * 2 + (2 if "hybrid" in names else 0)
        steps += len([n for n in names if tune and n in benchmark.TUNING_GRIDS])
        with command_progress(self.stderr, total=steps, desc="Evaluating", disable=no_progress) as bar:

            def on_step(label: str) -> None:
                bar.set_postfix_str(label)
                bar.update(1)

            comparison = benchmark.compare_models(split, names, tune=tune, on_step=on_step)
        self._print_table(comparison.results, markdown)
        self._print_params(comparison)
        self.stdout.write(self._summary(comparison, time.perf_counter() - started))

    def _streamapp_split(self):
        from recommend import evaluation_data  # heavy (pandas): deferred
        from recommend.engine import benchmark  # heavy (pandas, scikit-learn): deferred

        try:
            frames = evaluation_data.listening_frames()
        except DatabaseError as error:
            message = f"cannot read listens ({error}): run manage.py migrate, then seed_demo"
            raise CommandError(message) from None
        if frames.events.empty:
            raise CommandError("no listens: run manage.py seed_demo first")
        return benchmark.streamapp_split(frames.events, frames.items, likes=frames.likes)

    def _lastfm_split(self, data_dir, seed):
        from recommend.engine import benchmark, datasets  # heavy (pandas, scikit-learn): deferred

        path = data_dir or datasets.lastfm_hetrec_dir(settings.BASE_DIR)
        try:
            data = datasets.load_lastfm_hetrec(path)
        except FileNotFoundError as error:
            raise CommandError(str(error)) from None
        return benchmark.lastfm_hetrec_split(data, seed=seed)

    @staticmethod
    def _cell(result, key) -> str:
        if key is None:
            return result.model
        if key == "coverage":
            return f"{result.coverage:.3f}"
        if key == "diversity":
            return "-" if math.isnan(result.diversity) else f"{result.diversity:.3f}"
        if key == "fit_seconds":
            return f"{result.fit_seconds:.1f}"
        return f"{result.metrics[key]:.4f}"

    def _print_table(self, results, markdown: bool) -> None:
        header = [title for title, _ in COLUMNS]
        rows = [[self._cell(result, key) for _, key in COLUMNS] for result in results]
        if markdown:
            self.stdout.write("| " + " | ".join(header) + " |")
            self.stdout.write("|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|")
            for row in rows:
                self.stdout.write("| " + " | ".join(row) + " |")
            return
        widths = [max(len(header[i]), *(len(row[i]) for row in rows)) for i in range(len(header))]

        def line(cells):
            return "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths))
            )

        self.stdout.write(line(header))
        self.stdout.write("  ".join("-" * w for w in widths))
        for row in rows:
            self.stdout.write(line(row))

    def _print_params(self, comparison) -> None:
        for name, params in comparison.params.items():
            if params:
                shown = ", ".join(f"{key}={value}" for key, value in params.items())
                self.stdout.write(f"  {name}: {shown}")

    @staticmethod
    def _summary(comparison, seconds: float) -> str:
        best = comparison.best("ndcg@10")
        baseline = next((r for r in comparison.results if r.model == "popularity"), None)
        text = f"best: {best.model} NDCG@10 {best.metrics['ndcg@10']:.4f}"
        if baseline is not None and best is not baseline:
            base = baseline.metrics["ndcg@10"]
            lift = f"{best.metrics['ndcg@10'] / base:.1f}x" if base > 0 else "n/a"
            text += f" ({lift} popularity's {base:.4f})"
        return f"{text}; {best.users:,} listeners evaluated; {seconds:.1f} s in all"
