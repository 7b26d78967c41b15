"""Browsing by folders, for the clients that don't browse by tags (the DSub family by default):
getMusicDirectory, getAlbumList, search2 and getStarred, over the same reads as their ID3 twins.

The folders are the artists (the ids getIndexes lists) and their albums, `al-<album>` (the id a song's
`parent` names); an album appears as a Child with `isDir` true.
"""

from .. import selectors, shapes
from ..protocol import not_found
from . import Call, liked, method
from .browsing import album_list, search

_LARGEST_ID = 2**62


def _album_child(entry: dict) -> dict:
    """An AlbumID3 entry as a folder (Child): `al-<album>` under its artist."""
    child = {
        key: entry[key]
        for key in ("coverArt", "year", "genre", "created", "starred", "songCount", "duration", "artist")
        if key in entry
    }
    return {
        "id": f"al-{entry['id']}",
        "parent": entry["artistId"],
        "isDir": True,
        "title": entry["name"],
        "album": entry["name"],
        **child,
    }


def _artist_folder(entry: dict) -> dict:
    return {key: entry[key] for key in ("id", "name", "starred") if key in entry}


def _folder_id(value: str | None) -> tuple[str, int]:
    """Return ("album" | "artist", pk) for a folder id, or raise 70."""
    if value is None:
        raise not_found("Directory")
    kind, number = ("album", value[3:]) if value.startswith("al-") else ("artist", value)
    if not number.isascii() or not number.isdigit() or not 0 < len(number) <= 18:
        raise not_found("Directory")
    return kind, int(number)


@method("getMusicDirectory")
def get_music_directory(call: Call) -> dict:
    kind, pk = _folder_id(call.params.text("id", required=True, max_length=40))
    times = liked(call.user)
    if kind == "album":
        found = selectors.album_with_songs(pk=pk)
        if found is None:
            raise not_found("Directory")
        album, songs = found
        (album,) = shapes.starred([album], times["album"])
        return {
            "directory": shapes.present(
                {
                    "id": f"al-{pk}",
                    "parent": album["artistId"],
                    "name": album["name"],
                    "starred": album.get("starred"),
                    "child": shapes.starred(songs, times["track"]),
                }
            )
        }
    found = selectors.artist_with_albums(pk=pk)
    if found is None:
        raise not_found("Directory")
    artist, albums = found
    (entry,) = shapes.starred([shapes.artist(artist)], times["artist"])
    children = [_album_child(album) for album in shapes.starred(albums, times["album"])]
    return {
        "directory": shapes.present(
            {"id": str(pk), "name": entry["name"], "starred": entry.get("starred"), "child": children}
        )
    }


@method("getAlbumList")
def get_album_list(call: Call) -> dict:
    return {"albumList": {"album": [_album_child(entry) for entry in album_list(call)]}}


@method("search2")
def search2(call: Call) -> dict:
    found = search(call)
    return {
        "searchResult2": {
            "artist": [_artist_folder(entry) for entry in found.artists],
            "album": [_album_child(entry) for entry in found.albums],
            "song": found.songs,
        }
    }


@method("getStarred")
def get_starred(call: Call) -> dict:
    found = selectors.starred(user=call.user)
    times = liked(call.user)
    return {
        "starred": {
            "artist": [_artist_folder(entry) for entry in shapes.starred(found.artists, times["artist"])],
            "album": [_album_child(entry) for entry in shapes.starred(found.albums, times["album"])],
            "song": shapes.starred(found.songs, times["track"]),
        }
    }
