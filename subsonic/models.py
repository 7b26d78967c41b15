"""The Subsonic API's own data: each listener's Subsonic password, encrypted at rest."""

from django.conf import settings
from django.db import models


class SubsonicPassword(models.Model):
    """A listener's password for Subsonic clients, separate from the log-in password.

    Token auth (t = md5(password + salt)) needs the password itself, so it can't be a one-way hash: it
    is kept encrypted with a key derived from SECRET_KEY (subsonic.passwords).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subsonic_password"
    )
    encrypted = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Subsonic password of {self.user}"
