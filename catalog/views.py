"""Catalog pages: home, genres, artists, albums, tracks and search.

Every page needs a logged-in user (LoginRequiredMiddleware); none of them changes anything, so they
answer GET and HEAD only. Each view parses its input, calls one selector (or catalog.pages, which
keeps the HTML of what every listener sees alike) and renders.
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from . import pages, selectors
from .forms import SearchForm

SUGGESTION_LIMIT = 8


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "catalog/home.html",
        {
            "shelves_part": pages.home_shelves_part(user=request.user),
            "catalog_part": pages.home_catalog_part(staff=request.user.is_staff),
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
    part = pages.artist_part(pk=pk)
    if part is None:
        raise Http404("No such artist.")
    return render(request, "catalog/artist_detail.html", {"part": part, "artist": part.obj})


@require_safe
def album_detail(request: HttpRequest, pk: int) -> HttpResponse:
    part = pages.album_part(pk=pk)
    if part is None:
        raise Http404("No such album.")
    return render(request, "catalog/album_detail.html", {"part": part})


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
    return render(request, "catalog/search.html", {"query": query, "part": pages.search_part(query=query)})


@require_safe
def search_suggest(request: HttpRequest) -> HttpResponse:
    """Render the suggestions dropdown of the search box (an htmx partial)."""
    query = SearchForm.query_from(request.GET)
    suggestions = selectors.search_suggestions(query=query, limit=SUGGESTION_LIMIT) if query else []
    return render(
        request, "catalog/partials/suggestions.html", {"query": query, "suggestions": suggestions}
    )
