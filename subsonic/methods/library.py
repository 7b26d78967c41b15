"""The listener's own: scrobbles and now playing, stars, playlists and the play queue."""

import uuid

from django.http import Http404

from catalog.models import Album, Artist, Track
from listening.models import Playlist

from .. import selectors, services, shapes
from ..protocol import NOT_AUTHORISED, Params, SubsonicError, malformed, missing, not_found
from . import Call, liked, method, song_entries

_LARGEST_ID = 2**62
MAX_IDS = 2000


def _ids(params: Params, name: str) -> list[int]:
    ids = params.integers(name, low=1, high=_LARGEST_ID)
    if len(ids) > MAX_IDS:
        raise malformed(name, f"is repeated more than {MAX_IDS} times")
    return ids


def _rows(model, ids: list[int], what: str, *, playable: bool = False) -> list:
    """Return the rows of these ids in order (1 query), or raise 70 naming what is unknown."""
    found = model.objects.select_related(*(("album", "artist") if model is Track else ())).in_bulk(ids)
    if playable:
        found = {pk: row for pk, row in found.items() if row.is_available}
    if any(pk not in found for pk in ids):
        raise not_found(what)
    return [found[pk] for pk in ids]


@method("scrobble")
def scrobble(call: Call) -> dict:
    params = call.params
    ids = _ids(params, "id")
    if not ids:
        raise missing("id")
    times = params.integers("time", low=0, high=253_402_300_799_000)
    if times and len(times) != len(ids):
        raise malformed("time", "must be given once per id, or not at all")
    tracks = _rows(Track, ids, "Song")
    services.scrobble(
        user=call.user,
        tracks=tracks,
        times=times or [None] * len(ids),
        submission=params.boolean("submission", default=True),
    )
    return {}


@method("getNowPlaying")
def get_now_playing(call: Call) -> dict:
    playing = selectors.now_playing(user=call.user)
    entries = []
    if playing is not None and playing.track_id:
        track = selectors.songs_in_order([playing.track_id])
        for entry in song_entries(call.user, track):
            entries.append({**entry, "username": call.user.get_username(), "playerId": 0, "minutesAgo": 0})
    return {"nowPlaying": {"entry": entries}}


def _star_targets(params: Params) -> tuple[list, list, list]:
    return (
        _rows(Track, _ids(params, "id"), "Song"),
        _rows(Album, _ids(params, "albumId"), "Album"),
        _rows(Artist, _ids(params, "artistId"), "Artist"),
    )


@method("star")
def star(call: Call) -> dict:
    tracks, albums, artists = _star_targets(call.params)
    services.star(user=call.user, tracks=tracks, albums=albums, artists=artists, starred=True)
    return {}


@method("unstar")
def unstar(call: Call) -> dict:
    tracks, albums, artists = _star_targets(call.params)
    services.star(user=call.user, tracks=tracks, albums=albums, artists=artists, starred=False)
    return {}


@method("getStarred2")
def get_starred2(call: Call) -> dict:
    found = selectors.starred(user=call.user)
    times = liked(call.user)
    return {
        "starred2": {
            "artist": shapes.starred(found.artists, times["artist"]),
            "album": shapes.starred(found.albums, times["album"]),
            "song": shapes.starred(found.songs, times["track"]),
        }
    }


# ------------------------------------------------------------------------------ playlists
def _playlist_entry(call: Call, playlist, *, read_only: bool) -> dict:
    owner = call.user.get_username() if playlist.owner_id == call.user.pk else playlist.owner.get_username()
    return shapes.playlist(playlist, owner_name=owner, read_only=read_only)


@method("getPlaylists")
def get_playlists(call: Call) -> dict:
    username = call.params.text("username", max_length=150)
    if username is not None and username != call.user.get_username():
        raise SubsonicError(NOT_AUTHORISED, "You may only list your own playlists.")
    entries = [
        _playlist_entry(call, playlist, read_only=playlist.kind != Playlist.Kind.USER)
        for playlist in selectors.playlists(user=call.user)
    ]
    return {"playlists": {"playlist": entries}}


