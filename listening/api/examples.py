"""Examples of the listening API's requests and answers for the schema: likes, the player, playlists.

They follow the demo listener `demo` through Ada Stone's album Night Drives (catalog.api.examples) and
the playlist "Road trip" they share with `ines`.
"""

from drf_spectacular.utils import OpenApiExample

from catalog.api.examples import (
    BLUE_MOONLIGHT,
    HEADLIGHTS,
    NEON_HARBOUR,
    NIGHT_DRIVES_TRACKS,
    PAPER_LANTERNS,
    STATIC_HEARTS,
)


def _request(name: str, value: dict) -> OpenApiExample:
    return OpenApiExample(name, value=value, request_only=True)


def _answer(name: str, value: dict, status: str = "200") -> OpenApiExample:
    return OpenApiExample(name, value=value, response_only=True, status_codes=[status])


def _invalid(name: str, value: dict) -> OpenApiExample:
    return _answer(name, value, "400")


def _not_found(name: str, detail: str) -> OpenApiExample:
    return _answer(name, {"detail": detail}, "404")


# ------------------------------------------------------------------------------ likes
NO_SUCH_TRACK = _not_found("No such track", "No Track matches the given query.")
NOT_LIKEABLE = _not_found("Not a kind of like", "Likes are for track, album or artist.")
LIKE_GET = [
    _answer("A liked track", {"kind": "track", "id": 412, "liked": True}),
    NO_SUCH_TRACK,
    NOT_LIKEABLE,
]
LIKE_PUT = [
    _answer("An album liked", {"kind": "album", "id": 57, "liked": True}),
    _not_found("No such album", "No Album matches the given query."),
    NOT_LIKEABLE,
]
LIKE_DELETE = [
    _answer("An album no longer liked", {"kind": "album", "id": 57, "liked": False}),
    _not_found("No such album", "No Album matches the given query."),
    NOT_LIKEABLE,
]

# ------------------------------------------------------------------------------ player
PLAY_ID = "0b7e9a52-5c1d-4f3e-8a26-9d4c7e1f0a38"
PLAY_REPORT = [
    _request(
        "Playback started",
        {
            "play_id": PLAY_ID, "track_id": 412, "event": "start", "played_ms": 0, "position_ms": 0,
            "started_at": "2026-03-14T21:07:33Z", "context_type": "album", "context_id": "57",
            "time_to_first_audio_ms": 180, "quality": "normal", "format": "opus",
        },
    ),
    _request(
        "Played to the end",
        {
            "play_id": PLAY_ID,
            "track_id": 412,
            "event": "end",
            "played_ms": 213_800,
            "position_ms": 215_000,
            "context_type": "album",
            "context_id": "57",
            "stall_count": 1,
            "stall_ms": 420,
        },
    ),
    _answer("Started", {"play_id": PLAY_ID, "ms_played": 0, "skipped": None, "listen_recorded": False}),
    _answer(
        "Ended, the listen recorded",
        {"play_id": PLAY_ID, "ms_played": 213_800, "skipped": False, "listen_recorded": True},
    ),
    _invalid(
        "Invalid fields",
        {"play_id": ["Must be a valid UUID."], "event": ['"rewind" is not a valid choice.']},
    ),
    _not_found("No such track", "No Track matches the given query."),
]

STREAM_INFO = [
    _answer(
        "A FLAC file at Normal quality, as Opus",
        {
            "quality": "normal", "format": "opus", "bitrate_kbps": 128, "mime_type": "audio/ogg",
            "transcoded": True, "url": "/stream/412/?quality=normal&format=opus",
            "original": {"format": "flac", "bitrate_kbps": 912},
        },
    ),
    _answer(
        "An MP3 of 128 kbps at High quality: the original",
        {
            "quality": "high", "format": "mp3", "bitrate_kbps": 128, "mime_type": "audio/mpeg",
            "transcoded": False, "url": "/stream/413/?quality=high",
            "original": {"format": "mp3", "bitrate_kbps": 128},
        },
    ),
    _invalid(
        "Unknown quality", {"quality": ["Unknown quality 'best'; allowed: low, normal, high, original."]}
    ),
    NO_SUCH_TRACK,
]

