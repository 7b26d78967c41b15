"""Analytics benchmark: rollup time (full, and incremental for one new day) and page render times.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/streamapp .venv/bin/python bench/analytics.py \
        --listeners 20000 --min-listens 10000000

Needs PostgreSQL (SQLite is refused). The run uses its own database on that server
(streamapp_bench_analytics unless --database says otherwise), created and migrated if needed, with its
files under var/bench-analytics/. When that database holds fewer than --min-listens listens it is filled
with `manage.py seed_demo --scale S --listeners N` (the demo catalogue S times over and N synthetic
listeners with 90 days of history each, about 500 listens per listener; rows written with COPY), then
vacuumed and analysed.

Then, timed one by one:
  1. the full rollup (analytics.rollups.rollup_run(full=True)) of every day before yesterday;
  2. the incremental rollup that adds one new day (yesterday), as the nightly job does;
  3. page renders in this process through Django's test client with the production settings (DEBUG off,
     a local-memory cache): the listener's /stats/ for the listener with the most listens, and each
     section of /staff/analytics/ for the last 30 and 90 days. Each page is rendered once with an empty
     cache (the first view after a rollup run, which builds what the pages cache until the next run:
     the activity index, the rollups' sums), then --runs times as it is served; p50 and p95 (nearest
     rank) of those are printed, with the first render's time and SQL queries. Target: each page
     <= 500 ms.

The machine is shared while it runs: the figures are conservative.
"""

import sys
from pathlib import Path

# Run as `python bench/analytics.py`, this folder comes first on sys.path and bench/http.py would shadow
# the standard library's http package: drop the folder.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]

import argparse  # noqa: E402
import os  # noqa: E402
import secrets  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402

ROOT = _HERE.parent
sys.path.insert(0, str(ROOT))

from bench import support  # noqa: E402  (after the path fix above)

VAR = ROOT / "var" / "bench-analytics"
TARGET_MS = 500.0


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", default="streamapp_bench_analytics", help="database name on the server")
    parser.add_argument("--scale", type=int, default=10, help="seed_demo --scale when seeding (default 10)")
    parser.add_argument("--listeners", type=int, default=2000, help="seed_demo --listeners when seeding")
    parser.add_argument("--min-listens", type=int, default=900_000, help="seed the database below this")
    parser.add_argument("--runs", type=int, default=7, help="timed renders per page (default 7)")
    parser.add_argument(
        "--skip-rollups", action="store_true", help="time the pages only (rollups must exist)"
    )
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args



def bench_database_url(database: str) -> str:
    return support.bench_database_url(database, script="analytics.py")




def manage(*arguments: str, settings: str) -> None:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE=settings, DEBUG="0")
    subprocess.run([sys.executable, "manage.py", *arguments], cwd=ROOT, env=env, check=True)


def vacuum() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")


def ensure_data(args) -> int:
    from listening.models import Listen

    listens = Listen.objects.count()
    if listens < args.min_listens:
        print(
            f"{listens:,} listens: running seed_demo --scale {args.scale} --listeners {args.listeners}...",
            flush=True,
        )
        started = time.perf_counter()
        manage(
            "seed_demo", "--scale", str(args.scale), "--listeners", str(args.listeners),
            settings="streamapp.settings.local",
        )  # fmt: skip
        vacuum()
        listens = Listen.objects.count()
        print(f"seeded {listens:,} listens in {time.perf_counter() - started:.0f} s", flush=True)
    if listens < args.min_listens:
        sys.exit(
            f"{listens:,} listens after seeding, under --min-listens {args.min_listens:,}: more --listeners"
        )
    return listens


def time_rollups() -> tuple[object, object]:
    """Run the full rollup of the days before yesterday, then the incremental one adding yesterday."""
    import datetime as dt

    from django.conf import settings

    from analytics import rollups, staff_stats

    # Every seeded row counts (they were all inserted before this run): no lag for open transactions.
    settings.STREAMAPP_ANALYTICS_ROLLUP_LAG_SECONDS = 0
    today = staff_stats.site_today()
    print("full rollup...", flush=True)
    full = rollups.rollup_run(full=True, now=staff_stats.day_start(today - dt.timedelta(days=1)))
    print(f"  {full.line}", flush=True)
    vacuum()
    print("incremental rollup of one new day...", flush=True)
    incremental = rollups.rollup_run(now=staff_stats.day_start(today))
    print(f"  {incremental.line}", flush=True)
    vacuum()
    return full, incremental


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))]


