"""Template context for every page: the web player's settings (base.html's #player and its menu)."""

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .models import CROSSFADE_MAX_SECONDS, LOUDNESS_TARGET_LUFS, LoudnessTarget, StreamQuality, User


def _player_settings(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    signed_in = isinstance(user, User)
    return {
        "qualities": StreamQuality.choices,
        "loudness_targets": [
            (value, label, LOUDNESS_TARGET_LUFS[value]) for value, label in LoudnessTarget.choices
        ],
        "crossfade_range": range(1, CROSSFADE_MAX_SECONDS + 1),
        "quality": user.stream_quality if signed_in else StreamQuality.AUTO,
        "loudness": user.loudness_target if signed_in else LoudnessTarget.NORMAL,
        "crossfade": user.crossfade_seconds if signed_in else 0,
    }


def player_settings(request: HttpRequest) -> dict:
    """The choices of the player's settings menu and the account's defaults, read only by a page that
    shows the player (the user comes from the user cache: no query)."""
    return {"player_settings": SimpleLazyObject(lambda: _player_settings(request))}
