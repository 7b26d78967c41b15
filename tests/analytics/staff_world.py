"""A small, hand-made listening history whose staff figures are worked out by hand in the tests.

Site time zone UTC. Week of Monday 2 November 2026 and the next one:

    listener  active days (listens or plays)          first day
    ann       Nov 2, Nov 3, Nov 10, Nov 12            Nov 2
    bob       Nov 3, Nov 12                           Nov 3
    cat       Nov 10                                  Nov 10
    dan       Oct 30 (two listens of Rock song)       Oct 30   (only in the previous period)

Tracks: "Rock song" (MP3, Rock), "Both song" (FLAC, Rock + Jazz), "Jazz song" (no file, Jazz), and two
tracks nobody plays.
"""

import datetime
import uuid

from analytics import rollups
from catalog.models import AudioFile
from listening.models import Listen, Play, Playlist
from tests.catalog.factories import make_album, make_artist, make_audio_file, make_genre, make_track

UTC = datetime.UTC


def at(month: int, day: int, hour: int = 12) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, tzinfo=UTC)


def listen(user, track, when, ms=None):
    return Listen.objects.create(
        user=user, track=track, listened_at=when, ms_played=ms, dedupe_key=uuid.uuid4().hex
    )


def play(
    user,
    track,
    when,
    *,
    skipped,
    ms,
    context="",
    context_id="",
    ttfa=None,
    stalls=0,
    stall_ms=0,
    errors=0,
    served=("", "", None),
):
    quality, stream_format, bitrate = served
    return Play.objects.create(
        quality=quality,
        stream_format=stream_format,
        stream_bitrate_kbps=bitrate,
        user=user,
        track=track,
        play_id=uuid.uuid4(),
        started_at=when,
        ms_played=ms,
        skipped=skipped,
        context_type=context,
        context_id=context_id,
        time_to_first_audio_ms=ttfa,
        stall_count=stalls,
        stall_ms=stall_ms,
        error_count=errors,
    )


def build(django_user_model):
    ann = django_user_model.objects.create_user(username="ann", password="x-pass-123")
    bob = django_user_model.objects.create_user(username="bob", password="x-pass-123")
    cat = django_user_model.objects.create_user(username="cat", password="x-pass-123")
    dan = django_user_model.objects.create_user(username="dan", password="x-pass-123")
    rock, jazz = make_genre("Rock"), make_genre("Jazz")
    album = make_album("Album", artist=make_artist("Band"))
    rock_song = make_track(
        "Rock song", album=album, genres=[rock], duration_ms=180_000, audio_file=make_audio_file()
    )
    both_song = make_track(
        "Both song",
        album=album,
        genres=[rock, jazz],
        audio_file=make_audio_file("/music/both.flac", format=AudioFile.Format.FLAC, mime_type="audio/flac"),
    )
    jazz_song = make_track("Jazz song", album=album, genres=[jazz])
    make_track("Unplayed one", album=album)
    make_track("Unplayed two", album=album)
    discover = Playlist.objects.create(owner=ann, name="Discover Weekly", kind=Playlist.Kind.DISCOVER)
    mix = Playlist.objects.create(owner=bob, name="Daily Mix 1", kind=Playlist.Kind.DAILY_MIX)

    listen(dan, rock_song, at(10, 30, 9), 180_000)
    listen(dan, rock_song, at(10, 30, 10), 180_000)
    listen(ann, rock_song, at(11, 2), 200_000)
    listen(ann, rock_song, at(11, 3))  # no duration: counts the track's 180,000 ms
    listen(bob, rock_song, at(11, 3), 180_000)
    listen(ann, both_song, at(11, 10), 100_000)
    listen(cat, jazz_song, at(11, 10), 60_000)
    listen(bob, both_song, at(11, 12), 240_000)

    play(
        ann,
        rock_song,
        at(11, 2),
        skipped=False,
        ms=200_000,
        context="generated",
        context_id=str(discover.uid),
        ttfa=100,
        stalls=1,
        stall_ms=500,
        served=("low", "opus", 64),
    )
    play(
        ann,
        both_song,
        at(11, 2, 13),
        skipped=True,
        ms=10_000,
        context="generated",
        context_id=str(discover.uid),
        ttfa=300,
        errors=1,
    )
    play(
        bob,
        rock_song,
        at(11, 3),
        skipped=False,
        ms=180_000,
        context="generated",
        context_id=str(mix.uid),
        ttfa=200,
        served=("normal", "opus", 128),
    )
    play(bob, jazz_song, at(11, 3, 13), skipped=True, ms=5_000, context="radio", context_id="genre:jazz")
    play(
        cat,
        rock_song,
        at(11, 10),
        skipped=False,
        ms=240_000,
        context="album",
        context_id=str(album.pk),
        ttfa=400,
        stalls=2,
        stall_ms=1_500,
        served=("original", "mp3", 192),
    )
    play(ann, both_song, at(11, 12), skipped=None, ms=1_000, context="album", context_id=str(album.pk))
    return {
        "users": (ann, bob, cat, dan),
        "tracks": (rock_song, both_song, jazz_song),
        "genres": (rock, jazz),
    }


def roll_up(settings):
    """Run the rollups as of 11 November, noon: days before it come from rollups, later ones are live."""
    settings.STREAMAPP_ANALYTICS_ROLLUP_LAG_SECONDS = 0
    return rollups.rollup_run(now=at(11, 11))
