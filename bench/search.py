"""Search benchmark: latency of catalog search at 200,000 tracks on PostgreSQL (or SQLite).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/streamapp .venv/bin/python bench/search.py
    .venv/bin/python bench/search.py --allow-sqlite [--like-fallback]

Measures PostgreSQL unless --allow-sqlite: the run uses its own database on that server
(streamapp_bench unless --database says otherwise), created and migrated if needed, or with
--allow-sqlite the file var/bench-search.sqlite3, and keeps its files under var/bench-search/, so it
never touches the data you work with. On SQLite, --like-fallback times search as it runs without the
FTS5 trigram tables (SQLite before 3.34: every row read with LIKE, substrings for typos). When that database
holds fewer than --min-tracks tracks it is filled with `manage.py seed_demo --scale 200` (the
1,008-track demo catalog 200 times over). Then each of a fixed list of 40 queries (exact names,
prefixes of 2 to 4 letters, typos, several words, no match) goes through catalog.selectors.search
--runs times, warm, and the latencies are printed: p50 / p95 / max per kind of query and overall,
against the target p95 <= 50 ms. Suggestions as you type (search_suggestions) are measured too.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
# Run as `python bench/<script>.py`, this folder comes first on sys.path, and bench/http.py would then
# shadow the standard library's http package that Django imports: take the folder off the path.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from bench import support  # noqa: E402  (after the path fix above)

TARGET_P95_MS = 50.0

# Words of the demo catalog's vocabulary (demo/names.py), so they exist whatever its seed.
QUERIES: dict[str, list[str]] = {
    "exact name": [
        "Horizon", "Neon Horizon", "Deep Groove", "Reykjavík at Night", "Continue?", "Nocturne in C major",
        "Greatest Hits", "Sequence 99", "Live at the Vanguard", "Blues for Ada",
    ],
    "prefix": ["ne", "ho", "th", "ca", "blu", "noc", "sun", "deep", "gro", "velv"],
    "typo": ["horizn", "nocturen", "reykjavk", "neon horizn", "grooove", "satelite", "cassete", "boulevrd"],
    "several words": [
        "neon horizon drive", "berlin string quartet adagio", "blues for", "live at the", "sleepy coffee",
        "deep groove tonight", "the rolling", "ada stone",
    ],
    "no match": ["xqzzyv", "zzzz qqqq", "kafka shore", "qwertyuiop"],
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", default="streamapp_bench", help="database name on the server")
    parser.add_argument("--runs", type=int, default=20, help="timed runs of each query (default 20)")
    parser.add_argument("--limit", type=int, default=20, help="results of each kind (the search page's 20)")
    parser.add_argument("--min-tracks", type=int, default=200_000, help="seed the catalog below this")
    parser.add_argument("--scale", type=int, default=200, help="seed_demo --scale when seeding")
    parser.add_argument("--allow-sqlite", action="store_true", help="time SQLite (var/bench-search.sqlite3)")
    parser.add_argument("--explain", metavar="QUERY", help="also print the plan of the ranking for QUERY")
    parser.add_argument(
        "--like-fallback", action="store_true", help="SQLite: time the LIKE fallback, not the trigram tables"
    )
    return parser.parse_args()


def bench_database_url(args: argparse.Namespace) -> str:
    """Return the URL of the benchmark's own database, or exit if DATABASE_URL is not PostgreSQL."""
    parts = urlsplit(os.environ.get("DATABASE_URL", ""))
    if parts.scheme in ("postgres", "postgresql", "pgsql"):
        return urlunsplit(parts._replace(path=f"/{args.database}"))
    if args.allow_sqlite:
        return f"sqlite:///{ROOT / 'var' / 'bench-search.sqlite3'}"
    sys.exit(
        "bench/search.py measures PostgreSQL: set DATABASE_URL=postgres://USER@HOST:PORT/NAME (the run uses "
        "its own database on that server), or pass --allow-sqlite to time the SQLite fallback."
    )




def ensure_catalog(args: argparse.Namespace) -> int:
    """Return the number of tracks, after seeding the demo catalog at --scale if there are too few."""
    from catalog.models import Track

    tracks = Track.objects.count()
    if tracks < args.min_tracks:
        print(f"{tracks:,} tracks: running seed_demo --scale {args.scale}...", flush=True)
        started = time.perf_counter()
        command = [sys.executable, "manage.py", "seed_demo", "--scale", str(args.scale)]
        subprocess.run(command, cwd=ROOT, env=os.environ, check=True)
        tracks = Track.objects.count()
        print(f"seeded {tracks:,} tracks in {time.perf_counter() - started:.0f} s", flush=True)
    if tracks < args.min_tracks:
        sys.exit(f"the catalog has {tracks:,} tracks after seeding, under --min-tracks {args.min_tracks:,}")
    return tracks


