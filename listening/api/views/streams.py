"""What /stream/ serves for a track at a quality: the player asks when the listener wants to know."""

from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions
from rest_framework import serializers as fields
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from catalog.models import Track
from listening import transcoding

from .. import examples, serializers

_PARAMETERS = [
    OpenApiParameter("quality", str, enum=list(transcoding.QUALITIES), description="Default: original."),
    OpenApiParameter(
        "format",
        str,
        enum=list(transcoding.OUTPUT_FORMATS),
        description="The format of a transcode (default mp3).",
    ),
    OpenApiParameter(
        "bitrate",
        OpenApiTypes.INT,
        description=f"kbps ({transcoding.MIN_KBPS} to {transcoding.MAX_KBPS}), instead of the quality's.",
    ),
]


class _NoFormatOverride:
    """DRF's settings, but for the `format` query parameter: here the audio format, not a renderer."""

    URL_FORMAT_OVERRIDE = None

    def __getattr__(self, name: str):
        return getattr(api_settings, name)


class _AudioFormatNegotiation(DefaultContentNegotiation):
    settings = _NoFormatOverride()


@extend_schema(tags=["player"])
class StreamInfoApi(APIView):
    """What GET /stream/<id>/ serves at a quality: the original file or a transcode, its format, bitrate."""

    permission_classes = [permissions.IsAuthenticated]
    content_negotiation_class = _AudioFormatNegotiation

    @extend_schema(
        parameters=_PARAMETERS,
        responses={200: serializers.StreamInfoOutput},
        examples=examples.STREAM_INFO,
    )
    def get(self, request, pk: int):
        track = get_object_or_404(
            Track.objects.select_related("audio_file").filter(
                is_available=True, audio_file__is_available=True
            ),
            pk=pk,
        )
        query = {
            name: request.query_params[name]
            for name in ("quality", "format", "bitrate")
            if name in request.query_params
        }
        try:
            params = transcoding.parse_stream_params(query, duration_ms=track.audio_file.duration_ms)
        except ValidationError as error:
            raise fields.ValidationError(error.message_dict) from error
        audio = track.audio_file
        choice = transcoding.choose_stream(
            audio, quality=params.quality, format=params.format, bitrate_kbps=params.bitrate_kbps
        )
        asked = {name: value for name, value in query.items() if value}
        url = reverse("listening:stream", args=[track.pk]) + (f"?{urlencode(asked)}" if asked else "")
        output = {
            "quality": choice.quality,
            "format": choice.format,
            "bitrate_kbps": choice.bitrate_kbps,
            "mime_type": choice.mime_type,
            "transcoded": choice.transcoded,
            "url": url,
            "original": {"format": audio.format, "bitrate_kbps": transcoding.original_kbps(audio)},
        }
        return Response(serializers.StreamInfoOutput(output).data)
