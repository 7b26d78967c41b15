"""HTTP delivery of audio files: byte ranges, conditional requests, nginx hand-off, and transcodes."""

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.utils.http import http_date, parse_http_date_safe, quote_etag

from . import services, transcoder
from .transcoding import OUTPUT_FORMATS, StreamChoice

CHUNK_SIZE = 64 * 1024
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$", re.ASCII)
# No file is an exabyte long: a larger position means the same as this one, and int() is spared a
# number past Python's int-string conversion limit (4,300 digits, a ValueError).
_FAR_BEYOND_ANY_FILE = 10**18


class UnsatisfiableRange(Exception):
    """The Range header asks for bytes the file does not have."""


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # inclusive

    @property
    def length(self) -> int:
        return self.end - self.start + 1


def parse_range(header: str, size: int) -> ByteRange | None:
    """Return the single byte range a Range header asks for, or None to send the whole file.

    Multiple ranges and malformed headers are ignored (RFC 9110 lets a server send the whole file);
    a well-formed range outside the file raises UnsatisfiableRange.
    """
    match = _RANGE.match(header.strip().replace(" ", ""))
    if not match:
        return None
    first, last = match.groups()
    if first == "" and last == "":
        return None
    if first == "":  # suffix: the last n bytes
        suffix = _position(last)
        if suffix == 0 or size == 0:
            raise UnsatisfiableRange
        return ByteRange(max(size - suffix, 0), size - 1)
    start = _position(first)
    end = _position(last) if last else size - 1
    if start >= size or (last and end < start):
        raise UnsatisfiableRange
    return ByteRange(start, min(end, size - 1))


def _position(digits: str) -> int:
    digits = digits.lstrip("0") or "0"
    return int(digits) if len(digits) <= 18 else _FAR_BEYOND_ANY_FILE


