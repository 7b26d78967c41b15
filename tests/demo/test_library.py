"""The demo library: names, music, covers, the seeding service and the seed_demo command."""

import io
import subprocess
from pathlib import Path

import imageio_ffmpeg
import mutagen
import numpy as np
import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from mutagen.mp3 import MP3
from PIL import Image

from catalog.models import Album, Artist, AudioFile, Genre, LibraryImport, Track
from catalog.normalize import name_key
from demo import audio, covers, library, names, seed, words
from demo.names import DemoSize
from demo.styles import STYLES
from tests.catalog.factories import make_track

TINY = DemoSize(artists=2, albums_per_artist=1, tracks=3)
SMALL = DemoSize(artists=3, albums_per_artist=2, tracks=9)


def decode(data: bytes) -> np.ndarray:
    """Return MP3 bytes decoded by ffmpeg as 16 kHz mono floats (and fail on any decoding error)."""
    result = subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-v",
            "error",
            "-f",
            "mp3",
            "-i",
            "-",
            "-f",
            "s16le",
            "-ac",
            "1",
            "-ar",
            str(audio.SAMPLE_RATE),
            "-",
        ],
        input=data,
        capture_output=True,
        check=True,
    )
    assert result.stderr == b"", result.stderr.decode()
    return np.frombuffer(result.stdout, "<i2").astype(np.float32) / 32768


def media_bytes(root: Path) -> int:
    return sum(path.stat().st_size for path in root.rglob("*") if path.is_file())


# -- names -------------------------------------------------------------------------------------------


def test_a_seed_always_gives_the_same_names():
    first, again = names.plan_catalog(seed=7, size=SMALL), names.plan_catalog(seed=7, size=SMALL)
    assert first == again
    other = names.plan_catalog(seed=8, size=SMALL)
    assert [a.name for a in first.artists] != [a.name for a in other.artists]


def test_a_smaller_demo_keeps_the_first_artists_of_a_larger_one():
    small, large = names.plan_catalog(seed=3, size=TINY), names.plan_catalog(seed=3)
    assert [a.name for a in small.artists] == [a.name for a in large.artists[:2]]


def test_the_default_plan_is_big_enough_and_names_are_unique():
    plan = names.plan_catalog(seed=seed.DEFAULT_SEED)
    assert len(plan.artists) >= 40 and len(plan.albums) >= 120 and len(plan.tracks) >= 1000
    assert len(plan.genres) >= 12
    assert len({name_key(a.name) for a in plan.artists}) == len(plan.artists)
    for album in plan.albums:
        titles = [name_key(track.title) for track in album.tracks]
        assert len(set(titles)) == len(titles), album.title
        assert [(t.disc, t.number) for t in album.tracks] == sorted((t.disc, t.number) for t in album.tracks)
    assert {"album", "ep", "single", "compilation"} <= {album.album_type for album in plan.albums}
    ids = [a.mbid for a in plan.artists] + [a.mbid for a in plan.albums] + [t.mbid for _, t in plan.tracks]
    assert len(set(ids)) == len(ids) and all(mbid.version == 4 for mbid in ids)


def test_every_genre_has_words_a_sound_and_a_palette():
    assert set(words.GENRES) == set(STYLES) == set(covers.PALETTES)
    assert len(words.GENRES) >= 12


