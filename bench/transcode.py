"""Transcoding benchmark: time to first byte of a cold and of a cached transcode, and how many Normal-quality
streams of different tracks one server delivers at once, each at least at real time.

    .venv/bin/python bench/transcode.py                      # a temporary SQLite database
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/transcode.py

With DATABASE_URL (PostgreSQL) the run uses its own database on that server (streamapp_bench_transcode
unless --database says otherwise); without it, a SQLite database in a temporary folder. It writes
--tracks FLAC files of --seconds (pink noise) to a temporary folder, imports them like any
library (`import_library`), and starts gunicorn on a free loopback port with the production settings
and deploy/gunicorn.conf.py (--workers workers of --threads threads: a transcode holds a thread while
ffmpeg runs, see docs/streaming.md), its transcode cache in the temporary folder. Requests send an API
token; every answer must be a 200 with X-Stream-Transcoded: 1. Untimed requests (Low quality, other
tracks) warm every worker first.

1. Cold: --cold requests one after another, each for a transcode not cached yet (a new track at
   quality=normal): time to first byte of the body, p50 / p95 (target <= 300 ms p95).
2. Cached: --cached requests one after another for transcodes now in the cache: p50 / p95 (target
   <= 20 ms p95). Without nginx in front, Django sends the cached file itself.
0. ffmpeg alone: --cold runs of the same ffmpeg command on the same files, without the server: the time
   to its first byte is the floor of a cold transcode's (starting the process and its 200-odd shared
   libraries is most of it).
3. Concurrent: for each count in --streams, the cache emptied first, that many listeners press play
   one after another, evenly over --ramp seconds (by default one track's length: as listeners do, each
   at its own moment; once the ramp is over, that many listeners are in the middle of their track),
   each on a different track at quality=normal (MP3, 128 kbps), and read as fast as they can. A stream
   is delivered at real time when its first byte came within --max-start seconds and, from then on,
   the audio received was never behind the time elapsed (a player starting at the first byte would
   never stall). The largest count whose streams all were (target >= 50) is printed.

The load generator runs on the same machine and competes with the server for its cores.
"""

import argparse
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, sys.path[0] is bench/: put the checkout there so that `bench` and the apps import.
if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    sys.path[0] = str(ROOT)

from bench import support  # noqa: E402  (after the path fix above)

TARGET_COLD_P95_MS = 300.0
TARGET_CACHED_P95_MS = 20.0
TARGET_STREAMS = 50
NORMAL_KBPS = 128


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", default="streamapp_bench_transcode", help="database name (PostgreSQL)")
    parser.add_argument("--tracks", type=int, default=100, help="tracks generated (default 100)")
    parser.add_argument("--seconds", type=float, default=30.0, help="each track's length (default 30)")
    parser.add_argument("--cold", type=int, default=20, help="cold requests (default 20)")
    parser.add_argument("--cached", type=int, default=200, help="cached requests (default 200)")
    parser.add_argument(
        "--streams", default="10,25,50,75,100", help="concurrent stream counts tried (default %(default)s)"
    )
    parser.add_argument("--max-start", type=float, default=2.0, help="the latest first byte, in seconds")
    parser.add_argument(
        "--ramp", type=float, help="the concurrent clients start within this many seconds (default --seconds)"
    )
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=32, help="threads per gunicorn worker (default 32)")
    args = parser.parse_args(argv)
    args.ramp = args.seconds if args.ramp is None else args.ramp
    args.stream_counts = sorted({int(count) for count in args.streams.split(",") if count.strip()})
    if args.tracks < max([args.cold, *args.stream_counts]):
        parser.error("--tracks must be at least --cold and every count in --streams")
    return args


# ------------------------------------------------------------------------------ setup


def write_library(folder: Path, *, tracks: int, seconds: float) -> None:
    """Write `tracks` stereo FLAC files of `seconds` (pink noise: about 1,000 kbps, like music), each with
    its own seed (a different checksum)."""
    for number in range(1, tracks + 1):
        path = folder / "Bench Artist" / "Bench Album" / f"{number:03d} Tone {number}.flac"
        path.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-t", str(seconds),
             "-i", f"anoisesrc=color=pink:amplitude=0.3:seed={number}", "-ac", "2", "-ar", "44100",
             "-metadata", f"title=Tone {number}", "-metadata", "artist=Bench Artist",
             "-metadata", "album=Bench Album", "-metadata", f"track={number}", str(path)],
            check=True,
        )


