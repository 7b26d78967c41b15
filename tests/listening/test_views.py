"""Listening pages: history, liked songs, the library, a playlist's page and its editing, import, the
sidebar, like buttons on catalog pages, who may see what, and constant query counts."""

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pytest_django.asserts import assertContains, assertRedirects

from listening import services
from listening.models import Listen, NowPlaying, Play, Playlist, PlaylistCollaborator
from tests.catalog.factories import make_album, make_track
from tests.listening.factories import make_generated_playlist

pytestmark = pytest.mark.django_db


def text(response) -> str:
    """Return the page's (or an HTML string's) text with tags removed and whitespace collapsed."""
    html = response if isinstance(response, str) else response.content.decode()
    html = re.sub(r"<(script|style|template)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def main(response) -> str:
    """Return the HTML of <main> only (the sidebar lists playlists on every page)."""
    html = response.content.decode()
    return html[html.index('<main id="main"') : html.index("</main>")]


def listen(user, track=None, *, at, **fields):
    fields.setdefault("dedupe_key", f"{at.isoformat()}-{track.pk if track else fields.get('track_name')}")
    return Listen.objects.create(user=user, track=track, listened_at=at, **fields)


# ------------------------------------------------------------------------------ history
def test_history_groups_listens_by_day_in_the_listeners_time_zone(user, user_client, tracks):
    user.time_zone = "America/New_York"
    user.save()
    # 03:30 UTC on 10 March is still the evening of 9 March in New York.
    listen(user, tracks[0], at=dt.datetime(2024, 3, 10, 3, 30, tzinfo=dt.UTC))
    listen(user, tracks[1], at=dt.datetime(2024, 3, 10, 15, 5, tzinfo=dt.UTC))
    page = text(user_client.get("/history/"))
    assert "Recently played" in page
    assert (
        page.index("Sunday, 10 March 2024")
        < page.index("Freddie Freeloader")
        < page.index("Saturday, 9 March 2024")
        < page.index("So What")
    )
    assert "11:05" in page and "22:30" in page  # local times (EDT, then EST the day before)


def test_history_shows_only_the_listeners_own_listens(user, other_user, user_client, tracks):
    listen(user, tracks[0], at=timezone.now())
    listen(other_user, tracks[1], at=timezone.now())
    page = text(user_client.get("/history/"))
    assert "So What" in page
    assert "Freddie Freeloader" not in page


def test_history_says_today_and_shows_unmatched_listens_as_plain_text(user, user_client, tracks):
    listen(user, tracks[0], at=timezone.now())
    listen(
        user,
        None,
        at=timezone.now() - dt.timedelta(minutes=5),
        track_name="Lost Song",
        artist_name="Nobody Known",
        release_name="Nowhere",
    )
    response = user_client.get("/history/")
    page = text(response)
    assert "Today" in page
    assert "Lost Song" in page and "Nobody Known" in page and "Not in library" in page
    row = re.search(r'<li class="track-row is-unmatched">.*?</li>', response.content.decode(), flags=re.S)
    assert row and "<a " not in row.group(0) and "track-play" not in row.group(0)


def test_history_shows_what_plays_now_at_the_top(user, user_client, tracks):
    listen(user, tracks[0], at=timezone.now() - dt.timedelta(hours=1))
    NowPlaying.objects.create(
        user=user,
        track=tracks[2],
        track_name="Blue in Green",
        artist_name="Miles Davis",
        started_at=timezone.now(),
        expires_at=timezone.now() + dt.timedelta(minutes=3),
    )
    page = text(user_client.get("/history/"))
    assert page.index("Listening now") < page.index("Blue in Green") < page.index("So What")


def test_history_hides_an_expired_now_playing(user, user_client, tracks):
    NowPlaying.objects.create(
        user=user,
        track=tracks[2],
        started_at=timezone.now() - dt.timedelta(hours=1),
        expires_at=timezone.now() - dt.timedelta(minutes=1),
    )
    assert "Listening now" not in text(user_client.get("/history/"))


def test_history_pages_back_with_an_older_link(user, user_client, tracks, monkeypatch):
    monkeypatch.setattr("listening.views.HISTORY_PAGE_SIZE", 2)
    start = dt.datetime(2024, 5, 1, 12, tzinfo=dt.UTC)
    for minutes, track in enumerate(tracks):
        listen(user, track, at=start + dt.timedelta(minutes=minutes))
    response = user_client.get("/history/")
    page = text(response)
    assert "Blue in Green" in page and "Freddie Freeloader" in page and "So What" not in page
    older = re.search(r'href="(\?before=[^"]+)"', response.content.decode()).group(1)
    older_page = text(user_client.get("/history/" + older.replace("&amp;", "&")))
    assert "So What" in older_page and "Blue in Green" not in older_page


@pytest.mark.parametrize("before", ["yesterday", "2024-13-45T99:00:00", ""])
def test_history_ignores_a_bad_before(user, user_client, tracks, before):
    listen(user, tracks[0], at=timezone.now())
    response = user_client.get("/history/", {"before": before})
    assert response.status_code == 200
    assert "So What" in text(response)


def test_history_empty_state(user_client):
    assert "Nothing played yet" in text(user_client.get("/history/"))


# ------------------------------------------------------------------------------ liked songs
def test_liked_songs_lists_likes_newest_first_and_plays_as_a_queue(user, user_client, tracks):
    services.track_like_set(user=user, track=tracks[2], liked=True)
    services.track_like_set(user=user, track=tracks[0], liked=True)
    response = user_client.get("/library/liked/")
    page = text(response)
    assert "Liked songs" in page and "2 songs" in page
    assert page.index("So What") < page.index("Blue in Green")
    assert "Freddie Freeloader" not in text(response).split("Liked songs", 2)[-1]
    html = main(response)
    assert re.search(
        r'<button type="button" class="play-big" aria-label="Play liked songs" data-context="likes"', html
    )
    assert 'data-play-context="likes"' in html
    assert html.count('aria-pressed="true"') == 2


def test_liked_songs_empty_state(user_client):
    response = user_client.get("/library/liked/")
    assert "Songs you like will appear here" in text(response)
    assertContains(response, 'aria-label="Play liked songs" data-context="likes" aria-disabled="true"')


# ------------------------------------------------------------------------------ the library
def test_library_lists_own_and_collaborative_playlists_but_not_others(user, other_user, user_client, tracks):
    services.playlist_create(owner=user, name="Mine", tracks=tracks[:2])
    shared = services.playlist_create(owner=other_user, name="Shared with me")
    services.playlist_collaborator_add(playlist=shared, actor=other_user, user=user)
    services.playlist_create(owner=other_user, name="Not mine", is_public=True)
    response = user_client.get("/playlists/")
    page = text(main(response))
    assert "Mine" in page and "Shared with me" in page and "By someone" in page
    assert "Not mine" not in page
    assert "2 tracks" in page
    assertContains(response, 'aria-label="Play playlist Mine" data-context="playlist"')


def test_creating_a_playlist_opens_it(user, user_client):
    response = user_client.post("/playlists/", {"name": "Road trip", "description": "Long drives"})
    playlist = Playlist.objects.get(owner=user)
    assertRedirects(response, playlist.get_absolute_url(), fetch_redirect_response=False)
    assert (playlist.name, playlist.description, playlist.is_public) == ("Road trip", "Long drives", False)
    page = text(user_client.get(playlist.get_absolute_url()))
    assert "Created “Road trip”" in page and "This playlist is empty" in page


def test_a_playlist_needs_a_name(user, user_client):
    response = user_client.post("/playlists/", {"name": "  "})
    assert response.status_code == 200
    assert not Playlist.objects.exists()
    assertContains(response, "field-errors")


def test_the_sidebars_plus_creates_a_playlist_at_once(user, user_client):
    html = user_client.get("/").content.decode()
    form = re.search(
        r'<form action="/playlists/" method="post" class="side-create">.*?</form>', html, flags=re.S
    )
    assert form and 'name="name" value="New playlist"' in form.group(0)
    assert 'aria-label="Create playlist"' in form.group(0)


# ------------------------------------------------------------------------------ a playlist's page
def test_playlist_page_shows_its_header_entries_and_the_owners_tools(user, user_client, tracks):
    playlist = services.playlist_create(
        owner=user, name="Cool jazz", description="Late nights", tracks=tracks
    )
    response = user_client.get(playlist.get_absolute_url())
    html = main(response)
    page = text(html)
    assert "Private playlist" in page and "Cool jazz" in page and "Late nights" in page
    assert "3 tracks, 15 min 0 sec" in page
    assert page.index("So What") < page.index("Freddie Freeloader") < page.index("Blue in Green")
    assert 'aria-label="Play playlist Cool jazz" data-context="playlist"' in html
    assert f'data-play-context="playlist" data-context-id="{playlist.uid}"' in html
    assert f'data-editable-playlist="{playlist.uid}"' in html
    items = list(playlist.items.order_by("position"))
    assert all(f'data-item-id="{item.pk}" draggable="true"' in html for item in items)
    assert "Edit details" in page and "Invite" in page and "Delete playlist" in page
    assert (
        f"/playlists/{playlist.uid}/export.m3u8" in html and f"/playlists/{playlist.uid}/export.xspf" in html
    )
    assert "Duplicate to your library" in page


def test_playlist_cover_is_a_mosaic_of_four_albums_or_one_cover(user, user_client, png_cover):
    covers = [make_album(f"Album {n}", cover=png_cover(f"c{n}.png")) for n in range(4)]
    one = services.playlist_create(owner=user, name="One", tracks=[make_track(album=covers[0])])
    four = services.playlist_create(
        owner=user, name="Four", tracks=[make_track(album=album) for album in covers] * 2
    )
    html = main(user_client.get(four.get_absolute_url()))
    mosaic = re.search(
        r'<div class="cover playlist-cover cover-xl is-mosaic".*?</div>', html, flags=re.S
    ).group(0)
    assert mosaic.count("<img") == 4
    html = main(user_client.get(one.get_absolute_url()))
    assert "is-mosaic" not in html and html.count(covers[0].cover.url) >= 1


@pytest.fixture
def png_cover():
    import io

    from PIL import Image

    def make(name):
        buffer = io.BytesIO()
        Image.new("RGB", (8, 8), (20, 120, 200)).save(buffer, "PNG")
        return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")

    return make


def test_private_playlist_page_is_404_for_other_users(user, other_user, client, tracks):
    playlist = services.playlist_create(owner=user, name="Secret", tracks=tracks)
    client.force_login(other_user)
    response = client.get(playlist.get_absolute_url())
    assert response.status_code == 404
    assert "Secret" not in response.content.decode()
    assert client.get(f"/playlists/{playlist.uid}/export.m3u8").status_code == 404
    assert client.post(f"/playlists/{playlist.uid}/duplicate/").status_code == 404
    assert client.post(f"/playlists/{playlist.uid}/delete/").status_code == 404
    assert Playlist.objects.filter(pk=playlist.pk).exists()


def test_private_playlist_is_visible_to_collaborators_and_staff(user, other_user, staff_user, client, tracks):
    playlist = services.playlist_create(owner=user, name="Band practice", tracks=tracks)
    services.playlist_collaborator_add(playlist=playlist, actor=user, user=other_user)
    client.force_login(other_user)
    html = main(client.get(playlist.get_absolute_url()))
    assert "Band practice" in html and "Collaborative" in html
    assert 'draggable="true"' in html and "Leave this playlist" in html
    assert "Edit details" not in html and "Delete playlist" not in html
    client.force_login(staff_user)
    html = main(client.get(playlist.get_absolute_url()))
    assert "Band practice" in html
    assert 'draggable="true"' not in html and "Edit details" not in html


def test_public_playlist_is_readable_by_others_without_editing_tools(user, other_user, client, tracks):
    playlist = services.playlist_create(owner=user, name="Open mic", is_public=True, tracks=tracks)
    client.force_login(other_user)
    response = client.get(playlist.get_absolute_url())
    html = main(response)
    assert "Public playlist" in html and "listener" in html
    assert "data-editable-playlist" not in html and 'draggable="true"' not in html
    assert "Edit details" not in html and "Delete playlist" not in html
    assert "Duplicate to your library" in html and "export.xspf" in html


def test_a_generated_playlist_plays_as_generated_and_has_no_editing_tools(user, user_client, tracks):
    playlist = make_generated_playlist(user, [tracks[0]], kind=Playlist.Kind.DAILY_MIX, name="Daily Mix 1")
    html = main(user_client.get(playlist.get_absolute_url()))
    assert 'aria-label="Play playlist Daily Mix 1" data-context="generated"' in html
    assert "data-editable-playlist" not in html
    assert "Edit details" not in html and "Delete playlist" not in html and "edit-dialog" not in html
    assert "Duplicate to your library" in html


def test_owner_renames_describes_and_publishes(user, user_client, tracks):
    playlist = services.playlist_create(owner=user, name="Draft")
    response = user_client.post(
        f"/playlists/{playlist.uid}/edit/", {"name": "Final", "description": "Done", "is_public": "on"}
    )
    assertRedirects(response, playlist.get_absolute_url())
    playlist.refresh_from_db()
    assert (playlist.name, playlist.description, playlist.is_public) == ("Final", "Done", True)
    user_client.post(f"/playlists/{playlist.uid}/edit/", {"name": "Final", "description": ""})
    playlist.refresh_from_db()
    assert playlist.is_public is False


def test_only_the_owner_edits_details_and_deletes(user, other_user, client, tracks):
    playlist = services.playlist_create(owner=user, name="Ours", is_public=True)
    services.playlist_collaborator_add(playlist=playlist, actor=user, user=other_user)
    client.force_login(other_user)
    assert client.post(f"/playlists/{playlist.uid}/edit/", {"name": "Theirs"}).status_code == 403
    assert client.post(f"/playlists/{playlist.uid}/delete/").status_code == 403
    playlist.refresh_from_db()
    assert playlist.name == "Ours"


def test_owner_deletes_a_playlist(user, user_client):
    playlist = services.playlist_create(owner=user, name="Gone soon")
    response = user_client.post(f"/playlists/{playlist.uid}/delete/")
    assertRedirects(response, "/playlists/", fetch_redirect_response=False)
    assert not Playlist.objects.exists()
    assert "Deleted “Gone soon”" in text(user_client.get("/playlists/"))


def test_editing_pages_refuse_get(user, user_client):
    playlist = services.playlist_create(owner=user, name="Mine")
    for action in ("edit", "delete", "duplicate", "collaborators"):
        assert user_client.get(f"/playlists/{playlist.uid}/{action}/").status_code == 405


def test_owner_invites_and_removes_a_collaborator_who_can_then_leave(user, other_user, user_client, client):
    playlist = services.playlist_create(owner=user, name="Team")
    response = user_client.post(f"/playlists/{playlist.uid}/collaborators/", {"username": "someone"})
    assertRedirects(response, playlist.get_absolute_url(), fetch_redirect_response=False)
    assert list(playlist.collaborators.all()) == [other_user]
    page = text(user_client.get(playlist.get_absolute_url()))
    assert "someone can now add and reorder tracks" in page and "with someone" in page

    user_client.post(f"/playlists/{playlist.uid}/collaborators/someone/remove/")
    assert not playlist.collaborators.exists()

    services.playlist_collaborator_add(playlist=playlist, actor=user, user=other_user)
    client.force_login(other_user)
    response = client.post(f"/playlists/{playlist.uid}/collaborators/someone/remove/")
    assertRedirects(response, "/playlists/")  # private: a collaborator who leaves can't see it any more
    assert not PlaylistCollaborator.objects.exists()


def test_inviting_an_unknown_listener_or_the_owner_says_why(user, user_client):
    playlist = services.playlist_create(owner=user, name="Team")
    page = text(
        user_client.post(f"/playlists/{playlist.uid}/collaborators/", {"username": "ghost"}, follow=True)
    )
    assert "There is no listener called “ghost”" in page
    page = text(
        user_client.post(f"/playlists/{playlist.uid}/collaborators/", {"username": "listener"}, follow=True)
    )
    assert "The owner is already part of the playlist" in page
    assert not playlist.collaborators.exists()


def test_a_collaborator_cannot_invite(user, other_user, staff_user, client):
    playlist = services.playlist_create(owner=user, name="Team")
    services.playlist_collaborator_add(playlist=playlist, actor=user, user=other_user)
    client.force_login(other_user)
    assert client.post(f"/playlists/{playlist.uid}/collaborators/", {"username": "staff"}).status_code == 403


def test_duplicate_saves_a_private_copy_and_opens_it(user, other_user, client, tracks):
    playlist = services.playlist_create(owner=user, name="Open mic", is_public=True, tracks=tracks)
    client.force_login(other_user)
    response = client.post(f"/playlists/{playlist.uid}/duplicate/")
    copy = Playlist.objects.get(owner=other_user)
    assertRedirects(response, copy.get_absolute_url())
    assert (copy.name, copy.is_public, copy.items.count()) == ("Open mic (copy)", False, 3)


# ------------------------------------------------------------------------------ import
def test_import_makes_a_playlist_and_reports_the_lines_that_matched_nothing(user, user_client, tracks):
    content = (
        "#EXTM3U\n"
        "#EXTINF:300,Miles Davis - So What\n"
        "/somewhere/so-what.mp3\n"
        "#EXTINF:200,Nobody - Unknown Song\n"
        "/somewhere/unknown.mp3\n"
        f"http://example.org/stream/{tracks[2].pk}/\n"
    )
    upload = SimpleUploadedFile("Road Trip.m3u8", content.encode(), content_type="audio/x-mpegurl")
    response = user_client.post("/playlists/import/", {"file": upload})
    assert response.status_code == 200
    playlist = Playlist.objects.get(owner=user)
    assert playlist.name == "Road Trip"
    assert [item.track for item in playlist.items.order_by("position")] == [tracks[0], tracks[2]]
    page = text(response)
    assert "Imported “Road Trip”" in page and "2 of 3 entries matched" in page
    row = re.search(r'<td class="import-line">(\d+)</td><td>([^<]*)</td>', response.content.decode())
    assert row.groups() == ("5", "Nobody - Unknown Song (/somewhere/unknown.mp3)")
    assertContains(response, f'href="{playlist.get_absolute_url()}"')


def test_import_takes_a_given_name_and_reads_xspf(user, user_client, tracks):
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><playlist version="1" xmlns="http://xspf.org/ns/0/"><trackList>'
        "<track><title>Blue in Green</title><creator>Miles Davis</creator></track></trackList></playlist>"
    )
    upload = SimpleUploadedFile("list.xspf", content.encode())
    response = user_client.post("/playlists/import/", {"file": upload, "name": "Evening"})
    assert "1 of 1 entry matched" in text(response)
    assert Playlist.objects.get(owner=user).name == "Evening"


