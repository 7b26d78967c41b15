"""Personal shelves on the home page ("Recently played", "Made for you", ...), filled by later apps.

The home page lives in catalog, which must not import the apps built on it (listening, recommend).
Those apps register a provider instead, from their ``AppConfig.ready()``::

    from catalog import shelves

    @shelves.register("recently-played", order=10)
    def recently_played(user) -> shelves.Shelf | None:
        ...

A provider runs a fixed number of queries, and returns None (or an empty shelf) to stay hidden.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .models import Album, Track


@dataclass(frozen=True)
class Shelf:
    """A titled row on the home page: album cards, or a list of tracks."""

    key: str
    title: str
    subtitle: str = ""
    albums: Sequence[Album] = field(default_factory=tuple)
    tracks: Sequence[Track] = field(default_factory=tuple)
    # Where "Show all" leads, if anywhere.
    url: str = ""

    def __bool__(self) -> bool:
        return bool(self.albums or self.tracks)


Provider = Callable[..., "Shelf | Sequence[Shelf] | None"]
_providers: dict[str, tuple[int, Provider]] = {}


def register(key: str, *, order: int = 100) -> Callable[[Provider], Provider]:
    """Register a shelf provider under a unique key; lower `order` comes first on the page."""

    def decorator(provider: Provider) -> Provider:
        _providers[key] = (order, provider)
        return provider

    return decorator


def unregister(key: str) -> None:
    """Remove a provider (tests use this to clean up)."""
    _providers.pop(key, None)


def shelves_for(user) -> list[Shelf]:
    """Return the non-empty shelves of every registered provider for a logged-in user, in order."""
    found: list[Shelf] = []
    for _order, provider in sorted(_providers.values(), key=lambda item: item[0]):
        result = provider(user)
        if result is None:
            continue
        found.extend(shelf for shelf in ([result] if isinstance(result, Shelf) else result) if shelf)
    return found
