"""Read the tags, stream properties and embedded cover of one audio file with mutagen (no database).

Supported: MP3 (ID3), FLAC and Ogg Vorbis / Opus (Vorbis comments), M4A (iTunes atoms) and WAV (ID3).
Tag names follow MusicBrainz Picard's mapping: https://picard-docs.musicbrainz.org/en/appendices/tag_mapping.html
"""

import base64
import binascii
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import mutagen
from mutagen.flac import FLAC, Picture
from mutagen.id3 import ID3
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4, MP4Tags
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis
from mutagen.wave import WAVE

from .loudness import parse_gain, parse_peak, parse_r128_gain

UNKNOWN_ARTIST = "Unknown Artist"
UNKNOWN_ALBUM = "Unknown Album"
FRONT_COVER = 3  # the APIC / FLAC picture type of a front cover

# The file extensions the importer looks at; the format itself is read from the file's content.
AUDIO_EXTENSIONS = frozenset({".mp3", ".flac", ".ogg", ".oga", ".opus", ".m4a", ".mp4", ".wav"})

# (mutagen class, AudioFile.Format value, MIME type), matched on the exact class: other mutagen
# formats (AIFF, Ogg FLAC, WMA...) are refused rather than imported half-understood.
_FORMATS = (
    (MP3, "mp3", "audio/mpeg"),
    (FLAC, "flac", "audio/flac"),
    (OggVorbis, "ogg", "audio/ogg"),
    (OggOpus, "opus", "audio/ogg; codecs=opus"),
    (MP4, "m4a", "audio/mp4"),
    (WAVE, "wav", "audio/wav"),
)
_ALBUM_TYPES = {"album", "single", "ep", "compilation"}
_GENRE_SEPARATORS = re.compile(r"\s*[;/\x00]\s*")  # NUL: ID3v2.4 multi-values pasted elsewhere
_NUMBER = re.compile(r"\s*(\d+)")
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_UNSAFE_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")

# Tag names per family, for each field: Vorbis comment keys (case-insensitive), ID3 TXXX
# descriptions (matched case-insensitively) and iTunes freeform atom names.
_VORBIS_KEYS = {
    "title": ("title",),
    "artist": ("artist",),
    "artist_sort": ("artistsort",),
    "album_artist": ("albumartist", "album artist", "album_artist"),
    "album": ("album",),
    "track_number": ("tracknumber", "track"),
    "disc_number": ("discnumber", "disc"),
    "year": ("date", "year", "originaldate", "originalyear"),
    "genres": ("genre",),
    "recording_mbid": ("musicbrainz_trackid",),
    "album_mbid": ("musicbrainz_albumid",),
    "artist_mbid": ("musicbrainz_artistid",),
    "album_artist_mbid": ("musicbrainz_albumartistid",),
    "release_type": ("releasetype", "musicbrainz_albumtype"),
    "compilation": ("compilation",),
    **{name: (name,) for name in ("replaygain_track_gain", "replaygain_track_peak")},
    **{name: (name,) for name in ("replaygain_album_gain", "replaygain_album_peak")},
    "r128_track_gain": ("r128_track_gain",),  # Opus (RFC 7845)
    "r128_album_gain": ("r128_album_gain",),
}
# The ReplayGain tags: the same names as ID3 TXXX descriptions and iTunes freeform atoms (any case).
_REPLAYGAIN = (
    "replaygain_track_gain", "replaygain_track_peak", "replaygain_album_gain", "replaygain_album_peak"
)
_ITUNES_FREEFORM = "----:com.apple.itunes:"
_ID3_FRAMES = {
    "title": ("TIT2",),
    "artist": ("TPE1",),
    "artist_sort": ("TSOP",),
    "album_artist": ("TPE2",),
    "album": ("TALB",),
    "track_number": ("TRCK",),
    "disc_number": ("TPOS",),
    "year": ("TDRC", "TYER", "TDOR", "TORY"),
    "compilation": ("TCMP",),
}
_ID3_TXXX = {
    "album_mbid": "musicbrainz album id",
    "artist_mbid": "musicbrainz artist id",
    "album_artist_mbid": "musicbrainz album artist id",
    "release_type": "musicbrainz album type",
    "recording_mbid": "musicbrainz track id",  # some taggers write it here instead of UFID
    **{name: name for name in _REPLAYGAIN},
}
_MP4_ATOMS = {
    "title": ("\xa9nam",),
    "artist": ("\xa9ART",),
    "artist_sort": ("soar",),
    "album_artist": ("aART",),
    "album": ("\xa9alb",),
    "year": ("\xa9day",),
    "genres": ("\xa9gen",),
    "recording_mbid": ("----:com.apple.iTunes:MusicBrainz Track Id",),
    "album_mbid": ("----:com.apple.iTunes:MusicBrainz Album Id",),
    "artist_mbid": ("----:com.apple.iTunes:MusicBrainz Artist Id",),
    "album_artist_mbid": ("----:com.apple.iTunes:MusicBrainz Album Artist Id",),
    "release_type": ("----:com.apple.iTunes:MusicBrainz Album Type",),
}


