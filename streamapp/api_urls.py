"""Every app's API routes under /api/v1/.

/api/v1/me/... is the requesting user's own data. /api/v1/users/<username>/... is one user's data, for
that user and for staff (streamapp.api.IsSelfOrStaff: 404 for anyone else); each app adds its routes
for it to user_urlpatterns below, in its own namespace.
"""

from django.urls import include, path, register_converter

from analytics.api import urls as analytics_api_urls
from listening.api import urls as listening_api_urls
from recommend.api import urls as recommend_api_urls


class UsernameConverter:
    """A username as Django's validator allows them (letters, digits and @.+-_): anything else is a 404."""

    regex = r"[\w.@+-]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(UsernameConverter, "username")

user_urlpatterns = [
    path("", include((listening_api_urls.user_urlpatterns, "listening-user-api"))),
    path("", include((recommend_api_urls.user_urlpatterns, "recommend-user-api"))),
    path("", include((analytics_api_urls.user_urlpatterns, "analytics-user-api"))),
]

urlpatterns = [
    path("", include("catalog.api.urls")),
    path("", include("listening.api.urls")),
    path("", include("recommend.api.urls")),
    path("", include("analytics.api.urls")),
    path("users/<username:username>/", include(user_urlpatterns)),
]
