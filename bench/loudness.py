"""Loudness analysis benchmark: EBU R128 measurement of a freshly imported 1,000-track library.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/streamapp .venv/bin/python bench/loudness.py

Needs PostgreSQL (SQLite is refused). The run uses its own database on that server
(streamapp_bench_loudness unless --database says otherwise), created and migrated if needed, and empties
its catalog first. It writes --tracks MP3 files (192 kbps stereo, 44.1 kHz, --seconds long each, 60 s by
default; music-like: filtered noise and chords whose level changes over time, at a different level per
source) under var/bench-loudness/: --sources distinct recordings encoded once, copied and tagged as
separate tracks of 10-track albums. It imports them (without queuing the loudness task), then measures
them all as `manage.py measure_loudness` does (catalog.services.loudness_measure_missing, with
--processes parallel ffmpeg processes; 0 = one per CPU), and prints tracks per minute, the audio
analysed per second of wall time and the import's own time for comparison.
"""

import argparse
import os
import resource
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from bench import support  # noqa: E402  (after the path fix above)

VAR = ROOT / "var" / "bench-loudness"
ALBUM_SIZE = 10


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tracks", type=int, default=1000, help="tracks to measure (default 1,000)")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of each track (default 60 s)")
    parser.add_argument("--sources", type=int, default=12, help="distinct recordings encoded (default 12)")
    parser.add_argument("--processes", type=int, default=0, help="parallel ffmpeg processes (0: one per CPU)")
    parser.add_argument("--database", default="streamapp_bench_loudness", help="database name on the server")
    args = parser.parse_args(argv)
    if args.tracks < 1 or args.sources < 1 or args.seconds <= 0 or args.processes < 0:
        parser.error("--tracks, --sources and --seconds must be positive, --processes 0 or more")
    return args


def source_filter(index: int, seconds: float) -> str:
    """An ffmpeg lavfi graph of a music-like stereo signal: band-limited noise under a slow chord whose
    level swells, at a level that differs per source (about -8 to -20 LUFS)."""
    gain = -4 - (index % 7) * 2  # dB
    root = 110 * 2 ** ((index % 12) / 12)
    chord = "+".join(f"0.2*sin(2*PI*{root * ratio:.2f}*t)" for ratio in (1, 1.26, 1.5, 2))
    swell = "(0.6+0.4*sin(2*PI*t/7))"
    return (
        f"anoisesrc=d={seconds}:c=pink:r=44100:a=0.25,lowpass=f=6000[noise];"
        f"aevalsrc='{swell}*({chord})|{swell}*({chord})':s=44100:d={seconds}[tones];"
        f"[noise]aformat=channel_layouts=stereo[n2];[n2][tones]amix=inputs=2:normalize=0,volume={gain}dB"
    )


def write_library(args: argparse.Namespace, ffmpeg: str) -> Path:
    """Encode the sources, then copy and tag them as --tracks files; return the library folder."""
    from mutagen.id3 import ID3, TALB, TIT2, TPE1, TRCK

    library = VAR / "library"
    sources = VAR / "sources"
    shutil.rmtree(library, ignore_errors=True)
    sources.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    encoded = []
    for index in range(args.sources):
        path = sources / f"source-{index:02d}-{args.seconds:g}s.mp3"
        if not path.exists():
            subprocess.run(
                [
                    ffmpeg, "-nostdin", "-v", "error", "-y",
                    "-filter_complex", source_filter(index, args.seconds),
                    "-c:a", "libmp3lame", "-b:a", "192k", "-ar", "44100", str(path),
                ],
                check=True,
            )  # fmt: skip
        encoded.append(path)
    for number in range(args.tracks):
        album, track = divmod(number, ALBUM_SIZE)
        path = library / f"Artist {album % 50:02d}" / f"Album {album:04d}" / f"{track + 1:02d}.mp3"
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(encoded[number % len(encoded)], path)
        tags = ID3()
        tags.add(TIT2(encoding=3, text=[f"Song {number}"]))
        tags.add(TPE1(encoding=3, text=[f"Artist {album % 50:02d}"]))
        tags.add(TALB(encoding=3, text=[f"Album {album:04d}"]))
        tags.add(TRCK(encoding=3, text=[str(track + 1)]))
        tags.save(path)
    print(f"Wrote {args.tracks} tracks of {args.seconds:g} s in {time.perf_counter() - started:.1f} s")
    return library


def main() -> None:
    args = parse_args()
    url = support.bench_database_url(args.database, script="loudness.py")
    support.create_database(url)
    VAR.mkdir(parents=True, exist_ok=True)
    os.environ.update(
        {
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "streamapp.settings.production",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "ALLOWED_HOSTS": "127.0.0.1",
            "STATIC_ROOT": str(VAR / "static"),
            "MEDIA_ROOT": str(VAR / "media"),
            "LOG_LEVEL": "WARNING",
            "STREAMAPP_LOUDNESS_ON_IMPORT": "0",
            "STREAMAPP_LOUDNESS_PROCESSES": str(args.processes),
        }
    )
    os.environ.pop("CACHE_URL", None)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from catalog import services
    from catalog.models import Album, Artist, AudioFile, Track

    Track.objects.all().delete()
    Album.objects.all().delete()
    Artist.objects.all().delete()
    AudioFile.objects.all().delete()

    library = write_library(args, settings.STREAMAPP_FFMPEG)
    started = time.perf_counter()
    imported = services.library_import(root=library)
    import_seconds = time.perf_counter() - started
    print(f"Imported: {imported.line} in {import_seconds:.1f} s")

    processes = settings.STREAMAPP_LOUDNESS_PROCESSES or os.cpu_count() or 1
    started, children = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    summary = services.loudness_measure_missing()
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_seconds = (after.ru_utime - children.ru_utime) + (after.ru_stime - children.ru_stime)
    per_minute = summary.measured / seconds * 60
    audio_ratio = summary.measured * args.seconds / seconds
    albums = Album.objects.filter(loudness_lufs__isnull=False).count()
    print(
        f"Loudness: {summary.line} in {seconds:.1f} s with {processes} ffmpeg processes on "
        f"{os.cpu_count()} CPUs (load average {os.getloadavg()[0]:.1f})"
    )
    print(
        f"Throughput: {per_minute:,.0f} tracks/min of {args.seconds:g} s ({audio_ratio:.0f}x real time; "
        f"about {audio_ratio / 240 * 60:,.0f} four-minute tracks/min); {albums} albums with a loudness"
    )
    cpu_seconds = max(cpu_seconds, 1e-9)
    idle_per_minute = summary.measured / cpu_seconds * 60 * processes
    print(
        f"ffmpeg CPU time: {cpu_seconds / max(summary.measured, 1) * 1000:.0f} ms per track, "
        f"{summary.measured * args.seconds / cpu_seconds:.0f}x real time per core (on an idle machine: "
        f"{idle_per_minute:,.0f} tracks/min with {processes} cores)"
    )
    if summary.failed:
        sys.exit(f"{summary.failed} files could not be measured")


if __name__ == "__main__":
    main()
