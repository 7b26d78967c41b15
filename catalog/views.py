"""Catalog pages: home, genres, artists, albums, tracks and search.

Every page needs a logged-in user (LoginRequiredMiddleware); none of them changes anything, so they
answer GET and HEAD only. Each view parses its input, calls one selector and renders.
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from . import selectors, shelves
from .forms import SearchForm
from .normalize import fold

HOME_NEW_RELEASES = 12
HOME_GENRES = 12
SEARCH_LIMIT = 20
SUGGESTION_LIMIT = 8


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "catalog/home.html",
        {
            "shelves": shelves.shelves_for(request.user),
            "new_releases": selectors.home_new_releases(limit=HOME_NEW_RELEASES),
            "genres": selectors.genre_overview(limit=HOME_GENRES, biggest_first=True),
        },
    )


@require_safe
def genre_list(request: HttpRequest) -> HttpResponse:
    return render(request, "catalog/genre_list.html", {"genres": selectors.genre_overview()})


@require_safe
def genre_detail(request: HttpRequest, slug: str) -> HttpResponse:
    page = selectors.genre_detail(slug=slug)
    if page is None:
        raise Http404("No such genre.")
    return render(request, "catalog/genre_detail.html", {"page": page, "genre": page.genre})


@require_safe
def artist_detail(request: HttpRequest, pk: int) -> HttpResponse:
    page = selectors.artist_detail(pk=pk)
    if page is None:
        raise Http404("No such artist.")
    return render(request, "catalog/artist_detail.html", {"page": page, "artist": page.artist})


@require_safe
def album_detail(request: HttpRequest, pk: int) -> HttpResponse:
    page = selectors.album_detail(pk=pk)
    if page is None:
        raise Http404("No such album.")
    return render(request, "catalog/album_detail.html", {"page": page, "album": page.album})


@require_safe
def track_detail(request: HttpRequest, pk: int) -> HttpResponse:
    page = selectors.track_detail(pk=pk)
    if page is None:
        raise Http404("No such track.")
    return render(request, "catalog/track_detail.html", {"page": page, "track": page.track})


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    query = SearchForm.query_from(request.GET)
    if not query:
        return render(request, "catalog/search.html", {"query": "", "genres": selectors.genre_overview()})
    results = selectors.search(query=query, limit=SEARCH_LIMIT)
    artists, albums, tracks = list(results.artists), list(results.albums), list(results.tracks)
    return render(
        request,
        "catalog/search.html",
        {
            "query": query,
            "artists": artists,
            "albums": albums,
            "tracks": tracks,
            "top_result": top_result(query=query, artists=artists, albums=albums, tracks=tracks),
        },
    )


@require_safe
def search_suggest(request: HttpRequest) -> HttpResponse:
    """Render the suggestions dropdown of the search box (an htmx partial)."""
    query = SearchForm.query_from(request.GET)
    suggestions = selectors.search_suggestions(query=query, limit=SUGGESTION_LIMIT) if query else []
    return render(
        request, "catalog/partials/suggestions.html", {"query": query, "suggestions": suggestions}
    )


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
