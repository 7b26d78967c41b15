"""The recommend API: a listener's recommendations and mixes, radio, similar items and thumbs-down.

Each view parses its input, calls one selector or service and shapes the answer. A listener's own
data under /users/{username}/ is for that listener and staff (IsSelfOrStaff: 404 for anyone else).
"""

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.api.serializers import ARTIST_EXAMPLE, TRACK_EXAMPLE
from catalog.models import Artist, Track
from listening.models import ContextType
from streamapp.api import IsSelfOrStaff, PlayerRateThrottle, WriteRateThrottle

from .. import feedback, radio, selectors
from . import serializers

MAX_RECOMMENDATIONS = 200
DISLIKE_EXAMPLE = {"track": TRACK_EXAMPLE, "created_at": "2026-03-15T09:12:44Z"}


def _listener(username: str):
    return get_object_or_404(get_user_model(), username=username)


@extend_schema(tags=["recommendations"])
class UserRecommendationsApi(APIView):
    """A listener's top recommended tracks that they have not listened to, best first, each with its
    reason (the listener or staff)."""

    class InputSerializer(serializers.serializers.Serializer):
        limit = serializers.serializers.IntegerField(
            min_value=1, max_value=MAX_RECOMMENDATIONS, default=50, help_text="How many (1 to 200)."
        )

    permission_classes = [permissions.IsAuthenticated, IsSelfOrStaff]

    @extend_schema(
        parameters=[InputSerializer],
        responses={200: serializers.RecommendedTrackSerializer(many=True)},
        examples=[OpenApiExample("A recommendation", value=serializers.RECOMMENDED_TRACK_EXAMPLE,
                                 response_only=True)],
    )
    def get(self, request, username: str):
        params = self.InputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        tracks = selectors.recommended_tracks(user=_listener(username), limit=params.validated_data["limit"])
        return Response(serializers.RecommendedTrackSerializer(tracks, many=True).data)


@extend_schema(tags=["recommendations"])
class UserMixListApi(APIView):
    """A listener's generated playlists: Discover and the Daily Mixes, rebuilt nightly (the listener
    or staff)."""

    permission_classes = [permissions.IsAuthenticated, IsSelfOrStaff]

    @extend_schema(
        responses={200: serializers.MixSerializer(many=True)},
        examples=[OpenApiExample("A Daily Mix", value=serializers.MIX_EXAMPLE, response_only=True)],
    )
    def get(self, request, username: str):
        mixes = selectors.user_mixes(user=_listener(username))
        return Response(serializers.MixSerializer(mixes, many=True).data)


@extend_schema(tags=["recommendations"])
class UserMixDetailApi(APIView):
    """One of a listener's generated playlists with its tracks in order, each with the reason it was
    picked (the listener or staff)."""

    permission_classes = [permissions.IsAuthenticated, IsSelfOrStaff]

    @extend_schema(
        responses={200: serializers.MixDetailSerializer},
        examples=[
            OpenApiExample(
                "Discover",
                value={
                    **serializers.MIX_EXAMPLE, "kind": "discover", "name": "Discover", "track_count": 1,
                    "tracks": [{**TRACK_EXAMPLE, "reason": serializers.RECOMMENDED_TRACK_EXAMPLE["reason"]}],
                },
                response_only=True,
            )
        ],
    )
    def get(self, request, username: str, uid):
        mix = selectors.user_mix(user=_listener(username), uid=uid)
        if mix is None:
            return Response({"detail": "No such generated playlist."}, status=status.HTTP_404_NOT_FOUND)
        return Response(serializers.MixDetailSerializer(mix).data)


def _radio_answer(batch: radio.RadioBatch, status_code: int = status.HTTP_200_OK) -> Response:
    session = batch.session
    output = {
        "session": session.id,
        "title": session.title,
        "seed_type": session.seed_type,
        "seed_id": session.seed_id,
        "context_type": ContextType.RADIO,
        "context_id": session.id,
        "tracks": batch.tracks,
        "exhausted": batch.exhausted,
    }
    return Response(serializers.RadioOutput(output).data, status=status_code)


@extend_schema(tags=["radio"])
class RadioStartApi(APIView):
    """Start a radio from a track, artist, album, genre or playlist: its first tracks and a session id.

    Play its tracks with context_type "radio" and context_id the session id; ask for more with
    POST radio/{session}/next/. 404 when the seed does not exist or is a private playlist.
    """

    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [PlayerRateThrottle]

    @extend_schema(
        request=serializers.RadioStartInput,
        responses={201: serializers.RadioOutput, 404: OpenApiResponse(description="Unknown seed")},
        examples=[
            OpenApiExample("From a track", value={"seed_type": "track", "seed_id": "412", "size": 10},
                           request_only=True),
            OpenApiExample("A new session", value=serializers.RADIO_EXAMPLE, response_only=True,
                           status_codes=["201"]),
        ],
    )
    def post(self, request):
        data = serializers.RadioStartInput(data=request.data)
        data.is_valid(raise_exception=True)
        batch = radio.radio_start(user=request.user, **data.validated_data)
        return _radio_answer(batch, status.HTTP_201_CREATED)


