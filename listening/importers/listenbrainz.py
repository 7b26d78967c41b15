"""ListenBrainz exports (docs/protocols.md section 3): the zip, a JSON-lines file or a JSON array of listens.

The zip holds user.json, listens/<YYYY>/<M>.jsonl (one listen per line) and feedback and pins, which
are left alone. Timestamps may be written as decimals. Each listen's track_metadata is checked like a
submission to the API (listening.listenbrainz.validation).
"""

import json
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from ..listenbrainz.validation import ListenValidationError, validate_track_metadata
from .common import (
    DEEP_FILE,
    DEEP_LINE,
    ZIP_ERRORS,
    BadItem,
    FormatError,
    ImportedListen,
    ImportProblem,
    Record,
    ZipLimitError,
    ZipLimits,
    count_json_array,
    count_lines,
    first_json_item,
    head_text,
    is_zip,
    iter_json_array,
    iter_lines,
    iter_zip_members,
    listened_at_problem,
    natural_key,
    now,
    parse_mbid,
    position_of,
    read_head,
    shown,
    unstorable_text,
    zip_limits_problem,
)

LISTENS_FILE = re.compile(r"(?:^|/)listens/.+\.jsonl$")
NO_LISTENS = "This zip has no listens/ folder of .jsonl files: it is not a ListenBrainz export."


def listens_members(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """Return the listens/ files of a ListenBrainz zip, in the order of their names (months in order)."""
    members = [info for info in archive.infolist() if LISTENS_FILE.search(info.filename)]
    return sorted(members, key=lambda info: natural_key(info.filename))


def check(stream: IO[bytes], name: str, *, limits: ZipLimits | None = None) -> str | None:
    """Return why the file is not a ListenBrainz export, or None if it may be."""
    if is_zip(stream):
        try:
            members = listens_members(zipfile.ZipFile(stream))
        except ZIP_ERRORS:
            return "The zip file is damaged."
        finally:
            stream.seek(0)
        if not members:
            return NO_LISTENS
        return zip_limits_problem(members, limits or ZipLimits.from_settings())
    text = head_text(read_head(stream))
    if text is None:
        return "The file is not UTF-8 text: expected a ListenBrainz export."
    kind, first = first_json_item(text)
    if kind == "empty":
        return "The file is empty."
    if kind == "deep":
        return DEEP_FILE
    if kind == "other":
        return "Expected a ListenBrainz export: its zip, a JSON-lines file or a JSON array of listens."
    if isinstance(first, dict) and "listened_at" not in first and "track_metadata" not in first:
        return "The first record has neither listened_at nor track_metadata: it is not a ListenBrainz listen."
    return None


def parse(path: Path, name: str, *, limits: ZipLimits | None = None) -> Iterator[Record]:
    """Yield the records of a ListenBrainz export: the listens of the zip's listens/ files, or of the file."""
    clock = now()
    with open(path, "rb") as stream:
        if not is_zip(stream):
            yield from _parse_file(stream, name, clock)
            return
        try:
            with zipfile.ZipFile(stream) as archive:
                members = listens_members(archive)
                if not members:
                    yield ImportProblem(name, NO_LISTENS)
                for info, member_stream in iter_zip_members(
                    archive, members, limits or ZipLimits.from_settings()
                ):
                    yield from _parse_lines(member_stream, f"{name}/{info.filename}", clock)
        except ZipLimitError as error:
            yield ImportProblem(name, error.message)
        except ZIP_ERRORS as error:
            yield ImportProblem(name, f"The zip file is damaged: {error}")


def count(path: Path, name: str, *, limits: ZipLimits | None = None) -> int:
    """Return about how many records parse() yields, reading the files' structure only (for the progress)."""
    with open(path, "rb") as stream:
        if is_zip(stream):
            try:
                with zipfile.ZipFile(stream) as archive:
                    total = 0
                    members = listens_members(archive)
                    for _, member_stream in iter_zip_members(
                        archive, members, limits or ZipLimits.from_settings()
                    ):
                        total += count_lines(member_stream)
                    return total or 1
            except (ZipLimitError, *ZIP_ERRORS):
                return 1
        text = head_text(read_head(stream))
        kind, _ = first_json_item(text) if text is not None else ("lines", None)
        if kind == "array":
            return count_json_array(stream)
        return count_lines(stream) or 1


def _parse_file(stream: IO[bytes], label: str, clock: float) -> Iterator[Record]:
    text = head_text(read_head(stream))
    kind, _ = first_json_item(text) if text is not None else ("lines", None)
    if kind == "empty":
        yield ImportProblem(label, "The file is empty.")
    elif kind == "array":
        try:
            for number, item in iter_json_array(stream):
                if isinstance(item, BadItem):
                    yield ImportProblem(position_of(label, number), item.reason)
                    continue
                yield parse_listen(item, position_of(label, number), now=clock)
        except FormatError as error:
            yield ImportProblem(position_of(label, error.number), error.message)
    else:
        yield from _parse_lines(stream, label, clock)


def _parse_lines(stream: IO[bytes], label: str, clock: float) -> Iterator[Record]:
    for number, line in iter_lines(stream):
        position = position_of(label, number)
        if line is None:
            yield ImportProblem(position, "The line is too long to be a listen.")
            continue
        try:
            text = line.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError:
            yield ImportProblem(position, "The line is not UTF-8 text.")
            continue
        if not text.strip():
            continue
        try:
            item = json.loads(text)
        except RecursionError:
            yield ImportProblem(position, DEEP_LINE)
            continue
        except ValueError as error:
            yield ImportProblem(position, f"Not valid JSON: {getattr(error, 'msg', error)}.")
            continue
        problem = unstorable_text(item, text)
        yield ImportProblem(position, problem) if problem else parse_listen(item, position, now=clock)


def parse_listen(item: Any, position: str, *, now: float) -> Record:
    """Return the listen of one exported ListenBrainz listen, or the problem with it."""
    if not isinstance(item, dict):
        return ImportProblem(position, "Not a JSON object.")
    if "listened_at" not in item:
        return ImportProblem(position, "No listened_at.")
    raw = item["listened_at"]
    try:
        if isinstance(raw, bool):
            raise TypeError
        listened_at = int(float(raw))
    except (TypeError, ValueError, OverflowError):
        return ImportProblem(position, f"listened_at {shown(raw)} is not a timestamp.")
    problem = listened_at_problem(listened_at, now=now)
    if problem:
        return ImportProblem(position, problem)
    metadata = item.get("track_metadata")
    if not isinstance(metadata, dict):
        return ImportProblem(position, "No track_metadata object.")
    try:
        checked = validate_track_metadata(metadata)
    except ListenValidationError as error:
        return ImportProblem(position, error.message)
    info = dict(checked.get("additional_info") or {})
    mbid = parse_mbid(info.pop("recording_mbid", None))
    mapping = metadata.get("mbid_mapping")
    if mbid is None and isinstance(mapping, dict):
        # ListenBrainz's own mapping of the listen to MusicBrainz, when the client sent no MBID.
        mbid = parse_mbid(mapping.get("recording_mbid"))
    return ImportedListen(
        position,
        listened_at=listened_at,
        artist_name=checked["artist_name"],
        track_name=checked["track_name"],
        release_name=checked.get("release_name") or "",
        recording_mbid=mbid,
        additional_info=info,
    )
