"""The catalog in the Django admin: search, filters, album tracklists, autocomplete and cover thumbnails.

Counts are annotations and related rows are joined, so a changelist costs the same number of queries for
5 rows as for 100. Names are also matched on their normalised keys, so "beyonce" finds "Beyoncé". Saving
a name sets its key the way the importer does.
"""

from functools import reduce
from operator import or_

from django.contrib import admin
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.template.defaultfilters import filesizeformat
from django.utils.html import format_html

from streamapp.ui.formats import duration, kbps

from . import selectors
from .matching import match_key
from .models import Album, Artist, AudioFile, Genre, Track
from .normalize import fold

THUMBNAIL_PIXELS = 48
LOUDNESS_FIELDS = ("loudness_lufs", "true_peak_dbtp", "loudness_measured_at", "loudness_error")
REPLAYGAIN_FIELDS = (
    "replaygain_track_gain_db", "replaygain_track_peak", "replaygain_album_gain_db", "replaygain_album_peak"
)
PREVIEW_PIXELS = 300


def _count_of(model, field: str) -> Coalesce:
    """Return the number of `model` rows pointing at the row through `field`, as a correlated subquery.

    Unlike Count() over a join, it adds no GROUP BY (which would drop the model's default ordering) and
    two of them do not multiply each other's rows.
    """
    rows = model.objects.filter(**{field: OuterRef("pk")}).order_by().values(field)
    counts = rows.annotate(count=Count("pk"))
    return Coalesce(Subquery(counts.values("count")), Value(0), output_field=IntegerField())


def _cover(album: Album, pixels: int):
    if not album.cover:
        return "—"
    return format_html(
        '<img src="{}" alt="" width="{}" height="{}" loading="lazy" style="object-fit: cover">',
        album.cover.url, pixels, pixels,
    )


class FoldedSearchMixin:
    """Search the normalised keys named in `search_fields`: each word of the search must be in one.

    The search is folded like the keys, so "beyonce" finds "Beyoncé". A related key ("artist__name_key")
    is matched through a subquery on its own table rather than a join, so searching 200,000 tracks
    stays a single pass over them.
    """

    def get_search_results(self, request, queryset, search_term):
        words = fold(search_term).split()
        condition = Q()
        for word in words:
            condition &= reduce(or_, (self._contains(key, word) for key in self.search_fields))
        return (queryset.filter(condition) if words else queryset), False

    def _contains(self, key: str, word: str) -> Q:
        relation, _, related_key = key.rpartition("__")
        if not relation:
            return Q(**{f"{key}__contains": word})
        related = self.model._meta.get_field(relation).related_model
        matching = related.objects.filter(**{f"{related_key}__contains": word}).values("pk")
        return Q(**{f"{relation}__in": matching})


class CatalogChangedMixin:
    """Make the pages' cached catalog reads stale after staff change the catalog."""

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        selectors.catalog_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        selectors.catalog_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        selectors.catalog_changed()


class AlbumInline(admin.TabularInline):
    model = Album
    fields = ("title", "album_type", "release_year")
    ordering = ("release_year", "title")
    extra = 0
    show_change_link = True


@admin.register(Artist)
class ArtistAdmin(CatalogChangedMixin, FoldedSearchMixin, admin.ModelAdmin):
    list_display = ("name", "sort_name", "album_count", "track_count", "mbid")
    search_fields = ("name_key",)
    fields = ("name", "sort_name", "mbid", "name_key", "created_at", "updated_at")
    readonly_fields = ("name_key", "created_at", "updated_at")
    inlines = (AlbumInline,)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(album_count=_count_of(Album, "artist"), track_count=_count_of(Track, "artist"))
        )

    @admin.display(description="albums", ordering="album_count")
    def album_count(self, artist: Artist) -> int:
        return artist.album_count

    @admin.display(description="tracks", ordering="track_count")
    def track_count(self, artist: Artist) -> int:
        return artist.track_count

    def save_model(self, request, obj, form, change):
        obj.name_key = match_key(obj.name)
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        for album in formset.save(commit=False):
            album.title_key = match_key(album.title)
            album.save()
        for album in formset.deleted_objects:
            album.delete()


class TrackInline(admin.TabularInline):
    """The album's tracklist, by disc and number. A new track's artist is the album's."""

    model = Track
    fields = ("disc_number", "track_number", "title", "artist_name", "length", "is_available")
    readonly_fields = ("artist_name", "length")
    ordering = ("disc_number", "track_number", "title")
    extra = 0
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("artist")

    @admin.display(description="artist")
    def artist_name(self, track: Track) -> str:
        return track.artist.name if track.artist_id else "—"

    @admin.display(description="length")
    def length(self, track: Track) -> str:
        return duration(track.duration_ms) if track.pk else "—"


