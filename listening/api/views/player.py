"""The player's API: play reports, the saved queue (shared by the user's devices), play contexts."""

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import permissions, status
from rest_framework import serializers as fields
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.models import Track
from listening import selectors, services
from listening.models import Listen
from streamapp.api import PlayerRateThrottle

from .. import examples, serializers


@extend_schema(tags=["player"])
class PlayReportApi(APIView):
    """Report playback (start, progress, pause, seek, end, skip, errors, stalls) of one play."""

    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [PlayerRateThrottle]

    @extend_schema(
        request=serializers.PlayReportInput,
        responses={200: serializers.PlayReportOutput},
        examples=examples.PLAY_REPORT,
    )
    def post(self, request):
        data = serializers.PlayReportInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values.pop("position_ms", None)
        values["stream_format"] = values.pop("format", None)
        tracks = Track.objects.select_related("artist", "album", "audio_file")
        track = get_object_or_404(tracks, pk=values.pop("track_id"))
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


@extend_schema(tags=["player"])
class PlayerStateApi(APIView):
    """The current user's queue and position, saved so any of their devices resumes it."""

    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [PlayerRateThrottle]

    @extend_schema(responses={200: serializers.PlayerStateOutput}, examples=examples.PLAYER_STATE_GET)
    def get(self, request):
        return Response(_state_output(selectors.player_state_get(user=request.user)))

    @extend_schema(
        request=serializers.PlayerStateInput,
        responses={
            200: serializers.PlayerStateOutput,
            409: OpenApiResponse(
                inline_serializer(
                    "PlayerStateConflict",
                    {
                        "version": fields.ListField(child=fields.CharField()),
                        "state": serializers.PlayerStateOutput(),
                    },
                ),
                description="Stale version: the queue changed on another device; here is the current state.",
            ),
        },
        examples=examples.PLAYER_STATE_PUT,
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


@extend_schema(tags=["player"])
class PlayerContextApi(APIView):
    """The tracks a play button queues: an album, an artist, a playlist, liked songs, or a list of ids."""

    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [PlayerRateThrottle]

    @extend_schema(
        parameters=[serializers.PlayerContextInput],
        responses={200: serializers.PlayerContextOutput},
        examples=examples.PLAYER_CONTEXT,
    )
    def get(self, request):
        data = serializers.PlayerContextInput(data=request.query_params)
        data.is_valid(raise_exception=True)
        context_type, context_id = data.validated_data["type"], data.validated_data["id"]
        tracks = selectors.player_context_tracks(
            user=request.user,
            context_type=context_type,
            context_id=context_id,
            track_ids=data.validated_data["ids"] or [],
        )
        output = {"context_type": context_type, "context_id": context_id, "tracks": tracks}
        return Response(serializers.PlayerContextOutput(output).data)
