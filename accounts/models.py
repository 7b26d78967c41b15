"""The user model: Django's user plus the listener's preferences."""

import secrets
import zoneinfo
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone


def time_zone_choices() -> list[tuple[str, str]]:
    """Return the IANA time zones as form choices."""
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


class StreamQuality(models.TextChoices):
    """The quality the web player asks the stream for (docs/player.md); `auto` picks one by the connection."""

    AUTO = "auto", "Automatic"
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"
    ORIGINAL = "original", "Original"


class LoudnessTarget(models.TextChoices):
    """The loudness the web player normalises toward (levels in LOUDNESS_TARGET_LUFS)."""

    OFF = "off", "Off"
    QUIET = "quiet", "Quiet (−23 LUFS)"
    NORMAL = "normal", "Normal (−14 LUFS)"
    LOUD = "loud", "Loud (−11 LUFS)"


# The one place the targets' levels live: the player reads them from the settings menu's options.
LOUDNESS_TARGET_LUFS: dict[str, int | None] = {"off": None, "quiet": -23, "normal": -14, "loud": -11}
CROSSFADE_MAX_SECONDS = 12


class User(AbstractUser):
    """A listener or a member of staff."""

    time_zone = models.CharField(
        max_length=64, default="UTC", help_text="Stats and history are shown in this time zone."
    )
    # The web player's defaults for this account; each device may override them (docs/player.md). Their
    # defaults are the database's too: bulk writers that name only the older columns still insert.
    stream_quality = models.CharField(
        "streaming quality",
        max_length=8,
        choices=StreamQuality.choices,
        default=StreamQuality.AUTO,
        db_default=StreamQuality.AUTO,
        help_text="Automatic picks a quality from your connection and steps down when playback stalls.",
    )
    loudness_target = models.CharField(
        "volume normalisation",
        max_length=8,
        choices=LoudnessTarget.choices,
        default=LoudnessTarget.NORMAL,
        db_default=LoudnessTarget.NORMAL,
        help_text="Plays every track at about the same loudness, never past its peak.",
    )
    crossfade_seconds = models.PositiveSmallIntegerField(
        "crossfade (seconds)",
        default=0,
        db_default=0,
        validators=[MaxValueValidator(CROSSFADE_MAX_SECONDS)],
        help_text="Seconds of overlap between tracks of different albums (0 to 12); albums stay gapless.",
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    def get_absolute_url(self) -> str:
        return reverse("accounts:profile")


def invitation_expiry():
    """Return when a new invitation expires: STREAMAPP_INVITATION_DAYS from now."""
    return timezone.now() + timedelta(days=settings.STREAMAPP_INVITATION_DAYS)


def invitation_token() -> str:
    """Return a new invitation's secret: 256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


class InvitationQuerySet(models.QuerySet):
    def usable(self, *, now=None):
        """Invitations not used yet and not expired."""
        return self.filter(used_at__isnull=True, expires_at__gt=now or timezone.now())


class Invitation(models.Model):
    """A single-use link to sign up while STREAMAPP_SIGNUP is `invite`; staff create them in the admin."""

    token = models.CharField(max_length=64, unique=True, default=invitation_token, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    email = models.EmailField(
        "e-mail", blank=True, help_text="Optional: only this address can sign up with the invitation."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(default=invitation_expiry)
    used_at = models.DateTimeField(null=True, blank=True, editable=False)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation for {self.email or 'anyone'} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("accounts:signup") + "?" + urlencode({"invite": self.token})

    @property
    def status(self) -> str:
        if self.used_at is not None:
            return "used"
        if self.expires_at <= timezone.now():
            return "expired"
        return "open"
