"""Page benchmark: p50 / p95 latency and requests per second of the main pages through gunicorn.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/streamapp .venv/bin/python bench/http.py

Needs PostgreSQL (SQLite is refused). The run uses its own database on that server
(streamapp_bench_http unless --database says otherwise), created and migrated if needed, and keeps
its files under var/bench-http/. When that database holds fewer than --min-listens listens it is
filled with `manage.py seed_demo --scale 200 --listeners 1900` (the demo catalog 200 times over,
about 200,000 tracks, and 1,900 synthetic listeners with 90 days of history: a million listens),
then vacuumed and analysed; when it holds no recommendations yet, `manage.py rebuild_recommendations`
runs the nightly rebuild once, so that the home and artist pages carry the recommender's shelves.

It starts gunicorn on a free loopback port with the production settings (--workers sync workers,
2 per core by default, Redis cache), logs in as the synthetic listener with the longest history who
owns a playlist (a session created here, sent as a cookie: production's cookies are HTTPS-only), and
drives home, album, artist, search, recently played and playlist pages, then a bare view that renders
nothing (streamapp/bench_views.py, the floor every logged-in request pays), with --clients threads
(a connection each; gunicorn's sync workers close it after every answer): a warm-up, then --seconds
of timed requests per page, in --rounds rounds so that a change in the machine's load is spread over
every page. Every answer must be a 200 with the listener's name on it, so a redirect to the log-in
page can't pass for a fast page.

It prints p50 / p95 / requests per second per page, its throughput as a fraction of the bare view's,
the SQL queries the page runs (counted once in this process), then p50 / p95 of one client alone
(--single-seconds per page: the time the page takes when nothing waits in front of it) and the
server's CPU time per request, gunicorn workers and their PostgreSQL backends apart (unlike latency,
it does not depend on what else runs on the machine), and the latency of a cold view (--cold views
per page, each after the cached catalog reads and the listener's cached library and likes were
dropped: the first view after a staff edit, or of an album nobody opened lately; a library import
recomputes the genre overview itself). Target: p95 <= 50 ms for every page at
--clients. With closed-loop clients, latency is about clients / throughput: 16 clients within 50 ms
need some 320 pages a second. The load generator runs on the same machine and competes with the
server for its cores; the share of a core it used is printed too.
"""

import sys
from pathlib import Path

# Run as `python bench/http.py`, this folder comes first on sys.path and this file would shadow the
# standard library's http package (http.client, and Django's own imports of it): drop the folder.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]

import argparse  # noqa: E402
import http.client  # noqa: E402
import os  # noqa: E402
import secrets  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from http.cookies import SimpleCookie  # noqa: E402
from urllib.parse import quote  # noqa: E402

ROOT = _HERE.parent
sys.path.insert(0, str(ROOT))

from bench import support  # noqa: E402  (after the path fix above)

TARGET_P95_MS = 50.0
BARE = "bare"
BARE_PATH = "/bench/bare/"
VAR = ROOT / "var" / "bench-http"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


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
    parser.add_argument("--seconds", type=float, default=10.0, help="timed seconds per page (default 10)")
    parser.add_argument("--warmup", type=float, default=2.0, help="untimed seconds per page and round")
    parser.add_argument("--rounds", type=int, default=2, help="passes over the pages sharing --seconds")
    parser.add_argument(
        "--single-seconds", type=float, default=3.0, help="then one client alone per page (0: skip)"
    )
    parser.add_argument(
        "--cold", type=int, default=3, help="then cold views per page, caches emptied first (0: skip)"
    )
    parser.add_argument("--user", default="", help="log in as this user (default: the busiest listener)")
    parser.add_argument("--query", default="horizon", help="the search page's query (default %(default)r)")
    parser.add_argument(
        "--cache-url", default="redis://127.0.0.1:6379/5", help="the server's CACHE_URL (default %(default)s)"
    )
    parser.add_argument("--pages", default="", help="comma-separated page names to run (default: all)")
    args = parser.parse_args(argv)
    if args.clients < 1 or args.workers < 1 or args.rounds < 1 or args.seconds <= 0:
        parser.error("--clients, --workers and --rounds must be at least 1, --seconds above 0")
    return args


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    # Text every answer must contain: proof that it is the logged-in page, not a redirect or an error.
    marker: str


