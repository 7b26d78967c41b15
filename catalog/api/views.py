"""Catalog API views (the API issue extends these)."""

from rest_framework import generics, permissions, serializers

from catalog import selectors


class TrackListApi(generics.ListAPIView):
    """List playable tracks."""

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        title = serializers.CharField()
        artist = serializers.CharField(source="artist.name")
        artist_id = serializers.IntegerField()
        album = serializers.CharField(source="album.title")
        album_id = serializers.IntegerField()
        duration_ms = serializers.IntegerField()
        stream_url = serializers.CharField(source="get_stream_url")

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = OutputSerializer

    def get_queryset(self):
        return selectors.track_list()