class TagReadError(Exception):
    """The file is unreadable, corrupt or not a supported audio format; ``reason`` says why."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class AudioTags:
    """What the importer needs from one file: tags, stream properties and the embedded cover."""

    title: str
    artist: str
    album: str
    album_artist: str = ""
    artist_sort: str = ""
    track_number: int | None = None
    disc_number: int | None = None
    year: int | None = None
    genres: list[str] = field(default_factory=list)
    duration_ms: int = 0
    bitrate: int | None = None
    sample_rate: int | None = None
    channels: int | None = None
    format: str = ""
    mime_type: str = ""
    recording_mbid: uuid.UUID | None = None
    album_mbid: uuid.UUID | None = None
    artist_mbid: uuid.UUID | None = None
    album_artist_mbid: uuid.UUID | None = None
    album_type: str | None = None
    # ReplayGain: gains in dB (toward -18 LUFS), peaks linear; None when absent or not believable.
    replaygain_track_gain_db: float | None = None
    replaygain_track_peak: float | None = None
    replaygain_album_gain_db: float | None = None
    replaygain_album_peak: float | None = None
    cover_bytes: bytes | None = field(default=None, repr=False)


def read_audio_file(path: Path) -> AudioTags:
    """Return the tags of the audio file at path; raise TagReadError if it cannot be read."""
    path = Path(path)
    try:
        audio = mutagen.File(path)
    except mutagen.MutagenError as error:
        # mutagen wraps OSError in MutagenError; unwrap it for a readable reason.
        cause = error.__cause__ or (error.args[0] if error.args else None)
        if isinstance(cause, OSError):
            raise TagReadError(cause.strerror or str(cause)) from error
        raise TagReadError(f"corrupt or unreadable audio: {error}") from error
    except OSError as error:
        raise TagReadError(error.strerror or str(error)) from error
    except Exception as error:  # mutagen's parsers can fail on arbitrary bytes in arbitrary ways
        raise TagReadError(f"corrupt audio ({type(error).__name__}: {error})") from error
    if audio is None:
        raise TagReadError("not a recognised audio file")
    known = next((known for known in _FORMATS if type(audio) is known[0]), None)
    if known is None:
        raise TagReadError(f"unsupported audio format ({type(audio).__name__})")
    _, format_name, mime_type = known

    try:
        raw = _raw_tags(audio)
    except Exception as error:
        raise TagReadError(f"corrupt tags ({type(error).__name__}: {error})") from error
    info = audio.info
    length = getattr(info, "length", 0) or 0
    if length <= 0:
        raise TagReadError("no audio stream (zero duration)")
    bitrate = getattr(info, "bitrate", 0) or None
    if not bitrate:
        bitrate = round(path.stat().st_size * 8 / length)
    sample_rate = getattr(info, "sample_rate", 0) or (48000 if format_name == "opus" else None)

    title = _first(raw.get("title")) or clean_text(path.stem)
    album_artist = _first(raw.get("album_artist"))
    return AudioTags(
        title=title[:255],
        artist=(_first(raw.get("artist")) or UNKNOWN_ARTIST)[:255],
        album=(_first(raw.get("album")) or UNKNOWN_ALBUM)[:255],
        album_artist=album_artist[:255],
        artist_sort=_first(raw.get("artist_sort"))[:255],
        track_number=_number(raw.get("track_number")),
        disc_number=_number(raw.get("disc_number")),
        year=_year(raw.get("year")),
        genres=split_genres(raw.get("genres", [])),
        duration_ms=round(length * 1000),
        bitrate=bitrate,
        sample_rate=sample_rate,
        channels=getattr(info, "channels", None) or None,
        format=format_name,
        mime_type=mime_type,
        recording_mbid=_mbid(raw.get("recording_mbid")),
        album_mbid=_mbid(raw.get("album_mbid")),
        artist_mbid=_mbid(raw.get("artist_mbid")),
        album_artist_mbid=_mbid(raw.get("album_artist_mbid")),
        album_type=_album_type(raw.get("release_type"), raw.get("compilation")),
        cover_bytes=raw.get("cover"),
        **_replaygain(raw),
    )


def _replaygain(raw: dict) -> dict[str, float | None]:
    """The ReplayGain fields of AudioTags; an Opus file's R128 gains stand in for missing ReplayGain ones."""
    track_gain = parse_gain(raw.get("replaygain_track_gain"))
    album_gain = parse_gain(raw.get("replaygain_album_gain"))
    return {
        "replaygain_track_gain_db": track_gain if track_gain is not None else parse_r128_gain(
            raw.get("r128_track_gain")
        ),
        "replaygain_track_peak": parse_peak(raw.get("replaygain_track_peak")),
        "replaygain_album_gain_db": album_gain if album_gain is not None else parse_r128_gain(
            raw.get("r128_album_gain")
        ),
        "replaygain_album_peak": parse_peak(raw.get("replaygain_album_peak")),
    }


