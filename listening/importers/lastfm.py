"""Last.fm scrobbles exported as CSV (docs/protocols.md section 3); each time is the listen's start, in UTC.

Two shapes are common: rows of `artist, album, track, date` with no header ("31 Jan 2021 13:37", as
lastfm-to-csv writes them), and files with a header naming the columns, such as
`uts, utc_time, artist, artist_mbid, album, album_mbid, track, track_mbid`. Commas, semicolons and
tabs are recognised as separators.
"""

import csv
import datetime as dt
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from .common import (
    ImportedListen,
    ImportProblem,
    Record,
    clean_name,
    count_lines,
    head_text,
    is_zip,
    iter_lines,
    listened_at_problem,
    now,
    parse_mbid,
    position_of,
    read_head,
    shown,
)

DELIMITERS = (",", ";", "\t")
TIME_FORMATS = (
    "%d %b %Y %H:%M",
    "%d %b %Y, %H:%M",
    "%d %B %Y %H:%M",
    "%d %B %Y, %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
)
_UNIX_TIME = re.compile(r"\d{9,13}(?:\.\d+)?")
# Header names, compared lower-cased and with everything but letters removed ("utc_time" -> "utctime").
ARTIST_NAMES = ("artist", "artistname")
TRACK_NAMES = ("track", "trackname", "title", "name", "song")
ALBUM_NAMES = ("album", "albumname", "release", "releasename")
TIME_NAMES = ("uts", "timestamp", "utctime", "date", "datetime", "time", "playedat", "scrobbledat")
TRACK_MBID_NAMES = ("trackmbid", "recordingmbid", "mbid")
ARTIST_MBID_NAMES = ("artistmbid",)
ALBUM_MBID_NAMES = ("albummbid", "releasembid")
EXPECTED = (
    "Expected a Last.fm CSV: rows of artist, album, track and date, "
    "or a header naming the artist, track and time (uts, utc_time, timestamp or date) columns."
)


@dataclass(frozen=True, slots=True)
class Layout:
    """Which column holds what (indexes), and whether the first row is a header."""

    header: bool
    artist: int
    track: int
    time: int
    album: int | None = None
    track_mbid: int | None = None
    artist_mbid: int | None = None
    album_mbid: int | None = None

    @property
    def width(self) -> int:
        return 1 + max(i for i in (self.artist, self.track, self.time, self.album) if i is not None)


HEADERLESS = Layout(header=False, artist=0, album=1, track=2, time=3)


def _find(names: list[str], wanted: tuple[str, ...]) -> int | None:
    for name in wanted:
        if name in names:
            return names.index(name)
    return None


def layout_of(first_row: list[str]) -> Layout | str:
    """Return the layout that the first row of a file shows, or why it is not a Last.fm CSV."""
    names = [re.sub(r"[^a-z]", "", cell.lower()) for cell in first_row]
    artist = _find(names, ARTIST_NAMES)
    if artist is not None:
        track, time = _find(names, TRACK_NAMES), _find(names, TIME_NAMES)
        if track is None or time is None:
            missing = "track" if track is None else "time (uts, utc_time, timestamp or date)"
            return f"The header has no {missing} column: {', '.join(first_row)}."
        return Layout(
            header=True,
            artist=artist,
            track=track,
            time=time,
            album=_find(names, ALBUM_NAMES),
            track_mbid=_find(names, TRACK_MBID_NAMES),
            artist_mbid=_find(names, ARTIST_MBID_NAMES),
            album_mbid=_find(names, ALBUM_MBID_NAMES),
        )
    if len(first_row) >= 4 and parse_time(first_row[3]) is not None:
        return HEADERLESS
    return EXPECTED


def parse_time(text: str) -> int | None:
    """Return a Last.fm time as unix seconds (UTC): a unix timestamp (seconds or ms) or a written date."""
    text = text.strip()
    if _UNIX_TIME.fullmatch(text):
        value = float(text)
        return int(value / 1000 if value >= 1e11 else value)
    for time_format in TIME_FORMATS:
        try:
            return int(dt.datetime.strptime(text, time_format).replace(tzinfo=dt.UTC).timestamp())
        except ValueError:
            continue
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return int(moment.timestamp())


