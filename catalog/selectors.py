"""Reads of the catalog, with the joins each caller needs so pages run a constant number of queries."""

from django.db.models import QuerySet

from .models import Track


def track_list(*, filters: dict | None = None) -> QuerySet[Track]:
    """Return playable tracks with album, artist and genres loaded."""
    return Track.objects.playable().with_related().filter(**(filters or {})).order_by("pk")
