"""What a stream request gets: the original file or a transcode, and at which format and bitrate.

`choose_stream` is the one place the rule lives (the stream view, the play report and the stream-info
API call it). Pure functions, no I/O: the ffmpeg run and its cache are in `listening.transcoder`.
See docs/streaming.md.
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError

QUALITIES = ("low", "normal", "high", "original")
# The presets' bitrates (kbps); "original" is the file as it is.
PRESET_KBPS = {"low": 64, "normal": 128, "high": 256}
DEFAULT_QUALITY = "original"
DEFAULT_FORMAT = "mp3"
MIN_KBPS, MAX_KBPS = 32, 320


@dataclass(frozen=True)
class OutputFormat:
    """A format a transcode is written in: what browsers are told, and how ffmpeg writes it."""

    name: str
    mime_type: str
    extension: str
    codec_args: tuple[str, ...]


# Progressive formats Chromium, Firefox and Safari play from a pipe: Opus in Ogg (Safari from 17),
# MP3, and AAC in ADTS (no moov atom to wait for, unlike MP4).
OUTPUT_FORMATS = {
    "opus": OutputFormat("opus", "audio/ogg", "opus", ("-c:a", "libopus", "-ar", "48000", "-f", "ogg")),
    "mp3": OutputFormat(
        "mp3",
        "audio/mpeg",
        "mp3",
        ("-c:a", "libmp3lame", "-write_xing", "0", "-id3v2_version", "0", "-f", "mp3"),
    ),
    "aac": OutputFormat("aac", "audio/aac", "aac", ("-c:a", "aac", "-f", "adts")),
}
# Originals a browser plays as they are (the catalog's AudioFile.Format values). An M4A is AAC or ALAC;
# an ALAC file's bitrate is above every preset's, so it is always transcoded unless asked "original".
BROWSER_FORMATS = frozenset({"mp3", "ogg", "opus", "m4a", "flac", "wav"})


@dataclass(frozen=True)
class StreamChoice:
    quality: str
    format: str
    bitrate_kbps: int | None
    mime_type: str
    transcoded: bool


@dataclass(frozen=True)
class StreamParams:
    """A stream request's parsed query: see `parse_stream_params`."""

    quality: str = DEFAULT_QUALITY
    format: str | None = None
    bitrate_kbps: int | None = None
    offset: float = 0.0


def original_kbps(audio_file) -> int | None:
    """Return the original file's bitrate in kbps: its tag, else its size over its duration, else None."""
    if audio_file.bitrate:
        return max(round(audio_file.bitrate / 1000), 1)
    if audio_file.size and audio_file.duration_ms:
        return max(round(audio_file.size * 8 / audio_file.duration_ms), 1)
    return None


def choose_stream(
    audio_file,
    *,
    quality: str,
    format: str | None = None,
    bitrate_kbps: int | None = None,
    playable: frozenset[str] = BROWSER_FORMATS,
    cut: bool = False,
) -> StreamChoice:
    """Return what a request for `audio_file` at `quality` (and the client's format and bitrate) gets.

    The original is served when the quality is "original" (and no bitrate asked), or when its format is
    one the client plays as it is (`playable`: browsers' by default) and its bitrate is at most the
    target's. A transcode never has a higher bitrate than the original, nor one outside MIN_KBPS to
    MAX_KBPS. `cut`: the stream starts at an offset, which only a transcode can do (at the target, or at
    the original's bitrate up to MAX_KBPS).
    """
    original = original_kbps(audio_file)
    served_original = StreamChoice(
        quality=quality,
        format=audio_file.format,
        bitrate_kbps=original,
        mime_type=audio_file.mime_type,
        transcoded=False,
    )
    target = bitrate_kbps or PRESET_KBPS.get(quality) or (MAX_KBPS if cut else None)
    if target is None:
        return served_original
    fits = original is not None and original <= target and audio_file.format in playable
    if fits and not cut:
        return served_original
    output = OUTPUT_FORMATS[format or DEFAULT_FORMAT]
    kbps = min(max(target, MIN_KBPS), MAX_KBPS)
    if original is not None:
        kbps = min(kbps, original)
    return StreamChoice(
        quality=quality, format=output.name, bitrate_kbps=kbps, mime_type=output.mime_type, transcoded=True
    )


def _one_of(query: Mapping[str, str], name: str, allowed) -> str | None:
    value = query.get(name)
    if value is None or value == "":
        return None
    if value not in allowed:
        raise ValidationError({name: f"Unknown {name} {value[:40]!r}; allowed: {', '.join(allowed)}."})
    return value


def _kbps(query: Mapping[str, str]) -> int | None:
    value = query.get("bitrate")
    if value is None or value == "":
        return None
    if not (value.isascii() and value.isdigit() and len(value) <= 4 and MIN_KBPS <= int(value) <= MAX_KBPS):
        message = f"The bitrate is a whole number of kbps, {MIN_KBPS} to {MAX_KBPS}."
        raise ValidationError({"bitrate": message})
    return int(value)


def _offset(query: Mapping[str, str], duration_ms: int) -> float:
    value = query.get("offset")
    if value is None or value == "":
        return 0.0
    try:
        seconds = float(value[:32])
    except ValueError:
        seconds = math.nan
    return check_offset(seconds, duration_ms=duration_ms)


def check_offset(seconds: float, *, duration_ms: int) -> float:
    """Return an offset into a track (seconds); raise ValidationError (field "offset") unless it is a
    number, 0 or more and, when the track's duration is known, before its end."""
    if not math.isfinite(seconds) or seconds < 0 or (duration_ms and seconds * 1000 >= duration_ms):
        limit = f" and less than the track's {duration_ms / 1000:g} s" if duration_ms else ""
        raise ValidationError({"offset": f"The offset is a number of seconds, 0 or more{limit}."})
    return float(seconds)


def parse_stream_params(query: Mapping[str, str], *, duration_ms: int) -> StreamParams:
    """Return a stream request's quality, format, bitrate and offset; raise ValidationError naming the
    parameter (and its allowed values) for one that is not understood."""
    return StreamParams(
        quality=_one_of(query, "quality", QUALITIES) or DEFAULT_QUALITY,
        format=_one_of(query, "format", tuple(OUTPUT_FORMATS)),
        bitrate_kbps=_kbps(query),
        offset=_offset(query, duration_ms),
    )