@pytest.mark.parametrize(
    "content", [b"", b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><playlist/>', b"#EXTM3U\n"]
)
def test_import_refuses_unreadable_files_with_a_field_error(user, user_client, content):
    upload = SimpleUploadedFile("bad.xspf" if content.startswith(b"<") else "bad.m3u8", content)
    response = user_client.post("/playlists/import/", {"file": upload})
    assertContains(response, "field-errors", status_code=400)
    assert not Playlist.objects.exists()


def test_import_page_has_a_multipart_form(user_client):
    response = user_client.get("/playlists/import/")
    assertContains(response, 'enctype="multipart/form-data"')
    assertContains(response, 'accept=".m3u,.m3u8,.xspf"')


# ------------------------------------------------------------------------------ sidebar, likes, shelves
def test_sidebar_lists_liked_songs_history_and_the_listeners_playlists(user, other_user, user_client, tracks):
    services.playlist_create(owner=user, name="Mine", tracks=tracks[:1])
    shared = services.playlist_create(owner=other_user, name="Shared")
    services.playlist_collaborator_add(playlist=shared, actor=other_user, user=user)
    services.playlist_create(owner=other_user, name="Someone else's", is_public=True)
    html = user_client.get("/").content.decode()
    sidebar = html[html.index('id="side-library"') : html.index("</aside>")]
    assert 'href="/library/liked/"' in sidebar and 'href="/history/"' in sidebar
    assert "Mine" in sidebar and "Playlist · You" in sidebar and "Playlist · someone" in sidebar
    assert "Someone else" not in sidebar
    # The sidebar also comes alone (for the player) and with every boosted page (hx-select-oob).
    assert re.search(r'<body[^>]*hx-select-oob="#side-library"', html)
    partial = user_client.get("/library/sidebar/").content.decode()
    assert partial.lstrip().startswith('<div id="side-library"') or 'id="side-library"' in partial
    assert "Mine" in partial and "<html" not in partial


def test_like_buttons_show_what_the_listener_likes_on_catalog_pages(user, user_client, album, tracks):
    services.track_like_set(user=user, track=tracks[1], liked=True)
    services.album_like_set(user=user, album=album, liked=True)
    html = main(user_client.get(album.get_absolute_url()))
    assert re.search(
        rf'aria-pressed="true" aria-label="Like Kind of Blue"[^>]*'
        rf'data-like-kind="album" data-like-id="{album.pk}"',
        html,
    )
    assert re.search(r'aria-pressed="true" aria-label="Like Freddie Freeloader"', html)
    assert re.search(r'aria-pressed="false" aria-label="Like So What"', html)
    assert html.count('aria-label="More options for ') == 4  # three tracks and the album
    assert f'data-play-context="album" data-context-id="{album.pk}"' in html
    artist_html = main(user_client.get(album.artist.get_absolute_url()))
    assert re.search(
        r'aria-pressed="false" aria-label="Like Miles Davis"[^>]*data-like-kind="artist"', artist_html
    )
    services.artist_like_set(user=user, artist=album.artist, liked=True)
    artist_html = main(user_client.get(album.artist.get_absolute_url()))
    assert re.search(r'aria-pressed="true" aria-label="Like Miles Davis"', artist_html)


def test_play_buttons_are_live_buttons_named_play(user_client, album, tracks):
    html = main(user_client.get(album.get_absolute_url()))
    buttons = re.findall(
        r'<button type="button" class="(?:play-big|track-play)" aria-label="([^"]+)"([^>]*)>', html
    )
    assert [label for label, _ in buttons] == [
        "Play album Kind of Blue",
        "Play So What",
        "Play Freddie Freeloader",
        "Play Blue in Green",
    ]
    assert all("aria-disabled" not in rest for _, rest in buttons)


def test_home_shows_recently_played_albums_newest_first(user, user_client, album, tracks):
    older = make_album("Older album")
    old_track = make_track("Old one", album=older)
    listen(user, old_track, at=timezone.now() - dt.timedelta(days=2))
    Play.objects.create(
        user=user,
        track=tracks[0],
        play_id="9b2f7a36-59a8-4a7a-9e2c-7e0d1c5f6a01",
        started_at=timezone.now() - dt.timedelta(minutes=3),
    )
    response = user_client.get("/")
    html = response.content.decode()
    shelf = re.search(
        r'<section class="shelf" aria-labelledby="shelf-recently-played".*?</section>', html, flags=re.S
    )
    assert shelf, "no Recently played shelf"
    assert shelf.group(0).index("Kind of Blue") < shelf.group(0).index("Older album")
    assert 'href="/history/"' in shelf.group(0)


def test_home_has_no_recently_played_shelf_before_anything_was_played(user_client, album):
    assert "shelf-recently-played" not in user_client.get("/").content.decode()


def test_listening_pages_need_a_login(client, user):
    playlist = services.playlist_create(owner=user, name="Mine", is_public=True)
    for url in (
        "/history/",
        "/library/liked/",
        "/playlists/",
        "/playlists/import/",
        playlist.get_absolute_url(),
        "/library/sidebar/",
    ):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url


# ------------------------------------------------------------------------------ query counts
def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def grow(user, other_user, playlist, start: int, stop: int) -> None:
    """Add stop - start of everything the pages list: listens, likes, playlists, entries, collaborators."""
    now = timezone.now()
    for number in range(start, stop):
        album = make_album(f"Grown album {number}")
        track = make_track(f"Grown song {number}", album=album)
        listen(user, track, at=now - dt.timedelta(hours=number * 7))
        listen(
            user,
            None,
            at=now - dt.timedelta(hours=number * 7, minutes=1),
            track_name=f"Unmatched {number}",
            artist_name="Someone",
        )
        Play.objects.create(
            user=user,
            track=track,
            play_id=f"00000000-0000-4000-8000-{number:012d}",
            started_at=now - dt.timedelta(hours=number * 7),
        )
        services.track_like_set(user=user, track=track, liked=True)
        services.album_like_set(user=user, album=album, liked=True)
        services.playlist_add_tracks(playlist=playlist, actor=user, tracks=[track])
        extra = services.playlist_create(owner=user, name=f"Grown playlist {number}", tracks=[track])
        services.playlist_collaborator_add(playlist=extra, actor=user, user=other_user)


def test_listening_pages_run_a_constant_number_of_queries(
    user, other_user, user_client, album, django_assert_max_num_queries
):
    playlist = services.playlist_create(owner=user, name="Growing", description="More and more")
    NowPlaying.objects.create(
        user=user,
        track=album.tracks.first(),
        started_at=timezone.now(),
        expires_at=timezone.now() + dt.timedelta(minutes=5),
    )
    urls = {
        "history": "/history/",
        "liked": "/library/liked/",
        "library": "/playlists/",
        "playlist": playlist.get_absolute_url(),
        "import": "/playlists/import/",
        "sidebar": "/library/sidebar/",
        "home": "/",
        "album": album.get_absolute_url(),
        "artist": album.artist.get_absolute_url(),
    }
    grow(user, other_user, playlist, 0, 2)
    small = {name: count_queries(user_client, url) for name, url in urls.items()}
    grow(user, other_user, playlist, 2, 25)
    for name, url in urls.items():
        assert small[name] <= 12, f"{name} runs {small[name]} queries"
        with django_assert_max_num_queries(small[name]):
            response = user_client.get(url)
        assert response.status_code == 200, name
    # The bigger data really is on the pages.
    assert "Grown song 24" in text(user_client.get("/library/liked/"))
    assert "Unmatched 24" in text(user_client.get("/history/"))
    assert "Grown playlist 24" in text(user_client.get("/playlists/"))
    assert "Grown song 24" in text(user_client.get(playlist.get_absolute_url()))
