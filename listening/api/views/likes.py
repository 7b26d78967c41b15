"""Likes: like or unlike a track, album or artist; list what the user likes."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import generics, permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.api.serializers import (
    TRACK_EXAMPLE,
    AlbumSummarySerializer,
    ArtistSummarySerializer,
    TrackSerializer,
)
from catalog.models import Album, Artist, Track
from listening import selectors, services
from listening.models import AlbumLike, ArtistLike, TrackLike
from streamapp.api import PlayerRateThrottle

from .. import examples
from ..serializers import LikeOutput

_LIKES = {
    "track": (Track, services.track_like_set),
    "album": (Album, services.album_like_set),
    "artist": (Artist, services.artist_like_set),
}


@extend_schema(tags=["likes"])
class LikeApi(APIView):
    """Like (PUT) or unlike (DELETE) a track, album or artist; GET tells whether it is liked."""

    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [PlayerRateThrottle]

    def _target(self, kind: str, pk: int):
        if kind not in _LIKES:
            raise Http404("Likes are for track, album or artist.")
        model, service = _LIKES[kind]
        return get_object_or_404(model, pk=pk), service

    def _answer(self, kind: str, pk: int, liked: bool) -> Response:
        return Response(LikeOutput({"kind": kind, "id": pk, "liked": liked}).data)

    @extend_schema(responses={200: LikeOutput}, examples=examples.LIKE_GET)
    def get(self, request, kind: str, pk: int):
        self._target(kind, pk)
        return self._answer(kind, pk, pk in selectors.liked_ids(user=request.user, kind=kind, ids=[pk]))

    @extend_schema(request=None, responses={200: LikeOutput}, examples=examples.LIKE_PUT)
    def put(self, request, kind: str, pk: int):
        target, service = self._target(kind, pk)
        service(user=request.user, **{kind: target}, liked=True)
        return self._answer(kind, pk, True)

    @extend_schema(request=None, responses={200: LikeOutput}, examples=examples.LIKE_DELETE)
    def delete(self, request, kind: str, pk: int):
        target, service = self._target(kind, pk)
        service(user=request.user, **{kind: target}, liked=False)
        return self._answer(kind, pk, False)


_LIKE_ROWS = {"track": TrackLike, "album": AlbumLike, "artist": ArtistLike}
_LIKE_RELATED = {
    "track": ("track__album", "track__artist", "track__audio_file"),
    "album": ("album__artist",),
    "artist": ("artist",),
}


@extend_schema(tags=["likes"])
class LikeListApi(generics.GenericAPIView):
    """What you like, most recently liked first: tracks, albums or artists (?kind=, tracks by default)."""

    class InputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=list(_LIKES), default="track")

    class OutputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=list(_LIKES))
        id = serializers.IntegerField(help_text="The liked track's, album's or artist's id.")
        liked_at = serializers.DateTimeField()
        track = TrackSerializer(allow_null=True, help_text="Set when kind is track.")
        album = AlbumSummarySerializer(allow_null=True, help_text="Set when kind is album.")
        artist = ArtistSummarySerializer(allow_null=True, help_text="Set when kind is artist.")

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = OutputSerializer
    filter_backends = []

    @extend_schema(
        parameters=[InputSerializer],
        responses={200: OutputSerializer(many=True)},
        examples=[
            OpenApiExample(
                "A liked track",
                value={
                    "kind": "track",
                    "id": 412,
                    "liked_at": "2026-03-14T21:09:02Z",
                    "track": TRACK_EXAMPLE,
                    "album": None,
                    "artist": None,
                },
                response_only=True,
            )
        ],
    )
    def get(self, request):
        params = self.InputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        kind = params.validated_data["kind"]
        likes = _LIKE_ROWS[kind].objects.filter(user=request.user).select_related(*_LIKE_RELATED[kind])
        page = self.paginate_queryset(likes.order_by("-created_at", "-pk"))
        items = [
            {
                "kind": kind,
                "id": getattr(like, f"{kind}_id"),
                "liked_at": like.created_at,
                "track": None,
                "album": None,
                "artist": None,
                kind: getattr(like, kind),
            }
            for like in page
        ]
        return self.get_paginated_response(self.OutputSerializer(items, many=True).data)
