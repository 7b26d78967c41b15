"""Browsing by ID3 tags: the artist index, artists, albums, songs, genres, album lists, search, and
what the recommender finds alike."""

import unicodedata

from .. import selectors, shapes
from ..protocol import Params, malformed, missing, not_found
from . import Call, liked, method, one_song, song_entries

IGNORED_ARTICLES = ("The", "A", "An", "El", "La", "Le", "Les", "Los", "Las")
_LARGEST_ID = 2**62


def _index_letter(entry: dict) -> str:
    name = entry.get("sortName") or entry["name"]
    for article in IGNORED_ARTICLES:
        if name.lower().startswith(article.lower() + " "):
            name = name[len(article) + 1 :]
            break
    first = unicodedata.normalize("NFKD", name.strip()[:1])[:1].upper()
    return first if first.isalpha() and first.isascii() else "#"


def _index(user, entries: list[dict], *, id3: bool) -> list[dict]:
    entries = shapes.starred(entries, liked(user)["artist"])
    groups: dict[str, list[dict]] = {}
    for entry in entries:
        shown = entry if id3 else {key: entry[key] for key in ("id", "name", "starred") if key in entry}
        groups.setdefault(_index_letter(entry), []).append(shown)
    return [
        {"name": letter, "artist": groups[letter]} for letter in sorted(groups, key=lambda k: (k == "#", k))
    ]


def _folder(params: Params) -> None:
    folder = params.integer("musicFolderId", low=0, high=_LARGEST_ID)
    if folder is not None and folder != shapes.MUSIC_FOLDER_ID:
        raise not_found("Music folder")


@method("getIndexes")
def get_indexes(call: Call) -> dict:
    _folder(call.params)
    index = selectors.artist_index()
    return {
        "indexes": {
            "ignoredArticles": " ".join(IGNORED_ARTICLES),
            "lastModified": index.last_modified_ms,
            "index": _index(call.user, index.entries, id3=False),
        }
    }


@method("getArtists")
def get_artists(call: Call) -> dict:
    _folder(call.params)
    return {
        "artists": {
            "ignoredArticles": " ".join(IGNORED_ARTICLES),
            "index": _index(call.user, selectors.artist_index().entries, id3=True),
        }
    }


def _album_entries(user, albums: list[dict]) -> list[dict]:
    return shapes.starred(albums, liked(user)["album"])


@method("getArtist")
def get_artist(call: Call) -> dict:
    found = selectors.artist_with_albums(pk=call.params.integer("id", required=True, low=1, high=_LARGEST_ID))
    if found is None:
        raise not_found("Artist")
    artist, albums = found
    (entry,) = shapes.starred([shapes.artist(artist)], liked(call.user)["artist"])
    return {"artist": {**entry, "album": _album_entries(call.user, albums)}}


@method("getAlbum")
def get_album(call: Call) -> dict:
    found = selectors.album_with_songs(pk=call.params.integer("id", required=True, low=1, high=_LARGEST_ID))
    if found is None:
        raise not_found("Album")
    album, songs = found
    times = liked(call.user)
    (entry,) = shapes.starred([album], times["album"])
    return {"album": {**entry, "song": shapes.starred(songs, times["track"])}}


@method("getSong")
def get_song(call: Call) -> dict:
    return {"song": song_entries(call.user, selectors.songs_in_order([one_song(call.params).pk]))[0]}


@method("getGenres")
def get_genres(call: Call) -> dict:
    entries = [
        {"value": genre.name, "songCount": genre.song_count, "albumCount": genre.album_count}
        for genre in selectors.genres()
    ]
    return {"genres": {"genre": entries}}


def _year(params: Params, name: str, *, required: bool = False) -> int | None:
    return params.integer(name, required=required, low=0, high=9999)


def album_list_query(params: Params) -> selectors.AlbumListQuery:
    """Read getAlbumList(2)'s type, size, offset, years and genre."""
    kind = params.text("type", required=True, max_length=40)
    if kind not in selectors.ALBUM_LIST_TYPES:
        raise malformed("type", "must be one of " + ", ".join(selectors.ALBUM_LIST_TYPES))
    query = selectors.AlbumListQuery(
        type=kind,
        size=params.integer("size", default=10, low=0, high=selectors.MAX_LIST_SIZE, clamp=True),
        offset=params.integer("offset", default=0, low=0, high=10**9),
        from_year=_year(params, "fromYear", required=kind == "byYear"),
        to_year=_year(params, "toYear", required=kind == "byYear"),
        genre=params.text("genre", required=kind == "byGenre", max_length=100),
    )
    _folder(params)
    return query