PLAYER_STATE_VALUE = {
    "queue": [track["id"] for track in NIGHT_DRIVES_TRACKS],
    "tracks": NIGHT_DRIVES_TRACKS,
    "current_index": 2,
    "position_ms": 61_500,
    "shuffle": False,
    "repeat": "off",
    "volume": 0.8,
    "context_type": "album",
    "context_id": "57",
    "version": 7,
    "updated_at": "2026-03-14T21:08:35Z",
}
PLAYER_STATE_GET = [
    _answer("Playing the third track of an album", PLAYER_STATE_VALUE),
    _answer(
        "Nothing saved yet",
        {
            "queue": [],
            "tracks": [],
            "current_index": 0,
            "position_ms": 0,
            "shuffle": False,
            "repeat": "off",
            "volume": 1.0,
            "context_type": "",
            "context_id": "",
            "version": 0,
            "updated_at": None,
        },
    ),
]
PLAYER_STATE_PUT = [
    _request(
        "Playing the third track of an album",
        {
            "queue": [410, 411, 412, 413],
            "current_index": 2,
            "position_ms": 61_500,
            "shuffle": False,
            "repeat": "off",
            "volume": 0.8,
            "context_type": "album",
            "context_id": "57",
            "version": 7,
        },
    ),
    _answer("Saved", {**PLAYER_STATE_VALUE, "version": 8, "updated_at": "2026-03-14T21:09:36Z"}),
    _invalid("Invalid fields", {"current_index": ["current_index must point into the queue."]}),
    _answer(
        "Changed on another device",
        {
            "version": ["The queue changed on another device; reload it."],
            "state": {
                **PLAYER_STATE_VALUE,
                "version": 8,
                "position_ms": 12_000,
                "current_index": 3,
                "updated_at": "2026-03-14T21:09:20Z",
            },
        },
        "409",
    ),
]
PLAYER_CONTEXT = [
    _answer("An album", {"context_type": "album", "context_id": "57", "tracks": NIGHT_DRIVES_TRACKS}),
    _answer("Track ids", {"context_type": "", "context_id": "", "tracks": [BLUE_MOONLIGHT, PAPER_LANTERNS]}),
    _invalid("Invalid track ids", {"ids": ["Track ids are whole numbers separated by commas."]}),
]

# ------------------------------------------------------------------------------ playlists
PLAYLIST_UID = "6f1c2b9e-3d4a-4e8b-9a51-2c7d0f8e4b13"
PLAYLIST_SUMMARY = {
    "uid": PLAYLIST_UID,
    "name": "Road trip",
    "description": "For the coast road, windows down.",
    "is_public": False,
    "kind": "user",
    "owner": "demo",
    "track_count": 3,
    "url": f"/playlists/{PLAYLIST_UID}/",
    "updated_at": "2026-03-14T20:41:12Z",
}
# The playlist's entries, by item_id: the track, who added it and when.
ENTRIES = {
    9001: (BLUE_MOONLIGHT, "demo", "2026-03-12T18:21:05Z"),
    9002: (PAPER_LANTERNS, "ines", "2026-03-13T09:02:47Z"),
    9003: (HEADLIGHTS, "demo", "2026-03-14T20:41:12Z"),
    9004: (STATIC_HEARTS, "demo", "2026-03-14T21:15:02Z"),
    9005: (NEON_HARBOUR, "demo", "2026-03-14T21:15:02Z"),
}
EDITED_AT = "2026-03-14T21:15:02Z"


def _playlist(item_ids=(9001, 9002, 9003), **fields) -> dict:
    """Return the playlist "Road trip" as the API shows it, with these entries in order, and changes."""
    items = [
        {"item_id": item_id, "position": position, "track": track, "added_by": added_by, "added_at": added_at}
        for position, item_id in enumerate(item_ids)
        for track, added_by, added_at in [ENTRIES[item_id]]
    ]
    return {
        **PLAYLIST_SUMMARY,
        "track_count": len(items),
        "collaborators": ["ines"],
        "can_edit": True,
        "items": items,
        "items_next": None,
        **fields,
    }


def _new_playlist(uid: str, name: str, tracks: list[dict], first_item_id: int, at: str, **fields) -> dict:
    """Return a playlist just made by demo (created or copied): private, theirs alone."""
    return {
        **PLAYLIST_SUMMARY,
        "uid": uid,
        "name": name,
        "url": f"/playlists/{uid}/",
        "track_count": len(tracks),
        "updated_at": at,
        "collaborators": [],
        "can_edit": True,
        "items": [
            {
                "item_id": first_item_id + position,
                "position": position,
                "track": track,
                "added_by": "demo",
                "added_at": at,
            }
            for position, track in enumerate(tracks)
        ],
        "items_next": None,
        **fields,
    }


PLAYLIST = _playlist()
NO_SUCH_PLAYLIST = _not_found("No such playlist", "No such playlist.")
OWNER_ONLY = _answer("Not the owner", {"detail": "Only the owner can do this."}, "403")
EDITORS_ONLY = _answer(
    "Not an editor", {"detail": "Only the owner and collaborators can change this playlist."}, "403"
)

