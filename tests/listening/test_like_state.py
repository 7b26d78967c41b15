"""Like buttons pressed for what the listener likes, in one pass over the finished page
(listening/like_state.py): rows and cards are written the same for everyone."""

import pytest

from listening import services
from listening.like_state import UNPRESSED, mark_liked
from streamapp.ui.tracklists import track_rows
from tests.catalog.factories import make_album, make_artist, make_track

pytestmark = pytest.mark.django_db


def button(kind: str, pk: int, name: str = "X") -> str:
    return (
        '<button type="button" class="icon-button like-button"\n'
        f'  aria-pressed="false" aria-label="Like {name}" title="Save to your likes"\n'
        f'  data-like-kind="{kind}" data-like-id="{pk}"></button>'
    )


def test_mark_liked_presses_only_the_liked_ids_of_each_kind():
    html = (button("track", 1) + button("track", 2) + button("album", 1) + button("artist", 2)).encode()
    marked = mark_liked(html, {"track": {2}, "album": {1}, "artist": set()}).decode()
    pressed = [part for part in marked.split("<button")[1:] if 'aria-pressed="true"' in part]
    assert len(pressed) == 2
    assert 'data-like-kind="track" data-like-id="2"' in pressed[0]
    assert 'data-like-kind="album" data-like-id="1"' in pressed[1]
    assert all('title="Remove from your likes"' in part for part in pressed)
    assert marked.count('title="Save to your likes"') == 2


def test_a_name_can_not_pass_for_a_like_button():
    # Names are escaped where they are written: quotes become &quot;, so no pattern forms from them.
    album = make_album('x" title="Save to your likes" data-like-kind="track" data-like-id="9')
    track = make_track("Tune", album=album)
    html = str(track_rows([track], show_album=True))
    assert len(UNPRESSED.findall(html.encode())) == 1  # the row's own button only


def test_pages_show_the_listeners_likes_and_nobody_elses(user, other_user, client):
    artist = make_artist("Miles Davis")
    album = make_album("Kind of Blue", artist=artist)
    first, second = make_track("So What", album=album), make_track("Blue in Green", album=album)
    services.track_like_set(user=user, track=second, liked=True)
    services.album_like_set(user=other_user, album=album, liked=True)
    client.force_login(user)
    html = client.get(album.get_absolute_url()).content.decode()
    assert 'aria-pressed="true" aria-label="Like Blue in Green" title="Remove from your likes"' in html
    assert 'aria-pressed="false" aria-label="Like So What"' in html
    assert 'aria-pressed="false" aria-label="Like Kind of Blue"' in html  # the other listener's like
    client.force_login(other_user)
    html = client.get(album.get_absolute_url()).content.decode()
    assert 'aria-pressed="true" aria-label="Like Kind of Blue"' in html
    assert 'aria-pressed="false" aria-label="Like Blue in Green"' in html
    assert first.pk  # both rows are there


def test_only_html_pages_of_a_logged_in_listener_are_touched(user, client):
    track = make_track("So What")
    services.track_like_set(user=user, track=track, liked=True)
    client.force_login(user)
    response = client.get(f"/api/v1/tracks/{track.pk}/")
    assert response["Content-Type"].startswith("application/json")
    assert b"aria-pressed" not in response.content
    client.logout()
    assert client.get(track.album.get_absolute_url()).status_code == 302  # anonymous: the log-in page
