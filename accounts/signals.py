"""Signals accounts sends to the apps above it (which it can't import)."""

from django.dispatch import Signal

# Sent with `user` inside the transaction that revoked the user's API credentials (a password change or
# reset with "revoke" ticked): an app keeping its own credentials for the user deletes them too
# (subsonic: the Subsonic password).
credentials_revoked = Signal()
