"""The Permissions-Policy header: which browser features our pages may use (Django has no setting for it)."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


def permissions_policy(features: dict[str, list[str]]) -> str:
    """Return the header value: {"camera": [], "autoplay": ["self"]} -> camera=(), autoplay=(self)."""
    return ", ".join(f"{feature}=({' '.join(origins)})" for feature, origins in features.items())


class PermissionsPolicyMiddleware:
    """Send settings.STREAMAPP_PERMISSIONS_POLICY on every response that doesn't set its own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        # Built once: the setting is fixed for the process.
        self.header = permissions_policy(settings.STREAMAPP_PERMISSIONS_POLICY)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response
