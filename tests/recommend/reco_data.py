"""A listener with what a nightly run leaves: recommendations with reasons, Discover and Daily Mixes."""

import datetime as dt
import uuid

from listening.models import Listen, Playlist, Source
from recommend import packed
from recommend.models import RecommendationList, RecommendationRun, SimilarArtistList, SimilarTrackList
from tests.catalog.factories import make_album, make_artist, make_genre, make_track
from tests.listening.factories import make_generated_playlist


def listen(user, track, when=None):
    return Listen.objects.create(
        user=user, track=track, listened_at=when or dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
        artist_name=track.artist.name, track_name=track.title, dedupe_key=uuid.uuid4().hex, source=Source.WEB,
    )


def save_recommendations(user, entries, *, run=None) -> RecommendationList:
    """Give `user` these recommendations, best first: (track, score, reason, seed track or None)."""
    items, reasons = packed.pack_recommendations(
        (track.pk, score, reason, seed.pk if seed else None) for track, score, reason, seed in entries
    )
    RecommendationList.objects.filter(user=user).delete()
    return RecommendationList.objects.create(user=user, run=run, items=items, reasons=reasons)


def save_similar_tracks(track, neighbours) -> SimilarTrackList:
    """Give `track` these neighbours, most similar first: (track, score)."""
    return SimilarTrackList.objects.update_or_create(
        track=track, defaults={"items": packed.pack_neighbours((t.pk, s) for t, s in neighbours)}
    )[0]


def save_similar_artists(artist, neighbours) -> SimilarArtistList:
    """Give `artist` these neighbours, most similar first: (artist, score)."""
    return SimilarArtistList.objects.update_or_create(
        artist=artist, defaults={"items": packed.pack_neighbours((a.pk, s) for a, s in neighbours)}
    )[0]


def recommended_ids(user) -> list[int]:
    """Return the track ids of `user`'s stored recommendations, best first (as the run wrote them)."""
    row = RecommendationList.objects.filter(user=user).first()
    return [e.track_id for e in packed.recommendation_entries(row.items, row.reasons)] if row else []


def build(user, *, recommendations: int = 12, mixes: int = 2) -> dict:
    """Give `user` two played seed tracks, `recommendations` recommended tracks (half from each seed)
    and a Discover playlist plus `mixes - 1` Daily Mixes holding the recommended tracks."""
    genre = make_genre()
    seeds = []
    for name in ("Seed Artist A", "Seed Artist B"):
        album = make_album(f"{name} album", artist=make_artist(name))
        seeds.append(make_track(f"{name} hit", album=album, genres=[genre]))
    for seed in seeds:
        listen(user, seed)
    run = RecommendationRun.objects.create(status=RecommendationRun.Status.SUCCEEDED)
    tracks, rows = [], []
    for rank in range(1, recommendations + 1):
        album = make_album(f"Album {rank}", artist=make_artist(f"Artist {rank}"))
        track = make_track(f"Recommended {rank}", album=album, genres=[genre])
        seed = seeds[rank % 2]
        tracks.append(track)
        reason = f"Because you listened to {seed.title} by {seed.artist.name}"
        rows.append((track, 1 - rank / 100, reason, seed))
    save_recommendations(user, rows, run=run)
    playlists = []
    for number in range(mixes):
        kind = Playlist.Kind.DISCOVER if number == 0 else Playlist.Kind.DAILY_MIX
        playlist = make_generated_playlist(
            user, tracks, kind=kind, name="Discover" if number == 0 else f"Daily Mix {number}",
            description="Made for you",
        )
        playlists.append(playlist)
    return {"genre": genre, "seeds": seeds, "tracks": tracks, "playlists": playlists, "run": run}
