"""Subsonic API benchmark: p50 / p95 of getAlbumList2, search3, getAlbum and getPlayQueue through gunicorn.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/streamapp .venv/bin/python bench/subsonic.py

Needs PostgreSQL. It shares bench/http.py's database (streamapp_bench_http, or --database), seeded
the same way when it holds fewer than --min-listens listens (`seed_demo --scale --listeners`: the
demo catalog --scale times over), and its server: gunicorn with the production settings and the Redis
cache, --workers sync workers. As the listener with the most listens who owns a playlist, with a
Subsonic password set here and a saved queue of --queue songs, it calls each method with token auth
(u, t, s, v, c, f=json: what clients send) from --clients threads, a warm-up then --seconds of timed
calls each, in --rounds rounds. Every answer must be a 200 with `"status":"ok"`. It prints p50 / p95 /
calls per second and the SQL queries of each method (counted once in this process), then a summary
line. Target: p95 <= 50 ms at 16 clients.
"""

import sys
from pathlib import Path

# Run as `python bench/subsonic.py`, this folder comes first on sys.path and bench/http.py would shadow
# the standard library's http package: drop the folder (as bench/http.py does).
_HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]

import argparse  # noqa: E402
import hashlib  # noqa: E402
import os  # noqa: E402
import secrets  # noqa: E402
import time  # noqa: E402
from urllib.parse import urlencode  # noqa: E402

ROOT = _HERE.parent
sys.path.insert(0, str(ROOT))

from bench import http as bench_http  # noqa: E402  (after the path fix above)
from bench import support  # noqa: E402

TARGET_P95_MS = 50.0
MARKER = '"status":"ok"'
VAR = ROOT / "var" / "bench-subsonic"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", default="streamapp_bench_http", help="database name on the server")
    parser.add_argument("--scale", type=int, default=200, help="seed_demo --scale when seeding (default 200)")
    parser.add_argument("--listeners", type=int, default=1900, help="seed_demo --listeners when seeding")
    parser.add_argument("--min-listens", type=int, default=1_000_000, help="seed the database below this")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (default 16)")
    parser.add_argument(
        "--workers", type=int, default=2 * (os.cpu_count() or 1), help="gunicorn workers (default 2 per core)"
    )
    parser.add_argument("--seconds", type=float, default=10.0, help="timed seconds per method (default 10)")
    parser.add_argument("--warmup", type=float, default=2.0, help="untimed seconds per method and round")
    parser.add_argument("--rounds", type=int, default=2, help="passes over the methods sharing --seconds")
    parser.add_argument("--query", default="horizon", help="search3's query (default %(default)r)")
    parser.add_argument("--size", type=int, default=50, help="getAlbumList2's size (default 50)")
    parser.add_argument("--queue", type=int, default=200, help="songs in the saved play queue (default 200)")
    parser.add_argument(
        "--cache-url", default="redis://127.0.0.1:6379/5", help="the server's CACHE_URL (default %(default)s)"
    )
    args = parser.parse_args(argv)
    if args.clients < 1 or args.workers < 1 or args.rounds < 1 or args.seconds <= 0:
        parser.error("--clients, --workers and --rounds must be at least 1, --seconds above 0")
    return args


def ensure_data(args: argparse.Namespace) -> int:
    """Return the number of listens, after seeding the demo and its listeners if there are too few."""
    from django.db import connection

    from listening.models import Listen

    listens = Listen.objects.count()
    if listens < args.min_listens:
        print(
            f"{listens:,} listens: running seed_demo --scale {args.scale} --listeners {args.listeners}...",
            flush=True,
        )
        started = time.perf_counter()
        bench_http.manage(
            "seed_demo",
            "--scale",
            str(args.scale),
            "--listeners",
            str(args.listeners),
            settings="streamapp.settings.local",
        )
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
        listens = Listen.objects.count()
        print(f"seeded {listens:,} listens in {time.perf_counter() - started:.0f} s", flush=True)
    if listens < args.min_listens:
        sys.exit(
            f"{listens:,} listens after seeding, under --min-listens {args.min_listens:,}: more --listeners"
        )
    return listens


def prepare_listener(subjects, queue_length: int) -> dict[str, str]:
    """Set the listener's Subsonic password and queue; return the credentials every call sends."""
    from catalog.models import Track
    from listening import services as listening_services
    from subsonic import services

    user = subjects.user
    password = services.subsonic_password_regenerate(user=user)
    queue = list(
        Track.objects.playable()
        .filter(album__artist=subjects.artist_id)
        .values_list("pk", flat=True)[:queue_length]
    )
    queue += list(
        Track.objects.playable()
        .exclude(pk__in=queue)
        .values_list("pk", flat=True)[: queue_length - len(queue)]
    )
    listening_services.player_state_save(
        user=user, queue=queue, current_index=len(queue) // 2, position_ms=61_000
    )
    salt = secrets.token_hex(6)
    token = hashlib.md5((password + salt).encode(), usedforsecurity=False).hexdigest()
    return {"u": user.get_username(), "t": token, "s": salt, "v": "1.16.1", "c": "bench", "f": "json"}


