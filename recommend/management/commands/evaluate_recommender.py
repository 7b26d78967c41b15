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
        "beside the popularity baseline. --dataset lastfm-hetrec runs the same on Last.fm HetRec 2011. "
        "--end-to-end loads Last.fm HetRec into a scratch database through the site's own services, runs "
        "the nightly rebuild and scores what the recommendations API serves."
    )

    def add_arguments(self, parser):
        from recommend.engine.benchmark import DEFAULT_MODELS  # heavy (pandas, scikit-learn): deferred

        parser.add_argument("--dataset", choices=DATASETS, default=None, help="default: streamapp")
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
        parser.add_argument(
            "--end-to-end",
            action="store_true",
            help="measure what listeners get: load the dataset (lastfm-hetrec) into a scratch database "
            "through the site's services, run the nightly rebuild, score the recommendations API",
        )
        parser.add_argument(
            "--keep-database", action="store_true", help="--end-to-end: keep the scratch database"
        )
        parser.add_argument(
            "--nights",
            type=int,
            default=2,
            help="--end-to-end: nightly runs on the same data (the next ones warm-start; default 2)",
        )
        parser.add_argument("--no-progress", action="store_true", help="do not show the progress bar")

    def handle(self, *args, dataset, seed, models, data_dir, tune, markdown, no_progress, **options):
        from recommend.engine import benchmark  # heavy (pandas, scikit-learn): deferred

        if options["end_to_end"]:
            if dataset not in (None, "lastfm-hetrec"):
                raise CommandError("--end-to-end measures --dataset lastfm-hetrec (the only one it loads)")
            if options["nights"] < 1:
                raise CommandError("--nights must be 1 or more")
            return self._end_to_end(
                data_dir, seed, markdown, no_progress, keep=options["keep_database"], nights=options["nights"]
            )
        dataset = dataset or "streamapp"
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

    def _end_to_end(self, data_dir, seed, markdown, no_progress, *, keep: bool, nights: int) -> None:
        from recommend import end_to_end  # heavy (pandas, scikit-learn): deferred
        from recommend.engine import benchmark, datasets, evaluation  # heavy: deferred

        started = time.perf_counter()
        path = data_dir or datasets.lastfm_hetrec_dir(settings.BASE_DIR)
        try:
            data = datasets.load_lastfm_hetrec(path)
        except FileNotFoundError as error:
            raise CommandError(str(error)) from None
        split = benchmark.lastfm_hetrec_split(data, seed=seed)
        train, valid, test = evaluation.random_split(data.plays, shares=(0.8, 0.1, 0.1), seed=seed)
        self.stdout.write(f"lastfm-hetrec end to end: {split.description}; the 80% training pairs loaded")
        with command_progress(self.stderr, total=1, desc="baselines", disable=no_progress) as bar:
            current = {"stage": "baselines"}

            def progress(stage: str, done: int, total: int) -> None:
                if current["stage"] != stage:
                    current["stage"] = stage
                    bar.set_description_str(stage)
                    bar.reset(total=max(total, 1))
                bar.n = done
                bar.refresh()

            scores = end_to_end.baselines(split, step=lambda label: progress(label, 0, 1))
            # the same pairs and split, with what the site received of them (listens, not counts)
            as_received = benchmark.lastfm_hetrec_split(end_to_end.site_information(data), seed=seed)
            received = end_to_end.baselines(
                as_received, step=lambda label: progress(label, 0, 1), label="on the site's listens"
            )
            scores += [score for score in received if score.model != "popularity"]
            try:
                parts = (train, valid, test)
                site, runs, loaded = self._site_scores(
                    end_to_end, data, split, parts, seed=seed, keep=keep, nights=nights, progress=progress
                )
            except DatabaseError as error:
                raise CommandError(f"the scratch database failed: {error}") from None
        self._print_scores([*site, *scores], markdown)
        for night, run in enumerate(runs, start=1):
            stages = ", ".join(f"{stage} {seconds:.1f} s" for stage, seconds in run.timings_in_order())
            self.stdout.write(
                f"  night {night}: {run.model_name} ({run.selection.get('reason', '')}); "
                f"{run.duration_seconds or 0:.1f} s ({stages})"
            )
        self.stdout.write(loaded)
        for score in scores:
            if score.params:
                shown = ", ".join(f"{key}={value}" for key, value in score.params.items())
                self.stdout.write(f"  {score.model}: {shown}")
        seconds = time.perf_counter() - started
        exact = [score for score in scores if "site's listens" not in score.model]
        received = [s for s in scores if s.model == "popularity" or "site's listens" in s.model]
        self.stdout.write(self._end_to_end_summary(site[-2], exact, seconds))
        self.stdout.write(
            "given what the site received: " + self._end_to_end_summary(site[-2], received, seconds)
        )

    def _site_scores(self, end_to_end, data, split, parts, *, seed, keep, nights, progress):
        """Load the training pairs into a scratch database, run the nightly rebuild, score the API."""
        import pandas as pd  # heavy: deferred

        from recommend.models import RecommendationRun

        train, valid, test = parts
        genres = end_to_end.artist_genres(data.tags, pd.concat([valid, test]))
        with end_to_end.scratch_database(keep=keep) as name:
            progress(f"scratch database {name}", 1, 1)
            if keep:
                self.stdout.write(f"  scratch database (kept): {name}")
            clock = time.perf_counter()
            tracks = end_to_end.load_catalog(data.artists, genres, progress=progress)
            imported = time.perf_counter() - clock
            users = end_to_end.load_listens(
                train, data.artists, now=time.time(), seed=seed, progress=progress
            )
            submitted = time.perf_counter() - clock - imported
            exclude = valid.groupby("user_id")["item_id"].agg(set).to_dict()
            track_artist = {track: artist for artist, track in tracks.items()}
            site, runs = [], []
            for night in range(1, nights + 1):
                run = end_to_end.run_nightly(progress)
                if run.status != RecommendationRun.Status.SUCCEEDED:
                    raise CommandError(f"the nightly rebuild failed: {run.error}")
                runs.append(run)
                lists = end_to_end.production_lists(users, track_artist, exclude)
                label = f"site, night {night}" if nights > 1 else "site"
                site.append(
                    end_to_end.score_lists(
                        f"{label} (API top 10)", {u: p[1] for u, p in lists.items()}, split
                    )
                )
            site.append(
                end_to_end.score_lists(f"{label}, as served", {u: p[0] for u, p in lists.items()}, split)
            )
        for score, run in zip(site, [*runs, runs[-1]], strict=True):
            score.fit_seconds = sum(
                v for k, v in run.stage_timings.items() if k not in ("generate", "generate_cpu")
            )
        listens = int(end_to_end.listens_per_pair(train["weight"]).sum())
        loaded = (
            f"  loaded: {len(tracks):,} tracks by the library import in {imported:.0f} s, {listens:,} "
            f"listens of {len(users):,} listeners by submit-listens in {submitted:.0f} s"
        )
        return site, runs, loaded

    def _print_scores(self, scores, markdown: bool) -> None:
        header = ["model", "HR@10", "NDCG@10", "Recall@10", "Prec@10", "coverage", "train s"]
        rows = [
            [
                score.model,
                *(f"{score.metrics[k]:.4f}" for k in ("hr@10", "ndcg@10", "recall@10", "precision@10")),
                f"{score.coverage:.3f}",
                f"{score.fit_seconds:.1f}",
            ]
            for score in scores
        ]
        self._write_rows(header, rows, markdown)

    @staticmethod
    def _end_to_end_summary(site, scores, seconds: float) -> str:
        by_name = {score.model: score for score in scores}
        popularity = by_name["popularity"].metrics["ndcg@10"]
        best = max((s for s in scores if s.model != "popularity"), key=lambda s: s.metrics["ndcg@10"])
        value = site.metrics["ndcg@10"]
        lift = (
            f"{value / popularity:.1f}x popularity's {popularity:.4f}" if popularity > 0 else "popularity 0"
        )
        return (
            f"site NDCG@10 {value:.4f} ({lift}; best tuned single model {best.model} "
            f"{best.metrics['ndcg@10']:.4f}); {site.users:,} listeners scored; {seconds:.0f} s in all"
        )

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
        self._write_rows(header, rows, markdown)

    def _write_rows(self, header, rows, markdown: bool) -> None:
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
