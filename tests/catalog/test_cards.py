"""Cards, covers, pictures and genre tiles written in Python (streamapp/ui/cards.py)."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from PIL import Image

from catalog import selectors
from catalog.models import Album
from streamapp.ui.cards import url_pattern

from .factories import make_album, make_artist, make_genre, make_track

pytestmark = pytest.mark.django_db


def png_file() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 40, 90)).save(buffer, "PNG")
    return SimpleUploadedFile("cover.png", buffer.getvalue(), content_type="image/png")


def render(source: str, **context) -> str:
    return Template("{% load ui %}" + source).render(Context(context))


def squeeze(html: str) -> str:
    return re.sub(r"\s+", " ", html).strip()


def test_album_cards_link_the_album_and_name_the_artist_or_the_year():
    artist = make_artist("Radiohead")
    covered = make_album("OK Computer", artist=artist, release_year=1997, cover=png_file())
    single = make_album("Creep", artist=artist, album_type=Album.AlbumType.SINGLE)
    html = render("{% album_cards albums %}", albums=[covered, single])
    assert html.count('<article class="card">') == 2
    assert f'<a class="card-title stretched-link" href="{covered.get_absolute_url()}">OK Computer</a>' in html
    assert '<p class="card-sub">Radiohead · 1997</p>' in html and '<p class="card-sub">Radiohead</p>' in html
    assert f'src="{covered.cover.url}"' in html and html.count("<img") == 1
    assert f'aria-label="Play album OK Computer"\n            data-album-id="{covered.pk}"' in html
    by_year = render('{% album_cards albums subtitle="year" %}', albums=[covered, single])
    assert (
        '<p class="card-sub">1997 · Album</p>' in by_year and '<p class="card-sub">— · Single</p>' in by_year
    )


def test_artist_cards_and_pictures():
    artist = make_artist("Björk")
    artist.picture_name = "covers/b.jpg"
    html = render("{% artist_cards artists %}", artists=[artist])
    assert f'href="{artist.get_absolute_url()}">Björk</a>' in html
    assert '<span class="cover-initials" aria-hidden="true">B</span>' in html
    assert '<img src="/media/covers/b.jpg"' in html
    assert 'class="picture picture-lg"' in render('{% picture artist size="lg" %}', artist=artist)


def test_genre_tiles_count_tracks_in_words():
    rock, jazz = make_genre("Rock"), make_genre("Jazz")
    make_track("One", genres=[rock])
    make_track("Two", genres=[rock])
    make_track("Three", genres=[jazz])
    html = render("{% genre_tiles genres %}", genres=selectors.genre_overview())
    assert f'<a class="genre-tile" href="{rock.get_absolute_url()}"' in html
    assert '<span class="genre-tile-count">2 tracks</span>' in html
    assert '<span class="genre-tile-count">1 track</span>' in html


def test_names_are_escaped():
    artist = make_artist('<b>"Bad"</b>')
    album = make_album("<script>alert('x')</script>", artist=artist, cover=png_file())
    html = render("{% album_cards albums %}{% artist_cards artists %}", albums=[album], artists=[artist])
    assert "<script>" not in html and "<b>" not in html
    assert (
        "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
        and "&lt;b&gt;&quot;Bad&quot;&lt;/b&gt;" in html
    )
    assert 'alt="&lt;x&gt;"' in render('{% cover album size="xl" alt="<x>" %}', album=album)


def test_the_partials_write_what_the_list_tags_write():
    artist = make_artist("Radiohead")
    albums = [make_album(f"Album {n}", artist=artist, release_year=2000 + n) for n in range(3)]
    listed = render('{% album_cards albums subtitle="year" %}', albums=albums)
    included = render(
        '{% for album in albums %}{% include "ui/album_card.html" with subtitle="year" %}'
        "{% endfor %}",
        albums=albums,
    )
    assert squeeze(listed) == squeeze(included)
    assert squeeze(render("{% artist_cards artists %}", artists=[artist])) == squeeze(
        render('{% include "ui/artist_card.html" %}', artist=artist)
    )


def test_url_patterns_match_get_absolute_url():
    track = make_track("Song")
    genre = make_genre("Post-Rock")
    assert url_pattern("track").format(track.pk) == track.get_absolute_url()
    assert url_pattern("album").format(track.album_id) == track.album.get_absolute_url()
    assert url_pattern("artist").format(track.artist_id) == track.artist.get_absolute_url()
    assert url_pattern("genre").format(genre.slug) == genre.get_absolute_url()
