"""Listening history: the user's listens (read, submit), what they are playing now; others' for staff."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import generics, permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.api.serializers import TRACK_EXAMPLE, TrackSerializer
from catalog.models import Track
from listening import filters, selectors, services
from listening.listenbrainz.validation import (
    LISTENED_AT_ALLOWED_SKEW,
    MAX_DURATION_MS,
    MAX_LISTENS_PER_REQUEST,
    MIN_LISTENED_AT,
)
from listening.models import Listen, Source
from streamapp.api import CursorPagination, IsSelfOrStaff, WriteRateThrottle

NAME_MAX_LENGTH = Listen._meta.get_field("track_name").max_length

LISTEN_EXAMPLE = {
    "id": 90211,
    "listened_at": "2026-03-14T21:07:33Z",
    "track": TRACK_EXAMPLE,
    "artist_name": "Ada Stone",
    "track_name": "Blue Moonlight",
    "release_name": "Night Drives",
    "recording_mbid": None,
    "source": "web",
    "ms_played": 215_000,
    "skipped": False,
}
UNMATCHED_LISTEN_EXAMPLE = {
    **LISTEN_EXAMPLE,
    "id": 90210,
    "listened_at": "2026-03-14T21:03:10Z",
    "track": None,
    "artist_name": "Somebody Else",
    "track_name": "Not In The Catalog",
    "release_name": "",
    "source": "api",
    "ms_played": None,
}


class ListenSerializer(serializers.Serializer):
    """A listen: its catalog track (null when it matched none) and the names it was submitted with."""

    id = serializers.IntegerField()
    listened_at = serializers.DateTimeField()
    track = TrackSerializer(allow_null=True, help_text="null until the listen matches a catalog track.")
    artist_name = serializers.CharField()
    track_name = serializers.CharField()
    release_name = serializers.CharField()
    recording_mbid = serializers.UUIDField(allow_null=True)
    source = serializers.ChoiceField(choices=Source.choices)
    ms_played = serializers.IntegerField(allow_null=True)
    skipped = serializers.BooleanField()


class ListenCursorPagination(CursorPagination):
    ordering = ("-listened_at", "-pk")


class _ListenListApi(generics.ListAPIView):
    """A user's listens, newest first."""

    queryset = Listen.objects.none()  # the model, for the schema; get_queryset() gives the rows
    serializer_class = ListenSerializer
    pagination_class = ListenCursorPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = filters.ListenFilter

    def listener(self):
        raise NotImplementedError

    def get_queryset(self):
        return (
            Listen.objects.filter(user=self.listener())
            .select_related("track__album", "track__artist", "track__audio_file")
            .order_by("-listened_at", "-pk")
        )


