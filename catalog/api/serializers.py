"""Catalog representations shared by every API that returns tracks, albums, artists or genres."""
from rest_framework import serializers

from catalog.models import Album, Artist, Genre, Track

# Examples for the API's schema.
TRACK_EXAMPLE = {
    "id": 412,
    "title": "Blue Moonlight",
    "artist": "Ada Stone",
    "artist_id": 31,
    "album": "Night Drives",
    "album_id": 57,
    "duration_ms": 215_000,
    "cover_url": "/media/covers/3f/3f9a….jpg",
    "stream_url": "/stream/412/",
    "url": "/tracks/412/",
    "loudness": {"track_lufs": -9.8, "track_peak_dbtp": -0.3, "album_lufs": -10.4, "album_peak_dbtp": -0.1},
}
ALBUM_EXAMPLE = {
    "id": 57,
    "title": "Night Drives",
    "artist": "Ada Stone",
    "artist_id": 31,
    "release_year": 2019,
    "album_type": "album",
    "cover_url": "/media/covers/3f/3f9a….jpg",
    "mbid": None,
    "url": "/albums/57/",
}
ARTIST_EXAMPLE = {
    "id": 31, "name": "Ada Stone", "sort_name": "Stone, Ada", "mbid": None, "url": "/artists/31/"
}
GENRE_EXAMPLE = {"id": 4, "name": "Synthwave", "slug": "synthwave", "url": "/genres/synthwave/"}


class LoudnessSerializer(serializers.Serializer):
    """A track's loudness (docs/loudness.md): EBU R128 as measured, else derived from ReplayGain tags."""

    track_lufs = serializers.FloatField(allow_null=True, help_text="Integrated loudness (LUFS).")
    track_peak_dbtp = serializers.FloatField(allow_null=True, help_text="True peak (dBTP); null: unknown.")
    album_lufs = serializers.FloatField(allow_null=True, help_text="The album's loudness (LUFS).")
    album_peak_dbtp = serializers.FloatField(allow_null=True, help_text="The album's true peak (dBTP).")


class TrackSerializer(serializers.ModelSerializer):
    """A track as the player and API clients need it; expects album, album__artist, artist and audio_file
    loaded (select_related)."""

    artist = serializers.CharField(source="artist.name", read_only=True, help_text="The artist's name.")
    album = serializers.CharField(source="album.title", read_only=True, help_text="The album's title.")
    cover_url = serializers.SerializerMethodField(help_text="The album's cover, if it has one.")
    stream_url = serializers.CharField(
        source="get_stream_url", read_only=True, help_text="The audio (GET, Range requests): /stream/<id>/."
    )
    url = serializers.CharField(source="get_absolute_url", read_only=True, help_text="The track's page.")
    loudness = LoudnessSerializer(
        read_only=True, help_text="For volume normalisation: measured, else from ReplayGain tags."
    )

    class Meta:
        model = Track
        fields = ["id", "title", "artist", "artist_id", "album", "album_id", "duration_ms", "cover_url",
                  "stream_url", "url", "loudness"]

    def get_cover_url(self, track: Track) -> str | None:
        return track.album.cover.url if track.album.cover else None


class ArtistSummarySerializer(serializers.ModelSerializer):
    """An artist in lists."""

    url = serializers.CharField(source="get_absolute_url", read_only=True, help_text="The artist's page.")

    class Meta:
        model = Artist
        fields = ["id", "name", "sort_name", "mbid", "url"]


class AlbumSummarySerializer(serializers.ModelSerializer):
    """An album in lists; expects artist loaded."""

    artist = serializers.CharField(source="artist.name", read_only=True, help_text="The album artist's name.")
    cover_url = serializers.SerializerMethodField(help_text="The cover, if the album has one.")
    url = serializers.CharField(source="get_absolute_url", read_only=True, help_text="The album's page.")

    class Meta:
        model = Album
        fields = [
            "id", "title", "artist", "artist_id", "release_year", "album_type", "cover_url", "mbid", "url"
        ]

    def get_cover_url(self, album: Album) -> str | None:
        return album.cover.url if album.cover else None


class GenreSummarySerializer(serializers.ModelSerializer):
    """A genre in lists."""

    url = serializers.CharField(source="get_absolute_url", read_only=True, help_text="The genre's page.")

    class Meta:
        model = Genre
        fields = ["id", "name", "slug", "url"]