@admin.register(Album)
class AlbumAdmin(CatalogChangedMixin, FoldedSearchMixin, admin.ModelAdmin):
    list_display = ("thumbnail", "title", "artist", "album_type", "release_year", "track_count")
    list_display_links = ("thumbnail", "title")
    list_filter = ("album_type", "release_year")
    search_fields = ("title_key", "artist__name_key")
    autocomplete_fields = ("artist",)
    fields = (
        "title", "artist", "album_type", "release_year", "mbid", "cover", "cover_preview", "title_key",
        "cover_checksum", "loudness_lufs", "true_peak_dbtp", "created_at", "updated_at",
    )
    readonly_fields = (
        "cover_preview", "title_key", "cover_checksum", "loudness_lufs", "true_peak_dbtp", "created_at",
        "updated_at",
    )
    inlines = (TrackInline,)

    def get_queryset(self, request):
        # The artist is part of an album's name: the list and autocomplete show it.
        queryset = super().get_queryset(request).select_related("artist")
        return queryset.annotate(track_count=_count_of(Track, "album"))

    @admin.display(description="cover")
    def thumbnail(self, album: Album):
        return _cover(album, THUMBNAIL_PIXELS)

    @admin.display(description="cover preview")
    def cover_preview(self, album: Album):
        return _cover(album, PREVIEW_PIXELS)

    @admin.display(description="tracks", ordering="track_count")
    def track_count(self, album: Album) -> int:
        return album.track_count

    def save_model(self, request, obj, form, change):
        obj.title_key = match_key(obj.title)
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        album = form.instance
        for track in formset.save(commit=False):
            track.title_key = match_key(track.title)
            if not track.artist_id:
                track.artist_id = album.artist_id
            track.save()
        for track in formset.deleted_objects:
            track.delete()
        formset.save_m2m()


class GenreFilter(admin.SimpleListFilter):
    """Tracks of a genre, through a subquery: the stock filter's join needs DISTINCT over every column."""

    title = "genre"
    parameter_name = "genre"

    def lookups(self, request, model_admin):
        return Genre.objects.values_list("pk", "name")

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        tagged = Track.genres.through.objects.filter(genre_id=self.value()).values("track_id")
        return queryset.filter(pk__in=tagged)


@admin.register(Track)
class TrackAdmin(CatalogChangedMixin, FoldedSearchMixin, admin.ModelAdmin):
    list_display = ("title", "artist", "album", "disc_number", "track_number", "length", "is_available")
    list_select_related = ("artist", "album", "album__artist")
    list_filter = ("is_available", GenreFilter)
    search_fields = ("title_key", "artist__name_key", "album__title_key")
    autocomplete_fields = ("album", "artist", "audio_file", "genres")
    # Album by album in tracklist order: the (album, disc_number, track_number) index serves it.
    ordering = ("album_id", "disc_number", "track_number", "pk")
    show_full_result_count = False  # a filtered list need not count every track of the catalog too
    fields = (
        "title", "album", "artist", "disc_number", "track_number", "duration_ms", "genres", "audio_file",
        "is_available", "mbid", "title_key", "created_at", "updated_at",
    )
    readonly_fields = ("title_key", "created_at", "updated_at")

    @admin.display(description="length", ordering="duration_ms")
    def length(self, track: Track) -> str:
        return duration(track.duration_ms)

    def save_model(self, request, obj, form, change):
        obj.title_key = match_key(obj.title)
        super().save_model(request, obj, form, change)


@admin.register(Genre)
class GenreAdmin(CatalogChangedMixin, admin.ModelAdmin):
    list_display = ("name", "slug", "track_count")
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(track_count=_count_of(Track.genres.through, "genre"))

    @admin.display(description="tracks", ordering="track_count")
    def track_count(self, genre: Genre) -> int:
        return genre.track_count


class LoudnessFilter(admin.SimpleListFilter):
    """Files by loudness measurement: measured, not measured yet, or not measurable (the reason kept)."""

    title = "loudness"
    parameter_name = "loudness"

    def lookups(self, request, model_admin):
        return (("measured", "Measured"), ("pending", "Not measured yet"), ("error", "Could not measure"))

    def queryset(self, request, queryset):
        conditions = {
            "measured": Q(loudness_measured_at__isnull=False, loudness_error=""),
            "pending": Q(loudness_measured_at__isnull=True),
            "error": Q(loudness_measured_at__isnull=False) & ~Q(loudness_error=""),
        }
        return queryset.filter(conditions[self.value()]) if self.value() in conditions else queryset


@admin.register(AudioFile)
class AudioFileAdmin(admin.ModelAdmin):
    """Files are what the importer found on disk: their technical fields are read, not edited."""

    list_display = (
        "path", "format", "bitrate_kbps", "length", "loudness_lufs", "human_size", "track_count",
        "is_available",
    )
    list_filter = ("format", "is_available", LoudnessFilter)
    search_fields = ("path",)
    fieldsets = (
        (None, {"fields": (
            "path", "is_available", "format", "mime_type", "bitrate_kbps", "sample_rate", "channels",
            "length", "human_size", "checksum", "mtime", "last_seen_at", "created_at", "updated_at",
        )}),
        ("Loudness", {"fields": LOUDNESS_FIELDS + REPLAYGAIN_FIELDS}),
    )  # fmt: skip
    readonly_fields = (
        "path", "format", "mime_type", "bitrate_kbps", "sample_rate", "channels", "length", "human_size",
        "checksum", "mtime", "last_seen_at", "created_at", "updated_at", *LOUDNESS_FIELDS, *REPLAYGAIN_FIELDS,
    )

    def has_add_permission(self, request) -> bool:
        return False  # files come from library imports

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(track_count=_count_of(Track, "audio_file"))

    @admin.display(description="bitrate", ordering="bitrate")
    def bitrate_kbps(self, audio_file: AudioFile) -> str:
        return kbps(audio_file.bitrate) or "—"

    @admin.display(description="length", ordering="duration_ms")
    def length(self, audio_file: AudioFile) -> str:
        return duration(audio_file.duration_ms)

    @admin.display(description="size", ordering="size")
    def human_size(self, audio_file: AudioFile) -> str:
        return filesizeformat(audio_file.size)

    @admin.display(description="tracks", ordering="track_count")
    def track_count(self, audio_file: AudioFile) -> int:
        return audio_file.track_count


# The library import pages (catalog/admin_imports.py) register themselves on import.
from . import admin_imports  # noqa: E402, F401
