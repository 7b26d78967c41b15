"""Sample listening-history exports written by the tests (Spotify, ListenBrainz, Last.fm)."""

import json
import zipfile
from pathlib import Path

RECORDING_MBID = "a1b2c3d4-0000-4000-8000-000000000001"


def spotify_row(
    ts: str = "2021-03-01T12:03:20Z",
    ms_played: int = 200_000,
    track: str | None = "Airbag",
    artist: str | None = "Radiohead",
    album: str | None = "OK Computer",
    **extra,
) -> dict:
    """Return one row of Spotify's extended streaming history."""
    return {
        "ts": ts,
        "platform": "android",
        "ms_played": ms_played,
        "conn_country": "DE",
        "ip_addr": "192.0.2.1",
        "master_metadata_track_name": track,
        "master_metadata_album_artist_name": artist,
        "master_metadata_album_album_name": album,
        "spotify_track_uri": "spotify:track:6LgJvl0Xdtc73RJ1mmpotq" if track else None,
        "episode_name": None,
        "episode_show_name": None,
        "spotify_episode_uri": None,
        "reason_start": "trackdone",
        "reason_end": "trackdone",
        "shuffle": False,
        "skipped": False,
        "offline": False,
        "offline_timestamp": None,
        "incognito_mode": False,
        **extra,
    }


def podcast_row(ts: str = "2021-03-01T13:00:00Z") -> dict:
    return spotify_row(
        ts=ts,
        ms_played=1_500_000,
        track=None,
        artist=None,
        album=None,
        episode_name="Episode 12",
        episode_show_name="A Show",
        spotify_episode_uri="spotify:episode:0Q86acNRm6V9GYx55SXKwf",
    )


def write_json(path: Path, value) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2), encoding="utf-8")
    return path


def lb_listen(listened_at=1_614_600_000, artist="Radiohead", track="Airbag", release="OK Computer", **info):
    """Return one listen as ListenBrainz exports it."""
    metadata = {"artist_name": artist, "track_name": track, "additional_info": dict(info)}
    if release:
        metadata["release_name"] = release
    return {
        "listened_at": listened_at,
        "inserted_at": 1_700_000_000,
        "recording_msid": "d23f4719-9212-49f0-ad08-ddbfbfc50d6f",
        "user_name": "someone",
        "track_metadata": metadata,
    }


def write_jsonl(path: Path, items) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [item if isinstance(item, bytes) else json.dumps(item).encode() for item in items]
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def write_lb_zip(path: Path, months: dict[str, list], *, extra: dict[str, bytes] | None = None) -> Path:
    """Write a ListenBrainz export zip: {"2021/3": [listen, ...]} becomes listens/2021/3.jsonl."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("user.json", json.dumps({"user_id": 1, "username": "someone"}))
        archive.writestr("feedback.jsonl", json.dumps({"recording_mbid": RECORDING_MBID, "score": 1}) + "\n")
        archive.writestr("pinned_recording.jsonl", "")
        for month, items in months.items():
            lines = [item if isinstance(item, bytes) else json.dumps(item).encode() for item in items]
            archive.writestr(f"listens/{month}.jsonl", b"\n".join(lines) + b"\n")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return path