def time_page(client, path: str, runs: int, marker: str) -> tuple[float, list[float], int]:
    """Return the first render with an empty cache (ms), then --runs renders as served (ms), and queries."""
    from django.core.cache import cache
    from django.core.signals import request_started
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    # Django empties the query log when a request starts: keep it, to count the page's queries.
    request_started.disconnect(reset_queries)
    cache.clear()
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    cold = (time.perf_counter() - started) * 1000
    body = response.content.decode()
    if response.status_code != 200 or marker not in body:
        sys.exit(f"{path} answered {response.status_code} without {marker!r}: not a page to time")
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
    return cold, timings, len(queries)


def main() -> None:
    args = parse_args()
    url = bench_database_url(args.database)
    support.create_database(url)
    VAR.mkdir(parents=True, exist_ok=True)
    os.environ.update(
        {
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "streamapp.settings.production",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "ALLOWED_HOSTS": "testserver,127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "SECURE_HSTS_SECONDS": "0",
            "STATIC_ROOT": str(VAR / "static"),
            "MEDIA_ROOT": str(VAR / "media"),
            "LOG_LEVEL": "WARNING",
        }
    )
    os.environ.pop("CACHE_URL", None)  # local memory: this process's own, emptied before each page
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    manage("collectstatic", "--noinput", "--verbosity", "0", settings="streamapp.settings.production")

    from django.contrib.auth import get_user_model
    from django.db.models import Count
    from django.test import Client

    from catalog.models import Track

    listens = ensure_data(args)
    tracks = Track.objects.count()
    full = incremental = None
    if not args.skip_rollups:
        full, incremental = time_rollups()

    User = get_user_model()
    heavy = User.objects.annotate(n=Count("listens")).order_by("-n").first()
    staff = User.objects.filter(is_staff=True).first() or User.objects.create_superuser(
        "bench-staff", "bench@example.org", secrets.token_urlsafe(16)
    )
    listener_client, staff_client = Client(), Client()
    listener_client.force_login(heavy)
    staff_client.force_login(staff)

    pages = [
        (listener_client, "/stats/", f"/stats/ ({heavy.get_username()}, {heavy.n:,} listens)", "</main>")
    ]
    sections = (
        ("", "listeners"),
        ("catalogue/", "catalogue"),
        ("playlists/", "playlists"),
        ("quality/", "quality"),
    )
    for preset in ("30d", "90d"):
        for section, name in sections:
            path = f"/staff/analytics/{section}?preset={preset}"
            pages.append((staff_client, path, f"/staff/analytics/ {name}, {preset}", "chart-title"))
    results, failed = [], []
    for client, path, label, marker in pages:
        try:
            cold, timings, queries = time_page(client, path, args.runs, marker)
        except Exception as error:  # noqa: BLE001 - a broken page is reported, the others still timed
            failed.append((label, f"{type(error).__name__}: {error}"))
            print(f"  {label}: FAILED, {failed[-1][1]}", flush=True)
            continue
        results.append((label, queries, cold, statistics.median(timings), percentile(timings, 0.95)))
        print(
            f"  {label}: first {cold:.0f} ms, then p50 {results[-1][3]:.0f} ms, p95 {results[-1][4]:.0f} ms"
        )

    load = os.getloadavg() if hasattr(os, "getloadavg") else (0, 0, 0)
    print()
    print(f"Data: {listens:,} listens, {tracks:,} tracks, {User.objects.count():,} users (PostgreSQL)")
    if full is not None:
        print(f"Full rollup: {full.seconds:.1f} s ({full.line})")
        print(f"Incremental rollup of one new day: {incremental.seconds:.1f} s ({incremental.line})")
    print()
    print("| page | SQL queries (empty cache) | first render, empty cache ms | p50 ms | p95 ms |")
    print("|---|---:|---:|---:|---:|")
    for label, queries, cold, p50, p95 in results:
        print(f"| {label} | {queries} | {cold:,.0f} | {p50:,.0f} | {p95:,.0f} |")
    for label, reason in failed:
        print(f"| {label} | failed: {reason} | | | |")
    worst = max((p95 for *_, p95 in results), default=0.0)
    verdict = "met" if worst <= TARGET_MS and not failed else "NOT met"
    print()
    print(
        f"Target p95 <= {TARGET_MS:.0f} ms per page: {verdict} (worst p95 {worst:,.0f} ms; "
        f"{args.runs} runs per page; load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f})"
    )


if __name__ == "__main__":
    main()
