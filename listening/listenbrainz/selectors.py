"""Reads behind the ListenBrainz-compatible API: users by name and token, listens, now playing."""

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, Max, Min
from django.utils import timezone
from rest_framework.authtoken.models import Token

from ..models import Listen, NowPlaying


def user_by_name(name: str):
    """Return the active user with this username, or None."""
    user_model = get_user_model()
    return user_model._default_manager.filter(**{user_model.USERNAME_FIELD: name}, is_active=True).first()


def user_by_token(key: str):
    """Return the active user whose API token this is, or None (1 query)."""
    token = Token.objects.select_related("user").filter(key=key, user__is_active=True).first()
    return token.user if token is not None else None


@dataclass(frozen=True)
class ListensPage:
    listens: list[Listen]
    oldest_listened_at: dt.datetime | None
    latest_listened_at: dt.datetime | None


def _at(timestamp: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(timestamp, tz=dt.UTC)


def listens_page(*, user, count: int, min_ts: int | None = None, max_ts: int | None = None) -> ListensPage:
    """Return up to count of the user's listens strictly between min_ts and max_ts, newest first (2 queries).

    With only min_ts, the listens just after it are returned (so a client can page forwards).
    """
    listens = Listen.objects.filter(user=user).select_related("track__artist", "track__album")
    if min_ts is not None:
        listens = listens.filter(listened_at__gt=_at(min_ts))
    if max_ts is not None:
        listens = listens.filter(listened_at__lt=_at(max_ts))
    if min_ts is not None and max_ts is None:
        rows = list(listens.order_by("listened_at", "pk")[:count])[::-1]
    else:
        rows = list(listens.order_by("-listened_at", "-pk")[:count])
    bounds = Listen.objects.filter(user=user).aggregate(oldest=Min("listened_at"), latest=Max("listened_at"))
    return ListensPage(rows, bounds["oldest"], bounds["latest"])


def listen_count(*, user) -> int:
    """Return how many listens the user has (1 query)."""
    return Listen.objects.filter(user=user).aggregate(count=Count("pk"))["count"]


def now_playing(*, user) -> NowPlaying | None:
    """Return what the user is playing now, or None once the entry has expired (1 query)."""
    entries = NowPlaying.objects.select_related("track__artist", "track__album")
    return entries.filter(user=user, expires_at__gt=timezone.now()).first()