def _delimiter(line: str) -> str:
    """Return the separator that splits the first line into the most columns (a comma on a tie)."""

    def columns(delimiter: str) -> int:
        try:
            return len(next(csv.reader([line], delimiter=delimiter), []))
        except csv.Error:  # a stray carriage return, for one
            return 0

    return max(DELIMITERS, key=columns)


def check(stream: IO[bytes], name: str) -> str | None:
    """Return why the file is not a Last.fm CSV, or None if it may be."""
    if is_zip(stream):
        return "This is a zip file: " + EXPECTED
    text = head_text(read_head(stream))
    if text is None:
        return "The file is not UTF-8 text. " + EXPECTED
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return "The file is empty."
    if lines[0].lstrip().startswith(("{", "[")):
        return "This is JSON, not CSV. " + EXPECTED
    first_row = next(csv.reader([lines[0]], delimiter=_delimiter(lines[0])))
    layout = layout_of(first_row)
    return layout if isinstance(layout, str) else None


def count(path: Path, name: str) -> int:
    """Return about how many records parse() yields: the lines that are not blank (for the progress)."""
    with open(path, "rb") as stream:
        return count_lines(stream) or 1


def parse(path: Path, name: str) -> Iterator[Record]:
    """Yield the records of a Last.fm CSV file."""
    clock = now()
    problems: list[ImportProblem] = []
    current = [0]  # the number of the last line read

    def lines() -> Iterator[str]:
        for number, line in iter_lines(stream):
            current[0] = number
            if line is None:
                problems.append(ImportProblem(position_of(name, number), "The line is too long."))
                continue
            try:
                yield line.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError:
                problems.append(ImportProblem(position_of(name, number), "The line is not UTF-8 text."))

    with open(path, "rb") as stream:
        text_lines = lines()
        first = next((line for line in text_lines if line.strip()), None)
        yield from problems
        problems.clear()
        if first is None:
            yield ImportProblem(name, "The file is empty.")
            return
        delimiter = _delimiter(first)
        rows = csv.reader(itertools.chain([first], text_lines), delimiter=delimiter)
        layout: Layout | str | None = None
        while True:
            try:
                row = next(rows)
            except StopIteration:
                break
            except csv.Error as error:
                yield from problems
                problems.clear()
                yield ImportProblem(position_of(name, current[0]), f"Not valid CSV: {error}.")
                continue
            yield from problems
            problems.clear()
            position = position_of(name, current[0])
            if layout is None:
                layout = layout_of(row)
                if isinstance(layout, str):
                    yield ImportProblem(name, layout)
                    return
                if layout.header:
                    continue
            if not any(cell.strip() for cell in row):
                continue
            yield parse_row(row, layout, position, now=clock)
        yield from problems


def parse_row(row: list[str], layout: Layout, position: str, *, now: float) -> Record:
    """Return the listen of one CSV row, or the problem with it."""
    if len(row) < layout.width:
        return ImportProblem(position, f"Expected at least {layout.width} columns, found {len(row)}.")

    def cell(index: int | None) -> str:
        return row[index] if index is not None and index < len(row) else ""

    listened_at = parse_time(cell(layout.time))
    if listened_at is None:
        return ImportProblem(position, f"The time {shown(cell(layout.time))} cannot be read.")
    problem = listened_at_problem(listened_at, now=now)
    if problem:
        return ImportProblem(position, problem)
    artist_name, track_name = clean_name(cell(layout.artist)), clean_name(cell(layout.track))
    if artist_name is None or track_name is None:
        return ImportProblem(position, "No artist name or no track name.")
    info: dict = {"music_service": "last.fm"}
    artist_mbid, album_mbid = parse_mbid(cell(layout.artist_mbid)), parse_mbid(cell(layout.album_mbid))
    if artist_mbid:
        info["artist_mbids"] = [str(artist_mbid)]
    if album_mbid:
        info["release_mbid"] = str(album_mbid)
    return ImportedListen(
        position,
        listened_at=listened_at,
        artist_name=artist_name,
        track_name=track_name,
        release_name=clean_name(cell(layout.album)) or "",
        recording_mbid=parse_mbid(cell(layout.track_mbid)),
        additional_info=info,
    )
