"""The listening API the web player uses: play reports, the saved queue, likes."""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, status
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import APIView

from catalog.models import Album, Artist, Track
from listening import selectors, services
from listening.models import Listen

from . import serializers


class PlayerThrottle(UserRateThrottle):
    """Generous: a playing client reports every few seconds, but a runaway loop is stopped."""

    rate = "600/min"


class PlayReportApi(APIView):
    """Report playback (start, progress, pause, seek, end, skip, errors, stalls) of one play."""

    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [PlayerThrottle]

    @extend_schema(request=serializers.PlayReportInput, responses={200: serializers.PlayReportOutput})
    def post(self, request):
        data = serializers.PlayReportInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values.pop("position_ms", None)
        track = get_object_or_404(Track.objects.select_related("artist", "album"), pk=values.pop("track_id"))
        play = services.play_report(user=request.user, track=track, **values)
        output = {
            "play_id": play.play_id,
            "ms_played": play.ms_played,
            "skipped": play.skipped,
            "listen_recorded": Listen.objects.filter(play=play).exists(),
        }
        return Response(serializers.PlayReportOutput(output).data)


def _state_output(view: selectors.PlayerStateView) -> dict:
    state = view.state
    return serializers.PlayerStateOutput(
        {
            "queue": [track.pk for track in view.tracks],
            "tracks": view.tracks,
            "current_index": min(state.current_index, max(len(view.tracks) - 1, 0)),
            "position_ms": state.position_ms,
            "shuffle": state.shuffle,
            "repeat": state.repeat,
            "volume": state.volume,
            "context_type": state.context_type,
            "context_id": state.context_id,
            "version": state.version,
            "updated_at": state.updated_at,
        }
    ).data


class PlayerStateApi(APIView):
    """The current user's queue and position, saved so any of their devices resumes it."""

    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [PlayerThrottle]

    @extend_schema(responses={200: serializers.PlayerStateOutput})
    def get(self, request):
        return Response(_state_output(selectors.player_state_get(user=request.user)))

    @extend_schema(
        request=serializers.PlayerStateInput,
        responses={200: serializers.PlayerStateOutput, 409: OpenApiResponse(description="Stale version")},
    )
    def put(self, request):
        data = serializers.PlayerStateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        base_version = values.pop("version", None)
        try:
            services.player_state_save(user=request.user, base_version=base_version, **values)
        except ValidationError as error:
            if "version" in getattr(error, "message_dict", {}):
                current = _state_output(selectors.player_state_get(user=request.user))
                return Response(
                    {"version": error.message_dict["version"], "state": current},
                    status=status.HTTP_409_CONFLICT,
                )
            raise
        return Response(_state_output(selectors.player_state_get(user=request.user)))


_LIKES = {
    "track": (Track, services.track_like_set),
    "album": (Album, services.album_like_set),
    "artist": (Artist, services.artist_like_set),
}


class LikeApi(APIView):
    """Like (PUT) or unlike (DELETE) a track, album or artist; GET tells whether it is liked."""

    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [PlayerThrottle]

    def _target(self, kind: str, pk: int):
        if kind not in _LIKES:
            raise Http404("Likes are for track, album or artist.")
        model, service = _LIKES[kind]
        return get_object_or_404(model, pk=pk), service

    def _answer(self, kind: str, pk: int, liked: bool) -> Response:
        return Response(serializers.LikeOutput({"kind": kind, "id": pk, "liked": liked}).data)

    @extend_schema(responses={200: serializers.LikeOutput})
    def get(self, request, kind: str, pk: int):
        self._target(kind, pk)
        return self._answer(kind, pk, pk in selectors.liked_ids(user=request.user, kind=kind, ids=[pk]))

    @extend_schema(request=None, responses={200: serializers.LikeOutput})
    def put(self, request, kind: str, pk: int):
        target, service = self._target(kind, pk)
        service(user=request.user, **{kind: target}, liked=True)
        return self._answer(kind, pk, True)

    @extend_schema(request=None, responses={200: serializers.LikeOutput})
    def delete(self, request, kind: str, pk: int):
        target, service = self._target(kind, pk)
        service(user=request.user, **{kind: target}, liked=False)
        return self._answer(kind, pk, False)
