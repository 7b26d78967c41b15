"""The catalog API (read only): artists, albums, tracks and genres, with filters, search and ordering.

Lists are paginated (?page=, ?page_size= up to 200) and run a constant number of queries per page.
"""

from django.db.models import Count, Q
from django.http import Http404
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import generics, permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog import filters, selectors
from catalog.models import Album, Artist, Genre, Track

from . import examples
from .serializers import (
    ALBUM_EXAMPLE,
    ARTIST_EXAMPLE,
    GENRE_EXAMPLE,
    TRACK_EXAMPLE,
    AlbumSummarySerializer,
    ArtistSummarySerializer,
    GenreSummarySerializer,
    TrackSerializer,
)


def _cover_url(name: str | None) -> str | None:
    return Album._meta.get_field("cover").storage.url(name) if name else None


class ReleaseSerializer(AlbumSummarySerializer):
    """An album of the artist's, with its number of tracks."""

    track_count = serializers.IntegerField()

    class Meta(AlbumSummarySerializer.Meta):
        fields = [*AlbumSummarySerializer.Meta.fields, "track_count"]


class AlbumTrackSerializer(TrackSerializer):
    """A track of an album's tracklist."""

    class Meta(TrackSerializer.Meta):
        fields = [*TrackSerializer.Meta.fields, "disc_number", "track_number", "is_available"]


# ------------------------------------------------------------------------------ artists
@extend_schema(tags=["catalog"])
class ArtistListApi(generics.ListAPIView):
    """List artists, by name. Filter by genre or part of the name; ?search= ranks the best matches first."""

    class OutputSerializer(ArtistSummarySerializer):
        pass

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = OutputSerializer
    filterset_class = filters.ArtistFilter
    ordering_fields = {"name": "name", "created_at": "created_at"}

    def get_queryset(self):
        return Artist.objects.order_by("name", "pk")

    @extend_schema(examples=[OpenApiExample("An artist", value=ARTIST_EXAMPLE, response_only=True)])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["catalog"])
class ArtistDetailApi(APIView):
    """An artist with their top tracks and their releases (newest first), grouped like the artist's page."""

    class OutputSerializer(ArtistSummarySerializer):
        picture_url = serializers.CharField(
            allow_null=True, help_text="The cover of their newest album that has one."
        )
        track_count = serializers.IntegerField(help_text="Their playable tracks.")
        top_tracks = TrackSerializer(many=True, source="page.top_tracks")
        albums = ReleaseSerializer(many=True, source="page.albums")
        singles_and_eps = ReleaseSerializer(many=True, source="page.singles_and_eps")
        compilations = ReleaseSerializer(many=True, source="page.compilations")
        appears_on = AlbumSummarySerializer(
            many=True, source="page.appears_on", help_text="Others' albums they play on."
        )

        class Meta(ArtistSummarySerializer.Meta):
            fields = [
                *ArtistSummarySerializer.Meta.fields,
                "picture_url", "track_count", "top_tracks", "albums", "singles_and_eps", "compilations",
                "appears_on",
            ]

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        responses={200: OutputSerializer}, examples=[examples.ARTIST_DETAIL, examples.ARTIST_NOT_FOUND]
    )
    def get(self, request, pk: int):
        page = selectors.artist_detail(pk=pk)
        if page is None:
            raise Http404("No such artist.")
        artist = page.artist
        artist.page, artist.picture_url = page, _cover_url(artist.picture_name)
        return Response(self.OutputSerializer(artist).data)


# ------------------------------------------------------------------------------ albums
@extend_schema(tags=["catalog"])
class AlbumListApi(generics.ListAPIView):
    """List albums, by title. Filter by artist, genre, year or type; ?search= ranks the best matches first."""

    class OutputSerializer(AlbumSummarySerializer):
        pass

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = OutputSerializer
    filterset_class = filters.AlbumFilter
    ordering_fields = {
        "title": "title",
        "artist": "artist__name",
        "year": "release_year",
        "created_at": "created_at",
    }

    def get_queryset(self):
        return Album.objects.select_related("artist").order_by("title", "pk")

    @extend_schema(examples=[OpenApiExample("An album", value=ALBUM_EXAMPLE, response_only=True)])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["catalog"])
class AlbumDetailApi(APIView):
    """An album with its tracks in order (disc, then track number), its genres and total duration."""

    class OutputSerializer(AlbumSummarySerializer):
        tracks = AlbumTrackSerializer(many=True, source="page.tracks", help_text="In tracklist order.")
        genres = GenreSummarySerializer(many=True, source="page.genres")
        track_count = serializers.IntegerField(source="page.track_count")
        duration_ms = serializers.IntegerField(
            source="page.duration_ms", help_text="All the tracks together."
        )

        class Meta(AlbumSummarySerializer.Meta):
            fields = [*AlbumSummarySerializer.Meta.fields, "track_count", "duration_ms", "genres", "tracks"]

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        responses={200: OutputSerializer}, examples=[examples.ALBUM_DETAIL, examples.ALBUM_NOT_FOUND]
    )
    def get(self, request, pk: int):
        page = selectors.album_detail(pk=pk)
        if page is None:
            raise Http404("No such album.")
        album = page.album
        album.page = page
        return Response(self.OutputSerializer(album).data)


