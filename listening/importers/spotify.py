"""Spotify streaming history (docs/protocols.md section 3), as JSON files or in the zip Spotify sends.

The extended history (Streaming_History_Audio_*.json, older endsong_N.json) has one row per stream
with `ts`, when it *ended*, and `ms_played`; the basic history (StreamingHistory*.json) has
`endTime` to the minute and `msPlayed`. Playback started ms_played before the end. A row under 30 s
played is a skip, not a listen; podcast episodes and audiobooks are ignored.
"""

import datetime as dt
import math
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from .common import (
    DEEP_FILE,
    ZIP_ERRORS,
    BadItem,
    FormatError,
    IgnoredRecord,
    ImportedListen,
    ImportedSkip,
    ImportProblem,
    Record,
    ZipLimitError,
    ZipLimits,
    clean_name,
    count_json_array,
    first_json_item,
    head_text,
    is_zip,
    iter_json_array,
    iter_zip_members,
    listened_at_problem,
    natural_key,
    now,
    position_of,
    read_head,
    shown,
    zip_limits_problem,
)

# Spotify counts a stream of 30 s or more as a play; anything shorter is a skip (docs/protocols.md section 3).
LISTEN_MIN_MS = 30_000
# The music history files in Spotify's zips; StreamingHistory_podcast_N.json and video files are left out.
HISTORY_FILE = re.compile(
    r"(?:^|/)(?:Streaming_History_Audio_[^/]*|endsong[^/]*|StreamingHistory(?:_music)?_?\d*)\.json$",
    re.IGNORECASE,
)
NON_MUSIC_FIELDS = (
    "episode_name",
    "episode_show_name",
    "spotify_episode_uri",
    "audiobook_title",
    "audiobook_uri",
    "audiobook_chapter_uri",
    "audiobook_chapter_title",
)
# Kept in additional_info; IP addresses and user agents of older exports are not.
INFO_FIELDS = ("platform", "reason_start", "reason_end", "shuffle", "skipped", "offline")
BASIC_TIME_FORMAT = "%Y-%m-%d %H:%M"
NO_HISTORY = (
    "This zip holds no Spotify streaming history "
    "(Streaming_History_Audio_*.json or StreamingHistory*.json files)."
)