def album_list(call: Call) -> list[dict]:
    """The AlbumID3 entries of a getAlbumList(2) call, starred."""
    return _album_entries(
        call.user, selectors.album_list(user=call.user, query=album_list_query(call.params))
    )


@method("getAlbumList2")
def get_album_list2(call: Call) -> dict:
    return {"albumList2": {"album": album_list(call)}}


@method("getRandomSongs")
def get_random_songs(call: Call) -> dict:
    params = call.params
    _folder(params)
    tracks = selectors.random_songs(
        size=params.integer("size", default=10, low=0, high=selectors.MAX_LIST_SIZE, clamp=True),
        genre=params.text("genre", max_length=100),
        from_year=_year(params, "fromYear"),
        to_year=_year(params, "toYear"),
    )
    return {"randomSongs": {"song": song_entries(call.user, tracks)}}


@method("getSongsByGenre")
def get_songs_by_genre(call: Call) -> dict:
    params = call.params
    _folder(params)
    tracks = selectors.songs_by_genre(
        genre=params.text("genre", required=True, max_length=100),
        count=params.integer("count", default=10, low=0, high=selectors.MAX_LIST_SIZE, clamp=True),
        offset=params.integer("offset", default=0, low=0, high=10**9),
    )
    return {"songsByGenre": {"song": song_entries(call.user, tracks)}}


def _search_query(params: Params) -> str:
    query = params.text("query", max_length=200)
    if query is None:
        raise missing("query")
    # Several clients ask for everything with the two characters "" (Symfonium) or a lone *.
    return "" if query.strip() in ('""', "*", "") else query.strip()


def search(call: Call) -> selectors.Found:
    """The search3 / search2 results of a call, starred."""
    params = call.params
    _folder(params)

    def count(name: str) -> int:
        return params.integer(name, default=20, low=0, high=selectors.MAX_LIST_SIZE, clamp=True)

    def offset(name: str) -> int:
        return params.integer(name, default=0, low=0, high=10**9)

    page = selectors.SearchPage(
        artist_count=count("artistCount"),
        artist_offset=offset("artistOffset"),
        album_count=count("albumCount"),
        album_offset=offset("albumOffset"),
        song_count=count("songCount"),
        song_offset=offset("songOffset"),
    )
    found = selectors.search(query=_search_query(params), page=page)
    times = liked(call.user)
    return selectors.Found(
        artists=shapes.starred(found.artists, times["artist"]),
        albums=shapes.starred(found.albums, times["album"]),
        songs=shapes.starred(found.songs, times["track"]),
    )


@method("search3")
def search3(call: Call) -> dict:
    found = search(call)
    return {"searchResult3": {"artist": found.artists, "album": found.albums, "song": found.songs}}


@method("getSimilarSongs2")
def get_similar_songs2(call: Call) -> dict:
    track = one_song(call.params)
    count = call.params.integer("count", default=50, low=0, high=selectors.MAX_LIST_SIZE, clamp=True)
    return {
        "similarSongs2": {"song": song_entries(call.user, selectors.similar_songs(track=track, count=count))}
    }


@method("getTopSongs")
def get_top_songs(call: Call) -> dict:
    name = call.params.text("artist", required=True, max_length=255)
    count = call.params.integer("count", default=50, low=0, high=selectors.MAX_LIST_SIZE, clamp=True)
    return {"topSongs": {"song": song_entries(call.user, selectors.top_songs(artist_name=name, count=count))}}


@method("getArtistInfo2")
def get_artist_info2(call: Call) -> dict:
    found = selectors.artist_with_albums(pk=call.params.integer("id", required=True, low=1, high=_LARGEST_ID))
    if found is None:
        raise not_found("Artist")
    count = call.params.integer("count", default=20, low=0, high=100, clamp=True)
    similar = selectors.similar_artists(artist=found[0], count=count)
    return {"artistInfo2": {"similarArtist": shapes.starred(similar, liked(call.user)["artist"])}}


@method("getAlbumInfo2")
def get_album_info2(call: Call) -> dict:
    found = selectors.album_with_songs(pk=call.params.integer("id", required=True, low=1, high=_LARGEST_ID))
    if found is None:
        raise not_found("Album")
    album = found[0]
    return {"albumInfo": {"musicBrainzId": album["musicBrainzId"]}}