@extend_schema(tags=["radio"])
class RadioNextApi(APIView):
    """The next tracks of a radio session, after what the listener skipped or played to the end.

    None of them was played before in the session; skipped tracks' artists and neighbours are played
    less, completed ones' more. 404 for an unknown or expired session, or another listener's.
    """

    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [PlayerRateThrottle]

    @extend_schema(
        request=serializers.RadioNextInput,
        responses={200: serializers.RadioOutput},
        examples=[
            OpenApiExample("After a skip", value={"size": 10, "skipped": [413], "played": [412]},
                           request_only=True),
            OpenApiExample("The next tracks", value=serializers.RADIO_EXAMPLE, response_only=True),
        ],
    )
    def post(self, request, session: str):
        data = serializers.RadioNextInput(data=request.data)
        data.is_valid(raise_exception=True)
        batch = radio.radio_next(user=request.user, session_id=session, **data.validated_data)
        return _radio_answer(batch)


@extend_schema(tags=["radio"])
class SimilarTracksApi(APIView):
    """The tracks most like a track, best first: learnt from listening, else the same genres or artist."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        parameters=[serializers.SimilarQuery],
        responses={200: serializers.SimilarTracksOutput},
        examples=[OpenApiExample("Neighbours", value={"source": "neighbours", "tracks": [TRACK_EXAMPLE]},
                                 response_only=True)],
    )
    def get(self, request, pk: int):
        params = serializers.SimilarQuery(data=request.query_params)
        params.is_valid(raise_exception=True)
        track = get_object_or_404(Track, pk=pk)
        similar = selectors.similar_tracks(track=track, limit=params.validated_data["limit"])
        output = {"source": similar.source, "tracks": similar.items}
        return Response(serializers.SimilarTracksOutput(output).data)


@extend_schema(tags=["radio"])
class SimilarArtistsApi(APIView):
    """The artists most like an artist, best first: learnt from listening, else sharing its genres."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        parameters=[serializers.SimilarQuery],
        responses={200: serializers.SimilarArtistsOutput},
        examples=[OpenApiExample("Neighbours", value={"source": "neighbours", "artists": [ARTIST_EXAMPLE]},
                                 response_only=True)],
    )
    def get(self, request, pk: int):
        params = serializers.SimilarQuery(data=request.query_params)
        params.is_valid(raise_exception=True)
        artist = get_object_or_404(Artist, pk=pk)
        similar = selectors.similar_artists(artist=artist, limit=params.validated_data["limit"])
        output = {"source": similar.source, "artists": similar.items}
        return Response(serializers.SimilarArtistsOutput(output).data)


@extend_schema(tags=["recommendations"])
class DislikeListApi(generics.GenericAPIView):
    """Your thumbs-down, newest first (GET); thumb a track down (POST): it leaves your recommendations
    and generated playlists at once, and the next nightly run learns from it."""

    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [WriteRateThrottle]
    serializer_class = serializers.DislikeSerializer
    filter_backends = []

    @extend_schema(
        responses={200: serializers.DislikeSerializer(many=True)},
        examples=[OpenApiExample("A thumbs-down", value=DISLIKE_EXAMPLE, response_only=True)],
    )
    def get(self, request):
        page = self.paginate_queryset(selectors.dislikes(user=request.user))
        return self.get_paginated_response(serializers.DislikeSerializer(page, many=True).data)

    @extend_schema(
        request=serializers.DislikeInput,
        responses={201: serializers.DislikeSerializer, 200: serializers.DislikeSerializer},
        examples=[
            OpenApiExample("Thumb down a track", value={"track_id": 412}, request_only=True),
            OpenApiExample("Thumbed down", value=DISLIKE_EXAMPLE, response_only=True, status_codes=["201"]),
            OpenApiExample("Already thumbed down", value=DISLIKE_EXAMPLE, response_only=True,
                           status_codes=["200"]),
        ],
    )
    def post(self, request):
        data = serializers.DislikeInput(data=request.data)
        data.is_valid(raise_exception=True)
        track = get_object_or_404(
            Track.objects.select_related("album__artist", "artist", "audio_file"),
            pk=data.validated_data["track_id"],
        )
        dislike, created = feedback.track_dislike(user=request.user, track=track)
        return Response(
            serializers.DislikeSerializer(dislike).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


@extend_schema(tags=["recommendations"])
class DislikeApi(APIView):
    """Take a thumbs-down back: the track returns where it was in your recommendations and generated
    playlists (unless they were rebuilt since). 404 if you had not thumbed it down."""

    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [WriteRateThrottle]

    @extend_schema(
        responses={204: None},
        examples=[OpenApiExample("Not thumbed down", value={"detail": "You had not thumbed this track down."},
                                 response_only=True, status_codes=["404"])],
    )
    def delete(self, request, id: int):  # noqa: A002 -- the path's parameter
        track = get_object_or_404(Track, pk=id)
        if not feedback.track_dislike_undo(user=request.user, track=track):
            answer = {"detail": "You had not thumbed this track down."}
            return Response(answer, status=status.HTTP_404_NOT_FOUND)
        return Response(status=status.HTTP_204_NO_CONTENT)
