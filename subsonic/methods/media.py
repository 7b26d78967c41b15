"""Media: stream (never counted as a play), download (the original) and cover art."""

import io
from pathlib import Path

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from PIL import Image

from catalog.covers import COVER_JPEG_QUALITY, COVER_MAX_PIXELS
from catalog.models import Album
from listening.streaming import file_response, stream_response

from .. import services
from ..protocol import GENERIC, SubsonicError, malformed, not_found
from . import Call, method, one_song

# Resized covers are kept in the cache under their stored name (content-addressed) and size.
COVER_CACHE_SECONDS = 7 * 24 * 3600
MIN_COVER_SIZE = 16


def _playable(call: Call):
    track = one_song(call.params)
    if track.audio_file is None or not track.audio_file.is_available:
        raise not_found("Song file")
    return track


@method("stream")
def stream(call: Call) -> HttpResponse:
    """The original or a transcode (services.stream_source), through the web player's stream response:
    Range and conditional requests on an original or a cached transcode; never counted as a play."""
    params = call.params
    track = _playable(call)
    fmt = params.text("format", max_length=16)
    if fmt is not None and fmt.lower() not in services.STREAM_FORMATS:
        raise malformed(
            "format", f"{fmt[:16]!r} is unknown; it must be one of " + ", ".join(services.STREAM_FORMATS)
        )
    wanted = services.StreamRequest(
        max_bit_rate=params.integer("maxBitRate", default=0, low=0, high=10_000),
        format=fmt.lower() if fmt else None,
        time_offset=params.integer("timeOffset", default=0, low=0, high=7 * 24 * 3600),
    )
    estimate = params.boolean("estimateContentLength", default=False)
    try:
        plan = services.stream_source(track=track, wanted=wanted)
    except ValidationError as error:
        raise malformed("timeOffset", "is at or past the end of the song") from error
    response = stream_response(call.request, track=track, choice=plan.choice, offset=plan.offset)
    if response.status_code == 422:  # ffmpeg failed before its first byte (recorded by the transcoder)
        raise SubsonicError(GENERIC, "The song's file could not be transcoded.")
    if response.status_code == 404:
        raise not_found("Song file")
    if estimate:
        _estimate_length(response, track=track, choice=plan.choice, offset=plan.offset)
    return response


def _estimate_length(response: HttpResponse, *, track, choice, offset: float) -> None:
    """estimateContentLength on a transcode still running (no Content-Length: its length is known only
    at its end): say its duration and estimated size in headers, never as a Content-Length that a
    stream of another length would break (docs/subsonic.md)."""
    running = response.status_code == 200 and choice.transcoded and not response.has_header("Content-Length")
    if not running:
        return
    seconds = max(track.audio_file.duration_ms / 1000 - offset, 0)
    response["X-Content-Duration"] = f"{seconds:.3f}"
    response["X-Estimated-Content-Length"] = str(round(seconds * choice.bitrate_kbps * 1000 / 8))


@method("download")
def download(call: Call) -> HttpResponse:
    track = _playable(call)
    audio = track.audio_file
    response = file_response(
        call.request, path=Path(audio.path), content_type=audio.mime_type, etag_seed=audio.checksum[:16]
    )
    if response.status_code in (200, 206):
        # Django quotes the name, or encodes it (RFC 6266 filename*) when it is not plain ASCII.
        name = f"{track.artist.name} - {track.title}.{audio.format}".replace("/", "-")
        filename = "".join(character for character in name if character.isprintable())  # no header breaks
        response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _cover_name(cover_id: str) -> str:
    """Return the stored cover of `al-<album>`, `ar-<artist>` (their newest album's) or an album id."""
    kind, _, number = cover_id.rpartition("-")
    if not number.isascii() or not number.isdigit() or len(number) > 18 or kind not in ("", "al", "ar"):
        raise not_found("Cover art")
    albums = Album.objects.exclude(cover="")
    if kind == "ar":
        albums = albums.filter(artist_id=int(number)).order_by("-release_year", "-created_at", "-pk")
    else:
        albums = albums.filter(pk=int(number))
    name = albums.values_list("cover", flat=True).first()
    if not name:
        raise not_found("Cover art")
    return name


def _resized(name: str, size: int) -> bytes | None:
    key = f"subsonic:cover:v1:{name}:{size}"
    data = cache.get(key)
    if data is None:
        try:
            with default_storage.open(name, "rb") as handle, Image.open(handle) as image:
                image = image.convert("RGB")
                image.thumbnail((size, size), Image.Resampling.LANCZOS)
                out = io.BytesIO()
                image.save(out, "JPEG", quality=COVER_JPEG_QUALITY)
        except (OSError, ValueError, Image.DecompressionBombError):
            return None
        data = out.getvalue()
        cache.set(key, data, timeout=COVER_CACHE_SECONDS)
    return data


@method("getCoverArt")
def get_cover_art(call: Call) -> HttpResponse:
    """A cover as JPEG: as stored (at most 600 px), or smaller when `size` asks (kept in the cache)."""
    cover_id = call.params.text("id", required=True, max_length=40)
    size = call.params.integer("size", low=1, high=100_000)
    name = _cover_name(cover_id)
    if size is None or size >= COVER_MAX_PIXELS:
        try:
            data = default_storage.open(name, "rb").read()
        except OSError:
            raise not_found("Cover art") from None
    else:
        data = _resized(name, max(size, MIN_COVER_SIZE))
        if data is None:
            raise not_found("Cover art")
    response = HttpResponse(data, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=86400"
    return response