def page_list(
    *, username: str, album_id: int, artist_id: int, query: str, playlist_uid: str, only: str = ""
) -> list[Page]:
    """Return the pages to drive, in order, the bare view last; `only` keeps the named ones (and bare)."""
    account = f'<p class="account-name">{username}</p>'
    pages = [
        Page("home", "/", account),
        Page("album", f"/albums/{album_id}/", account),
        Page("artist", f"/artists/{artist_id}/", account),
        Page("search", f"/search/?q={quote(query)}", account),
        Page("recently played", "/history/", account),
        Page("playlist", f"/playlists/{playlist_uid}/", account),
        Page(BARE, BARE_PATH, username),
    ]
    wanted = {name.strip() for name in only.split(",") if name.strip()}
    unknown = wanted - {page.name for page in pages}
    if unknown:
        raise ValueError(f"unknown pages: {', '.join(sorted(unknown))}")
    return [page for page in pages if not wanted or page.name in wanted or page.name == BARE]


# ------------------------------------------------------------------------------ database

def bench_database_url(database: str) -> str:
    return support.bench_database_url(database, script="http.py")




def manage(*arguments: str, settings: str) -> None:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE=settings, DEBUG="0")
    subprocess.run([sys.executable, "manage.py", *arguments], cwd=ROOT, env=env, check=True)


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
        # The demo is refused in production mode: seed with the local settings.
        manage(
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
    from recommend.models import RecommendationList

    if not RecommendationList.objects.exists():
        print("no recommendations yet: running rebuild_recommendations (the nightly run)...", flush=True)
        started = time.perf_counter()
        manage("rebuild_recommendations", settings="streamapp.settings.local")
        print(f"rebuilt recommendations in {time.perf_counter() - started:.0f} s", flush=True)
    return listens


@dataclass
class Subjects:
    user: object
    album_id: int
    artist_id: int
    playlist_uid: str


def pick_subjects(username: str) -> Subjects:
    """Return the user to log in as and the album, artist and playlist of theirs to open.

    By default the listener with the most listens among those who own a playlist; then their
    most-played album and artist, and their longest playlist.
    """
    from django.contrib.auth import get_user_model
    from django.db.models import Count

    from listening.models import Listen, Playlist

    users = get_user_model().objects
    if username:
        user = users.filter(username=username).first()
        if user is None:
            sys.exit(f"there is no user {username!r} in the benchmark's database")
    else:
        owners = Playlist.objects.filter(kind=Playlist.Kind.USER).values("owner_id")
        busiest = (
            Listen.objects.filter(user__in=owners)
            .values("user")
            .annotate(count=Count("pk"))
            .order_by("-count", "user")
            .first()
        )
        if busiest is None:
            sys.exit("no listener owns a playlist: the seeded data is not what this benchmark expects")
        user = users.get(pk=busiest["user"])
    mine = Listen.objects.filter(user=user, track__isnull=False)
    album = mine.values("track__album").annotate(count=Count("pk")).order_by("-count", "track__album").first()
    artist = (
        mine.values("track__artist").annotate(count=Count("pk")).order_by("-count", "track__artist").first()
    )
    playlist = (
        Playlist.objects.filter(owner=user, kind=Playlist.Kind.USER)
        .annotate(size=Count("items"))
        .order_by("-size", "pk")
        .first()
    )
    if album is None or playlist is None:
        sys.exit(f"{user.get_username()} has no listens or no playlist: pass another --user")
    return Subjects(
        user=user,
        album_id=album["track__album"],
        artist_id=artist["track__artist"],
        playlist_uid=str(playlist.uid),
    )


def create_session(user) -> str:
    """Return the key of a new logged-in session for `user` (as django.contrib.auth.login would make)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = user._meta.pk.value_to_string(user)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def delete_session(session_key: str) -> None:
    from importlib import import_module

    from django.conf import settings

    import_module(settings.SESSION_ENGINE).SessionStore().delete(session_key)


def count_queries(pages: list[Page], cookies: dict[str, str]) -> dict[str, int]:
    """Return the SQL queries each page runs, rendered once in this process (after one warm render)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(SERVER_NAME="127.0.0.1")
    for name, value in cookies.items():
        client.cookies[name] = value
    counts = {}
    for page in pages:
        client.get(page.path)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(page.path)
        body = response.content.decode()
        if response.status_code != 200 or page.marker not in body:
            sys.exit(f"{page.name} ({page.path}) answered {response.status_code} without {page.marker!r}")
        counts[page.name] = len(captured.captured_queries)
    return counts


# ------------------------------------------------------------------------------ server


def start_gunicorn(port: int, workers: int) -> subprocess.Popen:
    """Start gunicorn with the environment main() prepared; return once it answers (the warm-up follows)."""
    process = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "streamapp.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=os.environ,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit("gunicorn exited before it was ready")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", BARE_PATH)  # no session: the log-in redirect, once the app is up
            connection.getresponse().read()
            connection.close()
            return process
        except OSError:
            time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    sys.exit("gunicorn did not start within 60 s")


