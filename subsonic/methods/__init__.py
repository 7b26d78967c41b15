"""The Subsonic methods, registered by name: each parses its parameters, calls one selector or
service and returns a payload (or, for media, an HTTP response). Importing this package registers
them all."""

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest

from catalog.models import Track
from listening import selectors as listening_selectors

from .. import selectors, shapes
from ..protocol import Params, not_found


@dataclass(frozen=True)
class Call:
    request: HttpRequest
    params: Params
    user: object  # None for the methods that need no credentials


@dataclass(frozen=True)
class Method:
    name: str
    handler: Callable[[Call], object]
    needs_user: bool


REGISTRY: dict[str, Method] = {}


def method(name: str, *, needs_user: bool = True):
    """Register a handler under a Subsonic method name (looked up case-insensitively)."""

    def register(handler):
        REGISTRY[name.lower()] = Method(name=name, handler=handler, needs_user=needs_user)
        return handler

    return register


def liked(user) -> dict[str, dict]:
    """When the listener liked each track, album and artist (the cached like times: 0 queries when warm,
    else 1), for shapes.starred."""
    return listening_selectors.liked_times(user=user)


def song_entries(user, entries: list[dict]) -> list[dict]:
    return shapes.starred(entries, liked(user)["track"])


def one_song(params: Params, name: str = "id") -> Track:
    pk = params.integer(name, required=True, low=1, high=2**62)
    track = selectors.song(pk=pk)
    if track is None:
        raise not_found("Song")
    return track


from . import browsing, folders, library, media, system  # noqa: E402,F401 (registers the methods)