# ------------------------------------------------------------------------------ tracks
@extend_schema(tags=["catalog"])
class TrackListApi(generics.ListAPIView):
    """List tracks, by title. Filter by artist, album, genre, year, duration, availability or MBID;
    ?search= ranks the best matches first."""

    class OutputSerializer(TrackSerializer):
        pass

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = OutputSerializer
    filterset_class = filters.TrackFilter
    ordering_fields = {
        "title": "title",
        "artist": "artist__name",
        "album": "album__title",
        "year": "album__release_year",
        "duration_ms": "duration_ms",
        "created_at": "created_at",
    }

    def get_queryset(self):
        return Track.objects.select_related("album", "artist", "audio_file").order_by("title", "pk")

    @extend_schema(examples=[OpenApiExample("A track", value=TRACK_EXAMPLE, response_only=True)])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["catalog"])
class TrackDetailApi(generics.RetrieveAPIView):
    """One track, with its position on the album, genres, availability and audio file."""

    class OutputSerializer(TrackSerializer):
        class AudioSerializer(serializers.Serializer):
            format = serializers.CharField()
            mime_type = serializers.CharField()
            bitrate = serializers.IntegerField(allow_null=True, help_text="bit/s")
            sample_rate = serializers.IntegerField(allow_null=True, help_text="Hz")

        release_year = serializers.IntegerField(source="album.release_year", allow_null=True)
        genres = GenreSummarySerializer(many=True)
        audio = AudioSerializer(source="audio_file", allow_null=True)

        class Meta(TrackSerializer.Meta):
            fields = [
                *TrackSerializer.Meta.fields,
                "disc_number", "track_number", "release_year", "mbid", "is_available", "genres", "audio",
            ]

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = OutputSerializer
    queryset = Track.objects.with_related().select_related("audio_file")

    @extend_schema(
        examples=[
            OpenApiExample(
                "A track",
                value={
                    **TRACK_EXAMPLE,
                    "disc_number": 1,
                    "track_number": 3,
                    "release_year": 2019,
                    "mbid": None,
                    "is_available": True,
                    "genres": [GENRE_EXAMPLE],
                    "audio": {"format": "flac", "mime_type": "audio/flac", "bitrate": 912_000,
                              "sample_rate": 44_100},
                },
                response_only=True,
            )
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


# ------------------------------------------------------------------------------ genres
@extend_schema(tags=["catalog"])
class GenreListApi(generics.ListAPIView):
    """List genres with their number of playable tracks, by name."""

    class OutputSerializer(GenreSummarySerializer):
        track_count = serializers.IntegerField(help_text="Playable tracks in the genre.")

        class Meta(GenreSummarySerializer.Meta):
            fields = [*GenreSummarySerializer.Meta.fields, "track_count"]

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = OutputSerializer
    filterset_class = filters.GenreFilter
    ordering_fields = {"name": "name", "track_count": "track_count"}

    def get_queryset(self):
        return Genre.objects.annotate(
            track_count=Count("tracks", filter=Q(tracks__is_available=True))
        ).order_by("name", "pk")

    @extend_schema(
        examples=[OpenApiExample("A genre", value={**GENRE_EXAMPLE, "track_count": 120}, response_only=True)]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["catalog"])
class GenreDetailApi(APIView):
    """A genre with its busiest artists, newest albums and some of its tracks (opening tracks first)."""

    class OutputSerializer(GenreSummarySerializer):
        track_count = serializers.IntegerField(help_text="Playable tracks in the genre.")
        artists = ArtistSummarySerializer(many=True, source="page.artists", help_text="The busiest first.")
        albums = AlbumSummarySerializer(many=True, source="page.albums", help_text="The newest first.")
        tracks = TrackSerializer(many=True, source="page.tracks")

        class Meta(GenreSummarySerializer.Meta):
            fields = [*GenreSummarySerializer.Meta.fields, "track_count", "artists", "albums", "tracks"]

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        responses={200: OutputSerializer}, examples=[examples.GENRE_DETAIL, examples.GENRE_NOT_FOUND]
    )
    def get(self, request, slug: str):
        page = selectors.genre_detail(slug=slug)
        if page is None:
            raise Http404("No such genre.")
        genre = page.genre
        genre.page = page
        return Response(self.OutputSerializer(genre).data)
