"""DRF's TokenAuthentication under log-in protection (accounts/lockout.py): a wrong token counts as a
failed log-in of the client's address, and once the address is locked its token checks are answered
429 (with Retry-After) until the lock ends. A valid token costs no extra query: API tokens are long
random keys, so only the failures are worth counting and refusing."""

from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from . import lockout


class ProtectedTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        try:
            return super().authenticate_credentials(key)
        except exceptions.AuthenticationFailed:
            request = self._request
            try:
                lockout.refuse_if_locked(request)
            except lockout.LockedOut as locked:
                raise exceptions.Throttled(wait=locked.seconds, detail=str(locked)) from None
            lockout.failed(request)
            raise

    def authenticate(self, request):
        self._request = request
        return super().authenticate(request)
