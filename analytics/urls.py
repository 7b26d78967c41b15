"""A listener's stats pages (/stats/...) and ListenBrainz stats (/1/stats/...); included at the root.

The staff dashboard's routes are in analytics/urls_staff.py.
"""

from django.urls import path, re_path

from analytics import listenbrainz, views_listener

app_name = "analytics"

urlpatterns = [
    path("stats/", views_listener.stats, name="stats"),
    path("stats/<int:year>/", views_listener.year, name="year"),
    path("stats/<int:year>/image.png", views_listener.year_image, name="year-image"),
    # ListenBrainz-style stats at the host's root, beside listening's /1/ routes (a trailing slash too).
    re_path(
        r"^1/stats/user/(?P<user_name>[^/]+)/(?P<entity>artists|releases|recordings)/?$",
        listenbrainz.user_entity_stats,
        name="lb-user-stats",
    ),
]
