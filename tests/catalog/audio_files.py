"""Write real, tagged audio files for tests: MP3, FLAC, Ogg Vorbis, Ogg Opus, M4A and WAV.

``write_audio(path, "flac", title="...", artist="...", ...)`` encodes a short sine tone and tags it the
way common taggers (MusicBrainz Picard, iTunes) do. ``retag(path, ...)`` rewrites the tags of a file
written here. Encoded audio is cached per format, so writing hundreds of files takes a moment.
"""

import base64
import functools
import io
import shutil
import subprocess
import tempfile
import wave
from pathlib import Path

import imageio_ffmpeg
import lameenc
import numpy as np
import soundfile
from mutagen import id3
from mutagen.flac import FLAC, Picture
from mutagen.mp4 import MP4, MP4Cover, MP4FreeForm
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis
from mutagen.wave import WAVE
from PIL import Image

FORMATS = ("mp3", "flac", "ogg", "opus", "m4a", "wav")
EXTENSIONS = {"mp3": ".mp3", "flac": ".flac", "ogg": ".ogg", "opus": ".opus", "m4a": ".m4a", "wav": ".wav"}
SAMPLE_RATES = {"mp3": 44100, "flac": 44100, "ogg": 44100, "opus": 48000, "m4a": 44100, "wav": 22050}
DEFAULT_DURATION = 1.0

# Tag names accepted by write_audio() / retag(), and the MusicBrainz Picard names they map to.
_VORBIS_NAMES = {
    "title": "TITLE",
    "artist": "ARTIST",
    "album_artist": "ALBUMARTIST",
    "album": "ALBUM",
    "track": "TRACKNUMBER",
    "disc": "DISCNUMBER",
    "date": "DATE",
    "genre": "GENRE",
    "recording_mbid": "MUSICBRAINZ_TRACKID",
    "album_mbid": "MUSICBRAINZ_ALBUMID",
    "artist_mbid": "MUSICBRAINZ_ARTISTID",
    "album_artist_mbid": "MUSICBRAINZ_ALBUMARTISTID",
    "release_type": "RELEASETYPE",
}
_ID3_TEXT_FRAMES = {
    "title": id3.TIT2,
    "artist": id3.TPE1,
    "album_artist": id3.TPE2,
    "album": id3.TALB,
    "track": id3.TRCK,
    "disc": id3.TPOS,
    "date": id3.TDRC,
    "genre": id3.TCON,
}
_ID3_TXXX = {
    "album_mbid": "MusicBrainz Album Id",
    "artist_mbid": "MusicBrainz Artist Id",
    "album_artist_mbid": "MusicBrainz Album Artist Id",
    "release_type": "MusicBrainz Album Type",
}
_MP4_TEXT = {
    "title": "\xa9nam",
    "artist": "\xa9ART",
    "album_artist": "aART",
    "album": "\xa9alb",
    "date": "\xa9day",
    "genre": "\xa9gen",
}
_MP4_FREEFORM = {
    "recording_mbid": "----:com.apple.iTunes:MusicBrainz Track Id",
    "album_mbid": "----:com.apple.iTunes:MusicBrainz Album Id",
    "artist_mbid": "----:com.apple.iTunes:MusicBrainz Artist Id",
    "album_artist_mbid": "----:com.apple.iTunes:MusicBrainz Album Artist Id",
    "release_type": "----:com.apple.iTunes:MusicBrainz Album Type",
}
TAG_NAMES = frozenset(_VORBIS_NAMES)


def write_audio(
    path: Path | str,
    fmt: str | None = None,
    *,
    cover: bytes | None = None,
    duration: float = DEFAULT_DURATION,
    **tags,
) -> Path:
    """Write a short tone in the given format (default: from the extension), tag it, return its path.

    Tags: title, artist, album_artist, album, track ("3" or "3/12"), disc, date, genre (a string or
    a list), recording_mbid, album_mbid, artist_mbid, album_artist_mbid, release_type. ``cover`` is
    embedded as the front cover.
    """
    path = Path(path)
    fmt = fmt or path.suffix.lstrip(".").lower()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(encoded_tone(fmt, duration))
    retag(path, fmt, cover=cover, **tags)
    return path


def retag(path: Path | str, fmt: str | None = None, *, cover: bytes | None = None, **tags) -> None:
    """Replace the tags of a file written by write_audio()."""
    path = Path(path)
    fmt = fmt or path.suffix.lstrip(".").lower()
    unknown = set(tags) - TAG_NAMES
    if unknown:
        raise TypeError(f"unknown tags: {sorted(unknown)}")
    tags = {name: value for name, value in tags.items() if value is not None}
    if fmt == "mp3":
        _tag_id3(path, None, tags, cover)
    elif fmt == "wav":
        _tag_id3(path, WAVE, tags, cover)
    elif fmt in ("flac", "ogg", "opus"):
        _tag_vorbis(path, {"flac": FLAC, "ogg": OggVorbis, "opus": OggOpus}[fmt], tags, cover)
    elif fmt == "m4a":
        _tag_mp4(path, tags, cover)
    else:
        raise ValueError(f"unsupported test format {fmt!r}")


