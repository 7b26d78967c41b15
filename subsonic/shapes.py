"""The Subsonic API's entries (Child, AlbumID3, ArtistID3, Playlist...) as payload dicts.

Field names as in docs/protocols.md section 2 and OpenSubsonic; a field with no value is left out
(None). Ids are the catalog's primary keys as strings; cover art ids say what they show: `al-<album>`
and `ar-<artist>`; playlists are their uid.
"""

import datetime as dt

from catalog import loudness
from catalog.models import Album, Artist

MUSIC_FOLDER_ID = 1
_SUFFIX_BY_FORMAT = {"ogg": "ogg", "opus": "opus", "m4a": "m4a", "wav": "wav", "mp3": "mp3", "flac": "flac"}


def present(entry: dict) -> dict:
    """Leave out the fields with no value (the JSON has no nulls, the XML no empty attributes)."""
    return {key: value for key, value in entry.items() if value is not None}


def timestamp(value: dt.datetime | None) -> str | None:
    """Return an ISO 8601 UTC time with milliseconds, as Subsonic servers write them."""
    if value is None:
        return None
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def starred(entries: list[dict], times: dict[int, dt.datetime]) -> list[dict]:
    """Return the entries with `starred` (when the listener liked it) on those they liked.

    Entries are built without it, once for every listener (and kept in the cache); `times` is one kind
    of the listener's like times (listening.selectors.liked_times).
    """
    if not times:
        return entries
    marked = []
    for entry in entries:
        when = times.get(int(entry["id"]))
        marked.append({**entry, "starred": timestamp(when)} if when else entry)
    return marked


def album_cover_id(album_id: int | None) -> str | None:
    return f"al-{album_id}" if album_id else None


def _path(row, suffix: str) -> str:
    number = f"{row.track_number:02d} - " if row.track_number else ""
    return f"{row.artist_name}/{row.album_title}/{number}{row.title}.{suffix}"


def song(row) -> dict:
    """A song (Child) from a selectors.SongRow: the track, its album and artist, its file's type, size
    and bit rate, and OpenSubsonic's replayGain when its loudness is known (catalog.loudness)."""
    suffix = _SUFFIX_BY_FORMAT.get(row.format, row.format) if row.format else None
    return present(
        {
            "id": str(row.pk),
            "parent": f"al-{row.album_id}",  # its album's folder (getMusicDirectory)
            "isDir": False,
            "title": row.title,
            "album": row.album_title,
            "artist": row.artist_name,
            "track": row.track_number,
            "year": row.year,
            "genre": row.genres[0] if row.genres else None,
            "coverArt": album_cover_id(row.album_id) if row.cover else None,
            "size": row.size,
            "contentType": row.mime_type,
            "suffix": suffix,
            "duration": round(row.duration_ms / 1000),
            "bitRate": round(row.bitrate / 1000) if row.bitrate else None,
            "path": _path(row, suffix or "mp3"),
            "discNumber": row.disc_number,
            "created": timestamp(row.created_at),
            "albumId": str(row.album_id),
            "artistId": str(row.artist_id),
            "type": "music",
            "mediaType": "song",
            "isVideo": False,
            "musicBrainzId": str(row.mbid) if row.mbid else "",
            "genres": [{"name": name} for name in row.genres],
            "replayGain": loudness.replay_gain(row.loudness),
        }
    )


def album(row: Album) -> dict:
    """An AlbumID3: the album with its artist, song count, duration and first genre."""
    return present(
        {
            "id": str(row.pk),
            "name": row.title,
            "title": row.title,
            "album": row.title,
            "artist": row.artist.name,
            "artistId": str(row.artist_id),
            "coverArt": album_cover_id(row.pk) if row.cover else None,
            "songCount": row.song_count,
            "duration": round(row.duration_ms / 1000),
            "created": timestamp(row.created_at),
            "year": row.release_year,
            "genre": row.genre_name,
            "isDir": True,
            "musicBrainzId": str(row.mbid) if row.mbid else "",
        }
    )


def artist(row: Artist) -> dict:
    """An ArtistID3: the artist and their number of albums (its picture is an album cover's)."""
    return present(
        {
            "id": str(row.pk),
            "name": row.name,
            "coverArt": f"ar-{row.pk}",
            "albumCount": row.album_count,
            "sortName": row.sort_name or None,
            "musicBrainzId": str(row.mbid) if row.mbid else "",
        }
    )


def playlist(row, *, owner_name: str, read_only: bool) -> dict:
    """A Playlist: its uid, name, description, owner, visibility, length and a cover."""
    return present(
        {
            "id": str(row.uid),
            "name": row.name,
            "comment": row.description or None,
            "owner": owner_name,
            "public": row.is_public,
            "songCount": row.track_count,
            "duration": round(row.duration_ms / 1000),
            "created": timestamp(row.created_at),
            "changed": timestamp(row.updated_at),
            "coverArt": album_cover_id(row.cover_album_id),
            "readonly": read_only,
        }
    )
