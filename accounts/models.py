"""The user model: Django's user plus the listener's preferences."""

import zoneinfo

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.urls import reverse


def time_zone_choices() -> list[tuple[str, str]]:
    """Return the IANA time zones as form choices."""
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


class User(AbstractUser):
    """A listener or a member of staff."""

    time_zone = models.CharField(
        max_length=64, default="UTC", help_text="Stats and history are shown in this time zone."
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    def get_absolute_url(self) -> str:
        return reverse("accounts:profile")
