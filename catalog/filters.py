"""django-filter FilterSets of the catalog API: tracks, albums, artists and genres.

`?search=` ranks with the site's search (catalog.search): its best matches (at most
catalog.search.MAX_LIMIT of each kind) come first, best first, and the other filters narrow them down.
"""

from django import forms
from django.db.models import Case, Exists, IntegerField, OuterRef, QuerySet, When
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_field

from . import search as catalog_search
from . import selectors
from .models import Album, Artist, Genre, Track
from .normalize import fold

MAX_ID = 2**63 - 1
MAX_YEAR = 9999
MAX_DURATION_MS = 2**31 - 1


class _IntegerFilter(filters.NumberFilter):
    field_class = forms.IntegerField


def integer_filter(field_name: str, lookup_expr: str, *, min_value: int, max_value: int, help_text: str):
    """Return an integer filter with bounds, checked by its form field and shown in the schema."""
    schema = {"type": "integer", "minimum": min_value, "maximum": max_value, "description": help_text}
    filter_field = _IntegerFilter(
        field_name=field_name,
        lookup_expr=lookup_expr,
        min_value=min_value,
        max_value=max_value,
        help_text=help_text,
    )
    return extend_schema_field(schema)(filter_field)


def id_filter(field_name: str, help_text: str):
    return integer_filter(field_name, "exact", min_value=1, max_value=MAX_ID, help_text=help_text)


def ranked_by_search(queryset: QuerySet, *, kind: str, query: str) -> QuerySet:
    """Return the rows of queryset that the site's search finds for query, best match first.

    kind is "tracks", "albums" or "artists". A constant number of queries (the search's) whatever
    the catalog's size; the result is annotated with `search_rank` (0 is the best).
    """
    found = getattr(selectors.search(query=query, limit=catalog_search.MAX_LIMIT), kind)
    if not found:
        return queryset.none()
    rank = Case(
        *(When(pk=row.pk, then=position) for position, row in enumerate(found)), output_field=IntegerField()
    )
    ranked = queryset.filter(pk__in=[row.pk for row in found]).annotate(search_rank=rank)
    return ranked.order_by("search_rank")


class _SearchFilterSet(filters.FilterSet):
    search_kind = ""

    search = filters.CharFilter(
        method="filter_search",
        max_length=catalog_search.MAX_QUERY_LENGTH,
        help_text="Search the names (case, accents and punctuation ignored); results come best match first.",
    )

    def filter_search(self, queryset, name, value: str):
        return ranked_by_search(queryset, kind=self.search_kind, query=value) if value.strip() else queryset


class TrackFilter(_SearchFilterSet):
    search_kind = "tracks"

    artist = id_filter("artist", "The track's artist id.")
    album = id_filter("album", "The album id.")
    genre = filters.CharFilter(field_name="genres__slug", max_length=120, help_text="A genre's slug.")
    year_min = integer_filter(
        "album__release_year", "gte", min_value=0, max_value=MAX_YEAR, help_text="Released in or after."
    )
    year_max = integer_filter(
        "album__release_year", "lte", min_value=0, max_value=MAX_YEAR, help_text="Released in or before."
    )
    duration_min = integer_filter(
        "duration_ms", "gte", min_value=0, max_value=MAX_DURATION_MS, help_text="At least this long (ms)."
    )
    duration_max = integer_filter(
        "duration_ms", "lte", min_value=0, max_value=MAX_DURATION_MS, help_text="At most this long (ms)."
    )
    available = filters.BooleanFilter(
        field_name="is_available", help_text="true: only playable tracks; false: only missing ones."
    )
    mbid = filters.UUIDFilter(field_name="mbid", help_text="The MusicBrainz recording id.")

    class Meta:
        model = Track
        fields = []


def _in_genre(model, slug: str) -> Exists:
    """Return a condition: the album (artist) has a track in the genre."""
    relation = "album" if model is Album else "artist"
    return Exists(Track.objects.filter(**{relation: OuterRef("pk")}, genres__slug=slug))


class AlbumFilter(_SearchFilterSet):
    search_kind = "albums"

    artist = id_filter("artist", "The album artist's id.")
    genre = filters.CharFilter(
        method="filter_genre", max_length=120, help_text="A genre's slug: albums with a track in it."
    )
    year = integer_filter("release_year", "exact", min_value=0, max_value=MAX_YEAR, help_text="Released in.")
    year_min = integer_filter(
        "release_year", "gte", min_value=0, max_value=MAX_YEAR, help_text="Released in or after."
    )
    year_max = integer_filter(
        "release_year", "lte", min_value=0, max_value=MAX_YEAR, help_text="Released in or before."
    )
    album_type = filters.ChoiceFilter(choices=Album.AlbumType.choices, help_text="The kind of release.")
    mbid = filters.UUIDFilter(field_name="mbid", help_text="The MusicBrainz release id.")

    class Meta:
        model = Album
        fields = []

    def filter_genre(self, queryset, name, value: str):
        return queryset.filter(_in_genre(Album, value))


class ArtistFilter(_SearchFilterSet):
    search_kind = "artists"

    name = filters.CharFilter(
        method="filter_name",
        max_length=255,
        help_text="Part of the name (case, accents and punctuation ignored), in name order.",
    )
    genre = filters.CharFilter(
        method="filter_genre", max_length=120, help_text="A genre's slug: artists with a track in it."
    )
    mbid = filters.UUIDFilter(field_name="mbid", help_text="The MusicBrainz artist id.")

    class Meta:
        model = Artist
        fields = []

    def filter_name(self, queryset, name, value: str):
        key = fold(value)
        return queryset.filter(name_key__contains=key) if key else queryset

    def filter_genre(self, queryset, name, value: str):
        return queryset.filter(_in_genre(Artist, value))


class GenreFilter(filters.FilterSet):
    name = filters.CharFilter(
        field_name="name", lookup_expr="icontains", max_length=100, help_text="Part of the name."
    )

    class Meta:
        model = Genre
        fields = []
