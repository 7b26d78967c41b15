"""Generated playlists keep their entries packed on their row: the packing, and every reader showing
them as the PlaylistTrack rows they replaced, in a constant number of queries."""

import importlib
import uuid

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from catalog.models import Track
from listening import packed, selectors, services
from listening.models import Playlist, PlaylistTrack
from tests.catalog.factories import make_album, make_artist
from tests.listening.factories import generated_entries, make_generated_playlist

ODD_NOTES = [
    "Because you listened to So What by Miles Davis",
    "",
    "two\nlines",
    "a backslash \\ and a literal \\n, not a line feed",
    "\\",
    "trailing backslash \\",
    "NUL \x00 inside",
    "CR LF\r\n and tabs\t",
    "  spaces kept  ",
    "Ünïcödé ✓ 音楽 🎷",
    "\n",
]


def test_packed_entries_round_trip_any_note_text():
    entries = [(n + 1, note) for n, note in enumerate(ODD_NOTES)] + [(99, ODD_NOTES[2]), (7, "")]
    blob, notes = packed.pack_entries(entries)
    assert len(blob) == packed.ENTRY.size * len(entries)
    assert len(notes.split("\n")) == len(set(ODD_NOTES))  # one line per distinct note
    assert "\x00" not in notes  # PostgreSQL's text refuses NUL
    assert packed.unpack_entries(blob, notes) == entries
    assert packed.unpack_entries(memoryview(blob), notes) == entries  # as PostgreSQL's driver reads bytea
    assert [packed._unescape(packed.escape_note(note)) for note in ODD_NOTES] == ODD_NOTES


def test_unpacking_nothing_or_an_unknown_note_index():
    assert packed.unpack_entries(None, "") == []
    assert packed.unpack_entries(b"", "") == []
    blob = packed.ENTRY.pack(5, 0) + packed.ENTRY.pack(6, 3)
    assert packed.unpack_entries(blob, "only") == [(5, "only"), (6, "")]


def make_tracks(count: int) -> list[Track]:
    """Create `count` tracks over 5 albums in one go, in id order."""
    albums = [make_album(f"Album {n}", artist=make_artist(f"Artist {n}")) for n in range(5)]
    for n, album in enumerate(albums):
        album.cover = f"covers/{n}.jpg"
        album.save(update_fields=["cover"])
    Track.objects.bulk_create(
        Track(
            title=f"Song {n:04d}",
            title_key=f"song {n:04d}",
            album=albums[n % 5],
            artist=albums[n % 5].artist,
            duration_ms=1000 + n,
        )
        for n in range(count)
    )
    return list(Track.objects.order_by("pk"))


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def queries(call) -> int:
    with CaptureQueriesContext(connection) as context:
        call()
    return len(context.captured_queries)


@pytest.mark.django_db
@pytest.mark.parametrize("size", [10, 1_000])
def test_a_generated_playlists_api_reads_show_its_entries_in_order_in_constant_queries(
    user, size, django_assert_max_num_queries
):
    tracks = make_tracks(size)[::-1]  # not in id order: the stored order wins
    notes = [f"Because of {n % 7}" for n in range(size)]
    playlist = make_generated_playlist(user, tracks, notes=notes)
    api = client_for(user)
    # As a user playlist's: the access (when not cached), which tracks still exist, the page.
    with django_assert_max_num_queries(6):
        body = api.get(f"/api/v1/playlists/{playlist.uid}/").json()
    first = tracks[:50]
    assert body["track_count"] == size and body["kind"] == "discover" and body["can_edit"] is False
    assert [item["track"]["id"] for item in body["items"]] == [t.pk for t in first]
    assert [item["position"] for item in body["items"]] == list(range(len(first)))
    assert [item["item_id"] for item in body["items"]] == list(range(1, len(first) + 1))
    assert {item["added_by"] for item in body["items"]} == {None}
    assert body["items"][0]["added_at"] == body["updated_at"]
    assert (body["items"][0]["track"]["album"], body["items"][0]["track"]["artist"]) == (
        tracks[0].album.title, tracks[0].artist.name
    )
    assert (body["items_next"] is not None) == (size > 50)
    with django_assert_max_num_queries(6):
        page = api.get(f"/api/v1/playlists/{playlist.uid}/tracks/?page=2&page_size=5").json()
    assert page["count"] == size
    assert [item["track"]["id"] for item in page["results"]] == [t.pk for t in tracks[5:10]]
    shown = [(item["position"], item["item_id"]) for item in page["results"]]
    assert shown == [(n, n + 1) for n in range(5, 10)]
    with django_assert_max_num_queries(6):
        context = api.get("/api/v1/player/context/", {"type": "generated", "id": str(playlist.uid)}).json()
    queued = [t.pk for t in tracks[: selectors.PLAYER_QUEUE_MAX]]
    assert [track["id"] for track in context["tracks"]] == queued


