"""Tracklists written in Python (streamapp/ui/tracklists.py) and the icon tag: the markup of
each option, escaping, no query whatever the length, and the same row from the list tags and the
include. Rows are the same for every listener: the like state is set afterwards (listening.like_state)."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.template import Context, Template, TemplateDoesNotExist
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from listening import selectors
from listening.like_state import mark_liked
from listening.models import Listen, PlaylistTrack, TrackLike
from listening.services import playlist_create
from streamapp.ui.icons import icon_html, icon_names, sprite_html
from tests.catalog.factories import make_album, make_artist, make_track

pytestmark = pytest.mark.django_db


def render(source: str, user, **context) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return Template("{% load ui tz %}" + source).render(
        Context({"request": request, "user": user, **context})
    )


def rows(html: str) -> list[str]:
    return re.findall(r"<li class=\"track-row.*?</li>", html, flags=re.S)


def squeeze(html: str) -> str:
    """Collapse whitespace runs: HTML renders any run of spaces and newlines alike."""
    return re.sub(r"\s+", " ", html).strip()


def test_rows_link_the_track_album_and_artist_and_show_number_and_duration(user, tracks):
    html = render("{% track_rows tracks show_cover=True show_album=True %}", user, tracks=tracks)
    first = rows(html)[0]
    track = tracks[0]
    assert f'data-track-id="{track.pk}"' in first
    assert f'href="{track.get_absolute_url()}">So What</a>' in first
    assert f'href="{track.artist.get_absolute_url()}">Miles Davis</a>' in first
    assert f'<a class="track-album" href="{track.album.get_absolute_url()}">Kind of Blue</a>' in first
    assert f'data-album-url="{track.album.get_absolute_url()}"' in first
    assert '<span class="track-number">1</span>' in first
    assert '<span class="track-duration">5:00</span>' in first
    assert '<div class="cover cover-xs" style="--hue: ' in first and ">KO</span>" in first
    assert 'aria-label="Play So What"' in first and 'aria-pressed="false"' in first
    assert [re.search(r'track-number">(\d+)<', row).group(1) for row in rows(html)] == ["1", "2", "3"]


def test_numbers_follow_the_track_numbers_or_start_where_asked(user, tracks):
    tracks[1].track_number = None
    html = render('{% track_rows tracks numbers="track" %}', user, tracks=tracks)
    assert re.findall(r'track-number">(\d*)<', html) == ["1", "2", "3"]  # a missing number: its position
    html = render("{% track_rows tracks start=5 %}", user, tracks=tracks)
    assert re.findall(r'track-number">(\d*)<', html) == ["5", "6", "7"]


def test_the_album_artist_is_left_out_unless_the_track_has_another(user, tracks):
    guest = make_artist("John Coltrane")
    tracks[2].artist = guest
    html = render(
        "{% track_rows tracks album_artist_id=artist_id %}",
        user,
        tracks=tracks,
        artist_id=tracks[0].artist_id,
    )
    assert "Miles Davis" not in html
    assert [bool(re.search(r'class="track-artist"', row)) for row in rows(html)] == [False, False, True]


def test_current_unavailable_liked_and_recommended_rows(user, tracks):
    current, gone, liked = tracks
    gone.is_available = False
    TrackLike.objects.create(user=user, track=liked)
    liked.reason = "Because you played <Bitches Brew>"
    html = render("{% track_rows tracks current_id=current_id %}", user, tracks=tracks, current_id=current.pk)
    assert 'aria-pressed="true"' not in html  # the same rows for every listener
    html = mark_liked(html.encode(), selectors.liked_id_sets(user=user)).decode()
    first, second, third = rows(html)
    assert 'class="track-row is-current"' in first and 'aria-current="true"' in first
    assert 'class="track-row is-unavailable"' in second and 'aria-disabled="true"' in second
    assert '<span class="track-badge">Unavailable</span>' in second
    assert 'aria-pressed="true"' in third and 'title="Remove from your likes"' in third
    assert 'aria-pressed="false"' in first and 'title="Save to your likes"' in first
    assert 'data-recommended="true"' in third
    assert '<span class="track-reason">Because you played &lt;Bitches Brew&gt;</span>' in third


def test_titles_and_names_are_escaped(user):
    artist = make_artist('<b>"Bad" & Co</b>')
    album = make_album("<img src=x onerror=alert(1)>", artist=artist)
    track = make_track("<script>alert('x')</script>", album=album, artist=artist)
    html = render("{% track_rows tracks show_cover=True show_album=True %}", user, tracks=[track])
    assert "<script>" not in html and "<img src=x" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "&lt;b&gt;&quot;Bad&quot; &amp; Co&lt;/b&gt;" in html
    assert 'aria-label="Play &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;"' in html


def test_the_include_and_the_list_tag_write_the_same_row(user, tracks):
    TrackLike.objects.create(user=user, track=tracks[1])
    listed = render(
        "{% track_rows tracks show_cover=True show_album=True current_id=current_id %}",
        user,
        tracks=tracks,
        current_id=tracks[1].pk,
    )
    included = render(
        '{% for track in tracks %}{% include "ui/track_row.html" with number=forloop.counter '
        "show_cover=True show_album=True current_id=current_id %}{% endfor %}",
        user,
        tracks=tracks,
        current_id=tracks[1].pk,
    )
    assert squeeze(listed) == squeeze(included)
    assert len(rows(listed)) == 3


def test_playlist_rows_are_draggable_entries_for_editors(user, tracks):
    playlist = playlist_create(owner=user, name="Mix")
    items = [
        PlaylistTrack.objects.create(playlist=playlist, track=track, position=i)
        for i, track in enumerate(tracks)
    ]
    html = render("{% playlist_rows items can_edit=True %}", user, items=items)
    assert [f'data-item-id="{item.pk}" draggable="true"' in row for row, item in zip(rows(html), items)] == [
        True
    ] * 3
    html = render("{% playlist_rows items can_edit=False %}", user, items=items)
    assert "draggable" not in html and f'data-item-id="{items[0].pk}"' in html


def test_playlist_rows_show_each_entrys_note_as_its_reason(user, tracks):
    playlist = playlist_create(owner=user, name="Discover")
    items = [
        PlaylistTrack.objects.create(
            playlist=playlist, track=tracks[0], position=0, note="Because you <liked> X"
        ),
        PlaylistTrack.objects.create(playlist=playlist, track=tracks[1], position=1),
    ]
    first, second = rows(render("{% playlist_rows items %}", user, items=items))
    assert '<span class="track-reason">Because you &lt;liked&gt; X</span>' in first
    assert "track-reason" not in second


def test_history_rows_show_the_local_time_and_listens_that_matched_nothing(user, tracks):
    at = dt.datetime(2024, 3, 10, 3, 30, tzinfo=dt.UTC)
    played = Listen(user=user, track=tracks[0], listened_at=at)
    unmatched = Listen(user=user, track=None, listened_at=at, track_name="Lost <Song>", artist_name="Nobody")
    html = render(
        '{% timezone "America/New_York" %}{% history_rows listens %}{% endtimezone %}',
        user,
        listens=[played, unmatched],
    )
    assert '<time datetime="2024-03-09T22:30:00-05:00">22:30</time>' in html
    assert 'title="5:00"' in html  # the duration moves to the tooltip
    assert '<span class="track-title">Lost &lt;Song&gt;</span>' in html
    assert "Not in library" in html and 'class="track-row is-unmatched"' in html


def test_a_tracklist_of_any_length_runs_no_query(user):
    album = make_album("Long")
    long = [make_track(f"Song {number}", album=album) for number in range(40)]
    tracks = list(album.tracks.select_related("album", "artist"))
    with CaptureQueriesContext(connection) as queries:
        html = render("{% track_rows tracks show_cover=True %}{% track_rows tracks %}", user, tracks=tracks)
    assert len(queries) == 0
    assert len(rows(html)) == 2 * len(long)


def test_the_icon_tag_draws_the_icon_file_from_the_pages_sprite():
    drawing = render_to_string("icons/play.svg")
    root = drawing[: drawing.index(">") + 1]
    assert icon_html("play") == f'{root}<use href="#icon-play"/></svg>'  # the file's own <svg> element
    sprite = sprite_html()
    inner = drawing[len(root) : drawing.rindex("</svg>")]
    assert f'<symbol id="icon-play" viewBox="0 0 24 24">{inner}</symbol>' in sprite
    assert all(f'id="icon-{name}"' in sprite for name in icon_names()) and "heart" in icon_names()
    with pytest.raises(TemplateDoesNotExist):
        icon_html("no-such-icon")