def stop_gunicorn(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def cpu_seconds(pids) -> dict[int, float]:
    """Return the CPU time (user + system) each process has used so far (Linux /proc; else nothing)."""
    used = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return used


def server_pids(master: int, database: str) -> tuple[list[int], list[int]]:
    """Return the gunicorn workers' process ids and those of the PostgreSQL backends serving them."""
    from django.db import connection

    try:
        workers = [int(pid) for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()]
    except OSError:
        workers = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [database]
        )
        backends = [pid for (pid,) in cursor.fetchall()]
    connection.close()  # this process's backend is not the server's: leave it out of the figures
    return workers, backends


def cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(seconds - before.get(pid, seconds) for pid, seconds in after.items())


# ------------------------------------------------------------------------------ load
@dataclass
class Run:
    latencies_ms: list[float] = field(default_factory=list)
    seconds: float = 0.0
    web_cpu: float = 0.0
    database_cpu: float = 0.0
    client_cpu: float = 0.0
    body_bytes: int = 0

    def add(self, other: "Run") -> None:
        self.latencies_ms += other.latencies_ms
        self.seconds += other.seconds
        self.web_cpu += other.web_cpu
        self.database_cpu += other.database_cpu
        self.client_cpu += other.client_cpu
        self.body_bytes = other.body_bytes or self.body_bytes

    @property
    def rate(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0

    def per_request_ms(self, seconds: float) -> float:
        return seconds * 1000 / len(self.latencies_ms) if self.latencies_ms else 0.0


def drive(
    port: int, page: Page, headers: dict[str, str], clients: int, seconds: float, min_requests: int = 0
) -> Run:
    """Request `page` from `clients` threads back to back for `seconds`, each at least `min_requests` times.

    Exit on any answer that is not a 200 with the page's marker in it.
    """
    latencies: list[list[float]] = [[] for _ in range(clients)]
    failures: list[str] = []
    sizes = [0] * clients
    start = threading.Barrier(clients + 1)
    deadline = [0.0]

    def client(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine = latencies[index]
        start.wait()
        try:
            while (time.perf_counter() < deadline[0] or len(mine) < min_requests) and not failures:
                began = time.perf_counter()
                connection.request("GET", page.path, headers=headers)
                response = connection.getresponse()
                body = response.read()
                mine.append((time.perf_counter() - began) * 1000)
                if response.status != 200 or page.marker.encode() not in body:
                    failures.append(f"{page.name} ({page.path}): {response.status} {body[:200]!r}")
                sizes[index] = len(body)
        except OSError as error:
            failures.append(f"{page.name} ({page.path}): {error!r}")
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(index,)) for index in range(clients)]
    for thread in threads:
        thread.start()
    cpu_before = time.process_time()
    began = time.perf_counter()
    deadline[0] = began + seconds
    start.wait()
    for thread in threads:
        thread.join()
    run = Run(
        latencies_ms=[value for values in latencies for value in values],
        seconds=time.perf_counter() - began,
        client_cpu=time.process_time() - cpu_before,
        body_bytes=max(sizes),
    )
    if failures:
        sys.exit(f"{len(failures)} wrong answers, first: {failures[0]}")
    return run


