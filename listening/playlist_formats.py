"""M3U8 and XSPF: writing playlists and reading them back into entries to match (pure code)."""

import codecs
import xml.etree.ElementTree as ET  # noqa: S405 - writing only; uploads are parsed with defusedxml
from dataclasses import dataclass
from urllib.parse import unquote, urlparse

import defusedxml
from defusedxml import ElementTree as DefusedET

from streamapp.text_checks import text_problem

XSPF_NS = "http://xspf.org/ns/0/"
MAX_IMPORT_BYTES = 5 * 1024 * 1024


class PlaylistFormatError(ValueError):
    """The uploaded playlist can't be read."""


@dataclass(frozen=True)
class ExportEntry:
    title: str
    artist: str
    album: str
    duration_ms: int
    location: str


@dataclass(frozen=True)
class ImportEntry:
    line: int  # 1-based line (M3U8) or track number (XSPF) for error reports
    raw: str
    title: str = ""
    artist: str = ""
    album: str = ""
    location: str = ""


def to_m3u8(*, name: str, entries: list[ExportEntry]) -> str:
    """Return an extended M3U (UTF-8) playlist."""
    lines = ["#EXTM3U", f"#PLAYLIST:{_one_line(name)}"]
    for entry in entries:
        seconds = round(entry.duration_ms / 1000) if entry.duration_ms else -1
        lines.append(f"#EXTINF:{seconds},{_one_line(entry.artist)} - {_one_line(entry.title)}")
        if entry.album:
            lines.append(f"#EXTALB:{_one_line(entry.album)}")
        lines.append(entry.location)
    return "\n".join(lines) + "\n"


def to_xspf(*, name: str, entries: list[ExportEntry]) -> str:
    """Return an XSPF playlist document."""
    ET.register_namespace("", XSPF_NS)
    root = ET.Element(f"{{{XSPF_NS}}}playlist", version="1")
    ET.SubElement(root, f"{{{XSPF_NS}}}title").text = name
    track_list = ET.SubElement(root, f"{{{XSPF_NS}}}trackList")
    for entry in entries:
        track = ET.SubElement(track_list, f"{{{XSPF_NS}}}track")
        ET.SubElement(track, f"{{{XSPF_NS}}}location").text = entry.location
        ET.SubElement(track, f"{{{XSPF_NS}}}title").text = entry.title
        ET.SubElement(track, f"{{{XSPF_NS}}}creator").text = entry.artist
        if entry.album:
            ET.SubElement(track, f"{{{XSPF_NS}}}album").text = entry.album
        if entry.duration_ms:
            ET.SubElement(track, f"{{{XSPF_NS}}}duration").text = str(entry.duration_ms)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def parse_playlist(content: bytes, *, filename: str = "") -> list[ImportEntry]:
    """Return the entries of an M3U/M3U8 or XSPF playlist, detecting the format from the content."""
    if len(content) > MAX_IMPORT_BYTES:
        raise PlaylistFormatError("The playlist file is larger than 5 MB.")
    if _looks_like_xml(content) or filename.lower().endswith(".xspf"):
        return _parse_xspf(content)
    return _parse_m3u(_decode(content))


def _looks_like_xml(content: bytes) -> bool:
    # An XML document starts with "<" whatever its encoding: after a byte-order mark, if any, and in
    # UTF-16 with a zero byte before or after it.
    return content.lstrip(b"\xef\xbb\xbf\xfe\xff\x00 \t\r\n").startswith(b"<")


def _decode(content: bytes) -> str:
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return content.decode("utf-16")
        except UnicodeDecodeError as error:
            raise PlaylistFormatError("This playlist is not valid UTF-16 text.") from error
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("latin-1")


def _parse_m3u(text: str) -> list[ImportEntry]:
    entries: list[ImportEntry] = []
    pending_artist = pending_title = pending_album = ""
    for number, raw_line in enumerate(text.splitlines(), start=1):
        problem = text_problem(raw_line)
        if problem:
            raise PlaylistFormatError(f"Line {number} {problem}.")
        line = raw_line.strip()
        if not line:
            continue
        if line.startswith("#EXTINF:"):
            _, _, label = line.partition(",")
            artist, separator, title = label.partition(" - ")
            pending_artist, pending_title = (
                (artist.strip(), title.strip()) if separator else ("", label.strip())
            )
            continue
        if line.startswith("#EXTALB:"):
            pending_album = line.removeprefix("#EXTALB:").strip()
            continue
        if line.startswith("#"):
            continue
        label = " - ".join(part for part in (pending_artist, pending_title) if part)
        entries.append(
            ImportEntry(
                line=number,
                raw=f"{label} ({line})" if label else line,
                title=pending_title,
                artist=pending_artist,
                album=pending_album,
                location=line,
            )
        )
        pending_artist = pending_title = pending_album = ""
    return entries


def _parse_xspf(content: bytes) -> list[ImportEntry]:
    # The parser reads the bytes in the encoding they declare, and refuses a DTD and entities
    # outright (billion laughs, XXE) as expat meets them, in UTF-16 as in UTF-8.
    try:
        root = DefusedET.fromstring(content, forbid_dtd=True)
    except defusedxml.DefusedXmlException as error:
        raise PlaylistFormatError("XSPF files with a DOCTYPE or entities are not accepted.") from error
    except ET.ParseError as error:
        raise PlaylistFormatError(f"This is not a valid XSPF file: {error}.") from error
    if not root.tag.endswith("playlist"):
        raise PlaylistFormatError("This is not an XSPF playlist (no <playlist> root).")
    entries = []
    for number, track in enumerate(root.iter(f"{{{XSPF_NS}}}track"), start=1):

        def field(name: str, track=track) -> str:
            element = track.find(f"{{{XSPF_NS}}}{name}")
            return (element.text or "").strip() if element is not None else ""

        title, artist, album, location = field("title"), field("creator"), field("album"), field("location")
        raw = " - ".join(part for part in (artist, title) if part) or location
        entries.append(
            ImportEntry(line=number, raw=raw, title=title, artist=artist, album=album, location=location)
        )
    return entries


def location_path(location: str) -> str:
    """Return the local path or URL path a playlist location points at."""
    parsed = urlparse(location)
    if parsed.scheme in ("file", "http", "https"):
        return unquote(parsed.path)
    return location


def _one_line(text: str) -> str:
    return " ".join((text or "").split())