def prepare(args: argparse.Namespace, folder: Path) -> tuple[list[int], str]:
    """Migrate, import the library, make a listener; return the track ids (in order) and its token."""
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    write_library(folder / "music", tracks=args.tracks, seconds=args.seconds)
    call_command("import_library", str(folder / "music"), no_progress=True, verbosity=0)

    from django.contrib.auth import get_user_model

    from accounts.services import api_token_get_or_create
    from catalog.models import Track

    user, _ = get_user_model().objects.get_or_create(username="bench-transcode")
    token = api_token_get_or_create(user=user)
    ids = list(
        Track.objects.filter(album__title="Bench Album", audio_file__path__startswith=str(folder))
        .order_by("track_number")
        .values_list("pk", flat=True)
    )
    if len(ids) != args.tracks:
        sys.exit(f"imported {len(ids)} tracks, expected {args.tracks}")
    return ids, token


def start_gunicorn(port: int, args: argparse.Namespace) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
         "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers), "--threads", str(args.threads),
         "--log-level", "warning", "--access-logfile", "/dev/null"],
        cwd=ROOT, env=os.environ, start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit("gunicorn exited before it was ready")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
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


# ------------------------------------------------------------------------------ one stream


@dataclass
class Received:
    started: float = 0.0
    first_byte: float | None = None  # seconds after `started`
    samples: list[tuple[float, int]] = field(default_factory=list)  # (seconds after started, body bytes)
    error: str = ""


def fetch(port: int, path: str, token: str, *, transcoded: bool = True) -> Received:
    """GET `path`, reading as fast as possible; record when each piece of the body arrived."""
    received = Received(started=time.perf_counter())
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
            sock.sendall(
                f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Token {token}\r\n"
                "Connection: close\r\n\r\n".encode()
            )
            head, body = b"", 0
            while b"\r\n\r\n" not in head:
                piece = sock.recv(65536)
                if not piece:
                    received.error = "closed before the answer's head"
                    return received
                head += piece
            head, _, rest = head.partition(b"\r\n\r\n")
            _check_head(head, received, transcoded=transcoded)
            piece = rest
            while True:
                if piece:
                    now = time.perf_counter() - received.started
                    if received.first_byte is None:
                        received.first_byte = now
                    body += len(piece)
                    received.samples.append((now, body))
                piece = sock.recv(65536)
                if not piece:
                    break
    except OSError as error:
        received.error = str(error)
    return received


def _check_head(head: bytes, received: Received, *, transcoded: bool) -> None:
    lines = head.decode("latin-1").split("\r\n")
    if not lines[0].startswith("HTTP/1.1 200"):
        received.error = lines[0]
    elif transcoded and "x-stream-transcoded: 1" not in head.decode("latin-1").lower():
        received.error = "not a transcode"


def real_time(received: Received, *, max_start: float, kbps: int) -> bool:
    """Whether a player starting at the first byte would never have run out of audio."""
    if received.error or received.first_byte is None or received.first_byte > max_start:
        return False
    bytes_per_second = kbps * 1000 / 8
    previous = 0
    for at, total in received.samples:
        # Just before this piece arrived the player had `previous` bytes: enough for the time elapsed?
        if previous / bytes_per_second < at - received.first_byte - 0.05:
            return False
        previous = total
    return True


# ------------------------------------------------------------------------------ the runs


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def ttfb_run(port: int, token: str, paths: list[str], label: str, target: float) -> list[float]:
    times = []
    for path in paths:
        received = fetch(port, path, token)
        if received.error or received.first_byte is None:
            sys.exit(f"{label}: {path}: {received.error or 'no body'}")
        times.append(received.first_byte * 1000)
    p50, p95 = statistics.median(times), percentile(times, 0.95)
    verdict = "ok" if p95 <= target else "ABOVE TARGET"
    print(f"{label:<8} TTFB p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  ({len(times)} requests; target p95 "
          f"<= {target:.0f} ms: {verdict})", flush=True)
    return times


