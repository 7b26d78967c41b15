"""Recommendation reads benchmark: similar tracks and artists, radio batches, a listener's recommendations.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/streamapp .venv/bin/python bench/reco_reads.py

Runs against the database DATABASE_URL names, which must already hold a catalog, listeners and a
nightly run's tables (``manage.py seed_demo --scale 200`` then ``manage.py rebuild_recommendations``
gives 201,600 tracks). PostgreSQL only unless --allow-sqlite. It changes nothing but the radio
sessions it leaves in the cache (they expire).

Each read goes through the same selector or service the pages and the API call, warm, on --runs
different tracks, artists or listeners drawn with a fixed seed; the latencies (p50 / p95 / max) and the
SQL queries of each are printed against the target p95 <= 20 ms, then one summary line.
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The project instead of bench/ (whose http.py would shadow the standard library's http).
sys.path[0] = str(ROOT)

TARGET_P95_MS = 20.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=40, help="timed calls of each read (default 40)")
    parser.add_argument("--seed", type=int, default=7, help="which tracks, artists and listeners are drawn")
    parser.add_argument("--allow-sqlite", action="store_true", help="time SQLite too")
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "streamapp.settings.local")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection, reset_queries
    from django.db.models import Exists, OuterRef
    from tqdm import tqdm

    from catalog.models import Artist, Genre, Track
    from recommend import radio, selectors
    from recommend.models import RecommendationList, SimilarArtistList, SimilarTrackList

    if connection.vendor != "postgresql" and not args.allow_sqlite:
        print("bench/reco_reads.py times PostgreSQL: set DATABASE_URL=postgres://... (or --allow-sqlite)")
        return 2
    rng = random.Random(args.seed)

    def sample(queryset, count: int) -> list:
        ids = list(queryset.values_list("pk", flat=True)[:5000])
        return rng.sample(ids, min(count, len(ids)))

    track_links = Exists(SimilarTrackList.objects.filter(track=OuterRef("pk")))
    artist_links = Exists(SimilarArtistList.objects.filter(artist=OuterRef("pk")))
    tracks_with = list(Track.objects.filter(pk__in=sample(Track.objects.filter(track_links), args.runs)))
    new_tracks = Track.objects.playable().filter(~track_links).order_by("-pk")
    tracks_without = list(Track.objects.filter(pk__in=sample(new_tracks, args.runs)))
    artists_with = list(Artist.objects.filter(pk__in=sample(Artist.objects.filter(artist_links), args.runs)))
    artists_without = list(
        Artist.objects.filter(pk__in=sample(Artist.objects.filter(~artist_links).order_by("-pk"), args.runs))
    )
    listener_ids = sample(
        get_user_model().objects.filter(Exists(RecommendationList.objects.filter(user=OuterRef("pk")))),
        args.runs,
    )
    listeners = list(get_user_model().objects.filter(pk__in=listener_ids))
    genre_slugs = list(Genre.objects.values_list("slug", flat=True))
    track_count = Track.objects.count()
    print(
        f"{connection.vendor}: {track_count:,} tracks, {SimilarTrackList.objects.count():,} tracks with "
        f"neighbours, {SimilarArtistList.objects.count():,} artists with neighbours, "
        f"{RecommendationList.objects.count():,} listeners with recommendations"
    )

    def user():
        return rng.choice(listeners)

    sessions: list = []

    def radio_start(seed_type: str, seed_id):
        batch = radio.radio_start(user=user(), seed_type=seed_type, seed_id=str(seed_id))
        sessions.append(batch.session)

    def radio_next():
        session = sessions.pop(0)
        served = session.served
        listener = get_user_model()(pk=session.user_id)
        radio.radio_next(user=listener, session_id=session.id, skipped=served[1:3], played=served[:1])

    reads = [
        ("similar tracks (neighbours)", tracks_with, lambda track: selectors.similar_tracks(track=track)),
        ("similar tracks (new catalog fallback)", tracks_without,
         lambda track: selectors.similar_tracks(track=track)),
        ("similar artists (neighbours)", artists_with,
         lambda artist: selectors.similar_artists(artist=artist)),
        ("similar artists (new catalog fallback)", artists_without,
         lambda artist: selectors.similar_artists(artist=artist)),
        ("radio start from a track", tracks_with, lambda track: radio_start("track", track.pk)),
        ("radio start from an artist", artists_with, lambda artist: radio_start("artist", artist.pk)),
        ("radio start from a genre", [rng.choice(genre_slugs) for _ in range(args.runs)],
         lambda slug: radio_start("genre", slug)),
        ("radio next batch (after a skip and a play)", list(range(args.runs)), lambda _n: radio_next()),
        ("recommendations (top 50)", listeners, lambda u: selectors.recommended_tracks(user=u, limit=50)),
        ("recommendations (top 200, the API's most)", listeners,
         lambda u: selectors.recommended_tracks(user=u, limit=200)),
        ("home shelves: mixes + because you listened", listeners,
         lambda u: (selectors.user_mixes(user=u), selectors.because_you_listened(user=u))),
    ]
    rows = []
    from django.conf import settings

    settings.DEBUG = True  # count queries
    for name, items, read in tqdm(reads, desc="reads", unit="read"):
        if not items:
            rows.append((name, None, None, None, None, None, None))
            continue
        read(items[0])  # warm
        timings, cpu, queries, database = [], [], [], []
        for item in items:
            reset_queries()
            started, started_cpu = time.perf_counter(), time.process_time()
            read(item)
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
            queries.append(len(connection.queries))
            database.append(sum(float(query["time"]) for query in connection.queries) * 1000)
        timings.sort()
        p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
        rows.append((name, statistics.median(timings), p95, timings[-1], max(queries),
                     statistics.median(cpu), statistics.median(database)))

    width = max(len(row[0]) for row in rows)
    print(f"{'read':<{width}}  {'p50 ms':>7}  {'p95 ms':>7}  {'max ms':>7}  queries  "
          "p50 ms in Python (CPU) / waiting on SQL")
    worst = 0.0
    for name, p50, p95, most, queries, cpu, database in rows:
        if p50 is None:
            print(f"{name:<{width}}  (nothing to sample)")
            continue
        worst = max(worst, p95)
        figures = f"{p50:7.1f}  {p95:7.1f}  {most:7.1f}  {queries:7}  {cpu:.1f} / {database:.1f}"
        print(f"{name:<{width}}  {figures}")
    verdict = "met" if worst <= TARGET_P95_MS else "NOT met"
    print(f"{len(rows)} reads x {args.runs} runs on {track_count:,} tracks: worst p95 {worst:.1f} ms "
          f"(target <= {TARGET_P95_MS:.0f} ms: {verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
