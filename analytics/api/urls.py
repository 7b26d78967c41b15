"""Analytics API routes under /api/v1/ (streamapp.api_urls)."""

from django.urls import path

from . import listener, staff

app_name = "analytics-api"

urlpatterns = [
    path("me/stats/", listener.MyStatsApi.as_view(), name="my-stats"),
    # Site-wide stats for staff (the staff dashboard's figures).
    path("stats/activity/", staff.StaffActivityApi.as_view(), name="staff-activity"),
    path("stats/retention/", staff.StaffRetentionApi.as_view(), name="staff-retention"),
    path("stats/catalogue/", staff.StaffCatalogueApi.as_view(), name="staff-catalogue"),
    path("stats/sources/", staff.StaffSourcesApi.as_view(), name="staff-sources"),
    path("stats/quality/", staff.StaffQualityApi.as_view(), name="staff-quality"),
]

# Under /api/v1/users/<username>/ (streamapp.api_urls): one listener's data, for them and staff.
user_urlpatterns = [
    path("stats/", listener.UserStatsApi.as_view(), name="stats"),
]