def ffmpeg_alone(paths: list[Path]) -> None:
    """Time ffmpeg's first byte for the command the server runs, without the server."""
    from listening import transcoder
    from listening.transcoding import OUTPUT_FORMATS

    times = []
    for path in paths:
        job = transcoder.Job(source=path, checksum="0" * 64, output=OUTPUT_FORMATS["mp3"], kbps=NORMAL_KBPS)
        started = time.perf_counter()
        process = subprocess.Popen(transcoder.command(job), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        os.read(process.stdout.fileno(), 65536)
        times.append((time.perf_counter() - started) * 1000)
        process.kill()
        process.wait()
        process.stdout.close()
    print(f"ffmpeg   TTFB p50 {statistics.median(times):6.1f} ms  p95 {percentile(times, 0.95):6.1f} ms  "
          f"({len(times)} runs, no server: the floor of a cold transcode)", flush=True)


def concurrent_run(port: int, token: str, ids: list[int], count: int, args: argparse.Namespace) -> bool:
    cache = Path(os.environ["STREAMAPP_TRANSCODE_CACHE_DIR"])
    shutil.rmtree(cache, ignore_errors=True)
    results: list[Received] = [Received() for _ in range(count)]
    barrier = threading.Barrier(count)

    def client(index: int) -> None:
        barrier.wait()
        time.sleep(index * args.ramp / count)  # listeners press play one after another, not all at once
        results[index] = fetch(port, f"/stream/{ids[index]}/?quality=normal", token)

    threads = [threading.Thread(target=client, args=(index,)) for index in range(count)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    ok = [real_time(result, max_start=args.max_start, kbps=NORMAL_KBPS) for result in results]
    starts = [result.first_byte or float("inf") for result in results]
    errors = sorted({result.error for result in results if result.error})
    print(
        f"{count:>4} streams: {sum(ok):>4} at real time; first byte p50 "
        f"{statistics.median(starts) * 1000:6.0f} ms, max {max(starts) * 1000:6.0f} ms; "
        f"all {args.seconds:.0f} s delivered in {wall:5.1f} s"
        + (f"; errors: {', '.join(errors)}" if errors else ""),
        flush=True,
    )
    return all(ok)


def main() -> None:
    args = parse_args()
    folder = Path(tempfile.mkdtemp(prefix="streamapp-bench-transcode-"))
    if os.environ.get("DATABASE_URL"):
        url = support.bench_database_url(args.database, script="transcode.py")
        support.create_database(url)
    else:
        url = f"sqlite:///{folder / 'bench.sqlite3'}"
    os.environ.update(
        {
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "streamapp.settings.production",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "SECURE_HSTS_SECONDS": "0",
            "STREAMAPP_VAR_DIR": str(folder / "var"),
            "STREAMAPP_TRANSCODE_CACHE_DIR": str(folder / "transcodes"),
            "STATIC_ROOT": str(folder / "static"),
            "LOG_LEVEL": "WARNING",
        }
    )
    (folder / "static").mkdir()
    server = None
    try:
        ids, token = prepare(args, folder)
        port = support.free_port()
        server = start_gunicorn(port, args)
        print(
            f"{args.tracks} FLAC tracks of {args.seconds:.0f} s, gunicorn {args.workers} workers x "
            f"{args.threads} threads, {os.cpu_count()} cores (load average {os.getloadavg()[0]:.1f}), "
            f"database {url.split(':')[0]}",
            flush=True,
        )
        # Untimed: every worker's first requests (imports, its database connection) on other keys.
        for track in ids[-4 * args.workers :]:
            fetch(port, f"/stream/{track}/?quality=low", token)
        ffmpeg_alone(sorted((folder / "music").rglob("*.flac"))[-args.cold :])
        cold = [f"/stream/{track}/?quality=normal" for track in ids[: args.cold]]
        ttfb_run(port, token, cold, "cold", TARGET_COLD_P95_MS)
        cached = [cold[index % len(cold)] for index in range(args.cached)]
        ttfb_run(port, token, cached, "cached", TARGET_CACHED_P95_MS)
        best = 0
        for count in args.stream_counts:
            if not concurrent_run(port, token, ids, count, args):
                break
            best = count
        print(f"load average at the end: {os.getloadavg()[0]:.1f}")
        verdict = "ok" if best >= TARGET_STREAMS else "BELOW TARGET"
        print(
            f"concurrent Normal-quality streams all at real time: {best} "
            f"(target >= {TARGET_STREAMS}: {verdict})"
        )
    finally:
        if server is not None:
            stop_gunicorn(server)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
