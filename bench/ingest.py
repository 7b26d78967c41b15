"""Listen ingestion benchmark: POST /1/submit-listens through gunicorn against a raw bulk insert.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/streamapp .venv/bin/python bench/ingest.py

Needs PostgreSQL (SQLite is refused). The run uses its own database on that server
(streamapp_bench_ingest unless --database says otherwise), created and migrated if needed and emptied
of listens first. It starts gunicorn on a free loopback port with a few workers, has --clients threads
post batches of 1,000 listens (distinct timestamps; a third match the catalog by MBID, a third by name,
a third nothing), then writes the same rows again with a raw bulk insert (COPY, streamapp.bulk) and
prints both rates and their ratio. Targets: >= 5,000 listens/s and >= 25% of the raw insert.
"""

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as `python bench/<script>.py`, this folder comes first on sys.path, and bench/http.py would then
# shadow the standard library's http package that Django imports: take the folder off the path.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

import http.client  # noqa: E402  (after the path fix above)

from bench import support  # noqa: E402  (after the path fix above)

TARGET_RATE = 5_000
TARGET_RATIO = 0.25
BATCH = 1000
CATALOG_TRACKS = 3000


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--listens", type=int, default=200_000, help="listens to submit (default 200,000)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent client threads (default 4)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes (default 4)")
    parser.add_argument("--database", default="streamapp_bench_ingest", help="database name on the server")
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args()



def bench_database_url(database: str) -> str:
    return support.bench_database_url(database, script="ingest.py")






