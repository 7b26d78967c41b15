"""Playlist services: editing, permissions, atomic reorder under concurrent edits, M3U8/XSPF round trips."""

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from listening import playlist_formats, services
from listening.models import Playlist, PlaylistTrack
from tests.catalog.factories import make_album, make_artist, make_audio_file, make_track

pytestmark = pytest.mark.django_db


@pytest.fixture
def tracks():
    album = make_album("Kind of Blue", artist=make_artist("Miles Davis"))
    titles = ["So What", "Freddie Freeloader", "Blue in Green", "All Blues", "Flamenco Sketches"]
    return [
        make_track(title, album=album, track_number=n, audio_file=make_audio_file(f"/music/kob/{n:02}.flac"))
        for n, title in enumerate(titles, start=1)
    ]


def order(playlist):
    return list(playlist.items.order_by("position", "id").values_list("track__title", flat=True))


def test_create_add_and_remove(user, tracks):
    playlist = services.playlist_create(owner=user, name="  Evening  ", tracks=tracks[:3])
    assert playlist.name == "Evening"
    assert order(playlist) == ["So What", "Freddie Freeloader", "Blue in Green"]
    services.playlist_add_tracks(playlist=playlist, actor=user, tracks=[tracks[4]], position=1)
    assert order(playlist) == ["So What", "Flamenco Sketches", "Freddie Freeloader", "Blue in Green"]
    item = playlist.items.get(track=tracks[0])
    services.playlist_remove_item(playlist=playlist, actor=user, item_id=item.pk)
    assert order(playlist) == ["Flamenco Sketches", "Freddie Freeloader", "Blue in Green"]


def test_a_playlist_needs_a_name(user):
    with pytest.raises(ValidationError) as error:
        services.playlist_create(owner=user, name="   ")
    assert "name" in error.value.message_dict


def test_reorder_and_move(user, tracks):
    playlist = services.playlist_create(owner=user, name="Mix", tracks=tracks[:3])
    ids = list(playlist.items.order_by("position").values_list("pk", flat=True))
    services.playlist_reorder(playlist=playlist, actor=user, item_ids=[ids[2], ids[0], ids[1]])
    assert order(playlist) == ["Blue in Green", "So What", "Freddie Freeloader"]
    services.playlist_move_item(playlist=playlist, actor=user, item_id=ids[2], to_index=2)
    assert order(playlist) == ["So What", "Freddie Freeloader", "Blue in Green"]


def test_a_stale_reorder_keeps_tracks_added_meanwhile(user, other_user, tracks):
    playlist = services.playlist_create(owner=user, name="Shared", tracks=tracks[:2])
    services.playlist_collaborator_add(playlist=playlist, actor=user, user=other_user)
    stale_ids = list(playlist.items.order_by("position").values_list("pk", flat=True))
    services.playlist_add_tracks(playlist=playlist, actor=other_user, tracks=[tracks[2]])
    services.playlist_reorder(playlist=playlist, actor=user, item_ids=list(reversed(stale_ids)))
    assert order(playlist) == ["Freddie Freeloader", "So What", "Blue in Green"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_reorders_and_adds_never_lose_a_track(user, other_user, tracks):
    playlist = services.playlist_create(owner=user, name="Busy", tracks=tracks[:2])
    services.playlist_collaborator_add(playlist=playlist, actor=user, user=other_user)
    errors = []

    def work(action):
        try:
            for _ in range(5):
                action()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    def reorder():
        ids = list(PlaylistTrack.objects.filter(playlist=playlist).values_list("pk", flat=True))
        services.playlist_reorder(playlist=playlist, actor=user, item_ids=list(reversed(ids)))

    def add():
        services.playlist_add_tracks(playlist=playlist, actor=other_user, tracks=[tracks[3]])

    threads = [threading.Thread(target=work, args=(action,)) for action in (reorder, add, reorder, add)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert playlist.items.count() == 2 + 10
    positions = list(playlist.items.values_list("position", flat=True))
    assert len(set(positions)) == len(positions)


def test_only_owner_and_collaborators_edit(user, other_user, tracks):
    playlist = services.playlist_create(owner=user, name="Mine", tracks=tracks[:1])
    with pytest.raises(PermissionDenied):
        services.playlist_add_tracks(playlist=playlist, actor=other_user, tracks=[tracks[1]])
    with pytest.raises(PermissionDenied):
        services.playlist_update(playlist=playlist, actor=other_user, name="Theirs")
    services.playlist_collaborator_add(playlist=playlist, actor=user, user=other_user)
    services.playlist_add_tracks(playlist=playlist, actor=other_user, tracks=[tracks[1]])
    with pytest.raises(PermissionDenied):  # collaborators add and reorder, but don't rename
        services.playlist_update(playlist=playlist, actor=other_user, name="Theirs")
    assert playlist.items.count() == 2


def test_duplicate_copies_tracks_into_a_private_playlist(user, other_user, tracks):
    playlist = services.playlist_create(owner=user, name="Public", is_public=True, tracks=tracks)
    copy = services.playlist_duplicate(playlist=playlist, actor=other_user)
    assert copy.owner == other_user
    assert not copy.is_public
    assert order(copy) == order(playlist)


@pytest.mark.parametrize("export", [playlist_formats.to_m3u8, playlist_formats.to_xspf])
def test_round_trip_matches_every_track(user, tracks, export):
    entries = [
        playlist_formats.ExportEntry(
            title=t.title,
            artist=t.artist.name,
            album=t.album.title,
            duration_ms=t.duration_ms,
            location=f"https://music.example.org/stream/{t.pk}/",
        )
        for t in tracks
    ]
    content = export(name="Kind of Blue", entries=entries).encode()
    result = services.playlist_import(owner=user, name="Imported", content=content)
    assert result.unmatched == []
    assert order(result.playlist) == [t.title for t in tracks]


def test_import_matches_by_path_and_by_artist_and_title_and_reports_the_rest(user, tracks):
    content = (
        b"#EXTM3U\n"
        b"#EXTINF:545,Miles Davis - So What\n/elsewhere/unknown.mp3\n"
        b"/music/kob/03.flac\n"
        b"#EXTINF:300,MILES DAVIS - all blues!\nsomething.mp3\n"
        b"#EXTINF:200,Nobody - Nothing\nnothing.mp3\n"
    )
    result = services.playlist_import(owner=user, name="From M3U", content=content)
    assert order(result.playlist) == ["So What", "Blue in Green", "All Blues"]
    assert result.unmatched == [{"line": 8, "entry": "Nobody - Nothing (nothing.mp3)"}]


@pytest.mark.parametrize(
    "content",
    [b"", b"<playlist><broken", b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><playlist/>'],
)
def test_bad_playlist_files_are_refused_with_a_field_error(user, content):
    with pytest.raises(ValidationError) as error:
        services.playlist_import(owner=user, name="Bad", content=content, filename="x.xspf")
    assert "file" in error.value.message_dict
    assert Playlist.objects.count() == 0
