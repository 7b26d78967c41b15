"""ListenBrainz JSON shapes of our listens and now-playing entries (see docs/protocols.md section 1)."""

import uuid

from ..models import Listen, NowPlaying

# Namespace of recording_msid: a stable id derived from a listen's dedupe key.
MSID_NAMESPACE = uuid.UUID("6f1c6a52-4d47-4c1e-9a7b-2f0d8c3e5a91")


def recording_msid(dedupe_key: str) -> str:
    """Return the recording_msid shown for a listen with this dedupe key."""
    return str(uuid.uuid5(MSID_NAMESPACE, dedupe_key))


def _track_metadata(row: Listen | NowPlaying, recording_mbid=None) -> dict:
    track = row.track if row.track_id is not None else None
    artist_name = row.artist_name or (track.artist.name if track else "")
    track_name = row.track_name or (track.title if track else "")
    release_name = row.release_name or (track.album.title if track else "")
    info = dict(row.additional_info or {})
    if recording_mbid is not None:
        info["recording_mbid"] = str(recording_mbid)
    metadata = {"artist_name": artist_name, "track_name": track_name}
    if release_name:
        metadata["release_name"] = release_name
    metadata["additional_info"] = info
    return metadata


def listen_to_api(listen: Listen, *, user_name: str) -> dict:
    """Return a listen as ListenBrainz's GET /1/user/<name>/listens shows it."""
    return {
        "listened_at": int(listen.listened_at.timestamp()),
        "inserted_at": int(listen.inserted_at.timestamp()),
        "recording_msid": recording_msid(listen.dedupe_key),
        "user_name": user_name,
        "track_metadata": _track_metadata(listen, listen.recording_mbid),
    }


def now_playing_to_api(now_playing: NowPlaying, *, user_name: str) -> dict:
    """Return a now-playing entry as ListenBrainz's GET /1/user/<name>/playing-now shows it."""
    return {
        "track_metadata": _track_metadata(now_playing),
        "user_name": user_name,
        "playing_now": True,
    }