def cover_jpeg(color: tuple[int, int, int] = (200, 30, 30), size: tuple[int, int] = (800, 800)) -> bytes:
    """Return a plain JPEG image, for embedded covers and cover.jpg files."""
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG")
    return buffer.getvalue()


@functools.cache
def encoded_tone(fmt: str, duration: float = DEFAULT_DURATION) -> bytes:
    """Return a short stereo 440 Hz tone encoded in the format, without tags."""
    rate = SAMPLE_RATES[fmt]
    seconds = np.arange(int(rate * duration)) / rate
    mono = 0.3 * np.sin(2 * np.pi * 440 * seconds)
    stereo = np.column_stack([mono, mono]).astype(np.float32)
    if fmt == "mp3":
        encoder = lameenc.Encoder()
        encoder.set_bit_rate(128)
        encoder.set_in_sample_rate(rate)
        encoder.set_channels(2)
        encoder.set_quality(7)
        pcm = (stereo * 32767).astype("<i2").tobytes()
        return bytes(encoder.encode(pcm) + encoder.flush())
    if fmt == "wav":
        buffer = io.BytesIO()
        with wave.open(buffer, "wb") as out:
            out.setnchannels(2)
            out.setsampwidth(2)
            out.setframerate(rate)
            out.writeframes((stereo * 32767).astype("<i2").tobytes())
        return buffer.getvalue()
    if fmt in ("flac", "ogg", "opus"):
        buffer = io.BytesIO()
        container, subtype = {"flac": ("FLAC", "PCM_16"), "ogg": ("OGG", "VORBIS"), "opus": ("OGG", "OPUS")}[
            fmt
        ]
        soundfile.write(buffer, stereo, rate, format=container, subtype=subtype)
        return buffer.getvalue()
    if fmt == "m4a":
        return _ffmpeg_aac(duration, rate)
    raise ValueError(f"unsupported test format {fmt!r}")


def _ffmpeg_aac(duration: float, rate: int) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "tone.m4a"
        subprocess.run(
            [
                imageio_ffmpeg.get_ffmpeg_exe(),
                "-hide_banner",
                "-loglevel",
                "error",
                "-f",
                "lavfi",
                "-i",
                f"sine=frequency=440:sample_rate={rate}:duration={duration}",
                "-ac",
                "2",
                "-c:a",
                "aac",
                "-b:a",
                "96k",
                str(out),
            ],
            check=True,
        )
        return out.read_bytes()


def _as_list(value) -> list[str]:
    return [str(item) for item in value] if isinstance(value, list | tuple) else [str(value)]


def _tag_id3(path: Path, container, tags: dict, cover: bytes | None) -> None:
    if container is None:
        frames = id3.ID3()
    else:
        audio = container(path)
        if audio.tags is None:
            audio.add_tags()
        audio.tags.clear()
        frames = audio.tags
    for name, frame in _ID3_TEXT_FRAMES.items():
        if name in tags:
            frames.add(frame(encoding=3, text=_as_list(tags[name])))
    for name, description in _ID3_TXXX.items():
        if name in tags:
            frames.add(id3.TXXX(encoding=3, desc=description, text=_as_list(tags[name])))
    if "recording_mbid" in tags:
        frames.add(id3.UFID(owner="http://musicbrainz.org", data=str(tags["recording_mbid"]).encode()))
    if cover:
        frames.add(id3.APIC(encoding=3, mime="image/jpeg", type=3, desc="Cover", data=cover))
    if container is None:
        frames.save(path)
    else:
        audio.save()


def _tag_vorbis(path: Path, container, tags: dict, cover: bytes | None) -> None:
    audio = container(path)
    if audio.tags is None:
        audio.add_tags()
    audio.tags.clear()
    if container is FLAC:
        audio.clear_pictures()
    for name, key in _VORBIS_NAMES.items():
        if name in tags:
            audio[key] = _as_list(tags[name])
    if cover:
        picture = Picture()
        picture.type = 3
        picture.mime = "image/jpeg"
        picture.data = cover
        if container is FLAC:
            audio.add_picture(picture)
        else:
            audio["METADATA_BLOCK_PICTURE"] = [base64.b64encode(picture.write()).decode("ascii")]
    audio.save()


def _tag_mp4(path: Path, tags: dict, cover: bytes | None) -> None:
    audio = MP4(path)
    if audio.tags is None:
        audio.add_tags()
    audio.tags.clear()
    for name, key in _MP4_TEXT.items():
        if name in tags:
            audio[key] = _as_list(tags[name])
    for name, key in (("track", "trkn"), ("disc", "disk")):
        if name in tags:
            number, _, total = str(tags[name]).partition("/")
            audio[key] = [(int(number), int(total or 0))]
    for name, key in _MP4_FREEFORM.items():
        if name in tags:
            audio[key] = [MP4FreeForm(value.encode()) for value in _as_list(tags[name])]
    if cover:
        audio["covr"] = [MP4Cover(cover, imageformat=MP4Cover.FORMAT_JPEG)]
    audio.save()


def copy_audio(source: Path, target: Path) -> Path:
    """Copy an audio file (tags included) to a new path."""
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target
