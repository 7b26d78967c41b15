"""The Subsonic API's entries (Child, AlbumID3, ArtistID3, Playlist...) as payload dicts.

Field names as in docs/protocols.md section 2 and OpenSubsonic; a field with no value is left out
(None). Ids are the catalog's primary keys as strings; cover art ids say what they show: `al-<album>`
and `ar-<artist>`; playlists are their uid.
"""

import datetime as dt
from dataclasses import dataclass, field

from catalog.models import Album, Artist, Track

MUSIC_FOLDER_ID = 1
_SUFFIX_BY_FORMAT = {"ogg": "ogg", "opus": "opus", "m4a": "m4a", "wav": "wav", "mp3": "mp3", "flac": "flac"}


def timestamp(value: dt.datetime | None) -> str | None:
    """Return an ISO 8601 UTC time with milliseconds, as Subsonic servers write them."""
    if value is None:
        return None
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


@dataclass
class Stars:
    """When the listener starred what a response shows, by kind (selectors.starred_times)."""

    songs: dict[int, dt.datetime] = field(default_factory=dict)
    albums: dict[int, dt.datetime] = field(default_factory=dict)
    artists: dict[int, dt.datetime] = field(default_factory=dict)


def album_cover_id(album_id: int | None) -> str | None:
    return f"al-{album_id}" if album_id else None


def _path(track: Track, suffix: str) -> str:
    number = f"{track.track_number:02d} - " if track.track_number else ""
    return f"{track.artist.name}/{track.album.title}/{number}{track.title}.{suffix}".replace("\x00", "")


def song(track: Track, stars: Stars) -> dict:
    """A song (Child): the track, its album and artist, its file's type, size and bit rate."""
    audio = track.audio_file
    suffix = _SUFFIX_BY_FORMAT.get(audio.format, audio.format) if audio else None
    genres = [genre.name for genre in track.genres.all()]
    album = track.album
    return {
        "id": str(track.pk),
        "parent": str(album.pk),
        "isDir": False,
        "title": track.title,
        "album": album.title,
        "artist": track.artist.name,
        "track": track.track_number,
        "year": album.release_year,
        "genre": genres[0] if genres else None,
        "coverArt": album_cover_id(album.pk) if album.cover else None,
        "size": audio.size if audio else None,
        "contentType": audio.mime_type if audio else None,
        "suffix": suffix,
        "duration": track.duration_seconds,
        "bitRate": round(audio.bitrate / 1000) if audio and audio.bitrate else None,
        "path": _path(track, suffix or "mp3"),
        "discNumber": track.disc_number,
        "created": timestamp(track.created_at),
        "starred": timestamp(stars.songs.get(track.pk)),
        "albumId": str(album.pk),
        "artistId": str(track.artist_id),
        "type": "music",
        "mediaType": "song",
        "isVideo": False,
        "musicBrainzId": str(track.mbid) if track.mbid else "",
        "genres": [{"name": name} for name in genres],
    }


def album(row: Album, stars: Stars) -> dict:
    """An AlbumID3: the album with its artist, song count, duration and first genre."""
    return {
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
        "starred": timestamp(stars.albums.get(row.pk)),
        "isDir": True,
        "musicBrainzId": str(row.mbid) if row.mbid else "",
    }


def artist(row: Artist, stars: Stars) -> dict:
    """An ArtistID3: the artist and their number of albums (its picture is an album cover's)."""
    return {
        "id": str(row.pk),
        "name": row.name,
        "coverArt": f"ar-{row.pk}",
        "albumCount": row.album_count,
        "starred": timestamp(stars.artists.get(row.pk)),
        "sortName": row.sort_name or None,
        "musicBrainzId": str(row.mbid) if row.mbid else "",
    }


def playlist(row, *, owner_name: str, read_only: bool) -> dict:
    """A Playlist: its uid, name, description, owner, visibility, length and a cover."""
    return {
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
