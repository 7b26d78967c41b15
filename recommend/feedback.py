"""Thumbs-down on a recommended track, and its undo.

A thumbs-down (TrackDislike) takes the track out of the listener's recommendations and generated
playlists at once; the nightly training reads TrackDislike as negative evidence. What was removed is
remembered for a day (in the cache) so that an undo puts the track back where it was, as long as that
place is still free (no rebuild has happened in between).
"""

from django.core.cache import cache
from django.db import IntegrityError, transaction

from catalog.models import Track
from listening.models import Playlist, PlaylistTrack

from .models import Recommendation, TrackDislike
from .selectors import MIX_KINDS

UNDO_TTL_SECONDS = 24 * 3600


def _undo_key(user_id: int, track_id: int) -> str:
    return f"recommend:dislike-undo:{user_id}:{track_id}"


@transaction.atomic
def track_dislike(*, user, track: Track) -> tuple[TrackDislike, bool]:
    """Thumb a track down: record it, remove it from the user's recommendations and generated playlists.

    Idempotent: a second thumbs-down changes nothing. Return (the dislike, whether it is new).
    """
    dislike, created = TrackDislike.objects.get_or_create(user=user, track=track)
    recommendations = Recommendation.objects.filter(user=user, track=track)
    items = PlaylistTrack.objects.filter(
        playlist__owner=user, playlist__kind__in=MIX_KINDS, track=track
    )
    removed = {
        "recommendations": list(
            recommendations.values("rank", "score", "reason", "seed_track_id", "run_id")
        ),
        "items": list(items.values("playlist_id", "position")),
    }
    if removed["recommendations"] or removed["items"]:
        cache.set(_undo_key(user.pk, track.pk), removed, UNDO_TTL_SECONDS)
    recommendations.delete()
    # Delete by id: a join in a DELETE is not portable.
    PlaylistTrack.objects.filter(pk__in=list(items.values_list("pk", flat=True))).delete()
    return dislike, created


@transaction.atomic
def track_dislike_undo(*, user, track: Track) -> bool:
    """Take a thumbs-down back, restoring the rows it removed where they are still free.

    Return whether there was a thumbs-down to take back.
    """
    deleted, _ = TrackDislike.objects.filter(user=user, track=track).delete()
    removed = cache.get(_undo_key(user.pk, track.pk))
    cache.delete(_undo_key(user.pk, track.pk))
    if not deleted or not removed:
        return bool(deleted)
    taken = set(
        Recommendation.objects.filter(
            user=user, rank__in=[row["rank"] for row in removed["recommendations"]]
        ).values_list("rank", flat=True)
    )
    rows = [
        Recommendation(user=user, track=track, **row)
        for row in removed["recommendations"]
        if row["rank"] not in taken
    ]
    try:
        with transaction.atomic():
            Recommendation.objects.bulk_create(rows)
    except IntegrityError:  # a rebuild took the rank meanwhile: the next run decides
        pass
    playlist_ids = {row["playlist_id"] for row in removed["items"]}
    still_there = set(
        Playlist.objects.filter(
            pk__in=playlist_ids, owner=user, kind__in=MIX_KINDS
        ).values_list("pk", flat=True)
    )
    PlaylistTrack.objects.bulk_create(
        [
            PlaylistTrack(playlist_id=row["playlist_id"], track=track, position=row["position"])
            for row in removed["items"]
            if row["playlist_id"] in still_there
        ]
    )
    return True
