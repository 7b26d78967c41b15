"""What the history parsers yield, and the reading helpers they share (pure: no database).

Files are read as bytes and in pieces: a JSON array one item at a time, JSON lines and CSV one line
at a time, so a large export never has to fit in memory; a line or an item over MAX_RECORD_BYTES is
reported instead of read, and so is one nested too deeply for the JSON decoder or holding text that
cannot be stored (a lone surrogate, a null character). A zip is checked against ZipLimits before it
is read, and its members are counted while they expand.
"""

import datetime as dt
import json
import re
import time
import uuid
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.template.defaultfilters import filesizeformat

from streamapp import text_checks

from ..listenbrainz.validation import LISTENED_AT_ALLOWED_SKEW, MIN_LISTENED_AT

# What reading a damaged, encrypted or unsupported zip may raise (zipfile has no one error type).
ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    NotImplementedError,
    RuntimeError,
    ValueError,
)
# No record of any export comes near this (a Spotify row is under 1 kB, a ListenBrainz listen 10 kB).
MAX_RECORD_BYTES = 1 << 20
READ_BYTES = 1 << 20
# How much of a file check() reads to tell whether it is of the expected format.
HEAD_BYTES = 64 * 1024
_SPACE = re.compile(r"[ \t\r\n]*")
# A JSON array or object's brackets and strings, to find where one too deep to decode ends.
_BRACKET_OR_QUOTE = re.compile(r'[\[\]{}"]')
_STRING_REST = re.compile(r'[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
# What a lone surrogate or a null character looks like in JSON text, and once decoded: neither can be
# stored (UTF-8 has no surrogates; PostgreSQL refuses null characters in text and jsonb).
_UNSTORABLE_ESCAPE = re.compile(r"\\u(?:[dD][89a-fA-F]|0000)")
DEEP_ITEM = "The item is nested too deeply to be read."
DEEP_LINE = "The line is nested too deeply to be read."
DEEP_FILE = "The file nests JSON too deeply to be a listening history."
# Below this size a member's compression ratio is not checked (a small file of blanks compresses well).
RATIO_MIN_BYTES = 1 << 20


@dataclass(frozen=True, slots=True)
class ImportedListen:
    """A listen read from an export: its start (unix seconds, UTC) and its metadata."""

    position: str
    listened_at: int
    artist_name: str
    track_name: str
    release_name: str = ""
    recording_mbid: uuid.UUID | None = None
    additional_info: dict = field(default_factory=dict)
    ms_played: int | None = None
    # Playback stopped before the end of the track (Spotify's "skipped"), after the listen threshold.
    skipped: bool = False


@dataclass(frozen=True, slots=True)
class ImportedSkip:
    """A play too short to be a listen (a Spotify row under 30 s): kept as a skipped play, never a listen.

    play_key identifies the row across imports of the same file.
    """

    position: str
    started_at: dt.datetime
    ended_at: dt.datetime
    ms_played: int
    artist_name: str
    track_name: str
    release_name: str
    play_key: str


@dataclass(frozen=True, slots=True)
class IgnoredRecord:
    """A row that is not music (a podcast episode, an audiobook chapter): counted as skipped."""

    position: str
    reason: str


@dataclass(frozen=True, slots=True)
class ImportProblem:
    """A record (or a whole file) that could not be read, with where it is and why."""

    position: str
    reason: str


Record = ImportedListen | ImportedSkip | IgnoredRecord | ImportProblem


@dataclass(frozen=True, slots=True)
class BadItem:
    """An item of a JSON array that was skipped without being decoded, and why."""

    reason: str


@dataclass(frozen=True, slots=True)
class ZipLimits:
    """The most an archive's members may expand to (all together), and compress by (each)."""

    max_expanded_bytes: int
    max_ratio: int

    @classmethod
    def from_settings(cls) -> "ZipLimits":
        return cls(
            max_expanded_bytes=settings.STREAMAPP_HISTORY_MAX_EXPANDED_BYTES,
            max_ratio=settings.STREAMAPP_HISTORY_MAX_COMPRESSION_RATIO,
        )


class ZipLimitError(Exception):
    """A zip expands or compresses beyond its ZipLimits (declared in its headers, or found reading it)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class FormatError(Exception):
    """The rest of a file cannot be read; number is the item it happened at (0: the file itself)."""

    def __init__(self, message: str, number: int = 0):
        super().__init__(message)
        self.message = message
        self.number = number


def position_of(label: str, number: int) -> str:
    """Return "file:number" (a line, or an item of a JSON array), or the file alone for number 0."""
    return f"{label}:{number}" if number else label


def shown(value: Any, limit: int = 60) -> str:
    """Return the repr of a value from a file, cut to limit characters, for a problem's reason."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe_time(seconds: float) -> str:
    try:
        return dt.datetime.fromtimestamp(seconds, tz=dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    except (OverflowError, OSError, ValueError):
        return str(seconds)


def listened_at_problem(seconds: int, *, now: float) -> str | None:
    """Return why a start time cannot be a listen's (the ListenBrainz range), or None if it can."""
    if seconds < MIN_LISTENED_AT:
        return f"The time {describe_time(seconds)} is before 2002-10-01, the earliest accepted."
    if seconds >= now + LISTENED_AT_ALLOWED_SKEW:
        return f"The time {describe_time(seconds)} is in the future."
    return None


def clean_name(value: Any) -> str | None:
    """Return a stripped name, or None if it is missing, empty, not a string or holds a null character."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not value or text_checks.text_problem(value):
        return None
    return value


def parse_mbid(value: Any) -> uuid.UUID | None:
    """Return a MusicBrainz id as a UUID, or None for anything that is not one."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return uuid.UUID(value.strip())
    except ValueError:
        return None


def now() -> float:
    return time.time()


def is_zip(stream: IO[bytes]) -> bool:
    """Return whether a seekable binary stream holds a zip archive (the stream is rewound)."""
    stream.seek(0)
    found = stream.read(4) == b"PK\x03\x04" and zipfile.is_zipfile(stream)
    stream.seek(0)
    return found


def read_head(stream: IO[bytes]) -> bytes:
    """Return the first HEAD_BYTES of a seekable binary stream (the stream is rewound)."""
    stream.seek(0)
    head = stream.read(HEAD_BYTES)
    stream.seek(0)
    return head


def head_text(head: bytes) -> str | None:
    """Return the start of a file as text without a byte order mark, up to its first byte that is not UTF-8.

    None if the file starts with such a byte (a bad line further on is the parser's to report).
    """
    try:
        return head.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        text = head[: error.start].decode("utf-8").removeprefix("\ufeff")
        return text if text.strip() else None


def first_json_item(text: str) -> tuple[str, Any]:
    """Return how the start of a JSON array or JSON-lines text begins and its first item.

    The kind is "array", "lines", "empty", "deep" (the first item nests too deeply to be decoded) or
    "other"; the item is None when it does not fit in text.
    """
    text = text.lstrip(" \t\r\n")
    if not text:
        return "empty", None
    if text[0] == "[":
        rest = text[1:].lstrip(" \t\r\n")
        try:
            return "array", json.JSONDecoder().raw_decode(rest)[0]
        except RecursionError:
            return "deep", None
        except ValueError:
            return "array", None
    if text[0] == "{":
        line = text.split("\n", 1)[0]
        try:
            return "lines", json.loads(line)
        except RecursionError:
            return "deep", None
        except ValueError:
            return "lines", None
    return "other", None


def deep_value_end(text: str, pos: int) -> int | None:
    """Return where the JSON array or object starting at text[pos] ends, or None if text ends first.

    Counts brackets outside strings, without recursion: for a value too deep for the JSON decoder.
    """
    depth = 0
    while True:
        match = _BRACKET_OR_QUOTE.search(text, pos)
        if match is None:
            return None
        if match.group() == '"':
            rest = _STRING_REST.match(text, match.end())
            if rest is None:
                return None
            pos = rest.end()
            continue
        depth += 1 if match.group() in "[{" else -1
        pos = match.end()
        if depth <= 0:
            return pos


def unstorable_text(value: Any, text: str, start: int = 0, end: int | None = None) -> str | None:
    """Return why a value decoded from text[start:end] holds text that cannot be stored, or None.

    Only a value whose JSON has a \\uD800-\\uDFFF or \\u0000 escape is looked into (iteratively:
    it may be nested thousands deep); a surrogate pair (an emoji written as ASCII) is fine.
    """
    if not _UNSTORABLE_ESCAPE.search(text, start, len(text) if end is None else end):
        return None
    found = text_checks.find_unstorable(value)
    if found is None:
        return None
    _where, problem = found
    return f"A text {problem.removeprefix('has a key that ')}, which cannot be stored."


def zip_limits_problem(members: list[zipfile.ZipInfo], limits: ZipLimits) -> str | None:
    """Return why the members of a zip, by their declared sizes, are over the limits, or None."""
    total = 0
    for info in members:
        total += info.file_size
        if _too_compressed(info, info.file_size, limits):
            return _compressed_problem(info, limits)
    if total > limits.max_expanded_bytes:
        return _too_big(limits)
    return None


def _too_compressed(info: zipfile.ZipInfo, expanded: int, limits: ZipLimits) -> bool:
    return expanded >= RATIO_MIN_BYTES and expanded > limits.max_ratio * max(info.compress_size, 1)


def _compressed_problem(info: zipfile.ZipInfo, limits: ZipLimits) -> str:
    return f"{info.filename} is compressed more than {limits.max_ratio}:1: it is not a listening history."


def _too_big(limits: ZipLimits) -> str:
    return (
        f"The zip's history files expand to more than {filesizeformat(limits.max_expanded_bytes)}, "
        "the most that can be imported."
    )


class _ExpandedMember:
    """A zip member being read, counting what it expands to against the archive's allowance.

    zipfile already stops at the declared size (and a CRC error follows a lie); this does not trust it.
    """

    def __init__(self, raw: IO[bytes], info: zipfile.ZipInfo, limits: ZipLimits, allowance: list[int]):
        self.raw, self.info, self.limits, self.allowance = raw, info, limits, allowance
        self.expanded = 0

    def _counted(self, data: bytes) -> bytes:
        self.expanded += len(data)
        self.allowance[0] -= len(data)
        if self.allowance[0] < 0:
            raise ZipLimitError(_too_big(self.limits))
        if _too_compressed(self.info, self.expanded, self.limits):
            raise ZipLimitError(_compressed_problem(self.info, self.limits))
        return data

    def read(self, size: int = -1) -> bytes:
        return self._counted(self.raw.read(size))

    def readline(self, size: int = -1) -> bytes:
        return self._counted(self.raw.readline(size))


def iter_zip_members(
    archive: zipfile.ZipFile, members: list[zipfile.ZipInfo], limits: ZipLimits
) -> Iterator[tuple[zipfile.ZipInfo, IO[bytes]]]:
    """Yield each member opened for reading; raise ZipLimitError when the zip is over its limits.

    The declared sizes are checked first; what each member expands to is counted as it is read.
    """
    problem = zip_limits_problem(members, limits)
    if problem:
        raise ZipLimitError(problem)
    allowance = [limits.max_expanded_bytes]
    for info in members:
        with archive.open(info) as raw:
            yield info, _ExpandedMember(raw, info, limits, allowance)


class _Utf8Chunks:
    """Read a binary stream as UTF-8 text in pieces; stop at the first byte that is not UTF-8."""

    def __init__(self, stream: IO[bytes]):
        self.stream = stream
        self.offset = 0
        self.pending = b""
        self.first = True
        self.done = False
        self.error: str | None = None

    def read(self) -> str | None:
        if self.done:
            return None
        data = self.stream.read(READ_BYTES)
        final = not data
        data = self.pending + data
        self.pending = b""
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            text = data[: error.start].decode("utf-8")
            if not final and error.reason == "unexpected end of data" and error.end == len(data):
                self.pending = data[error.start :]  # a character cut by the end of this piece
            else:
                self.error = f"The file is not UTF-8 text (at byte {self.offset + error.start})."
                self.done = True
        self.offset += len(data) - len(self.pending)
        if final:
            self.done = True
        if self.first and text:
            self.first = False
            text = text.removeprefix("\ufeff")
        if not text and self.done:
            return None
        return text


class _ArrayText:
    """A JSON array's text read piece by piece: a buffer of what is not parsed yet, a position in it."""

    def __init__(self, stream: IO[bytes]):
        self.chunks = _Utf8Chunks(stream)
        self.decoder = json.JSONDecoder()
        self.buffer, self.pos = "", 0

    def more(self) -> bool:
        """Append the next piece of the file to the buffer (dropping what was parsed); False at its end."""
        text = self.chunks.read()
        if text is None:
            return False
        self.buffer, self.pos = self.buffer[self.pos :] + text, 0
        return True

    def next_char(self) -> str:
        """Skip white space and return the next character, reading on as needed ("" at the end)."""
        while True:
            self.pos = _SPACE.match(self.buffer, self.pos).end()
            if self.pos < len(self.buffer):
                return self.buffer[self.pos]
            if not self.more():
                return ""

    def grow(self) -> bool:
        """Read one more piece while the item being parsed is within MAX_RECORD_BYTES; False if not."""
        return len(self.buffer) - self.pos <= MAX_RECORD_BYTES and self.more()

    def item(self, number: int) -> Any:
        """Parse the item at the position (item ``number``), reading on as it needs, and move past it.

        An item that cannot be stored (too deep, unstorable text) is a BadItem; raises FormatError where
        the rest cannot be read.
        """
        while True:
            try:
                value, end = self.decoder.raw_decode(self.buffer, self.pos)
            except RecursionError:
                end = deep_value_end(self.buffer, self.pos)
                if end is None and self.grow():
                    continue
                if end is None:
                    raise FormatError(DEEP_ITEM, number) from None
                value = BadItem(DEEP_ITEM)
                break
            except json.JSONDecodeError as error:
                if self.grow():
                    continue
                if len(self.buffer) - self.pos > MAX_RECORD_BYTES:
                    message = f"Item {number} is longer than {MAX_RECORD_BYTES:,} bytes."
                    raise FormatError(message, number) from None
                raise FormatError(self.chunks.error or f"Not valid JSON: {error.msg}.", number) from None
            if not isinstance(value, dict | list | str):
                # A number may go on in the next piece of the file ("15" of "1500.0").
                following = _SPACE.match(self.buffer, end).end()
                cut = following >= len(self.buffer) or self.buffer[following] not in ",]"
                if cut and self.grow():
                    continue
            problem = unstorable_text(value, self.buffer, self.pos, end)
            if problem:
                value = BadItem(problem)
            break
        self.pos = end
        return value


def iter_json_array(stream: IO[bytes]) -> Iterator[tuple[int, Any]]:
    """Yield (item number, value) for each item of a JSON array, reading the stream in pieces.

    Raises FormatError where the rest cannot be read: not an array, broken JSON, bytes that are not
    UTF-8, an item over MAX_RECORD_BYTES. The items before it have been yielded.
    """
    text = _ArrayText(stream)
    char = text.next_char()
    if char == "":
        raise FormatError(text.chunks.error or "The file is empty.")
    if char != "[":
        raise FormatError(text.chunks.error or "Expected a JSON array (a file that starts with [).")
    text.pos += 1
    number = 0
    char = text.next_char()
    if char == "]":
        return
    while True:
        if char == "":
            raise FormatError(
                text.chunks.error or f"The file ends after item {number}, inside the array.", number + 1
            )
        number += 1
        yield number, text.item(number)
        char = text.next_char()
        if char == ",":
            text.pos += 1
            char = text.next_char()
        elif char == "]":
            return
        elif char == "":
            raise FormatError(
                text.chunks.error or f"The file ends after item {number}, before the closing ]."
            )
        else:
            raise FormatError(f"Expected , or ] after item {number}.", number)


def count_json_array(stream: IO[bytes]) -> int:
    """Return how many records reading a JSON array gives: its items, and one for a problem that ends it."""
    number = 0
    try:
        for number, _ in iter_json_array(stream):  # noqa: B007
            pass
    except FormatError:
        number += 1
    return number


def count_lines(stream: IO[bytes]) -> int:
    """Return how many lines of a binary stream are not blank."""
    return sum(1 for line in iter(lambda: stream.readline(MAX_RECORD_BYTES + 1), b"") if line.strip())


def iter_lines(stream: IO[bytes]) -> Iterator[tuple[int, bytes | None]]:
    """Yield (line number, bytes) for each line of a binary stream; None for a line over MAX_RECORD_BYTES."""
    number = 0
    while True:
        line = stream.readline(MAX_RECORD_BYTES + 1)
        if not line:
            return
        number += 1
        if len(line) > MAX_RECORD_BYTES and not line.endswith(b"\n"):
            while True:  # skip to the end of the overlong line
                rest = stream.readline(READ_BYTES)
                if not rest or rest.endswith(b"\n"):
                    break
            yield number, None
            continue
        yield number, line


def natural_key(name: str) -> list:
    """Return a sort key that puts listens/2021/2.jsonl before listens/2021/10.jsonl."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]
