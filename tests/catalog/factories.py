"""Small builders for catalog rows in tests (plain functions: no factory library needed).

Each one tells the catalog it changed (as the importer and the admin do), so pages read after it
show the new rows rather than what the cache of catalog reads held.
"""
import hashlib
import itertools

from catalog.models import Album, Artist, AudioFile, Genre, Track
from catalog.normalize import name_key
from catalog.selectors import catalog_changed

_counter = itertools.count(1)


def make_genre(name: str | None = None) -> Genre:
    name = name or f"Genre {next(_counter)}"
    genre = Genre.objects.create(name=name, slug=Genre.slug_for(name))
    catalog_changed()
    return genre


def make_artist(name: str | None = None, **fields) -> Artist:
    name = name or f"Artist {next(_counter)}"
    artist = Artist.objects.create(name=name, name_key=name_key(name), **fields)
    catalog_changed()
    return artist


def make_album(title: str | None = None, artist: Artist | None = None, **fields) -> Album:
    title = title or f"Album {next(_counter)}"
    artist = artist or make_artist()
    album = Album.objects.create(title=title, title_key=name_key(title), artist=artist, **fields)
    catalog_changed()
    return album


def make_audio_file(path: str | None = None, **fields) -> AudioFile:
    path = path or f"/music/file-{next(_counter)}.mp3"
    defaults = {
        "format": AudioFile.Format.MP3, "mime_type": "audio/mpeg", "duration_ms": 200_000,
        "size": 1000, "checksum": hashlib.sha256(path.encode()).hexdigest(),
    }
    defaults.update(fields)
    return AudioFile.objects.create(path=path, **defaults)


def make_track(title: str | None = None, album: Album | None = None, genres=(), **fields) -> Track:
    title = title or f"Track {next(_counter)}"
    album = album or make_album()
    fields.setdefault("artist", album.artist)
    fields.setdefault("duration_ms", 200_000)
    track = Track.objects.create(title=title, title_key=name_key(title), album=album, **fields)
    if genres:
        track.genres.set(genres)
    catalog_changed()
    return track