def _read_range(path: Path, byte_range: ByteRange) -> Iterator[bytes]:
    with path.open("rb") as handle:
        handle.seek(byte_range.start)
        remaining = byte_range.length
        while remaining > 0:
            chunk = handle.read(min(CHUNK_SIZE, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk


def _not_modified(request: HttpRequest, etag: str, mtime: float) -> bool:
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or etag in tags
    since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    return since is not None and int(mtime) <= since


def _range_applies(request: HttpRequest, etag: str, mtime: float) -> bool:
    if_range = request.headers.get("If-Range")
    if if_range is None:
        return True
    if if_range.startswith(('"', "W/")):
        return if_range == etag
    since = parse_http_date_safe(if_range)
    return since is not None and int(mtime) <= since


def file_response(request: HttpRequest, *, path: Path, content_type: str, etag_seed: str) -> HttpResponse:
    """Return a response for an audio file honouring Range, If-Range, If-None-Match and HEAD.

    The caller has already checked permissions. Files are streamed in chunks, never read whole.
    """
    try:
        stat = path.stat()
    except OSError:
        return HttpResponse("This track's audio file is missing.", status=404, content_type="text/plain")
    size, mtime = stat.st_size, stat.st_mtime
    etag = quote_etag(f"{etag_seed}-{size}-{int(mtime)}")
    common = {"Accept-Ranges": "bytes", "ETag": etag, "Last-Modified": http_date(mtime)}

    if _not_modified(request, etag, mtime):
        response = HttpResponse(status=304)
        for name, value in common.items():
            response[name] = value
        return response

    byte_range = None
    if request.headers.get("Range") and _range_applies(request, etag, mtime):
        try:
            byte_range = parse_range(request.headers["Range"], size)
        except UnsatisfiableRange:
            response = HttpResponse(status=416, content_type="text/plain")
            response["Content-Range"] = f"bytes */{size}"
            response["Accept-Ranges"] = "bytes"
            return response

    accel_prefix = settings.STREAMAPP_X_ACCEL_REDIRECT_PREFIX
    if accel_prefix:
        # nginx serves the bytes (and the Range) itself from an internal location. It decodes %XX in
        # the header: the file name's UTF-8 bytes, spaces, '?' and '%' reach it intact.
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = accel_prefix.rstrip("/") + "/" + quote(os.fspath(path).lstrip("/"))
        response["ETag"] = etag
        return response

    if request.method == "HEAD":
        response = HttpResponse(content_type=content_type, status=206 if byte_range else 200)
        length = byte_range.length if byte_range else size
    elif byte_range:
        response = StreamingHttpResponse(_read_range(path, byte_range), status=206, content_type=content_type)
        length = byte_range.length
    else:
        response = FileResponse(path.open("rb"), content_type=content_type)
        length = size
    if byte_range:
        response["Content-Range"] = f"bytes {byte_range.start}-{byte_range.end}/{size}"
    response["Content-Length"] = str(length)
    for name, value in common.items():
        response[name] = value
    response["Cache-Control"] = "private, max-age=3600"
    return response


def stream_headers(response: HttpResponse, choice: StreamChoice) -> HttpResponse:
    """Say what a stream response carries (X-Stream-Format, X-Stream-Bitrate, X-Stream-Transcoded)."""
    response["X-Stream-Format"] = choice.format
    if choice.bitrate_kbps:
        response["X-Stream-Bitrate"] = str(choice.bitrate_kbps)
    response["X-Stream-Transcoded"] = "1" if choice.transcoded else "0"
    return response


def stream_response(request: HttpRequest, *, track, choice: StreamChoice, offset: float) -> HttpResponse:
    """Return a track's stream as `choice` (transcoding.choose_stream) says: a transcode starting at
    `offset` (transcode_response), or the original file with Range (never cut: with an offset it says
    X-Stream-Offset: 0, the player seeks in it itself). The web's /stream/<id>/ and Subsonic's `stream`."""
    if choice.transcoded:
        return transcode_response(request, track=track, choice=choice, offset=offset)
    audio = track.audio_file
    response = file_response(
        request, path=Path(audio.path), content_type=audio.mime_type, etag_seed=audio.checksum[:16]
    )
    if offset:
        response["X-Stream-Offset"] = "0"
    return stream_headers(response, choice)


def _answered_bytes(response: HttpResponse, path: Path) -> int:
    if response.status_code == 304:
        return 0
    if response.has_header("Content-Length"):
        return int(response["Content-Length"])
    try:
        return path.stat().st_size  # handed to nginx (X-Accel-Redirect): the whole file, as an estimate
    except OSError:  # evicted meanwhile
        return 0


def transcode_response(request: HttpRequest, *, track, choice: StreamChoice, offset: float) -> HttpResponse:
    """Return a transcoded stream: the cached file (Range, ETag, X-Accel-Redirect) or ffmpeg's output as it
    comes (200, no ranges: a Range on a transcode not cached yet gets the whole stream). With an offset,
    ffmpeg starts there and the output is not cached. Counts the answer (listening.services.transcodes)."""
    audio = track.audio_file
    job = transcoder.Job(
        source=Path(audio.path),
        checksum=audio.checksum,
        output=OUTPUT_FORMATS[choice.format],
        kbps=choice.bitrate_kbps,
        offset=offset,
    )
    cached = None if offset else transcoder.cached_file(job)
    if cached is not None:
        response = file_response(request, path=cached, content_type=choice.mime_type, etag_seed=job.key)
        if response.status_code < 400:
            # Counted once the answer is sent (Django closes the response then): off the hot path.
            counted = partial(
                services.transcode_count, cache_hit=True, bytes_served=_answered_bytes(response, cached)
            )
            response._resource_closers.append(counted)
        response["X-Stream-Cached"] = "1"
        return stream_headers(response, choice)
    if not job.source.is_file():
        return HttpResponse("This track's audio file is missing.", status=404, content_type="text/plain")
    if request.method == "HEAD":
        response = HttpResponse(content_type=choice.mime_type)
    else:
        try:
            stream = transcoder.open_stream(job, on_finish=partial(_finished, track=track, choice=choice))
        except transcoder.TranscodeError as error:
            _finished(0, error, track=track, choice=choice)
            return JsonResponse(
                {"detail": "This track's audio file could not be transcoded.", "track_id": track.pk},
                status=422,
            )
        response = StreamingHttpResponse(stream, content_type=choice.mime_type)
    response["Accept-Ranges"] = "none"
    response["Cache-Control"] = "private, no-store"
    response["X-Stream-Cached"] = "0"
    response["X-Stream-Offset"] = f"{offset:g}"
    return stream_headers(response, choice)


def _finished(sent: int, error: transcoder.TranscodeError | None, *, track, choice: StreamChoice) -> None:
    if error is not None:
        services.transcode_failure_record(
            audio_file=track.audio_file,
            track=track,
            stream_format=choice.format,
            bitrate_kbps=choice.bitrate_kbps,
            message=str(error),
            stderr=error.stderr,
        )
    services.transcode_count(cache_hit=False, bytes_served=sent, error=error is not None)