def _playlist_uid(params: Params, name: str) -> str:
    uid = params.text(name, required=True, max_length=64)
    try:
        return str(uuid.UUID(uid))
    except ValueError:
        raise not_found("Playlist") from None


def _access(call: Call, name: str = "id"):
    try:
        return selectors.playlist(user=call.user, uid=_playlist_uid(call.params, name))
    except Http404:
        raise not_found("Playlist") from None


def _full_playlist(call: Call, access, tracks) -> dict:
    entry = _playlist_entry(call, access.playlist, read_only=not access.can_edit)
    return {"playlist": {**entry, "entry": song_entries(call.user, tracks)}}


@method("getPlaylist")
def get_playlist(call: Call) -> dict:
    access, tracks = _access(call)
    return _full_playlist(call, access, tracks)


def _editable(call: Call, access) -> Playlist:
    if not access.can_edit:
        raise SubsonicError(NOT_AUTHORISED, "You may not change this playlist.")
    return access.playlist


@method("createPlaylist")
def create_playlist(call: Call) -> dict:
    params = call.params
    tracks = _rows(Track, _ids(params, "songId"), "Song", playable=True)
    if params.has("playlistId"):
        access, _songs = _access(call, "playlistId")
        playlist = services.playlist_replace_songs(
            user=call.user, playlist=_editable(call, access), tracks=tracks
        )
    else:
        name = params.text("name", required=True, max_length=200)
        playlist = services.playlist_create(user=call.user, name=name, tracks=tracks)
    access, songs = selectors.playlist(user=call.user, uid=playlist.uid)
    return _full_playlist(call, access, songs)


@method("updatePlaylist")
def update_playlist(call: Call) -> dict:
    params = call.params
    access, _songs = _access(call, "playlistId")
    change = services.PlaylistChange(
        name=params.text("name", max_length=200),
        comment=params.text("comment", max_length=2000),
        public=params.boolean("public"),
        add=_rows(Track, _ids(params, "songIdToAdd"), "Song", playable=True),
        remove_indexes=params.integers("songIndexToRemove", low=0, high=10**6),
    )
    services.playlist_update(user=call.user, playlist=_editable(call, access), change=change)
    return {}


@method("deletePlaylist")
def delete_playlist(call: Call) -> dict:
    access, _songs = _access(call)
    if not access.is_owner or access.playlist.kind != Playlist.Kind.USER:
        raise SubsonicError(NOT_AUTHORISED, "Only the owner may delete this playlist.")
    services.playlist_delete(user=call.user, playlist=access.playlist)
    return {}


# ------------------------------------------------------------------------------ the play queue
@method("getPlayQueue")
def get_play_queue(call: Call) -> dict:
    state, tracks = selectors.play_queue(user=call.user)
    if not tracks:
        return {}
    index = min(max(state.current_index, 0), len(tracks) - 1)
    queue_ids = state.queue
    current_id = (
        queue_ids[state.current_index] if 0 <= state.current_index < len(queue_ids) else tracks[index].pk
    )
    return {
        "playQueue": {
            "current": str(current_id),
            "position": state.position_ms,
            "username": call.user.get_username(),
            "changed": shapes.timestamp(state.updated_at),
            "changedBy": call.params.text("c", max_length=100) or "streamapp",
            "entry": song_entries(call.user, tracks),
        }
    }


@method("savePlayQueue")
def save_play_queue(call: Call) -> dict:
    params = call.params
    ids = _ids(params, "id")
    _rows(Track, ids, "Song")
    current = params.integer("current", low=1, high=_LARGEST_ID)
    position = params.integer("position", default=0, low=0, high=2**31 - 1)
    services.play_queue_save(user=call.user, track_ids=ids, current=current, position_ms=position)
    return {}
