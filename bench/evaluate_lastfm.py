"""Recommenders on Last.fm HetRec 2011 over several random splits, with optional tuning.

    .venv/bin/python bench/evaluate_lastfm.py                  # presets, seeds 0-4
    .venv/bin/python bench/evaluate_lastfm.py --tune --seeds 0 # grid search on the validation split
    .venv/bin/python bench/evaluate_lastfm.py --transform log --params '{"ease": {"lam": 1600}}'
                                                               # log(1 + play count) instead of binary

RecBole's protocol (the published results in docs/recommender.md): random 80/10/10 per user,
binary relevance, every artist ranked, seen artists excluded; tuned on the 10% validation, reported
on the 10% test. Prints a Markdown table of test means (and standard deviations over the seeds) and
each model's training time. The data is read from $STREAMAPP_LASTFM_HETREC_DIR or
../shared/data/lastfm-hetrec2011, never copied.

Engine-only: models fitted in memory. What listeners get (the data loaded through the site's own
services, the nightly run choosing its model, the recommendations API scored) is measured by
``manage.py evaluate_recommender --end-to-end`` (docs/recommender.md, "End to end").
"""

import argparse
import json
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as `python bench/<script>.py`, this folder comes first on sys.path, and bench/http.py would then
# shadow the standard library's http package that Django imports: take the folder off the path.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from recommend.engine import benchmark, datasets  # noqa: E402

METRICS = ["hr@10", "ndcg@10", "recall@10", "recall@50", "precision@10"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", default="0,1,2,3,4")
    parser.add_argument("--models", default=",".join(benchmark.DEFAULT_MODELS))
    parser.add_argument("--tune", action="store_true", help="grid-search each model on the validation split")
    parser.add_argument("--transform", choices=["binary", "log", "linear"], default=None)
    parser.add_argument("--params", default=None, help='JSON overrides, e.g. \'{"ease": {"lam": 1600}}\'')
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args()

    started = time.perf_counter()
    data = datasets.load_lastfm_hetrec(args.data_dir or datasets.lastfm_hetrec_dir(ROOT))
    weighting = benchmark.PRESETS["lastfm-hetrec"].weighting
    if args.transform:
        weighting = replace(weighting, transform=args.transform)
    names = args.models.split(",")
    runs: dict[str, list] = {}
    for seed in (int(s) for s in args.seeds.split(",")):
        split = benchmark.lastfm_hetrec_split(data, seed=seed, weighting=weighting)
        comparison = benchmark.compare_models(
            split,
            names,
            params=json.loads(args.params or "{}"),
            tune=args.tune,
            on_step=lambda label, s=seed: print(f"seed {s}: {label}", file=sys.stderr),
        )
        for result in comparison.results:
            runs.setdefault(result.model, []).append(result)
        print(f"seed {seed}: hybrid validation NDCG@10 {comparison.hybrid_validation_ndcg}", file=sys.stderr)
        for name, params in comparison.params.items():
            print(f"seed {seed}: {name} {params}", file=sys.stderr)

    print(f"Last.fm HetRec 2011, seeds {args.seeds}, weighting {weighting}")
    header = ["model", *[m.upper().replace("PRECISION", "Prec").replace("RECALL", "Recall") for m in METRICS]]
    print("| " + " | ".join([*header, "coverage", "ILD", "train s"]) + " |")
    print("|" + "|".join(["---"] + ["---:"] * (len(header) + 2)) + "|")
    for name, results in runs.items():
        cells = [name]
        for metric in METRICS:
            values = [r.metrics[metric] for r in results]
            spread = f" ± {statistics.stdev(values):.4f}" if len(values) > 1 else ""
            cells.append(f"{statistics.mean(values):.4f}{spread}")
        cells.append(f"{statistics.mean(r.coverage for r in results):.3f}")
        cells.append(f"{statistics.mean(r.diversity for r in results):.3f}")
        cells.append(f"{statistics.mean(r.fit_seconds for r in results):.1f}")
        print("| " + " | ".join(cells) + " |")
    print(f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