# -- music -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("genre", sorted(STYLES))
def test_each_genre_decodes_to_music_of_the_announced_length(genre):
    music = audio.AlbumMusic(genre=genre, seed=11, artist_seed=5)
    parts = (audio.Part("intro"), audio.Part("verse"), audio.Part("chorus", 0, 1), audio.Part("ending"))
    data = music.mp3(parts)
    assert len(data) == len(parts) * music.part_frames * audio.FRAME_BYTES
    samples = decode(data)
    assert len(samples) == len(parts) * music.part_frames * audio.FRAME_SAMPLES
    # Sound all along (no part is silent), with dynamics, and never clipped.
    windows = np.sqrt(np.mean(samples[: len(samples) // 4000 * 4000].reshape(-1, 4000) ** 2, axis=1))
    part_windows = np.array_split(windows, len(parts))
    assert all(window.max() > 0.02 for window in part_windows)
    assert windows.std() > 0.005
    assert np.abs(samples).max() < 1.0


def test_an_albums_tracks_are_distinct_and_last_more_than_30_s():
    music = audio.AlbumMusic(genre="Jazz", seed=3)
    arrangements = music.arrangements(list(range(16)))
    assert len(set(arrangements)) == 16
    assert all(music.duration_ms(parts) > 30_000 for parts in arrangements)
    assert all(parts[-1].section == "ending" for parts in arrangements)


def test_joined_parts_match_the_decoded_parts():
    """Frames joined from separately encoded parts decode as the parts do on their own."""
    music = audio.AlbumMusic(genre="Folk", seed=4)
    verse, chorus = audio.Part("verse"), audio.Part("chorus")
    joined = decode(music.mp3((verse, chorus)))
    alone = decode(music.part_mp3(chorus))
    length = music.part_frames * audio.FRAME_SAMPLES
    # The decoder's filter bank carries a little of the verse into the chorus: compare after it.
    assert np.abs(joined[length + 600 :] - alone[600:]).max() < 0.05


# -- covers ------------------------------------------------------------------------------------------


def test_covers_are_distinct_600px_jpegs():
    plan = names.plan_catalog(seed=5, size=DemoSize(artists=14, albums_per_artist=1, tracks=14))
    images = [
        covers.render_cover(title=a.title, artist=a.artist.name, genre=a.artist.genre, seed=a.seed)
        for a in plan.albums
    ]
    assert len(set(images)) == len(images)
    for data in images:
        with Image.open(io.BytesIO(data)) as image:
            assert (image.format, image.size) == ("JPEG", (600, 600))
        assert len(data) < 200_000


# -- the seeding service -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_tiny_demo_imports_every_generated_track(settings):
    summary = seed.demo_seed(seed=9, size=TINY)
    plan = names.plan_catalog(seed=9, size=TINY)
    assert (summary.artists, summary.albums, summary.tracks) == (2, 2, 3)
    assert Genre.objects.count() == len(plan.genres)
    for album_plan, track_plan in plan.tracks:
        track = Track.objects.select_related("album", "artist", "audio_file").get(mbid=track_plan.mbid)
        assert (track.title, track.album.title, track.artist.name) == (
            track_plan.title,
            album_plan.title,
            album_plan.artist.name,
        )
        assert track.album.mbid == album_plan.mbid and track.artist.mbid == album_plan.artist.mbid
        assert track.album.album_type == album_plan.album_type
        assert track.album.release_year == album_plan.year
        assert sorted(track.genres.values_list("name", flat=True)) == sorted(album_plan.genres)
        path = Path(track.audio_file.path)
        assert path.is_file() and Path(settings.STREAMAPP_DEMO_LIBRARY_DIR) in path.parents
        info = MP3(path).info
        assert info.length > 30
        assert abs(info.length * 1000 - track.duration_ms) < 50
        assert track.duration_ms == track.audio_file.duration_ms
        samples = decode(path.read_bytes())
        assert abs(len(samples) / audio.SAMPLE_RATE * 1000 - track.duration_ms) < 50
    for album in Album.objects.all():
        assert album.cover and Path(album.cover.path).is_file()
    assert len({album.cover_checksum for album in Album.objects.all()}) == 2
    assert LibraryImport.objects.get().status == LibraryImport.Status.DONE


@pytest.mark.django_db
def test_seeding_again_changes_nothing(settings):
    seed.demo_seed(seed=9, size=TINY)
    rows = sorted(
        Track.objects.values_list("pk", "title", "album_id", "artist_id", "audio_file_id", "duration_ms")
    )
    root = Path(settings.STREAMAPP_DEMO_LIBRARY_DIR)
    stamps = {path: path.stat().st_mtime_ns for path in root.rglob("*") if path.is_file()}

    seed.demo_seed(seed=9, size=TINY)
    assert (
        sorted(
            Track.objects.values_list("pk", "title", "album_id", "artist_id", "audio_file_id", "duration_ms")
        )
        == rows
    )
    assert (Artist.objects.count(), Album.objects.count(), AudioFile.objects.count()) == (2, 2, 3)
    assert {path: path.stat().st_mtime_ns for path in root.rglob("*") if path.is_file()} == stamps
    second = LibraryImport.objects.order_by("-pk").first()
    assert (second.added, second.updated, second.unchanged) == (0, 0, 3)


@pytest.mark.django_db
def test_files_are_regenerated_identical_when_their_record_is_lost(settings):
    seed.demo_seed(seed=9, size=TINY)
    root = Path(settings.STREAMAPP_DEMO_LIBRARY_DIR)
    files = [path for path in root.rglob("*.*") if path.name != library.MANIFEST_NAME]
    stamps = {path: path.stat().st_mtime_ns for path in files}
    (root / library.MANIFEST_NAME).unlink()

    files = library.write_library(names.plan_catalog(seed=9, size=TINY), root)
    assert not files.reused and files.written == 0
    assert {path: path.stat().st_mtime_ns for path in stamps} == stamps
    (root / next(iter(files.files))).write_bytes(b"damaged")
    assert library.write_library(names.plan_catalog(seed=9, size=TINY), root).written == 1


@pytest.mark.django_db
def test_another_seed_replaces_the_demo_files(settings):
    seed.demo_seed(seed=9, size=TINY)
    seed.demo_seed(seed=10, size=TINY)
    root = Path(settings.STREAMAPP_DEMO_LIBRARY_DIR)
    plan = names.plan_catalog(seed=10, size=TINY)
    assert len(list(root.rglob("*.mp3"))) == 3
    assert set(Track.objects.filter(is_available=True).values_list("mbid", flat=True)) == {
        track.mbid for _, track in plan.tracks
    }


@pytest.mark.django_db
def test_the_demo_accounts_are_created_and_reset():
    seed.demo_seed(seed=9, size=TINY)
    users = get_user_model()
    admin, demo = users.objects.get(username="admin"), users.objects.get(username="demo")
    assert admin.is_staff and admin.is_superuser and admin.check_password("admin")
    assert not demo.is_staff and not demo.is_superuser and demo.check_password("demo")
    demo.set_password("changed")
    demo.save()
    seed.demo_seed(seed=9, size=TINY)
    assert users.objects.get(username="demo").check_password("demo")
    assert users.objects.count() == 2


@pytest.mark.django_db
def test_scale_adds_copies_that_share_the_demos_audio_and_only_once():
    seed.demo_seed(seed=9, size=TINY, scale=3)
    assert (Artist.objects.count(), Album.objects.count(), Track.objects.count()) == (6, 6, 9)
    base_files = set(AudioFile.objects.values_list("pk", flat=True))
    assert AudioFile.objects.count() == 3
    for track in Track.objects.select_related("audio_file"):
        assert track.audio_file_id in base_files
        assert track.duration_ms == track.audio_file.duration_ms > 30_000
        assert track.genres.exists()
    assert Album.objects.exclude(cover="").count() == 6

    seed.demo_seed(seed=9, size=TINY, scale=3)
    assert Track.objects.count() == 9
    seed.demo_seed(seed=9, size=TINY, scale=4)
    assert (Artist.objects.count(), Track.objects.count()) == (8, 12)
    assert len(set(Artist.objects.values_list("mbid", flat=True))) == 8


def test_a_copy_of_the_demo_is_planned_with_other_names():
    base = names.plan_catalog(seed=42, size=SMALL)
    copy = names.plan_catalog(seed=seed._copy_seed(42, 1), size=SMALL)
    assert len(copy.tracks) == len(base.tracks) and len(copy.albums) == len(base.albums)
    assert {a.name for a in copy.artists}.isdisjoint({a.name for a in base.artists})
    assert copy.artists[0].mbid == names.artist_mbid(seed._copy_seed(42, 1), 0)


# -- the command -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_seed_demo_is_refused_in_production_mode(settings):
    settings.STREAMAPP_ALLOW_DEMO_ACCOUNTS = False
    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo", verbosity=0)
    with pytest.raises(seed.DemoNotAllowed):
        seed.demo_seed(size=TINY)
    assert not get_user_model().objects.exists() and not Track.objects.exists()


@pytest.mark.django_db
def test_if_empty_leaves_a_catalog_that_has_tracks_alone():
    make_track()
    out = io.StringIO()
    call_command("seed_demo", "--if-empty", stdout=out)
    assert "already has tracks" in out.getvalue()
    assert Track.objects.count() == 1 and not get_user_model().objects.exists()


@pytest.mark.django_db
def test_if_empty_builds_the_demo_on_an_empty_catalog(monkeypatch):
    monkeypatch.setattr(seed, "DEFAULT_SIZE", TINY)
    out = io.StringIO()
    call_command("seed_demo", "--if-empty", "--seed", "9", stdout=out, stderr=io.StringIO())
    assert "Demo library: 2 artists, 2 albums, 3 tracks" in out.getvalue()
    assert get_user_model().objects.filter(username="admin").exists()


@pytest.mark.django_db(transaction=True)
def test_the_default_demo_is_complete_and_under_100_mb(settings):
    out = io.StringIO()
    call_command("seed_demo", stdout=out, stderr=io.StringIO())
    assert Artist.objects.count() >= 40
    assert Album.objects.count() >= 120
    assert Track.objects.count() >= 1000
    assert Genre.objects.count() >= 12
    assert not Track.objects.filter(duration_ms__lte=30_000).exists()
    assert Album.objects.filter(cover="").count() == 0
    assert len(set(Album.objects.values_list("cover_checksum", flat=True))) == Album.objects.count()
    # The covers (MEDIA_ROOT) and the audio (kept outside it, private) together.
    audio_bytes = media_bytes(Path(settings.STREAMAPP_DEMO_LIBRARY_DIR))
    assert audio_bytes > 10_000_000
    assert media_bytes(Path(settings.MEDIA_ROOT)) + audio_bytes < 100_000_000
    sample = Track.objects.select_related("audio_file").order_by("?").first()
    assert mutagen.File(sample.audio_file.path).info.length * 1000 == pytest.approx(
        sample.duration_ms, abs=50
    )
    assert "Demo library: 42 artists, 126 albums, 1,008 tracks, 14 genres" in out.getvalue()


def test_file_names_are_safe():
    assert library.safe_name('AC/DC: "Live"?') == "AC_DC_ _Live_"
    assert library.safe_name("...") == "_"