def setup_catalog_and_users(clients: int):
    """Return (tokens, catalog rows) after emptying the listens and creating users and tracks."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from accounts import services as account_services
    from catalog.models import Album, Artist, Track
    from catalog.normalize import name_key
    from listening.models import Listen, NowPlaying

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {Listen._meta.db_table} RESTART IDENTITY")
    NowPlaying.objects.all().delete()
    user_model = get_user_model()
    tokens = []
    for index in range(clients + 1):
        user, _ = user_model.objects.get_or_create(username=f"bench-ingest-{index}")
        tokens.append(account_services.api_token_get_or_create(user=user))
    if Track.objects.filter(title__startswith="Bench Ingest ").count() < CATALOG_TRACKS:
        artists = Artist.objects.bulk_create(
            Artist(name=f"Bench Ingest Artist {i}", name_key=name_key(f"Bench Ingest Artist {i}"))
            for i in range(100)
        )
        albums = Album.objects.bulk_create(
            Album(
                title=f"Bench Ingest Album {i}",
                title_key=name_key(f"Bench Ingest Album {i}"),
                artist=artists[i % 100],
            )
            for i in range(300)
        )
        Track.objects.bulk_create(
            Track(
                title=f"Bench Ingest Song {i}",
                title_key=name_key(f"Bench Ingest Song {i}"),
                album=albums[i % 300],
                artist=albums[i % 300].artist,
                duration_ms=200_000,
                mbid=uuid.uuid4(),
            )
            for i in range(CATALOG_TRACKS)
        )
    catalog = list(
        Track.objects.filter(title__startswith="Bench Ingest ").values_list(
            "mbid", "artist__name", "title", "album__title"
        )
    )
    return tokens, catalog


def make_bodies(total: int, catalog, rng: random.Random) -> list[bytes]:
    """Return the request bodies: batches of 1,000 listens with distinct timestamps."""
    start = int(time.time()) - total - 86_400
    bodies = []
    for first in range(0, total, BATCH):
        payload = []
        for offset in range(first, min(first + BATCH, total)):
            mbid, artist, title, album = catalog[rng.randrange(len(catalog))]
            kind = offset % 3
            info = {"submission_client": "bench/ingest.py", "duration_ms": 200_000}
            if kind == 0:
                info["recording_mbid"] = str(mbid)
            elif kind == 2:
                artist, title, album = (
                    f"Unknown Artist {rng.randrange(500)}",
                    f"Unknown Song {offset}",
                    "Elsewhere",
                )
            payload.append(
                {
                    "listened_at": start + offset,
                    "track_metadata": {
                        "artist_name": artist,
                        "track_name": title,
                        "release_name": album,
                        "additional_info": info,
                    },
                }
            )
        bodies.append(json.dumps({"listen_type": "import", "payload": payload}).encode())
    return bodies


def start_gunicorn(url: str, port: int, workers: int) -> subprocess.Popen:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "streamapp.settings.local",
            "DEBUG": "0",
            "LOG_LEVEL": "WARNING",
            # WhiteNoise warns when collectstatic has not run: irrelevant to this API.
            "PYTHONWARNINGS": "ignore:No directory at",
        }
    )
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
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit("gunicorn exited before it was ready")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/1/validate-token?token=warm-up")
            connection.getresponse().read()
            connection.close()
            # Warm every worker (imports, database connection) before timing.
            for _ in range(workers * 3):
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/1/validate-token?token=warm-up")
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


def post_all(port: int, bodies: list[bytes], tokens: list[str], clients: int) -> tuple[float, list[str]]:
    """Post every body from `clients` threads (one token each); return the elapsed time and errors."""
    queue = list(reversed(bodies))
    lock = threading.Lock()
    errors: list[str] = []

    def client(token: str) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        headers = {"Authorization": f"Token {token}"}
        while True:
            with lock:
                if not queue:
                    break
                body = queue.pop()
            while True:
                connection.request("POST", "/1/submit-listens", body=body, headers=headers)
                response = connection.getresponse()
                answer = response.read()
                if response.status == 429:  # pace like a real client would
                    time.sleep(max(int(response.getheader("X-RateLimit-Reset-In", "1")), 1))
                    continue
                if response.status != 200:
                    with lock:
                        errors.append(f"{response.status}: {answer[:200]!r}")
                break
        connection.close()

    threads = [threading.Thread(target=client, args=(tokens[i % len(tokens)],)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, errors


CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


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


def cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


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
    return workers, backends


def raw_insert_same_rows() -> tuple[int, float, float]:
    """Copy the listens the API wrote, empty the table, and time a raw bulk insert of the same rows.

    Return the rows written, the elapsed time and the CPU time used (this process and its backend).
    """
    from django.db import connection

    from listening.models import Listen
    from streamapp import bulk

    table = Listen._meta.db_table
    columns = [field.column for field in Listen._meta.concrete_fields]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY id")  # noqa: S608
        rows = cursor.fetchall()
        json_index = columns.index("additional_info")
        rows = [(*row[:json_index], json.dumps(row[json_index]), *row[json_index + 1 :]) for row in rows]
        cursor.execute(f"TRUNCATE {table} RESTART IDENTITY")
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    backend_before, cpu_before = cpu_seconds([backend]), time.process_time()
    started = time.perf_counter()
    written = bulk.insert_rows(table, columns, rows)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_before + cpu_used(backend_before, cpu_seconds([backend]))
    bulk.reset_sequence(table)
    return written, elapsed, cpu


def main() -> None:
    args = parse_args()
    url = bench_database_url(args.database)
    support.create_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "streamapp.settings.local")
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)

    from django.db import connection

    from listening.models import Listen

    tokens, catalog = setup_catalog_and_users(args.clients)
    bodies = make_bodies(args.listens, catalog, random.Random(args.seed))
    connection.close()

    port = support.free_port()
    server = start_gunicorn(url, port, args.workers)
    try:
        workers, backends = server_pids(server.pid, args.database)
        web_before, database_before = cpu_seconds(workers), cpu_seconds(backends)
        elapsed, errors = post_all(port, bodies, tokens[: args.clients], args.clients)
        workers, backends = server_pids(server.pid, args.database)
        web_cpu = cpu_used(web_before, cpu_seconds(workers))
        database_cpu = cpu_used(database_before, cpu_seconds(backends))
    finally:
        stop_gunicorn(server)
    if errors:
        sys.exit(f"{len(errors)} requests failed, first: {errors[0]}")
    stored = Listen.objects.count()
    if stored != args.listens:
        sys.exit(f"expected {args.listens} listens in the database, found {stored}")
    matched = Listen.objects.filter(track__isnull=False).count()
    api_rate = args.listens / elapsed

    written, raw_elapsed, raw_cpu = raw_insert_same_rows()
    raw_rate = written / raw_elapsed
    ratio = api_rate / raw_rate
    # CPU time per 1,000 rows does not depend on what else runs on the machine, unlike the rates.
    web_ms, database_ms = web_cpu * 1e6 / args.listens, database_cpu * 1e6 / args.listens
    api_ms, raw_ms = web_ms + database_ms, raw_cpu * 1e6 / written
    verdict = "OK" if api_rate >= TARGET_RATE and ratio >= TARGET_RATIO else "BELOW TARGET"
    print(
        f"ingest: {args.listens:,} listens ({matched:,} matched) via POST /1/submit-listens "
        f"in batches of {BATCH:,}, {args.clients} clients, {args.workers} gunicorn workers: "
        f"{api_rate:,.0f} listens/s ({elapsed:.1f} s); "
        f"raw COPY of the same rows: {raw_rate:,.0f} rows/s ({raw_elapsed:.1f} s); "
        f"ratio {ratio:.0%} [{verdict}: targets >= {TARGET_RATE:,}/s and >= {TARGET_RATIO:.0%}]; "
        f"CPU per 1,000 listens: API {api_ms:.0f} ms (web {web_ms:.0f}, database {database_ms:.0f}), "
        f"raw {raw_ms:.0f} ms ({raw_ms / api_ms:.0%} of the API's)"
    )


if __name__ == "__main__":
    main()