def method_pages(credentials: dict[str, str], args, album_id: int) -> list[bench_http.Page]:
    def path(method: str, **params) -> str:
        return f"/rest/{method}.view?" + urlencode({**credentials, **params})

    return [
        # The floor every call pays (middleware, parameters, credentials, the envelope): the reference.
        bench_http.Page("ping", path("ping"), MARKER),
        bench_http.Page("getAlbumList2", path("getAlbumList2", type="newest", size=args.size), MARKER),
        bench_http.Page("search3", path("search3", query=args.query), MARKER),
        bench_http.Page("getAlbum", path("getAlbum", id=album_id), MARKER),
        bench_http.Page("getPlayQueue", path("getPlayQueue"), MARKER),
    ]


def count_queries(pages: list[bench_http.Page]) -> dict[str, int]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(SERVER_NAME="127.0.0.1")
    counts = {}
    for page in pages:
        client.get(page.path)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(page.path)
        if response.status_code != 200 or MARKER not in response.content.decode():
            sys.exit(f"{page.name} answered {response.status_code}: {response.content[:300]!r}")
        counts[page.name] = len(captured.captured_queries)
    return counts


def main() -> None:
    args = parse_args()
    url = support.bench_database_url(args.database, script="subsonic.py")
    support.create_database(url)
    VAR.mkdir(parents=True, exist_ok=True)
    os.environ.update(
        {
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "streamapp.settings.production",
            # Fixed for the run: the Subsonic password set here is encrypted under it, and gunicorn reads it.
            "SECRET_KEY": secrets.token_urlsafe(48),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "SECURE_HSTS_SECONDS": "0",
            "CACHE_URL": args.cache_url,
            "STATIC_ROOT": str(VAR / "static"),
            "MEDIA_ROOT": str(VAR / "media"),
            "LOG_LEVEL": "WARNING",
        }
    )
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    bench_http.manage(
        "collectstatic", "--noinput", "--verbosity", "0", settings="streamapp.settings.production"
    )

    from catalog.models import Track

    listens = ensure_data(args)
    tracks = Track.objects.count()
    subjects = bench_http.pick_subjects("")
    pages = method_pages(prepare_listener(subjects, args.queue), args, subjects.album_id)
    queries = count_queries(pages)
    print(
        f"data: {listens:,} listens, {tracks:,} tracks (database {args.database}); as "
        f"{subjects.user.get_username()}",
        flush=True,
    )

    port = support.free_port()
    server = bench_http.start_gunicorn(port, args.workers)
    runs = {page.name: bench_http.Run() for page in pages}
    try:
        for _round in range(args.rounds):
            for page in pages:
                bench_http.drive(port, page, {}, args.clients, args.warmup)
                runs[page.name].add(
                    bench_http.measure(
                        server.pid, args.database, port, page, {}, args.clients, args.seconds / args.rounds
                    )
                )
    finally:
        bench_http.stop_gunicorn(server)
    report(args, pages, queries, runs, listens, tracks)


def report(args, pages, queries, runs, listens, tracks) -> None:
    percentile = bench_http.percentile
    print(
        f"\n{args.clients} clients, {args.workers} gunicorn sync workers, {os.cpu_count()} cores shared with "
        f"PostgreSQL and the load generator; {args.seconds:g} s per method in {args.rounds} rounds"
    )
    header = (
        f"{'method':<14} {'SQL':>4} {'p50 ms':>7} {'p95 ms':>7} {'calls/s':>8} {'x ping':>6} "
        f"{'CPU ms/call web':>15} {'db':>5} {'client':>6} {'KB':>5}"
    )
    print("\n" + header + "\n" + "-" * len(header))
    worst = None
    for page in pages:
        run = runs[page.name]
        p50, p95 = percentile(run.latencies_ms, 0.50), percentile(run.latencies_ms, 0.95)
        print(
            f"{page.name:<14} {queries[page.name]:>4} {p50:>7.1f} {p95:>7.1f} {run.rate:>8.0f} "
            f"{run.rate / runs['ping'].rate:>6.0%} {run.per_request_ms(run.web_cpu):>15.1f} "
            f"{run.per_request_ms(run.database_cpu):>5.1f} {run.per_request_ms(run.client_cpu):>6.1f} "
            f"{run.body_bytes / 1024:>5.0f}"
        )
        if page.name != "ping" and (worst is None or p95 > worst[1]):
            worst = (page.name, p95)
    verdict = "OK" if worst[1] <= TARGET_P95_MS else "ABOVE TARGET"
    print(f"load average after: {bench_http.load_average()}")
    print(
        f"\nsubsonic: {len(pages) - 1} methods, {listens:,} listens, {tracks:,} tracks, "
        f"{args.clients} clients, {args.workers} workers: worst p95 {worst[1]:.1f} ms ({worst[0]}) "
        f"[{verdict}: target p95 <= {TARGET_P95_MS:.0f} ms]"
    )


if __name__ == "__main__":
    main()
