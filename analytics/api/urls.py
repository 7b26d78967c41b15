"""Analytics API routes under /api/v1/ (streamapp.api_urls)."""

from django.urls import path

from . import listener

app_name = "analytics-api"

urlpatterns = [
    path("me/stats/", listener.MyStatsApi.as_view(), name="my-stats"),
]

# Under /api/v1/users/<username>/ (streamapp.api_urls): one listener's data, for them and staff.
user_urlpatterns = [
    path("stats/", listener.UserStatsApi.as_view(), name="stats"),
]
