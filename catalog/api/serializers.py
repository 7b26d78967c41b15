"""Catalog representations shared by every API that returns tracks."""
from rest_framework import serializers

from catalog.models import Track


class TrackSerializer(serializers.ModelSerializer):
    """A track as the player and API clients need it; expects album, album__artist and artist loaded."""

    artist = serializers.CharField(source="artist.name", read_only=True)
    album = serializers.CharField(source="album.title", read_only=True)
    cover_url = serializers.SerializerMethodField()
    stream_url = serializers.CharField(source="get_stream_url", read_only=True)
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Track
        fields = ["id", "title", "artist", "artist_id", "album", "album_id", "duration_ms", "cover_url",
                  "stream_url", "url"]

    def get_cover_url(self, track: Track) -> str | None:
        return track.album.cover.url if track.album.cover else None