@pytest.mark.django_db
def test_a_generated_playlists_page_runs_the_same_queries_for_10_and_1000_entries(user, user_client):
    counts = []
    for size in (10, 1_000):
        Track.objects.all().delete()
        tracks = make_tracks(size)
        notes = ["Because you listened to <b>So What</b>"] * size
        playlist = make_generated_playlist(user, tracks, notes=notes, name=f"Discover {size}")
        counts.append(queries(lambda playlist=playlist: user_client.get(playlist.get_absolute_url())))
        html = user_client.get(playlist.get_absolute_url()).content.decode()
        positions = [html.index(f">{track.title}<") for track in tracks[:: max(1, size // 10)]]
        assert positions == sorted(positions)
        assert "Because you listened to &lt;b&gt;So What&lt;/b&gt;" in html
        assert f'data-item-id="{size}"' in html  # the last entry's (position + 1)
    assert counts[1] <= counts[0]


@pytest.mark.django_db
def test_an_entry_whose_track_left_the_catalog_is_skipped_everywhere(user, user_client):
    tracks = make_tracks(4)
    playlist = make_generated_playlist(user, tracks, notes=["a", "b", "c", "d"])
    tracks[1].delete()
    kept = [tracks[0], tracks[2], tracks[3]]
    items = selectors.playlist_items(playlist=playlist)
    assert items.count() == 3
    assert [(entry.position, entry.track.pk, entry.note) for entry in items] == [
        (0, kept[0].pk, "a"), (2, kept[1].pk, "c"), (3, kept[2].pk, "d")
    ]  # fmt: skip
    assert [entry.track.pk for entry in items[1:3]] == [kept[1].pk, kept[2].pk]
    assert items[0].track.pk == kept[0].pk
    body = client_for(user).get(f"/api/v1/playlists/{playlist.uid}/").json()
    assert (body["track_count"], [item["track"]["id"] for item in body["items"]]) == (3, [t.pk for t in kept])
    assert selectors.playlist_entries(playlist=playlist).track_count == 3
    assert selectors.playlist_summaries(playlists=[playlist])[playlist.pk].track_count == 3
    assert [t.pk for t in selectors.playlist_export_rows(playlist=playlist)] == [t.pk for t in kept]
    assert "Song 0001" not in user_client.get(playlist.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_unavailable_tracks_show_on_the_page_but_are_not_queued(user, user_client):
    tracks = make_tracks(3)
    Track.objects.filter(pk=tracks[0].pk).update(is_available=False)
    playlist = make_generated_playlist(user, tracks)
    assert "Song 0000" in user_client.get(playlist.get_absolute_url()).content.decode()
    context = client_for(user).get("/api/v1/player/context/", {"type": "generated", "id": str(playlist.uid)})
    assert [track["id"] for track in context.json()["tracks"]] == [tracks[1].pk, tracks[2].pk]
    items = selectors.playlist_items(playlist=playlist)
    assert items.track_ids(available=True) == [tracks[1].pk, tracks[2].pk]
    assert items.track_ids() == [t.pk for t in tracks]


@pytest.mark.django_db
def test_summaries_count_both_storages_in_constant_queries(user, django_assert_max_num_queries):
    tracks = make_tracks(60)
    own = services.playlist_create(owner=user, name="Mine", tracks=tracks[:3])
    mixes = [make_generated_playlist(user, tracks[n : n + 30], name=f"Mix {n}") for n in range(4)]
    empty = make_generated_playlist(user, [], name="Empty")
    with django_assert_max_num_queries(3):
        summaries = selectors.playlist_summaries(playlists=[own, *mixes, empty])
    assert summaries[own.pk].track_count == 3
    assert summaries[mixes[1].pk].track_count == 30
    assert summaries[mixes[1].pk].duration_ms == sum(t.duration_ms for t in tracks[1:31])
    assert summaries[mixes[1].pk].mosaic == [f"covers/{(1 + n) % 5}.jpg" for n in range(4)]
    assert summaries[empty.pk] == selectors.PlaylistSummary(0, 0, [], None)


@pytest.mark.django_db
def test_a_generated_playlist_is_duplicated_and_exported_in_order(user, user_client):
    tracks = make_tracks(5)[::-1]
    playlist = make_generated_playlist(user, tracks)
    copy = services.playlist_duplicate(playlist=playlist, actor=user)
    assert copy.kind == Playlist.Kind.USER
    assert list(copy.items.order_by("position").values_list("track_id", flat=True)) == [t.pk for t in tracks]
    m3u = user_client.get(f"/playlists/{playlist.uid}/export.m3u8").content.decode()
    positions = [m3u.index(track.title) for track in tracks]
    assert positions == sorted(positions)


@pytest.mark.django_db
def test_generated_playlists_refuse_entry_edits(user):
    tracks = make_tracks(2)
    playlist = make_generated_playlist(user, tracks)
    with pytest.raises(PermissionDenied):
        services.playlist_add_tracks(playlist=playlist, actor=user, tracks=[tracks[0]])
    with pytest.raises(PermissionDenied):
        services.playlist_remove_item(playlist=playlist, actor=user, item_id=1)
    assert [track_id for track_id, _ in generated_entries(playlist)] == [t.pk for t in tracks]


# ------------------------------------------------------------------------------ the migration
MIGRATION = importlib.import_module("listening.migrations.0006_playlist_packed_entries")
MIGRATION_BEFORE = "0005_playlisttrack_fewer_indexes"


@pytest.mark.django_db
def test_the_migration_packs_generated_playlists_rows_and_back(user):
    tracks = make_tracks(4)
    own = services.playlist_create(owner=user, name="Mine", tracks=tracks[:2])
    mix = Playlist.objects.create(owner=user, name="Daily Mix 1", kind=Playlist.Kind.DAILY_MIX)
    notes = ["Because you listened to X", "One of your favourites", "two\nlines \\", "One of your favourites"]
    for position, (track, note) in enumerate(zip(tracks[::-1], notes, strict=True)):
        PlaylistTrack.objects.create(playlist=mix, track=track, position=position * 10, note=note)
    empty = Playlist.objects.create(owner=user, name="Discover", kind=Playlist.Kind.DISCOVER)

    MIGRATION.pack_generated(apps, None)
    assert generated_entries(mix) == [(t.pk, note) for t, note in zip(tracks[::-1], notes, strict=True)]
    assert generated_entries(empty) == []
    assert not PlaylistTrack.objects.filter(playlist__in=[mix, empty]).exists()
    assert own.items.count() == 2  # user playlists keep their rows
    entries = list(selectors.playlist_items(playlist=Playlist.objects.get(pk=mix.pk)))
    assert [(e.position, e.track.pk, e.note) for e in entries] == [
        (n, t.pk, note) for n, (t, note) in enumerate(zip(tracks[::-1], notes, strict=True))
    ]

    MIGRATION.unpack_generated(apps, None)
    mix.refresh_from_db()
    assert (mix.entries, mix.entry_notes) == (None, "")
    rows = list(mix.items.order_by("position").values_list("position", "track_id", "note", "added_at"))
    pairs = zip(tracks[::-1], notes, strict=True)
    expected = [(n, t.pk, note, mix.updated_at) for n, (t, note) in enumerate(pairs)]
    assert rows == expected
    assert own.items.count() == 2


@pytest.mark.django_db(transaction=True)
def test_migrating_to_0006_packs_the_rows_and_back_to_0005_unpacks_them(user):
    tracks = make_tracks(3)
    own = services.playlist_create(owner=user, name="Mine", tracks=tracks[:2])
    try:
        call_command("migrate", "listening", "0005", verbosity=0)
        old = MigrationExecutor(connection).loader.project_state(("listening", MIGRATION_BEFORE))
        OldPlaylist = old.apps.get_model("listening", "Playlist")
        OldPlaylistTrack = old.apps.get_model("listening", "PlaylistTrack")
        mix = OldPlaylist.objects.create(owner_id=user.pk, name="Mix", kind="daily_mix", uid=uuid.uuid4())
        for position, track in enumerate(tracks[::-1]):
            note = f"n\n{position}"
            OldPlaylistTrack.objects.create(playlist=mix, track_id=track.pk, position=position, note=note)
    finally:
        call_command("migrate", verbosity=0)  # every app forward again, whatever happened
    packed_mix = Playlist.objects.get(pk=mix.pk)
    assert generated_entries(packed_mix) == [(t.pk, f"n\n{n}") for n, t in enumerate(tracks[::-1])]
    assert list(PlaylistTrack.objects.values_list("playlist_id", flat=True)) == [own.pk, own.pk]
    try:
        call_command("migrate", "listening", "0005", verbosity=0)
        rows = OldPlaylistTrack.objects.filter(playlist_id=mix.pk).order_by("position")
        expected = [(t.pk, f"n\n{n}") for n, t in enumerate(tracks[::-1])]
        assert [(row.track_id, row.note) for row in rows] == expected
    finally:
        call_command("migrate", verbosity=0)
    assert generated_entries(Playlist.objects.get(pk=mix.pk))[0] == (tracks[-1].pk, "n\n0")
