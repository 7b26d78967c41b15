"""Listening pages and the audio stream."""

from pathlib import Path

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from catalog.models import Track

from .streaming import file_response


@login_not_required  # answers 401 itself: an <audio> element can't follow a redirect to a log-in page
@require_safe
def stream(request: HttpRequest, track_id: int) -> HttpResponse:
    """Serve a track's audio to a logged-in user (Range, conditional requests, HEAD)."""
    if not request.user.is_authenticated:
        return JsonResponse({"detail": "Log in to stream audio."}, status=401)
    track = get_object_or_404(Track.objects.select_related("audio_file"), pk=track_id)
    audio = track.audio_file
    if audio is None or not audio.is_available or not track.is_available:
        return JsonResponse({"detail": "This track is not available."}, status=404)
    return file_response(
        request, path=Path(audio.path), content_type=audio.mime_type, etag_seed=audio.checksum[:16]
    )