PLAYLIST_LIST = [
    _answer("Your playlist", PLAYLIST_SUMMARY),
    _answer(
        "A playlist shared with you",
        {
            **PLAYLIST_SUMMARY,
            "uid": "9a4e0c7b-1f62-4d8a-b3c5-e28d6f91a047",
            "name": "Sunday records",
            "description": "",
            "is_public": True,
            "owner": "ines",
            "track_count": 24,
            "url": "/playlists/9a4e0c7b-1f62-4d8a-b3c5-e28d6f91a047/",
            "updated_at": "2026-03-08T10:15:40Z",
        },
    ),
]
PLAYLIST_CREATE = [
    _request(
        "A playlist with two tracks",
        {"name": "Road trip", "description": "", "is_public": False, "track_ids": [412, 415]},
    ),
    _answer(
        "Created",
        _new_playlist(
            PLAYLIST_UID,
            "Road trip",
            [BLUE_MOONLIGHT, PAPER_LANTERNS],
            9001,
            "2026-03-12T18:21:05Z",
            description="",
        ),
        "201",
    ),
    _invalid("Unknown tracks", {"track_ids": ["Unknown track ids: 999."]}),
]
PLAYLIST_GET = [
    _answer("A playlist", PLAYLIST),
    _answer(
        "A long playlist (its first page)",
        _playlist(
            track_count=1204,
            items_next=f"https://music.example.org/api/v1/playlists/{PLAYLIST_UID}/tracks/?page=2",
        ),
    ),
    NO_SUCH_PLAYLIST,
]
PLAYLIST_TRACKS_GET = [
    _answer("An entry of a long playlist", _playlist()["items"][1]),
    NO_SUCH_PLAYLIST,
]
PLAYLIST_PATCH = [
    _request("Rename and share", {"name": "Coast road", "is_public": True}),
    _answer("Renamed and shared", _playlist(name="Coast road", is_public=True, updated_at=EDITED_AT)),
    _invalid("Invalid fields", {"name": ["This field may not be blank."]}),
    OWNER_ONLY,
    NO_SUCH_PLAYLIST,
]
PLAYLIST_DELETE = [OWNER_ONLY, NO_SUCH_PLAYLIST]
PLAYLIST_ADD = [
    _request("Two tracks after the first entry", {"track_ids": [411, 413], "position": 1}),
    _answer("Added", _playlist((9001, 9004, 9005, 9002, 9003), updated_at=EDITED_AT)),
    _invalid("Unknown tracks", {"track_ids": ["Unknown track ids: 999."]}),
    EDITORS_ONLY,
    NO_SUCH_PLAYLIST,
]
PLAYLIST_ITEM_DELETE = [
    _answer("Removed", _playlist((9001, 9003), updated_at=EDITED_AT)),
    _invalid("Not an entry of the playlist", {"item_id": ["This entry is not in the playlist."]}),
    EDITORS_ONLY,
    NO_SUCH_PLAYLIST,
]
PLAYLIST_ORDER_PUT = [
    _request("A new order", {"item_ids": [9003, 9001, 9002]}),
    _answer("Reordered", _playlist((9003, 9001, 9002), updated_at=EDITED_AT)),
    _invalid("An entry twice", {"item_ids": ["Each entry may appear once."]}),
    EDITORS_ONLY,
    NO_SUCH_PLAYLIST,
]
PLAYLIST_ORDER_POST = [
    _request("Move the last entry to the top", {"item_id": 9003, "to_index": 0}),
    _answer("Moved", _playlist((9003, 9001, 9002), updated_at=EDITED_AT)),
    _invalid("Not an entry of the playlist", {"item_id": ["This entry is not in the playlist."]}),
    EDITORS_ONLY,
    NO_SUCH_PLAYLIST,
]
PLAYLIST_DUPLICATE = [
    _answer(
        "Your copy",
        _new_playlist(
            "c2d87f10-9b3e-4a6d-b5f4-07e1a9c3d562",
            "Road trip (copy)",
            [ENTRIES[item_id][0] for item_id in (9001, 9002, 9003)],
            9006,
            EDITED_AT,
        ),
        "201",
    ),
    NO_SUCH_PLAYLIST,
]
PLAYLIST_COLLABORATOR_ADD = [
    _request("Invite a user", {"username": "tariq"}),
    _answer("Invited", _playlist(collaborators=["ines", "tariq"])),
    _invalid("No such user", {"username": ["There is no user called 'tariq'."]}),
    OWNER_ONLY,
    NO_SUCH_PLAYLIST,
]
PLAYLIST_COLLABORATOR_REMOVE = [
    _answer("Removed by the owner", _playlist(collaborators=[])),
    _invalid("No such user", {"username": ["There is no user called 'tariq'."]}),
    OWNER_ONLY,
    NO_SUCH_PLAYLIST,
]
