"""Reads for accounts: a user's active sessions (for the admin)."""

from dataclasses import dataclass
from datetime import datetime
from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.utils import timezone


@dataclass(frozen=True)
class ActiveSession:
    session_key: str
    expire_date: datetime


def session_store_class():
    """The SessionStore of SESSION_ENGINE (db and cached_db both keep their rows in django_session)."""
    return import_module(settings.SESSION_ENGINE).SessionStore


def user_sessions(*, user) -> list[ActiveSession]:
    """Return the user's unexpired sessions, latest expiry first.

    Sessions are stored encoded, so this decodes every unexpired session once (one query); fine for an
    admin page of a self-hosted server.
    """
    store = session_store_class()()
    rows = Session.objects.filter(expire_date__gt=timezone.now()).order_by("-expire_date")
    user_id = str(user.pk)
    return [
        ActiveSession(session_key=row.session_key, expire_date=row.expire_date)
        for row in rows.iterator(chunk_size=2000)
        if str(store.decode(row.session_data).get(SESSION_KEY)) == user_id
    ]
