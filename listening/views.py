"""Listening pages and the audio stream."""

from pathlib import Path

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.text import slugify
from django.views.decorators.http import require_safe

from catalog.models import Track

from . import playlist_formats, selectors
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


def _export_entries(request: HttpRequest, playlist) -> list[playlist_formats.ExportEntry]:
    return [
        playlist_formats.ExportEntry(
            title=track.title,
            artist=track.artist.name,
            album=track.album.title,
            duration_ms=track.duration_ms,
            location=request.build_absolute_uri(track.get_stream_url()),
        )
        for track in selectors.playlist_export_rows(playlist=playlist)
    ]


@require_safe
def playlist_export(request: HttpRequest, uid, fmt: str) -> HttpResponse:
    """Download a playlist the user may see as M3U8 or XSPF."""
    playlist = selectors.playlist_get_visible(user=request.user, uid=uid)
    entries = _export_entries(request, playlist)
    filename = slugify(playlist.name) or "playlist"
    if fmt == "m3u8":
        body, content_type = playlist_formats.to_m3u8(name=playlist.name, entries=entries), "audio/x-mpegurl"
    else:
        body, content_type = (
            playlist_formats.to_xspf(name=playlist.name, entries=entries),
            "application/xspf+xml",
        )
    response = HttpResponse(body, content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


@require_safe
def playlist_detail(request: HttpRequest, uid) -> HttpResponse:
    """A playlist's page (private playlists are a 404 for everyone but owner, collaborators, staff)."""
    page = selectors.playlist_page(user=request.user, uid=uid)
    return render(request, "listening/playlist_detail.html", {"page": page, "playlist": page.playlist})
