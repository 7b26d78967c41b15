"""Covers, album and artist cards and genre tiles, written in Python.

A card through its include (with a nested cover include, two icons and a reverse()) cost some 0.2 ms;
a home page shows dozens. These tags write the same markup in a few microseconds each:

    {% album_cards albums %}            {% album_cards albums subtitle="year" %}
    {% artist_cards artists %}          {% genre_tiles genres %}
    {% cover album size="xl" alt="…" %} {% picture artist size="lg" %}

The partials in templates/ui/ (album_card, artist_card, genre_tile, cover, picture)
call the single-item tags, so an include of them writes the same thing.
"""

# ruff: noqa: S308 -- cards are assembled from constant markup, icons read from our own templates, and
# values passed through escape() where they are interpolated (see the tests).

import functools
from collections.abc import Iterable
from html import escape

from django.core.files.storage import default_storage
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.safestring import SafeString, mark_safe

from .formats import hue, initials
from .icons import icon_html
from .registry import register

_SAMPLE_PK = 987654321


_SAMPLE_SLUG = "sample-slug-987654321"


@functools.lru_cache(maxsize=32)
def _url_pattern(name: str, argument: str, sample, script_prefix: str, urlconf) -> str:
    head, tail = reverse(name, kwargs={argument: sample}).split(str(sample))
    return f"{head.replace('{', '{{').replace('}', '}}')}{{}}{tail.replace('{', '{{').replace('}', '}}')}"


def url_pattern(kind: str) -> str:
    """Return the page URL of a track, album, artist (by pk) or genre (by slug) with "{}" for the key.

    What get_absolute_url() gives, without a reverse() per link: the pattern is reversed once.
    """
    argument, sample = ("slug", _SAMPLE_SLUG) if kind == "genre" else ("pk", _SAMPLE_PK)
    return _url_pattern(f"catalog:{kind}", argument, sample, get_script_prefix(), get_urlconf())


def _image(name: str, alt: str = "") -> str:
    url = escape(default_storage.url(name))
    return f'<img src="{url}" alt="{escape(alt)}" loading="lazy" decoding="async" data-remove-on-error>'


def cover_html(album, size: str = "", alt: str = "") -> str:
    """Return an album's cover (ui/cover.html): the image over generated initials."""
    title = album.title
    image = _image(album.cover.name, alt) if album.cover else ""
    size_class = f" cover-{escape(size)}" if size else ""
    return (
        f'<div class="cover{size_class}" style="--hue: {hue(title)}">\n'
        f'  <span class="cover-initials" aria-hidden="true">{escape(initials(title))}</span>\n'
        f"  {image}\n</div>"
    )


def picture_html(artist, size: str = "") -> str:
    """Return an artist's round picture (ui/picture.html): a cover of theirs, or initials."""
    name = artist.name
    picture_name = getattr(artist, "picture_name", None)
    image = _image(picture_name) if picture_name else ""
    size_class = f" picture-{escape(size)}" if size else ""
    return (
        f'<div class="picture{size_class}" style="--hue: {hue(name)}">\n'
        f'  <span class="cover-initials" aria-hidden="true">{escape(initials(name))}</span>\n'
        f"  {image}\n</div>"
    )


def _play_fab(label: str, data: str) -> str:
    return (
        f'<button type="button" class="play-fab" aria-label="{label}"\n'
        f'            {data}><span class="when-paused">{icon_html("play")}</span>'
        f'<span class="when-playing">{icon_html("pause")}</span></button>'
    )


def album_card_html(album, subtitle: str = "", album_url: str = "") -> str:
    """Return an album card; `subtitle` "year" (an artist's own page) shows year and type, else the artist."""
    title = escape(album.title)
    if subtitle == "year":
        sub = f"{album.release_year or '—'} · {escape(album.get_album_type_display())}"
    else:
        sub = escape(album.artist.name) + (f" · {album.release_year}" if album.release_year else "")
    url = (album_url or url_pattern("album")).format(album.pk)
    fab = _play_fab(f"Play album {title}", f'data-album-id="{album.pk}"')
    return (
        '\n<article class="card">\n'
        '  <div class="card-art">\n'
        f"    {cover_html(album)}\n"
        f"    {fab}\n"
        "  </div>\n"
        f'  <a class="card-title stretched-link" href="{url}">{title}</a>\n'
        f'  <p class="card-sub">{sub}</p>\n'
        "</article>\n"
    )


def artist_card_html(artist, artist_url: str = "") -> str:
    """Return an artist card: their picture, name and a play button."""
    name = escape(artist.name)
    url = (artist_url or url_pattern("artist")).format(artist.pk)
    fab = _play_fab(f"Play artist {name}", f'data-artist-id="{artist.pk}"')
    return (
        '<article class="card card-artist">\n'
        '  <div class="card-art">\n'
        f"    {picture_html(artist)}\n"
        f"    {fab}\n"
        "  </div>\n"
        f'  <a class="card-title stretched-link" href="{url}">{name}</a>\n'
        '  <p class="card-sub">Artist</p>\n'
        "</article>\n"
    )


def genre_tile_html(genre, genre_url: str = "") -> str:
    """Return a genre tile: its name, playable tracks (genre.track_count) and a cover (genre.cover_name)."""
    count = genre.track_count
    image = _image(genre.cover_name) if getattr(genre, "cover_name", None) else ""
    url = escape((genre_url or url_pattern("genre")).format(genre.slug))
    return (
        f'\n<a class="genre-tile" href="{url}" style="--hue: {hue(genre.slug)}">\n'
        f'  <span class="genre-tile-name">{escape(genre.name)}</span>\n'
        f'  <span class="genre-tile-count">{count} track{"" if count == 1 else "s"}</span>\n'
        f"  {image}\n</a>\n"
    )


@register.simple_tag
def cover(album, size: str = "", alt: str = "") -> SafeString:
    """Write an album's cover: {% cover album size="xl" alt="Cover of …" %}."""
    return mark_safe(cover_html(album, size or "", alt or ""))


@register.simple_tag
def picture(artist, size: str = "") -> SafeString:
    """Write an artist's picture: {% picture artist size="lg" %}."""
    return mark_safe(picture_html(artist, size or ""))


@register.simple_tag
def album_card(album, subtitle: str = "") -> SafeString:
    """Write one album card (ui/album_card.html)."""
    return mark_safe(album_card_html(album, subtitle or ""))


@register.simple_tag
def album_cards(albums: Iterable, subtitle: str = "") -> SafeString:
    """Write an album card per album."""
    pattern = url_pattern("album")
    return mark_safe("".join(album_card_html(album, subtitle or "", pattern) for album in albums))


@register.simple_tag
def artist_card(artist) -> SafeString:
    """Write one artist card (ui/artist_card.html)."""
    return mark_safe(artist_card_html(artist))


@register.simple_tag
def artist_cards(artists: Iterable) -> SafeString:
    """Write an artist card per artist."""
    pattern = url_pattern("artist")
    return mark_safe("".join(artist_card_html(artist, pattern) for artist in artists))


@register.simple_tag
def genre_tile(genre) -> SafeString:
    """Write one genre tile (ui/genre_tile.html)."""
    return mark_safe(genre_tile_html(genre))


@register.simple_tag
def genre_tiles(genres: Iterable) -> SafeString:
    """Write a genre tile per genre."""
    pattern = url_pattern("genre")
    return mark_safe("".join(genre_tile_html(genre, pattern) for genre in genres))
