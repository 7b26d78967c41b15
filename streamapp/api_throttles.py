"""The API's throttles, rates from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"].

A module of their own: DRF imports its default throttle classes while rest_framework.views is loading,
so this module must not import that one (streamapp.api does).
"""

from rest_framework import permissions, throttling
from rest_framework.settings import api_settings


class _SettingsRateThrottle(throttling.UserRateThrottle):
    """Read the rate from DEFAULT_THROTTLE_RATES at each request (DRF binds them once, at import)."""

    def __init__(self):
        self.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
        super().__init__()


class WriteRateThrottle(_SettingsRateThrottle):
    """Limit each user's writes (POST, PUT, PATCH, DELETE) to the "writes" rate; reads are not counted."""

    scope = "writes"

    def allow_request(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        return super().allow_request(request, view)


class PlayerRateThrottle(_SettingsRateThrottle):
    """Limit the player's calls (reads too) to the generous "player" rate: it reports every few seconds,
    but a runaway loop is stopped."""

    scope = "player"


class ExpensiveReadThrottle(_SettingsRateThrottle):
    """Limit each user's expensive reads (GET and HEAD of big lists: a playlist's entries, exports,
    statistics) to the "reads-expensive" rate, so one user cannot keep the database busy for everyone;
    writes are left to WriteRateThrottle."""

    scope = "reads-expensive"

    def allow_request(self, request, view):
        if request.method not in ("GET", "HEAD"):
            return True
        return super().allow_request(request, view)
