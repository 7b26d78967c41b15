"""The genre overview (each genre's playable tracks and a cover) is cached, and stays right as the catalog
changes: after a library import, after seed_demo, after staff edits in the admin."""

import shutil

import pytest
from django.db.models import Count, Q
from django.urls import reverse

import catalog.admin_imports  # noqa: F401  (registers the admin until catalog/admin.py imports it)
from catalog import selectors, services
from catalog.models import Genre, Track
from demo import seed
from demo.names import DemoSize
from tests.catalog.audio_files import write_audio
from tests.catalog.factories import make_genre, make_track

pytestmark = pytest.mark.django_db


def counted_now() -> dict[str, int]:
    """Return every genre's playable tracks, counted in the database now (genres without any left out)."""
    rows = Genre.objects.annotate(playable=Count("tracks", filter=Q(tracks__is_available=True)))
    return {genre.name: genre.playable for genre in rows if genre.playable}


def overview() -> dict[str, int]:
    return {genre.name: genre.track_count for genre in selectors.genre_overview()}


def test_the_overview_is_served_from_the_cache_after_the_first_read(django_assert_num_queries):
    rock = make_genre("Rock")
    make_track("One", genres=[rock])
    with django_assert_num_queries(1):
        assert overview() == {"Rock": 1}
    with django_assert_num_queries(0):
        assert overview() == {"Rock": 1}
        assert [genre.name for genre in selectors.genre_overview(limit=1, biggest_first=True)] == ["Rock"]


def test_biggest_first_orders_by_track_count_then_by_name():
    jazz, rock, blues = make_genre("Jazz"), make_genre("Rock"), make_genre("Blues")
    for number in range(3):
        make_track(f"Rock {number}", genres=[rock])
    make_track("Jazz", genres=[jazz])
    make_track("Blues", genres=[blues])
    make_track("Gone", genres=[make_genre("Gone")], is_available=False)
    assert [genre.name for genre in selectors.genre_overview()] == ["Blues", "Jazz", "Rock"]
    biggest = selectors.genre_overview(biggest_first=True)
    assert [(genre.name, genre.track_count) for genre in biggest] == [("Rock", 3), ("Blues", 1), ("Jazz", 1)]
    top_two = selectors.genre_overview(limit=2, biggest_first=True)
    assert [genre.name for genre in top_two] == ["Rock", "Blues"]


def _tone(path, title: str, genre: str):
    return write_audio(path, title=title, artist="Artist", album="Album", track="1", genre=genre)


def test_a_library_import_refreshes_the_counts(tmp_path, user_client):
    root = tmp_path / "music"
    _tone(root / "a.mp3", "First", "Rock")
    services.library_import(root=root)
    assert overview() == {"Rock": 1} == counted_now()

    _tone(root / "b.mp3", "Second", "Rock")
    _tone(root / "c.ogg", "Third", "Jazz")
    services.library_import(root=root)
    assert overview() == {"Rock": 2, "Jazz": 1} == counted_now()

    # A file that disappears makes its track unavailable: it no longer counts.
    shutil.move(root / "c.ogg", tmp_path / "c.ogg")
    services.library_import(root=root)
    assert overview() == {"Rock": 2} == counted_now()
    page = user_client.get(reverse("catalog:genre-list")).content.decode()
    assert "2 tracks" in page and "Jazz" not in page


def test_seed_demo_with_scale_refreshes_the_counts():
    assert overview() == {}  # cached while the catalog is empty
    seed.demo_seed(seed=9, size=DemoSize(artists=2, albums_per_artist=1, tracks=3), scale=3)
    assert Track.objects.count() == 9
    assert overview() == counted_now()
    assert sum(overview().values()) >= 9


def test_staff_edits_in_the_admin_refresh_the_counts(staff_client, django_capture_on_commit_callbacks):
    rock = make_genre("Rock")
    kept = make_track("Kept", genres=[rock])
    dropped = make_track("Dropped", album=kept.album, genres=[rock])
    assert overview() == {"Rock": 2}

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("admin:catalog_track_delete", args=[dropped.pk]), {"post": "yes"}
        )
    assert response.status_code == 302
    assert overview() == {"Rock": 1} == counted_now()

    # Unticking "is available" on the track's change form.
    form = {
        "title": kept.title, "album": kept.album_id, "artist": kept.artist_id, "disc_number": 1,
        "track_number": "", "duration_ms": kept.duration_ms, "genres": [rock.pk], "audio_file": "",
        "mbid": "",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(reverse("admin:catalog_track_change", args=[kept.pk]), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    kept.refresh_from_db()
    assert not kept.is_available
    assert overview() == {} == counted_now()


def test_a_change_makes_cached_reads_stale_at_once_and_again_when_it_commits(
    django_capture_on_commit_callbacks, django_assert_num_queries
):
    rock = make_genre("Rock")
    one, two = make_track("One", genres=[rock]), make_track("Two", genres=[rock])
    assert overview() == {"Rock": 2}
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        Track.objects.filter(pk=one.pk).update(is_available=False)
        selectors.catalog_changed()
        # Another request reads the catalog before this change commits, and caches what it saw.
        assert overview() == {"Rock": 1}
    Track.objects.filter(pk=two.pk).update(is_available=False)  # (here: what the other request missed)
    with django_assert_num_queries(0):
        assert overview() == {"Rock": 1}
    assert len(callbacks) == 1
    callbacks[0]()  # the commit
    assert overview() == {}


def test_album_and_artist_pages_are_cached_until_the_catalog_changes(django_assert_num_queries):
    track = make_track("Song", track_number=1)
    assert [t.title for t in selectors.album_detail(pk=track.album_id).tracks] == ["Song"]
    assert selectors.artist_detail(pk=track.artist_id).artist.name == track.artist.name
    with django_assert_num_queries(0):
        assert [t.title for t in selectors.album_detail(pk=track.album_id).tracks] == ["Song"]
        assert [t.title for t in selectors.artist_detail(pk=track.artist_id).top_tracks] == ["Song"]
    Track.objects.filter(pk=track.pk).update(title="Renamed")
    with django_assert_num_queries(0):
        assert selectors.album_detail(pk=track.album_id).tracks[0].title == "Song"
    selectors.catalog_changed()
    assert selectors.album_detail(pk=track.album_id).tracks[0].title == "Renamed"
    assert selectors.album_detail(pk=0) is None
