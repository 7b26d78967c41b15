"""The recommender's shelves: on the home page (made for you, "Because you listened to …", or the
call to pick a few genres and artists), and sections on artist and track pages (similar artists and
tracks). Registered in RecommendConfig.ready(); each runs a fixed number of queries.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.urls import reverse

from catalog import shelves
from listening.models import Playlist

from . import selectors

HOME_BECAUSE_SHELVES = 3
HOME_BECAUSE_TRACKS = 5
SIMILAR_ARTISTS_ON_PAGE = 6


@dataclass(frozen=True)
class MixShelf(shelves.Shelf):
    """A row of generated playlists (Discover, Daily Mixes)."""

    playlists: Sequence[Playlist] = field(default_factory=tuple)

    def __bool__(self) -> bool:
        return bool(self.playlists)


def home(user) -> list[shelves.Shelf]:
    """Return the home page's recommendation shelves (≤ 7 queries).

    Mixes and "Because you listened to X" shelves when the nightly run (or the picker) made some;
    else, for a listener with no history and no picks, a call to pick a few genres and artists.
    """
    mixes = selectors.user_mixes(user=user)
    because = selectors.because_you_listened(
        user=user, shelves=HOME_BECAUSE_SHELVES, per_shelf=HOME_BECAUSE_TRACKS
    )
    made_for_you = reverse("recommend:made-for-you")
    if not mixes and not because:
        if selectors.needs_taste_picks(user=user):
            return [
                shelves.Shelf(
                    key="taste-picker",
                    title="Tell us what you like",
                    url=reverse("recommend:taste-picker"),
                    template="recommend/partials/taste_cta.html",
                )
            ]
        return []
    found: list[shelves.Shelf] = [
        MixShelf(
            key="made-for-you",
            title="Made for you",
            subtitle="Your mixes, rebuilt every night from what you play.",
            url=made_for_you,
            playlists=mixes,
            template="recommend/partials/mix_shelf.html",
        )
    ]
    for group in because:
        seed = group.seed
        found.append(
            shelves.Shelf(
                key=f"because-{seed.pk}",
                title=f"Because you listened to {seed.title}",
                subtitle=f"More like {seed.title} by {seed.artist.name}",
                tracks=group.tracks,
                url=made_for_you,
            )
        )
    return found


def similar_artists(user, artist) -> shelves.Shelf | None:
    """Return the "Fans also like" section of an artist's page (1 query; 3 on a new catalog)."""
    similar = selectors.similar_artists(artist=artist, limit=SIMILAR_ARTISTS_ON_PAGE)
    if not similar.items:
        return None
    return shelves.Shelf(key="similar-artists", title="Fans also like", artists=similar.items)


def similar_tracks(user, track) -> shelves.Shelf | None:
    """Return the "Similar tracks" section of a track's page (1 query; 4 on a new catalog)."""
    similar = selectors.similar_tracks(track=track)
    if not similar.items:
        return None
    return shelves.Shelf(key="similar-tracks", title="Similar tracks", tracks=similar.items)