def history_members(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """Return the music history files of a Spotify zip, in the order of their names."""
    members = [info for info in archive.infolist() if HISTORY_FILE.search(info.filename)]
    return sorted(members, key=lambda info: natural_key(info.filename))


def check(stream: IO[bytes], name: str, *, limits: ZipLimits | None = None) -> str | None:
    """Return why the file is not a Spotify streaming history (or a zip of them), or None if it may be."""
    if is_zip(stream):
        try:
            members = history_members(zipfile.ZipFile(stream))
        except ZIP_ERRORS:
            return "The zip file is damaged."
        finally:
            stream.seek(0)
        if not members:
            return NO_HISTORY
        return zip_limits_problem(members, limits or ZipLimits.from_settings())
    text = head_text(read_head(stream))
    if text is None:
        return "The file is not UTF-8 text: expected Spotify's JSON streaming history."
    kind, first = first_json_item(text)
    if kind == "empty":
        return "The file is empty."
    if kind == "deep":
        return DEEP_FILE
    if kind != "array":
        return "Expected Spotify's streaming history: a JSON file that starts with [."
    if isinstance(first, dict) and "ts" not in first and "endTime" not in first:
        return "The first row has neither ts nor endTime: this is not a Spotify streaming history."
    return None


def parse(path: Path, name: str, *, limits: ZipLimits | None = None) -> Iterator[Record]:
    """Yield the records of a Spotify history file, or of each history file in a Spotify zip."""
    clock = now()
    with open(path, "rb") as stream:
        if not is_zip(stream):
            yield from _parse_array(stream, name, clock)
            return
        try:
            with zipfile.ZipFile(stream) as archive:
                members = history_members(archive)
                if not members:
                    yield ImportProblem(name, NO_HISTORY)
                for info, member_stream in iter_zip_members(
                    archive, members, limits or ZipLimits.from_settings()
                ):
                    yield from _parse_array(member_stream, f"{name}/{info.filename}", clock)
        except ZipLimitError as error:
            yield ImportProblem(name, error.message)
        except ZIP_ERRORS as error:
            yield ImportProblem(name, f"The zip file is damaged: {error}")


def count(path: Path, name: str, *, limits: ZipLimits | None = None) -> int:
    """Return how many records parse() yields, reading the files' structure only (for the progress)."""
    with open(path, "rb") as stream:
        if not is_zip(stream):
            return count_json_array(stream)
        try:
            with zipfile.ZipFile(stream) as archive:
                total = 0
                members = history_members(archive)
                limits = limits or ZipLimits.from_settings()
                for _, member_stream in iter_zip_members(archive, members, limits):
                    total += count_json_array(member_stream)
                return total or 1
        except (ZipLimitError, *ZIP_ERRORS):
            return 1


def _parse_array(stream: IO[bytes], label: str, clock: float) -> Iterator[Record]:
    try:
        for number, row in iter_json_array(stream):
            if isinstance(row, BadItem):
                yield ImportProblem(position_of(label, number), row.reason)
                continue
            yield parse_row(row, position_of(label, number), now=clock)
    except FormatError as error:
        yield ImportProblem(position_of(label, error.number), error.message)


def parse_row(row: Any, position: str, *, now: float) -> Record:
    """Return the record of one row of an extended or a basic Spotify history."""
    if not isinstance(row, dict):
        return ImportProblem(position, "Not a JSON object.")
    if "ts" in row:
        return _extended_row(row, position, now)
    if "endTime" in row:
        return _basic_row(row, position, now)
    return ImportProblem(position, "Neither ts nor endTime: not a Spotify streaming history row.")


def _ms_played(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
        return None
    return int(value) if value >= 0 else None


def _extended_row(row: dict, position: str, clock: float) -> Record:
    track, artist = row.get("master_metadata_track_name"), row.get("master_metadata_album_artist_name")
    if not track and not artist and any(row.get(key) for key in NON_MUSIC_FIELDS):
        return IgnoredRecord(position, "A podcast episode or an audiobook, not music.")
    try:
        ended_at = dt.datetime.fromisoformat(row["ts"])
    except (TypeError, ValueError):
        return ImportProblem(position, f"ts {shown(row['ts'])} is not a time.")
    # Spotify writes UTC with a Z; a time without a zone is taken as UTC too.
    ended_at = ended_at.replace(tzinfo=dt.UTC) if ended_at.tzinfo is None else ended_at.astimezone(dt.UTC)
    ms_played = _ms_played(row.get("ms_played"))
    if ms_played is None:
        return ImportProblem(position, "ms_played is missing or not a whole number of milliseconds.")
    artist_name, track_name = clean_name(artist), clean_name(track)
    if artist_name is None or track_name is None:
        return ImportProblem(position, "No artist name or no track name.")
    info: dict[str, Any] = {"music_service": "spotify.com"}
    uri = row.get("spotify_track_uri")
    if isinstance(uri, str) and uri.startswith("spotify:track:"):
        info["spotify_id"] = "https://open.spotify.com/track/" + uri.removeprefix("spotify:track:")
    info.update((key, row[key]) for key in INFO_FIELDS if row.get(key) is not None)
    return _record(
        position,
        ended_at=ended_at,
        ms_played=ms_played,
        artist_name=artist_name,
        track_name=track_name,
        release_name=clean_name(row.get("master_metadata_album_album_name")) or "",
        info=info,
        skipped=row.get("skipped") is True,
        play_key=f"spotify:{row['ts']}:{uri or artist_name + chr(31) + track_name}:{ms_played}",
        now=clock,
    )


def _basic_row(row: dict, position: str, clock: float) -> Record:
    if "episodeName" in row or "podcastName" in row:
        return IgnoredRecord(position, "A podcast episode, not music.")
    try:
        ended_at = dt.datetime.strptime(row["endTime"], BASIC_TIME_FORMAT).replace(tzinfo=dt.UTC)
    except (TypeError, ValueError):
        return ImportProblem(position, f"endTime {shown(row['endTime'])} is not a time (YYYY-MM-DD HH:MM).")
    ms_played = _ms_played(row.get("msPlayed"))
    if ms_played is None:
        return ImportProblem(position, "msPlayed is missing or not a whole number of milliseconds.")
    artist_name, track_name = clean_name(row.get("artistName")), clean_name(row.get("trackName"))
    if artist_name is None or track_name is None:
        return ImportProblem(position, "No artist name or no track name.")
    return _record(
        position,
        ended_at=ended_at,
        ms_played=ms_played,
        artist_name=artist_name,
        track_name=track_name,
        release_name="",
        info={"music_service": "spotify.com"},
        skipped=False,
        play_key=f"spotify-basic:{row['endTime']}:{artist_name}{chr(31)}{track_name}:{ms_played}",
        now=clock,
    )


def _record(
    position: str,
    *,
    ended_at: dt.datetime,
    ms_played: int,
    artist_name: str,
    track_name: str,
    release_name: str,
    info: dict,
    skipped: bool,
    play_key: str,
    now: float,
) -> Record:
    try:
        started_at = ended_at - dt.timedelta(milliseconds=ms_played)
    except OverflowError:
        return ImportProblem(position, "ms_played is longer than the history.")
    problem = listened_at_problem(math.floor(started_at.timestamp()), now=now)
    if problem:
        return ImportProblem(position, problem)
    if ms_played < LISTEN_MIN_MS:
        return ImportedSkip(
            position,
            started_at=started_at,
            ended_at=ended_at,
            ms_played=ms_played,
            artist_name=artist_name,
            track_name=track_name,
            release_name=release_name,
            play_key=play_key,
        )
    return ImportedListen(
        position,
        listened_at=math.floor(started_at.timestamp()),
        artist_name=artist_name,
        track_name=track_name,
        release_name=release_name,
        additional_info=info,
        ms_played=ms_played,
        skipped=skipped,
    )
