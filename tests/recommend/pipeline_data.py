"""A small catalog and listening history with real taste structure, for the pipeline tests.

Four genres, six artists each, two albums of four tracks per artist (192 tracks). Each listener
follows one or two genres and plays a dozen or more of their tracks, a few of them several times,
skipping now and then; nobody plays everything, so every listener has unplayed tracks of their
genres to discover.
"""

import datetime as dt
import random
import uuid

from django.contrib.auth import get_user_model

from catalog.models import Album, Artist, Genre, Track
from catalog.normalize import name_key
from listening.models import Play, TrackLike

GENRES = ("Synthwave", "Jazz", "Metal", "Folk")
START = dt.datetime(2026, 3, 1, 20, 0, tzinfo=dt.UTC)


def build_catalog() -> dict[str, list[Track]]:
    """Create the catalog; return the tracks of each genre."""
    by_genre = {}
    for genre_name in GENRES:
        genre = Genre.objects.create(name=genre_name, slug=Genre.slug_for(genre_name))
        tracks = []
        for a in range(6):
            artist_name = f"{genre_name} Artist {a}"
            artist = Artist.objects.create(name=artist_name, name_key=name_key(artist_name))
            for b in range(2):
                title = f"{genre_name} Album {a}.{b}"
                album = Album.objects.create(title=title, title_key=name_key(title), artist=artist)
                for n in range(4):
                    song = f"{genre_name} Song {a}.{b}.{n}"
                    tracks.append(
                        Track.objects.create(
                            title=song,
                            title_key=name_key(song),
                            album=album,
                            artist=artist,
                            duration_ms=180_000,
                        )
                    )
        Track.genres.through.objects.bulk_create(
            [Track.genres.through(track_id=t.pk, genre_id=genre.pk) for t in tracks]
        )
        by_genre[genre_name] = tracks
    return by_genre


def build_history(by_genre: dict[str, list[Track]], listeners: int = 24, seed: int = 7) -> list:
    """Create listeners and their plays (and a few likes); return the users."""
    rng = random.Random(seed)
    users = []
    plays = []
    likes = []
    for number in range(listeners):
        user = get_user_model().objects.create_user(username=f"fan{number}", password="x")
        users.append(user)
        genres = [GENRES[number % 4]] + ([GENRES[(number + 1) % 4]] if number % 3 == 0 else [])
        pool = [t for g in genres for t in by_genre[g]]
        chosen = rng.sample(pool, min(len(pool), 18 + number % 7))
        for position, track in enumerate(chosen):
            for repeat in range(1 + (position % 3 == 0) * 2):
                when = START + dt.timedelta(hours=position * 3 + repeat)
                skipped = (position + repeat + number) % 9 == 0
                ms = 20_000 if skipped else 180_000
                plays.append(
                    Play(
                        user=user,
                        track=track,
                        play_id=uuid.uuid4(),
                        started_at=when,
                        ended_at=when + dt.timedelta(milliseconds=ms),
                        ms_played=ms,
                        skipped=skipped,
                    )
                )
        likes.append(TrackLike(user=user, track=chosen[0]))
    Play.objects.bulk_create(plays)
    TrackLike.objects.bulk_create(likes)
    return users


def played_track_ids(user) -> set[int]:
    return set(Play.objects.filter(user=user).values_list("track_id", flat=True))