@extend_schema(tags=["history"])
class MyListensApi(_ListenListApi):
    """Your listening history (GET), newest first, unmatched listens included; submit listens (POST)."""

    class InputSerializer(serializers.Serializer):
        class ListenSerializer(serializers.Serializer):
            listened_at = serializers.DateTimeField(help_text="When the listen started (ISO 8601).")
            track_id = serializers.IntegerField(
                min_value=1, max_value=2**63 - 1, required=False, help_text="A catalog track; or give names."
            )
            artist_name = serializers.CharField(max_length=NAME_MAX_LENGTH, required=False)
            track_name = serializers.CharField(max_length=NAME_MAX_LENGTH, required=False)
            release_name = serializers.CharField(max_length=NAME_MAX_LENGTH, required=False, allow_blank=True)
            recording_mbid = serializers.UUIDField(required=False, allow_null=True)
            duration_ms = serializers.IntegerField(min_value=0, max_value=MAX_DURATION_MS, required=False)

            def validate_listened_at(self, value: dt.datetime) -> dt.datetime:
                if value.timestamp() < MIN_LISTENED_AT:
                    raise serializers.ValidationError("Listens before 2002-10-01 are clock errors.")
                if value.timestamp() >= timezone.now().timestamp() + LISTENED_AT_ALLOWED_SKEW:
                    raise serializers.ValidationError("This time is in the future.")
                return value

            def validate(self, attrs: dict) -> dict:
                names = [
                    key
                    for key in ("artist_name", "track_name", "release_name", "recording_mbid")
                    if key in attrs
                ]
                if "track_id" in attrs:
                    if names:
                        also = ", ".join(names)
                        raise serializers.ValidationError(
                            {"track_id": f"Give track_id or names, not both (also given: {also})."}
                        )
                    return attrs
                missing = {
                    key: "This field is required (or give track_id)."
                    for key in ("artist_name", "track_name")
                    if key not in attrs
                }
                if missing:
                    raise serializers.ValidationError(missing)
                return attrs

        listens = ListenSerializer(many=True, allow_empty=False, max_length=MAX_LISTENS_PER_REQUEST)

        def validate_listens(self, listens: list[dict]) -> list[dict]:
            track_ids = {listen["track_id"] for listen in listens if "track_id" in listen}
            tracks = Track.objects.select_related("artist", "album", "audio_file").in_bulk(track_ids)
            # Keyed by position, like the ListSerializer's own errors.
            errors = {
                position: {"track_id": [f"There is no track {listen['track_id']}."]}
                for position, listen in enumerate(listens)
                if "track_id" in listen and listen["track_id"] not in tracks
            }
            if errors:
                raise serializers.ValidationError(errors)
            for listen in listens:
                if "track_id" in listen:
                    listen["track"] = tracks[listen["track_id"]]
            return listens

    class OutputSerializer(serializers.Serializer):
        received = serializers.IntegerField(help_text="Listens in the request.")
        recorded = serializers.IntegerField(help_text="New listens (those already recorded are skipped).")

    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [WriteRateThrottle]

    def listener(self):
        return self.request.user

    @extend_schema(
        examples=[
            OpenApiExample("A matched listen", value=LISTEN_EXAMPLE, response_only=True),
            OpenApiExample("An unmatched listen", value=UNMATCHED_LISTEN_EXAMPLE, response_only=True),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="me_listens_submit",
        description=(
            f"Submit 1 to {MAX_LISTENS_PER_REQUEST} listens, each by catalog track id or by names (matched "
            "to the catalog, and kept unmatched when they match nothing). All or nothing: one invalid listen "
            "refuses the whole request, with a 400 naming it by position and field "
            '(`{"listens": {"3": {"track_id": ["There is no track 7."]}}}`). Idempotent: a listen already '
            "recorded (same second, same artist and title) is skipped, so a retry adds nothing."
        ),
        request=InputSerializer,
        responses={200: OutputSerializer},
        examples=[
            OpenApiExample(
                "By track id and by names",
                value={
                    "listens": [
                        {"listened_at": "2026-03-14T21:07:33Z", "track_id": 412},
                        {
                            "listened_at": "2026-03-14T21:03:10Z",
                            "artist_name": "Somebody Else",
                            "track_name": "Not In The Catalog",
                            "release_name": "Some Album",
                            "duration_ms": 241_000,
                        },
                    ]
                },
                request_only=True,
            ),
            OpenApiExample("Recorded", value={"received": 2, "recorded": 2}, response_only=True),
        ],
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        listens = [_submitted(listen) for listen in data.validated_data["listens"]]
        recorded = services.listens_submit(
            user=request.user, listen_type="import", listens=listens, source=Source.API
        )
        return Response(self.OutputSerializer({"received": len(listens), "recorded": recorded}).data)


def _submitted(listen: dict) -> dict:
    """Return a checked listen in the shape listens_submit takes (ListenBrainz's)."""
    track = listen.get("track")
    if track is not None:
        metadata = {
            "artist_name": track.artist.name,
            "track_name": track.title,
            "release_name": track.album.title,
        }
        mbid, duration_ms = track.mbid, listen.get("duration_ms") or track.duration_ms or None
    else:
        names = ("artist_name", "track_name", "release_name")
        metadata = {key: listen[key] for key in names if key in listen}
        mbid, duration_ms = listen.get("recording_mbid"), listen.get("duration_ms")
    info = {}
    if mbid:
        info["recording_mbid"] = str(mbid)
    if duration_ms is not None:
        info["duration_ms"] = duration_ms
    return {
        "listened_at": int(listen["listened_at"].timestamp()),
        "track_metadata": {**metadata, "additional_info": info},
    }


@extend_schema(tags=["history"])
class UserListensApi(_ListenListApi):
    """A user's listening history, newest first: for that user and for staff (404 for anyone else)."""

    permission_classes = [permissions.IsAuthenticated, IsSelfOrStaff]

    def listener(self):
        return get_object_or_404(get_user_model(), username=self.kwargs["username"])

    @extend_schema(examples=[OpenApiExample("A listen", value=LISTEN_EXAMPLE, response_only=True)])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["history"])
class NowPlayingApi(APIView):
    """What you are playing now (from the web player or a scrobbler's playing_now); playing is false if
    nothing."""

    class OutputSerializer(serializers.Serializer):
        playing = serializers.BooleanField()
        track = TrackSerializer(allow_null=True, help_text="null when nothing plays or it matched no track.")
        artist_name = serializers.CharField()
        track_name = serializers.CharField()
        release_name = serializers.CharField()
        started_at = serializers.DateTimeField(allow_null=True)
        expires_at = serializers.DateTimeField(allow_null=True)

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        responses={200: OutputSerializer},
        examples=[
            OpenApiExample(
                "Playing",
                value={
                    "playing": True,
                    "track": TRACK_EXAMPLE,
                    "artist_name": "Ada Stone",
                    "track_name": "Blue Moonlight",
                    "release_name": "Night Drives",
                    "started_at": "2026-03-14T21:07:33Z",
                    "expires_at": "2026-03-14T21:11:08Z",
                },
            ),
            OpenApiExample(
                "Nothing",
                value={
                    "playing": False,
                    "track": None,
                    "artist_name": "",
                    "track_name": "",
                    "release_name": "",
                    "started_at": None,
                    "expires_at": None,
                },
            ),
        ],
    )
    def get(self, request):
        now_playing = selectors.now_playing(user=request.user)
        if now_playing is None:
            output = {
                **dict.fromkeys(("artist_name", "track_name", "release_name"), ""),
                "playing": False,
                "track": None,
                "started_at": None,
                "expires_at": None,
            }
        else:
            fields = ("track", "artist_name", "track_name", "release_name", "started_at", "expires_at")
            output = {"playing": True, **{name: getattr(now_playing, name) for name in fields}}
        return Response(self.OutputSerializer(output).data)
