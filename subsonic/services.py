"""Writes of the Subsonic API: the listener's Subsonic password, and the listening services its
methods call (plays and listens, likes, playlists, the play queue, the library import).

Each is atomic: a call that names an unknown id or breaks a rule changes nothing.
"""

import datetime as dt
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from catalog import services as catalog_services
from catalog.models import Album, Artist, LibraryImport, Track
from listening import selectors as listening_selectors
from listening import services as listening_services
from listening import transcoding
from listening.models import Playlist, Source

from . import passwords, selectors
from .models import SubsonicPassword

# Scrobbles (the same song at the same time, sent again) are one play: their play id is derived.
_SCROBBLE_NAMESPACE = uuid.UUID("5d7c2a0e-6f7b-4a53-9a0c-6a1f3c1e9b21")


# ------------------------------------------------------------------------------ the Subsonic password
def _check_password(password: str) -> str:
    if not passwords.MIN_LENGTH <= len(password) <= passwords.MAX_LENGTH:
        bounds = f"{passwords.MIN_LENGTH} to {passwords.MAX_LENGTH}"
        raise ValidationError({"password": f"A Subsonic password has {bounds} characters."})
    if any(not character.isprintable() for character in password):
        raise ValidationError({"password": "A Subsonic password holds printable characters only."})
    return password


@transaction.atomic
def subsonic_password_set(*, user, password: str) -> str:
    """Set the listener's Subsonic password (clients using the old one stop being accepted); return it."""
    _check_password(password)
    SubsonicPassword.objects.update_or_create(user=user, defaults={"encrypted": passwords.encrypt(password)})
    return password


def subsonic_password_regenerate(*, user) -> str:
    """Replace the listener's Subsonic password with a new random one; return it."""
    return subsonic_password_set(user=user, password=passwords.generate())


def subsonic_password_revoke(*, user, **kwargs) -> None:
    """Delete the listener's Subsonic password (receiver of accounts.signals.credentials_revoked); the
    profile's Subsonic page makes a new one when the listener next opens it."""
    SubsonicPassword.objects.filter(user=user).delete()


@transaction.atomic
def subsonic_password_get_or_create(*, user) -> str:
    """Return the listener's Subsonic password, making a random one the first time (or when the secret
    key it was encrypted under is gone)."""
    password = selectors.stored_password(user=user)
    return password if password is not None else subsonic_password_regenerate(user=user)


# ------------------------------------------------------------------------------ streaming
# The formats `stream` transcodes to (listening.transcoding's), and "raw": the original as it is.
STREAM_FORMATS = ("raw", *transcoding.OUTPUT_FORMATS)
# The originals that already are a format a client asks for (an M4A is AAC at these bitrates: ALAC's
# are above MAX_KBPS, so it is transcoded).
_ORIGINALS_OF_FORMAT = {"mp3": frozenset({"mp3"}), "opus": frozenset({"opus"}), "aac": frozenset({"m4a"})}
# The bitrate of a format asked without maxBitRate: the web's "high" preset.
FORMAT_DEFAULT_KBPS = transcoding.PRESET_KBPS["high"]


@dataclass(frozen=True)
class StreamRequest:
    max_bit_rate: int  # kbps, 0 = no limit
    format: str | None  # one of STREAM_FORMATS, or None; "raw" = the original
    time_offset: int  # seconds


@dataclass(frozen=True)
class StreamPlan:
    """What `stream` sends: listening.transcoding's choice, from `offset` seconds on."""

    choice: transcoding.StreamChoice
    offset: float


def stream_source(*, track: Track, wanted: StreamRequest) -> StreamPlan:
    """Turn `stream`'s parameters into the web player's stream choice (listening.transcoding.choose_stream,
    the one rule): docs/streaming.md, "Subsonic".

    - `format=raw`: the original, whatever else is asked (its timeOffset ignored: an original is not cut);
    - `maxBitRate` (kbps, 0 = no limit) is the target: the original when its bitrate fits (and it is a
      format players play), else a transcode at that bitrate (32 to 320 kbps, never above the original);
    - `format` (mp3, opus, aac): the original when it already is that format and fits (maxBitRate, else
      FORMAT_DEFAULT_KBPS), else a transcode to it;
    - `timeOffset` > 0: a transcode starting there (not cached), unless raw.

    Raises ValidationError naming `timeOffset` when it is at or past the track's end.
    """
    audio = track.audio_file
    if wanted.format == "raw":
        return StreamPlan(choice=transcoding.choose_stream(audio, quality="original"), offset=0.0)
    try:
        offset = transcoding.check_offset(wanted.time_offset, duration_ms=audio.duration_ms)
    except ValidationError as error:
        raise ValidationError({"timeOffset": error.message_dict["offset"]}) from None
    bitrate, playable = wanted.max_bit_rate or None, transcoding.BROWSER_FORMATS
    if wanted.format:
        bitrate = min(bitrate or FORMAT_DEFAULT_KBPS, transcoding.MAX_KBPS)
        playable = _ORIGINALS_OF_FORMAT[wanted.format]
    choice = transcoding.choose_stream(
        audio,
        quality="original",
        format=wanted.format,
        bitrate_kbps=bitrate,
        playable=playable,
        cut=offset > 0,
    )
    return StreamPlan(choice=choice, offset=offset)


