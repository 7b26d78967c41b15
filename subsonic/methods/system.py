"""System methods: ping, the licence, the extensions, the user, the music folder and the library scan."""

from django.core.exceptions import ValidationError

from .. import selectors, services, shapes
from ..protocol import GENERIC, NOT_AUTHORISED, SubsonicError
from . import Call, method

EXTENSIONS = [
    {"name": "formPost", "versions": [1]},
    {"name": "apiKeyAuthentication", "versions": [1]},
    # stream's timeOffset (seconds) starts a transcode there (docs/streaming.md).
    {"name": "transcodeOffset", "versions": [1]},
]


@method("ping")
def ping(call: Call) -> dict:
    return {}


@method("getLicense")
def get_license(call: Call) -> dict:
    return {"license": {"valid": True}}


@method("getOpenSubsonicExtensions", needs_user=False)
def get_open_subsonic_extensions(call: Call) -> dict:
    return {"openSubsonicExtensions": EXTENSIONS}


@method("tokenInfo")
def token_info(call: Call) -> dict:
    return {"tokenInfo": {"username": call.user.get_username()}}


@method("getMusicFolders")
def get_music_folders(call: Call) -> dict:
    return {"musicFolders": {"musicFolder": [{"id": shapes.MUSIC_FOLDER_ID, "name": "Music"}]}}


@method("getUser")
def get_user(call: Call) -> dict:
    """The listener's own account (another's is refused: nobody reads another's account)."""
    username = call.params.text("username", max_length=150) or call.user.get_username()
    if username != call.user.get_username():
        raise SubsonicError(NOT_AUTHORISED, "You may only read your own account.")
    user = call.user
    roles = {
        "scrobblingEnabled": True,
        "adminRole": user.is_staff,
        "settingsRole": True,
        "downloadRole": True,
        "uploadRole": False,
        "playlistRole": True,
        "coverArtRole": False,
        "commentRole": False,
        "podcastRole": False,
        "streamRole": True,
        "jukeboxRole": False,
        "shareRole": False,
        "videoConversionRole": False,
    }
    return {
        "user": {
            "username": username,
            "email": user.email,
            **roles,
            "folder": [shapes.MUSIC_FOLDER_ID],
        }
    }


def _scan_status(library_import) -> dict:
    running = library_import is not None and library_import.status in ("pending", "running")
    count = library_import.files_seen if library_import is not None else 0
    return {"scanStatus": {"scanning": running, "count": count}}


def _staff(call: Call) -> None:
    if not call.user.is_staff:
        raise SubsonicError(NOT_AUTHORISED, "Only staff may scan the library.")


@method("getScanStatus")
def get_scan_status(call: Call) -> dict:
    _staff(call)
    return _scan_status(selectors.latest_import())


@method("startScan")
def start_scan(call: Call) -> dict:
    _staff(call)
    try:
        library_import = services.scan_start(user=call.user)
    except ValidationError as error:
        raise SubsonicError(GENERIC, " ".join(error.messages)) from None
    return _scan_status(library_import)
