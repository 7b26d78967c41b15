"""Checks of a ListenBrainz submission, as pure functions (see docs/protocols.md section 1).

Messages follow listenbrainz-server's, so clients that show them to users stay meaningful. The
functions return normalised copies (ints, stripped names, empty MBIDs dropped); they never write.
"""

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

from streamapp.text_checks import JSON_MAY_HOLD_UNSTORABLE, NULL_CHARACTER, find_unstorable

LISTEN_TYPES = ("single", "playing_now", "import")
MAX_BODY_BYTES = 10_240_000
MAX_LISTEN_BYTES = 10_240
MAX_LISTENS_PER_REQUEST = 1000
MAX_TAGS_PER_LISTEN = 50
MAX_TAG_LENGTH = 64
# 2002-10-01 00:00:00 UTC, when Last.fm started: earlier timestamps are clock errors.
MIN_LISTENED_AT = 1_033_430_400
# Clients' clocks may run up to an hour ahead of ours.
LISTENED_AT_ALLOWED_SKEW = 3600
MAX_DURATION_S = 24 * 24 * 3600
MAX_DURATION_MS = MAX_DURATION_S * 1000
SINGLE_MBID_KEYS = ("recording_mbid", "release_mbid", "release_group_mbid", "track_mbid")
MULTIPLE_MBID_KEYS = ("artist_mbids", "work_mbids")


class ListenValidationError(Exception):
    """A submission broke a rule; the message is shown to the client as is."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Submission:
    listen_type: str
    listens: list[dict]


def parse_submission(body: bytes, *, now: float | None = None) -> Submission:
    """Return the checked submission in a request body (JSON whatever the Content-Type).

    Raises ListenValidationError at the first broken rule, before anything is written: a
    submission is accepted or refused as a whole.
    """
    if len(body) > MAX_BODY_BYTES:
        raise ListenValidationError(f"Payload too large. Payload cannot exceed {MAX_BODY_BYTES} bytes.")
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as error:
        raise ListenValidationError(f"Cannot parse JSON document: {error}") from None
    if not isinstance(document, dict):
        raise ListenValidationError(
            "Invalid JSON document submitted. Top level of JSON document should be a json object."
        )
    if "listen_type" not in document:
        raise ListenValidationError("JSON document must contain listen_type.")
    listen_type = document["listen_type"]
    if listen_type not in LISTEN_TYPES:
        raise ListenValidationError(
            "JSON document requires a valid listen_type key: one of single, playing_now or import."
        )
    if "payload" not in document:
        raise ListenValidationError("JSON document must contain payload.")
    payload = document["payload"]
    if not isinstance(payload, list):
        raise ListenValidationError("The payload in the JSON document should be a list of listens.")
    if not payload:
        raise ListenValidationError("JSON document does not contain any listens.")
    if len(payload) > MAX_LISTENS_PER_REQUEST:
        raise ListenValidationError(
            f"Too many listens. You may not submit more than {MAX_LISTENS_PER_REQUEST} listens at once."
        )
    if listen_type != "import" and len(payload) != 1:
        raise ListenValidationError(
            "JSON document contains more than one listen for a single/playing_now. "
            "It should contain only one."
        )
    now = time.time() if now is None else now
    # Written compactly in UTF-8 a listen is never longer than in a UTF-8 body, so a small body needs
    # no measuring; and there a null character or a lone surrogate can only be a \u escape or a
    # surrogate's UTF-8 bytes (streamapp.text_checks), so without one, no search.
    utf8 = json.detect_encoding(body) == "utf-8"
    checks = {
        "check_size": not utf8 or len(body) > MAX_LISTEN_BYTES,
        "check_text": not utf8 or JSON_MAY_HOLD_UNSTORABLE.search(body) is not None,
    }
    listens = [validate_listen(listen, listen_type, now=now, **checks) for listen in payload]
    return Submission(listen_type, listens)


def listen_size(listen: Any) -> int:
    """Return the size in bytes of a listen written as compact JSON (UTF-8)."""
    return len(json.dumps(listen, ensure_ascii=False, separators=(",", ":")).encode())


def validate_listen(
    listen: Any,
    listen_type: str,
    *,
    now: float | None = None,
    check_size: bool = True,
    check_text: bool = True,
) -> dict:
    """Return a checked, normalised copy of one listen of the given type."""
    if not isinstance(listen, dict):
        raise ListenValidationError("Each listen in the payload should be a JSON object.")
    # json.dumps' default output (ASCII escapes, spaced separators) is never shorter than the compact
    # UTF-8 size and is quicker to get: the exact size is only needed for a listen near the limit.
    if check_size and len(json.dumps(listen)) > MAX_LISTEN_BYTES and listen_size(listen) > MAX_LISTEN_BYTES:
        raise ListenValidationError(
            f"JSON document is too large. Each listen may not be larger than {MAX_LISTEN_BYTES} bytes."
        )
    result: dict = {}
    if listen_type == "playing_now":
        if "listened_at" in listen:
            raise ListenValidationError(
                "JSON document must not contain listened_at while submitting playing_now."
            )
        if "track_metadata" not in listen:
            raise ListenValidationError("JSON document must contain the key track_metadata at the top level.")
        if len(listen) > 1:
            raise ListenValidationError(
                "JSON document may only contain track_metadata as top level key when submitting playing_now."
            )
    else:
        result["listened_at"] = validate_listened_at(listen, now=time.time() if now is None else now)
        if "track_metadata" not in listen:
            raise ListenValidationError("JSON document must contain the key track_metadata at the top level.")
        if len(listen) > 2:
            raise ListenValidationError(
                "JSON document may only contain listened_at and track_metadata top level keys."
            )
    result["track_metadata"] = validate_track_metadata(listen["track_metadata"], check_text=check_text)
    return result


def validate_listened_at(listen: dict, *, now: float) -> int:
    """Return listened_at as an int, checked against the allowed range."""
    if "listened_at" not in listen:
        raise ListenValidationError("JSON document must contain the key listened_at at the top level.")
    value = listen["listened_at"]
    try:
        if isinstance(value, bool):
            raise TypeError
        listened_at = int(value)
    except (TypeError, ValueError, OverflowError):
        raise ListenValidationError("JSON document must contain an int value for listened_at.") from None
    if listened_at >= int(now) + LISTENED_AT_ALLOWED_SKEW:
        raise ListenValidationError("Value for key listened_at is too high.")
    if listened_at < MIN_LISTENED_AT:
        raise ListenValidationError(
            "Value for key listened_at is too low. listened_at timestamp should be at least "
            f"{MIN_LISTENED_AT} (2002-10-01 00:00:00 UTC)."
        )
    return listened_at


def _check_storable(metadata: dict) -> None:
    found = find_unstorable(metadata, path="track_metadata")
    if found is not None:
        where, problem = found
        # ListenBrainz's own words for a null character, which clients may look for.
        problem = problem.replace(NULL_CHARACTER, "contains a unicode null")
        raise ListenValidationError(f"{where} {problem}.")


def validate_track_metadata(metadata: Any, *, check_text: bool = True) -> dict:
    """Return a checked copy of track_metadata: names stripped, an empty release_name dropped."""
    if metadata is None:
        raise ListenValidationError("JSON document may not have track_metadata with null value.")
    if not isinstance(metadata, dict):
        raise ListenValidationError("track_metadata must be a JSON object.")
    if check_text:
        _check_storable(metadata)
    result = dict(metadata)
    for key in ("artist_name", "track_name"):
        if key not in metadata:
            raise ListenValidationError(
                f"JSON document does not contain required field track_metadata.{key}."
            )
        if not isinstance(metadata[key], str):
            raise ListenValidationError(f"track_metadata.{key} must be a single string.")
        result[key] = metadata[key].strip()
        if not result[key]:
            raise ListenValidationError(f"field track_metadata.{key} is empty.")
    if "release_name" in metadata:
        release_name = metadata["release_name"]
        if release_name is not None and not isinstance(release_name, str):
            raise ListenValidationError("track_metadata.release_name must be a single string.")
        release_name = (release_name or "").strip()
        if release_name:
            result["release_name"] = release_name
        else:
            del result["release_name"]
    if "additional_info" in metadata:
        if metadata["additional_info"] is None:
            del result["additional_info"]
        else:
            result["additional_info"] = validate_additional_info(metadata["additional_info"])
    return result


def validate_additional_info(info: Any) -> dict:
    """Return a checked copy of additional_info (unknown keys kept as they are)."""
    if not isinstance(info, dict):
        raise ListenValidationError("track_metadata.additional_info must be a JSON object.")
    result = dict(info)
    if "tags" in info:
        _tags_check(info["tags"], result)
    if "duration" in info and "duration_ms" in info:
        raise ListenValidationError("JSON document should not contain both duration and duration_ms.")
    for key, limit in (("duration", MAX_DURATION_S), ("duration_ms", MAX_DURATION_MS)):
        if key in info:
            result[key] = _duration(info[key], key, limit)
    _mbids_check(info, result)
    return result


def _tags_check(tags: Any, result: dict) -> None:
    """Check additional_info's tags: a short list of short strings, or null (dropped from ``result``)."""
    if tags is None:
        del result["tags"]
    elif not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise ListenValidationError("track_metadata.additional_info.tags must be a list of strings.")
    elif len(tags) > MAX_TAGS_PER_LISTEN:
        raise ListenValidationError(
            f"JSON document may not contain more than {MAX_TAGS_PER_LISTEN} items in "
            "track_metadata.additional_info.tags."
        )
    elif any(len(tag) > MAX_TAG_LENGTH for tag in tags):
        raise ListenValidationError(
            "JSON document may not contain track_metadata.additional_info.tags longer than "
            f"{MAX_TAG_LENGTH} characters."
        )