def percentile(values: list[float], fraction: float) -> float:
    """Return the nearest-rank percentile of `values`."""
    ordered = sorted(values)
    return ordered[max(0, round(fraction * len(ordered)) - 1)]


def measure(function, queries: list[str], runs: int, limit: int) -> tuple[dict, dict]:
    """Return the latencies in ms of `function` for each query, after one untimed warm-up call each,
    and the CPU time this process spent in ms (all of SQLite's work; a loaded machine leaves it alone).
    """
    for query in queries:
        function(query=query, limit=limit)
    timings: dict[str, list[float]] = {query: [] for query in queries}
    cpu: dict[str, list[float]] = {query: [] for query in queries}
    for _run in range(runs):
        for query in queries:
            started, started_cpu = time.perf_counter(), time.process_time()
            function(query=query, limit=limit)
            timings[query].append((time.perf_counter() - started) * 1000)
            cpu[query].append((time.process_time() - started_cpu) * 1000)
    return timings, cpu


def figures(values: list[float]) -> str:
    p50, p95 = percentile(values, 0.50), percentile(values, 0.95)
    return f"p50 {p50:6.1f} ms   p95 {p95:6.1f} ms   max {max(values):6.1f} ms"


def explain(query: str, limit: int) -> None:
    from django.db import connection

    from catalog import search

    terms = search._Terms.parse(query)
    sql = search._ranking_sql(terms, postgres=connection.vendor == "postgresql")
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, COSTS OFF) " + sql, terms.params(limit))
        print("\n".join(row[0] for row in cursor.fetchall()))


def main() -> None:
    args = parse_args()
    url = bench_database_url(args)
    if url.startswith("postgres"):
        support.create_database(url)
    os.environ["DATABASE_URL"] = url
    # The demo's audio and covers too stay apart from those of the database you work with.
    os.environ.setdefault("MEDIA_ROOT", str(ROOT / "var" / "bench-search" / "media"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "streamapp.settings.local")
    os.environ["DEBUG"] = "0"  # no query log kept in memory
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from catalog import selectors
    from catalog.models import Album, Artist

    tracks = ensure_catalog(args)
    if args.like_fallback:
        from catalog import search

        search.SQLITE_HAS_TRIGRAMS = False
    if connection.vendor == "postgresql":
        # As autovacuum would soon after an import: fresh statistics, and the GIN indexes' pending
        # lists of freshly inserted rows merged (every search would read them through otherwise).
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) catalog_artist, catalog_album, catalog_track")
    mode = ", LIKE fallback" if args.like_fallback else ""
    print(
        f"catalog: {Artist.objects.count():,} artists, {Album.objects.count():,} albums, {tracks:,} tracks "
        f"({connection.vendor}{mode}, database {connection.settings_dict['NAME']})"
    )
    if args.explain:
        explain(args.explain, args.limit)

    all_queries = [query for queries in QUERIES.values() for query in queries]
    with CaptureQueriesContext(connection) as captured:
        found = {query: selectors.search(query=query, limit=args.limit) for query in all_queries}
    queries_per_search = len(captured.captured_queries) / len(all_queries)

    searched, searched_cpu = measure(selectors.search, all_queries, args.runs, args.limit)
    suggested, _suggested_cpu = measure(selectors.search_suggestions, all_queries, args.runs, 8)

    print(f"\nsearch(query, limit={args.limit}), {args.runs} warm runs of each query:")
    for category, queries in QUERIES.items():
        values = [value for query in queries for value in searched[query]]
        print(f"  {category:<14} {figures(values)}   ({len(queries)} queries)")
    for query in all_queries:
        results = found[query]
        counts = f"{len(results.artists)}/{len(results.albums)}/{len(results.tracks)}"
        median = statistics.median(searched[query])
        print(f"    {query!r:<32} {median:6.1f} ms   artists/albums/tracks {counts}")
    every_search = [value for values in searched.values() for value in values]
    cpu = [value for values in searched_cpu.values() for value in values]
    every_suggestion = [value for values in suggested.values() for value in values]
    print(f"  {'all':<14} {figures(every_search)}")
    print(f"  {'all, CPU':<14} {figures(cpu)}   (this process's CPU time)")
    print(f"search_suggestions(query, limit=8): {figures(every_suggestion)}")

    p50, p95 = percentile(every_search, 0.50), percentile(every_search, 0.95)
    verdict = "OK" if p95 <= TARGET_P95_MS else "ABOVE TARGET"
    print(
        f"\nsearch: {len(all_queries)} queries x {args.runs} runs, {tracks:,} tracks ({connection.vendor}): "
        f"p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {max(every_search):.1f} ms, "
        f"{queries_per_search:.1f} SQL queries per search [{verdict}: target p95 <= {TARGET_P95_MS:.0f} ms]"
    )


if __name__ == "__main__":
    main()