def drive_cold(port: int, page: Page, headers: dict[str, str], user, views: int) -> Run:
    """Return `views` single requests of `page`, each after the caches it reads were emptied."""
    from catalog import selectors as catalog_selectors
    from listening import selectors as listening_selectors

    run = Run()
    for _ in range(views):
        catalog_selectors.catalog_changed()  # outside a transaction: at once
        listening_selectors.library_forget(user_ids=[user.pk])
        listening_selectors.likes_forget(user_id=user.pk)
        run.add(drive(port, page, headers, 1, 0, min_requests=1))
    return run


def percentile(values: list[float], fraction: float) -> float:
    """Return the nearest-rank percentile of `values`."""
    ordered = sorted(values)
    return ordered[max(0, round(fraction * len(ordered)) - 1)]


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def session_cookies(port: int, session_key: str) -> dict[str, str]:
    """Return the cookies a browser would send: the session, and the CSRF cookie the first page sets."""
    from django.conf import settings

    cookies = {settings.SESSION_COOKIE_NAME: session_key}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", "/", headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={session_key}"})
    response = connection.getresponse()
    response.read()
    connection.close()
    for header in response.msg.get_all("Set-Cookie") or []:
        for name, morsel in SimpleCookie(header).items():
            if name == settings.CSRF_COOKIE_NAME:
                cookies[name] = morsel.value
    return cookies


def main() -> None:
    args = parse_args()
    url = bench_database_url(args.database)
    support.create_database(url)
    VAR.mkdir(parents=True, exist_ok=True)
    # The same environment serves this process, manage.py and gunicorn: sessions made here must be
    # valid there (same SECRET_KEY, same database), and pages render with the production settings.
    os.environ.update(
        {
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "streamapp.settings.production",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "SECURE_HSTS_SECONDS": "0",
            "CACHE_URL": args.cache_url,
            "STREAMAPP_BENCH_BARE_VIEW": "1",
            "STATIC_ROOT": str(VAR / "static"),
            "MEDIA_ROOT": str(VAR / "media"),
            "LOG_LEVEL": "WARNING",
        }
    )
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    # The manifest storage of production needs collectstatic's manifest to render {% static %}.
    manage("collectstatic", "--noinput", "--verbosity", "0", settings="streamapp.settings.production")

    from catalog.models import Track

    listens = ensure_data(args)
    tracks = Track.objects.count()
    subjects = pick_subjects(args.user)
    username = subjects.user.get_username()
    try:
        pages = page_list(
            username=username,
            album_id=subjects.album_id,
            artist_id=subjects.artist_id,
            query=args.query,
            playlist_uid=subjects.playlist_uid,
            only=args.pages,
        )
    except ValueError as error:
        sys.exit(str(error))
    session_key = create_session(subjects.user)
    print(
        f"data: {listens:,} listens, {tracks:,} tracks (database {args.database}); logged in as {username} "
        f"({subjects.user.listens.count():,} listens)",
        flush=True,
    )

    port = support.free_port()
    server = start_gunicorn(port, args.workers)
    loaded: dict[str, Run] = {page.name: Run() for page in pages}
    alone: dict[str, Run] = {page.name: Run() for page in pages}
    cold: dict[str, Run] = {page.name: Run() for page in pages}
    try:
        cookies = session_cookies(port, session_key)
        queries = count_queries(pages, cookies)
        headers = {"Cookie": "; ".join(f"{name}={value}" for name, value in cookies.items())}
        load_before = load_average()
        for _round in range(args.rounds):
            for page in pages:
                drive(port, page, headers, args.clients, args.warmup)
                run = measure(
                    server.pid, args.database, port, page, headers, args.clients, args.seconds / args.rounds
                )
                loaded[page.name].add(run)
        if args.single_seconds > 0:
            for page in pages:
                alone[page.name].add(drive(port, page, headers, 1, args.single_seconds, min_requests=5))
        if args.cold > 0:
            for page in pages:
                cold[page.name] = drive_cold(port, page, headers, subjects.user, args.cold)
        load_after = load_average()
    finally:
        stop_gunicorn(server)
        delete_session(session_key)
    report(args, pages, queries, loaded, alone, cold, username, listens, tracks, (load_before, load_after))


