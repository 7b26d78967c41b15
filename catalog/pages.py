"""The catalog pages' main parts as HTML, rendered once and kept with the cached catalog reads.

An album's page, an artist's, a search's results and the home page's new releases and genres show the
same thing to every listener: like buttons are written not pressed and pressed per listener once the
page is done (listening.like_state), and whatever is personal (the home page's shelves, the sections
other apps add to an artist's page, the sidebar) is rendered around these parts, not in them. So each
part is rendered from a template without a request (no user, no CSRF token can slip in) and kept under
the catalog version (selectors.cached_read): an import, seed_demo or a staff edit replaces them all.

A view then pays one cache read for what would otherwise cost one to five queries and a few
milliseconds of template rendering.
"""

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from . import selectors, shelves
from .normalize import fold

HOME_NEW_RELEASES = 12
HOME_GENRES = 12
SEARCH_LIMIT = 20
# Queries are many and most are typed once: their results are kept for a shorter time.
SEARCH_CACHE_SECONDS = 600


@dataclass(frozen=True)
class PagePart:
    """A page's main part: its HTML, the <title> text and the object it shows (for other sections)."""

    title: str
    html: str
    obj: object = None

    @property
    def safe_html(self) -> SafeString:
        return mark_safe(self.html)  # noqa: S308 - rendered by our own templates, escaped there


def _part(template: str, context: dict, *, title: str, obj=None) -> PagePart:
    return PagePart(title=title, html=str(render_to_string(template, context)), obj=obj)


def album_part(*, pk: int) -> PagePart | None:
    """Return the main part of an album's page, or None if there is no such album."""

    def build() -> PagePart | None:
        page = selectors.album_detail(pk=pk)
        if page is None:
            return None
        album = page.album
        return _part(
            "catalog/partials/album_main.html",
            {"page": page, "album": album},
            title=f"{album.title} by {album.artist.name}",
        )

    return selectors.cached_read(f"album-page:v1:{pk}", build)


def artist_part(*, pk: int) -> PagePart | None:
    """Return the main part of an artist's page (its `obj` is the Artist), or None if unknown."""

    def build() -> PagePart | None:
        page = selectors.artist_detail(pk=pk)
        if page is None:
            return None
        artist = page.artist
        context = {"page": page, "artist": artist}
        return _part("catalog/partials/artist_main.html", context, title=artist.name, obj=artist)

    return selectors.cached_read(f"artist-page:v1:{pk}", build)


def search_part(*, query: str) -> PagePart:
    """Return the results of a search (a non-empty, cleaned query) as the search page shows them."""

    def build() -> PagePart:
        results = selectors.search(query=query, limit=SEARCH_LIMIT)
        artists, albums, tracks = list(results.artists), list(results.albums), list(results.tracks)
        context = {
            "query": query,
            "artists": artists,
            "albums": albums,
            "tracks": tracks,
            "top_result": top_result(query=query, artists=artists, albums=albums, tracks=tracks),
        }
        return _part("catalog/partials/search_results.html", context, title=query)

    digest = hashlib.sha256(query.encode()).hexdigest()[:32]
    return selectors.cached_read(f"search-page:v1:{digest}", build, timeout=SEARCH_CACHE_SECONDS)


def home_catalog_part(*, staff: bool) -> PagePart:
    """Return the home page's new releases and genres (`staff`: the empty library says where to import)."""

    def build() -> PagePart:
        context = {
            "new_releases": selectors.home_new_releases(limit=HOME_NEW_RELEASES),
            "genres": selectors.genre_overview(limit=HOME_GENRES, biggest_first=True),
            "staff": staff,
        }
        return _part("catalog/partials/home_catalog.html", context, title="Home")

    return selectors.cached_read(f"home-page:v1:{int(staff)}", build)


def home_shelves_part(*, user) -> PagePart:
    """Return the listener's personal shelves on the home page (catalog.shelves providers' rows).

    Kept per listener until the catalog or one of the versions the providers registered changes (a
    play, a listen, the nightly rebuild of their mixes), and for STREAMAPP_LIBRARY_SECONDS at most.
    """

    def build() -> PagePart:
        context = {"shelves": shelves.shelves_for(user)}
        return _part("catalog/partials/personal_shelves.html", context, title="")

    digest = hashlib.sha256(shelves.versions_for(user).encode()).hexdigest()[:32]
    name = f"home-shelves:v1:{user.pk}:{digest}"
    return selectors.cached_read(name, build, timeout=settings.STREAMAPP_LIBRARY_SECONDS)


def top_result(*, query: str, artists: list, albums: list, tracks: list) -> tuple[str, object] | None:
    """Return (kind, object) of the best match among the first artist, album and track.

    Each list is already ranked; between the lists, a name equal to the query wins, then an artist,
    an album, a track.
    """
    firsts = [
        ("artist", artists[0].name, artists[0]) if artists else None,
        ("album", albums[0].title, albums[0]) if albums else None,
        ("track", tracks[0].title, tracks[0]) if tracks else None,
    ]
    present = [first for first in firsts if first]
    if not present:
        return None
    wanted = fold(query)
    kind, _name, item = next((first for first in present if fold(first[1]) == wanted), present[0])
    return kind, item