def split_genres(values: list[str]) -> list[str]:
    """Return the genres of a multi-valued, ';'- or '/'-separated genre tag, without duplicates."""
    genres, seen = [], set()
    for value in values:
        for name in _GENRE_SEPARATORS.split(value or ""):
            name = clean_text(name)[:100]
            if name and name.casefold() not in seen:
                seen.add(name.casefold())
                genres.append(name)
    return genres


def _raw_tags(audio) -> dict:
    """Return {field: [str, ...]} plus "cover": bytes | None, whatever the tag family."""
    tags = audio.tags
    if tags is None:
        raw = {}
    elif isinstance(tags, ID3):
        raw = _id3_tags(tags)
    elif isinstance(tags, MP4Tags):
        raw = _mp4_tags(tags)
    else:  # Vorbis comments (FLAC, Ogg)
        raw = {name: [v for key in keys for v in tags.get(key, [])] for name, keys in _VORBIS_KEYS.items()}
        raw["cover"] = _vorbis_cover(audio)
    return raw


def _id3_tags(tags: ID3) -> dict:
    raw = {
        name: [
            str(value) for frame_id in frame_ids for frame in tags.getall(frame_id) for value in frame.text
        ]
        for name, frame_ids in _ID3_FRAMES.items()
    }
    raw["genres"] = [g for frame in tags.getall("TCON") for g in frame.genres]  # resolves "(17)"
    for frame in tags.getall("TXXX"):
        for name, description in _ID3_TXXX.items():
            if frame.desc.casefold() == description:
                raw.setdefault(name, []).extend(str(v) for v in frame.text)
    for frame in tags.getall("UFID"):
        if frame.owner == "http://musicbrainz.org":
            raw["recording_mbid"] = [frame.data.decode("ascii", "replace"), *raw.get("recording_mbid", [])]
    pictures = tags.getall("APIC")
    front = [p for p in pictures if p.type == FRONT_COVER] or pictures
    raw["cover"] = front[0].data if front else None
    return raw


def _mp4_tags(tags: MP4Tags) -> dict:
    raw = {}
    for name, atoms in _MP4_ATOMS.items():
        values = [v for atom in atoms for v in tags.get(atom, [])]
        raw[name] = [v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v) for v in values]
    for name, atom in (("track_number", "trkn"), ("disc_number", "disk")):
        raw[name] = [str(pair[0]) for pair in tags.get(atom, []) if pair and pair[0]]
    raw["compilation"] = ["1"] if tags.get("cpil") else []
    for atom, values in tags.items():  # freeform atom names are case-sensitive; taggers differ
        name = atom.casefold().removeprefix(_ITUNES_FREEFORM)
        if atom.casefold().startswith(_ITUNES_FREEFORM) and name in _REPLAYGAIN:
            raw.setdefault(name, []).extend(bytes(v).decode("utf-8", "replace") for v in values)
    covers = tags.get("covr", [])
    raw["cover"] = bytes(covers[0]) if covers else None
    return raw


def _vorbis_cover(audio) -> bytes | None:
    pictures = list(getattr(audio, "pictures", []))
    for encoded in audio.tags.get("metadata_block_picture", []):
        try:
            pictures.append(Picture(base64.b64decode(encoded)))
        except (binascii.Error, ValueError, mutagen.MutagenError):
            continue
    front = [p for p in pictures if p.type == FRONT_COVER] or pictures
    if front:
        return front[0].data
    for encoded in audio.tags.get("coverart", []):  # the pre-2009 Ogg convention
        try:
            return base64.b64decode(encoded)
        except (binascii.Error, ValueError):
            continue
    return None


def clean_text(value) -> str:
    """Return the text with whitespace runs collapsed and control characters and lone surrogates
    (undecodable file names) removed: PostgreSQL refuses NUL, and no page wants the rest."""
    return " ".join(_UNSAFE_CHARACTERS.sub(" ", str(value)).split())


def _first(values: list[str] | None) -> str:
    for value in values or []:
        value = clean_text(value)
        if value:
            return value
    return ""


def _number(values: list[str] | None) -> int | None:
    """Return the number of "3", "03" or "3/12"; None if absent, zero or out of range."""
    match = _NUMBER.match(_first(values))
    if not match:
        return None
    number = int(match.group(1))
    return number if 0 < number <= 32767 else None


def _year(values: list[str] | None) -> int | None:
    for value in values or []:
        match = _YEAR.search(str(value))
        if match and 1000 <= int(match.group(1)) <= 3000:
            return int(match.group(1))
    return None


def _mbid(values: list[str] | None) -> uuid.UUID | None:
    """Return the first MusicBrainz id of a tag ("id", "id1/id2", "id1; id2" or multi-valued)."""
    for value in values or []:
        for part in re.split(r"[\s/;,]+", str(value)):
            try:
                return uuid.UUID(part.strip())
            except ValueError:
                continue
    return None


def _album_type(release_types: list[str] | None, compilation: list[str] | None) -> str | None:
    types = [t.casefold() for value in release_types or [] for t in re.split(r"[\s/;,]+", value) if t]
    if "compilation" in types or _first(compilation).casefold() in {"1", "true"}:
        return "compilation"
    for release_type in types:
        if release_type in _ALBUM_TYPES:
            return release_type
    return None
