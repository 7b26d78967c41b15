"""Personal shelves on the home page ("Recently played", "Made for you", ...), filled by later apps.

The home page lives in catalog, which must not import the apps built on it (listening, recommend).
Those apps register a provider instead, from their ``AppConfig.ready()``::

    from catalog import shelves

    @shelves.register("recently-played", order=10)
    def recently_played(user) -> shelves.Shelf | None:
        ...

A provider runs a fixed number of queries, and returns None (or an empty shelf) to stay hidden.

The shelves are kept as HTML per listener (catalog.pages.home_shelves_part) until the catalog or a
registered version changes: an app whose shelves change with what the listener does registers a
function of the user that returns a version it replaces on each such change::

    shelves.register_version("listener", lambda user: selectors.listener_version(user_id=user.pk))

Catalog pages take sections the same way ("Fans also like" on an artist's page, "Similar tracks" on a
track's): ``register_section("artist", key, order=...)`` with a provider ``(user, artist) -> Shelf``;
the page's template shows them with ``{% page_shelves "artist" artist as sections %}``.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .models import Album, Artist, Track


@dataclass(frozen=True)
class Shelf:
    """A titled row on a page: album or artist cards, a list of tracks, or a provider's own partial."""

    key: str
    title: str
    subtitle: str = ""
    albums: Sequence[Album] = field(default_factory=tuple)
    tracks: Sequence[Track] = field(default_factory=tuple)
    artists: Sequence[Artist] = field(default_factory=tuple)
    # Where "Show all" leads, if anywhere.
    url: str = ""
    # A template that renders the whole shelf (e.g. a call to action); it gets `shelf` in its context.
    template: str = ""

    def __bool__(self) -> bool:
        return bool(self.albums or self.tracks or self.artists or self.template)


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


_versions: dict[str, Callable[..., str]] = {}


def register_version(key: str, version: Callable[..., str]) -> None:
    """Register a function of the user whose value changes whenever a provider's shelves may change."""
    _versions[key] = version


def versions_for(user) -> str:
    """Return the registered versions for a user, joined: the home shelves are kept under them."""
    return ":".join(f"{key}={version(user)}" for key, version in sorted(_versions.items()))


_section_providers: dict[str, dict[str, tuple[int, Provider]]] = {}


def register_section(page: str, key: str, *, order: int = 100) -> Callable[[Provider], Provider]:
    """Register a provider of sections for a catalog page ("artist", "track"): provider(user, obj)."""

    def decorator(provider: Provider) -> Provider:
        _section_providers.setdefault(page, {})[key] = (order, provider)
        return provider

    return decorator


def sections_for(page: str, user, obj) -> list[Shelf]:
    """Return the non-empty sections every provider registered for `page` gives for `obj`, in order."""
    found: list[Shelf] = []
    providers = _section_providers.get(page, {}).values()
    for _order, provider in sorted(providers, key=lambda item: item[0]):
        result = provider(user, obj)
        if result is None:
            continue
        found.extend(shelf for shelf in ([result] if isinstance(result, Shelf) else result) if shelf)
    return found


def shelves_for(user) -> list[Shelf]:
    """Return the non-empty shelves of every registered provider for a logged-in user, in order."""
    found: list[Shelf] = []
    for _order, provider in sorted(_providers.values(), key=lambda item: item[0]):
        result = provider(user)
        if result is None:
            continue
        found.extend(shelf for shelf in ([result] if isinstance(result, Shelf) else result) if shelf)
    return found