def _mbids_check(info: dict, result: dict) -> None:
    """Check additional_info's MBIDs, single and lists; empty ones are dropped from ``result``."""
    for key in SINGLE_MBID_KEYS:
        if key in info:
            mbid = info[key]
            if not mbid:
                del result[key]
            elif not _is_uuid(mbid):
                raise ListenValidationError(f"{key} MBID format invalid.")
    for key in MULTIPLE_MBID_KEYS:
        if key in info:
            mbids = info[key]
            if not mbids:
                del result[key]
                continue
            if not isinstance(mbids, list):
                raise ListenValidationError(f"{key} must be a list of MBIDs.")
            mbids = [mbid for mbid in mbids if mbid]
            if not all(_is_uuid(mbid) for mbid in mbids):
                raise ListenValidationError(f"{key} MBID format invalid.")
            result[key] = mbids


def _duration(value: Any, key: str, limit: int) -> int:
    try:
        if isinstance(value, bool):
            raise TypeError
        duration = int(value)
    except (TypeError, ValueError, OverflowError):
        raise ListenValidationError(f"Value for {key} is invalid, should be a positive integer.") from None
    if duration <= 0:
        raise ListenValidationError(f"Value for {key} is invalid, should be a positive integer.")
    if duration > limit:
        raise ListenValidationError(f"Value for {key} is too large, max permitted value is {limit}.")
    return duration


def _is_uuid(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
