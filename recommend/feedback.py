"""What a listener tells the recommender: thumbs-down on a recommended track (and its undo), and the
genres and artists a new listener picks (cold start).

A thumbs-down (TrackDislike) takes the track out of the listener's recommendations and generated
playlists at once; the nightly training reads TrackDislike as negative evidence. The recommendations
keep their packed list as the nightly run wrote it: their readers leave thumbed-down tracks out, so
an undo brings the track back at its rank. The generated playlists' entries (packed on their rows) are
edited by listening's services under the playlists' row locks; those removed are remembered for a
day (in the cache) so that an undo puts the track back where it was, as long as that playlist is
still there.
"""

import logging

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction

from catalog.models import Track
from listening import selectors as listening_selectors
from listening import services as listening_services

from .models import TastePick, TrackDislike
from .services.generation import generate_for_user

UNDO_TTL_SECONDS = 24 * 3600
logger = logging.getLogger(__name__)


def _undo_key(user_id: int, track_id: int) -> str:
    return f"recommend:dislike-undo:{user_id}:{track_id}"


@transaction.atomic
def track_dislike(*, user, track: Track) -> tuple[TrackDislike, bool]:
    """Thumb a track down: record it, remove it from the user's recommendations and generated playlists.

    Idempotent: a second thumbs-down changes nothing. Return (the dislike, whether it is new).
    """
    dislike, created = TrackDislike.objects.get_or_create(user=user, track=track)
    removed = listening_services.generated_entries_remove(owner=user, track_id=track.pk)
    if removed:
        cache.set(_undo_key(user.pk, track.pk), {"items": removed}, UNDO_TTL_SECONDS)
    listening_selectors.listener_changed(user_ids=[user.pk])
    return dislike, created


@transaction.atomic
def track_dislike_undo(*, user, track: Track) -> bool:
    """Take a thumbs-down back (the track returns to the recommendations at its rank), restoring the
    playlist entries it removed where their playlists are still there.

    Return whether there was a thumbs-down to take back.
    """
    deleted, _ = TrackDislike.objects.filter(user=user, track=track).delete()
    listening_selectors.listener_changed(user_ids=[user.pk])
    removed = cache.get(_undo_key(user.pk, track.pk))
    cache.delete(_undo_key(user.pk, track.pk))
    if not deleted or not removed:
        return bool(deleted)
    listening_services.generated_entries_restore(owner=user, track_id=track.pk, removed=removed["items"])
    return True


# ------------------------------------------------------------------------------ cold start
MAX_PICKED_GENRES = 10
MAX_PICKED_ARTISTS = 20


@transaction.atomic
def taste_pick_save(*, user, genres, artists) -> TastePick:
    """Save a listener's picked genres and artists (replacing earlier picks).

    Raise ValidationError when nothing, or too much, is picked.
    """
    genres, artists = list(genres), list(artists)
    if not genres and not artists:
        raise ValidationError({"genres": "Pick at least one genre or artist."})
    if len(genres) > MAX_PICKED_GENRES:
        raise ValidationError({"genres": f"Pick at most {MAX_PICKED_GENRES} genres."})
    if len(artists) > MAX_PICKED_ARTISTS:
        raise ValidationError({"artists": f"Pick at most {MAX_PICKED_ARTISTS} artists."})
    pick, _ = TastePick.objects.get_or_create(user=user)
    pick.genres.set(genres)
    pick.artists.set(artists)
    listening_selectors.listener_changed(user_ids=[user.pk])
    return pick


def taste_pick_apply(*, user) -> bool:
    """Generate the listener's mixes and recommendations now, from their picks and any history.

    Return False (and log why) if generation failed: the picks are kept, and the nightly run makes
    the mixes instead.
    """
    try:
        result = generate_for_user(user)
    except Exception:  # a failed generation must not lose the picks or fail the page
        logger.exception("Generating the first mixes of %s failed", user.pk)
        return False
    return result.listeners > 0