# ------------------------------------------------------------------------------ plays and listens
def _scrobble_time(milliseconds: int | None, now: dt.datetime) -> dt.datetime:
    if milliseconds is None:
        return now
    try:
        return dt.datetime.fromtimestamp(milliseconds / 1000, tz=dt.UTC)
    except (OverflowError, OSError, ValueError):
        raise ValidationError({"time": "time must be milliseconds since 1970."}) from None


@transaction.atomic
def scrobble(*, user, tracks: list[Track], times: list[int | None], submission: bool) -> None:
    """Record finished plays (submission) or set what plays now, through the web player's services.

    A submission is a play of the whole track ending now: a Play and, under the listen rule (half
    the track or 4 minutes, tracks over 30 s), a Listen, with the play id derived from the listener,
    the track and the time, so a scrobble sent again adds nothing. Not a submission: now playing.
    """
    now = timezone.now()
    # A song of the saved queue plays in the queue's context (an album, a playlist...), as the web
    # player reports it; others in none.
    state = selectors.player_state(user=user)
    queued = set(state.queue)
    for track, milliseconds in zip(tracks, times, strict=True):
        if not submission:
            listening_services.now_playing_track_set(user=user, track=track)
            continue
        started_at = _scrobble_time(milliseconds, now)
        play_id = uuid.uuid5(_SCROBBLE_NAMESPACE, f"{user.pk}:{track.pk}:{started_at.timestamp():.3f}")
        listening_services.play_report(
            user=user,
            play_id=play_id,
            track=track,
            event="end",
            played_ms=track.duration_ms,
            started_at=started_at,
            source=Source.API,
            context_type=state.context_type if track.pk in queued else "",
            context_id=state.context_id if track.pk in queued else "",
        )


# ------------------------------------------------------------------------------ stars
@transaction.atomic
def star(*, user, tracks: list[Track], albums: list[Album], artists: list[Artist], starred: bool) -> None:
    """Star (like) or unstar songs, albums and artists: the web player's likes."""
    for track in tracks:
        listening_services.track_like_set(user=user, track=track, liked=starred)
    for album in albums:
        listening_services.album_like_set(user=user, album=album, liked=starred)
    for artist in artists:
        listening_services.artist_like_set(user=user, artist=artist, liked=starred)


# ------------------------------------------------------------------------------ the play queue
@transaction.atomic
def play_queue_save(*, user, track_ids: list[int], current: int | None, position_ms: int) -> None:
    """Save the queue and position as the web player's state (shuffle, repeat and volume kept).

    The current song is the first of the queue when none is named; naming one not in it is an error.
    """
    state = selectors.player_state(user=user)
    if current is not None and current not in track_ids:
        raise ValidationError({"current": "current must be one of the queue's ids."})
    index = track_ids.index(current) if current is not None else 0
    listening_services.player_state_save(
        user=user,
        queue=track_ids,
        current_index=index,
        position_ms=position_ms,
        shuffle=state.shuffle,
        repeat=state.repeat,
        volume=state.volume,
    )


# ------------------------------------------------------------------------------ playlists
@transaction.atomic
def playlist_create(*, user, name: str, tracks: list[Track]) -> Playlist:
    return listening_services.playlist_create(owner=user, name=name, tracks=tracks)


@transaction.atomic
def playlist_replace_songs(*, user, playlist: Playlist, tracks: list[Track]) -> Playlist:
    """Make the playlist hold exactly these songs, in order (createPlaylist with a playlistId)."""
    item_ids = listening_selectors.playlist_items(playlist=playlist).item_ids()
    listening_services.playlist_remove_items(playlist=playlist, actor=user, item_ids=item_ids)
    if tracks:
        listening_services.playlist_add_tracks(playlist=playlist, actor=user, tracks=tracks)
    return playlist


@dataclass(frozen=True)
class PlaylistChange:
    name: str | None
    comment: str | None
    public: bool | None
    add: list[Track]
    remove_indexes: list[int]


@transaction.atomic
def playlist_update(*, user, playlist: Playlist, change: PlaylistChange) -> None:
    """Rename, describe, publish (the owner), remove entries by index and add songs (owner or
    collaborator): all of it or nothing."""
    if any(value is not None for value in (change.name, change.comment, change.public)):
        listening_services.playlist_update(
            playlist=playlist,
            actor=user,
            name=change.name,
            description=change.comment,
            is_public=change.public,
        )
    if change.remove_indexes:
        order = listening_selectors.playlist_items(playlist=playlist).item_ids()
        outside = [index for index in change.remove_indexes if index >= len(order)]
        if outside:
            raise ValidationError({"songIndexToRemove": f"The playlist has {len(order)} entries."})
        removed = [order[index] for index in set(change.remove_indexes)]
        listening_services.playlist_remove_items(playlist=playlist, actor=user, item_ids=removed)
    if change.add:
        listening_services.playlist_add_tracks(playlist=playlist, actor=user, tracks=change.add)


def playlist_delete(*, user, playlist: Playlist) -> None:
    listening_services.playlist_delete(playlist=playlist, actor=user)


# ------------------------------------------------------------------------------ the library import
def scan_start(*, user) -> LibraryImport:
    """Import again the folder of the latest library import (staff; the importer's lock keeps it to one
    at a time)."""
    latest = selectors.latest_import()
    if latest is None:
        raise ValidationError(
            {"path": "No library folder was imported yet: import one from the admin first."}
        )
    if latest.status in (LibraryImport.Status.PENDING, LibraryImport.Status.RUNNING):
        return latest
    return catalog_services.library_import_start(path=latest.path, user=user)