def measure(
    master: int, database: str, port: int, page: Page, headers: dict[str, str], clients: int, seconds: float
) -> Run:
    """Return the Run of drive() with the CPU time the server's workers and backends spent on it."""
    workers, backends = server_pids(master, database)
    web_before, database_before = cpu_seconds(workers), cpu_seconds(backends)
    run = drive(port, page, headers, clients, seconds)
    run.web_cpu = cpu_used(web_before, cpu_seconds(workers))
    run.database_cpu = cpu_used(database_before, cpu_seconds(backends))
    return run


def report(args, pages, queries, loaded, alone, cold, username, listens, tracks, loads) -> None:
    """Print the table of every page and the summary line."""
    bare_rate = loaded[BARE].rate
    client_cpu = sum(run.client_cpu for run in loaded.values())
    client_seconds = sum(run.seconds for run in loaded.values())
    print(
        f"\n{args.clients} clients, {args.workers} gunicorn sync workers, {os.cpu_count()} cores shared with "
        f"PostgreSQL and the load generator (which used {client_cpu / client_seconds:.0%} of a core); "
        f"{args.seconds:g} s per page in {args.rounds} rounds after {args.warmup:g} s of warm-up each"
    )
    for page in pages:
        print(f"  {page.name:<16} {page.path}")
    header = (
        f"{'page':<16} {'SQL':>4} {'p50 ms':>7} {'p95 ms':>7} {'req/s':>6} {'x bare':>6} "
        f"{'1 client p50':>12} {'p95':>6} {'cold':>6} {'CPU ms/req web':>14} {'db':>5} {'KB':>4}"
    )
    print("\n" + header)
    print("-" * len(header))
    worst = worst_alone = None
    for page in pages:
        run, single = loaded[page.name], alone[page.name]
        p50, p95 = percentile(run.latencies_ms, 0.50), percentile(run.latencies_ms, 0.95)
        if single.latencies_ms:
            single_p50, single_p95 = (
                percentile(single.latencies_ms, 0.50),
                percentile(single.latencies_ms, 0.95),
            )
            single_text = f"{single_p50:>12.1f} {single_p95:>6.1f}"
        else:
            single_p95, single_text = None, f"{'-':>12} {'-':>6}"
        cold_views = cold[page.name].latencies_ms
        cold_text = f"{percentile(cold_views, 0.5):>6.1f}" if cold_views else f"{'-':>6}"
        web_cpu = run.per_request_ms(run.web_cpu)
        print(
            f"{page.name:<16} {queries[page.name]:>4} {p50:>7.1f} {p95:>7.1f} {run.rate:>6.0f} "
            f"{run.rate / bare_rate:>6.0%} {single_text} {cold_text} {web_cpu:>14.1f} "
            f"{run.per_request_ms(run.database_cpu):>5.1f} {run.body_bytes / 1024:>4.0f}"
        )
        if page.name != BARE:
            if worst is None or p95 > worst[1]:
                worst = (page.name, p95)
            if single_p95 is not None and (worst_alone is None or single_p95 > worst_alone[1]):
                worst_alone = (page.name, single_p95)
    print(f"load average before / after: {loads[0]} / {loads[1]}")
    if worst is None:
        return
    verdict = "OK" if worst[1] <= TARGET_P95_MS else "ABOVE TARGET"
    alone_text = f", alone {worst_alone[1]:.1f} ms ({worst_alone[0]})" if worst_alone else ""
    print(
        f"\nhttp: {len(pages) - 1} pages as {username}, {listens:,} listens, {tracks:,} tracks, "
        f"{args.clients} clients, {args.workers} workers: "
        f"worst p95 {worst[1]:.1f} ms ({worst[0]}){alone_text}; "
        f"bare view {bare_rate:,.0f} req/s, p95 {percentile(loaded[BARE].latencies_ms, 0.95):.1f} ms "
        f"[{verdict}: target p95 <= {TARGET_P95_MS:.0f} ms for every page]; load average {loads[1]}"
    )


if __name__ == "__main__":
    main()
