"""Routes of the ListenBrainz-compatible API, at the host's root (the client drops any path prefix)."""

from django.urls import re_path

from . import views

app_name = "listenbrainz"

# A trailing slash is accepted too: clients build these URLs by hand.
USER = r"^1/user/(?P<user_name>[^/]+)"

urlpatterns = [
    re_path(r"^1/submit-listens/?$", views.submit_listens, name="submit-listens"),
    re_path(r"^1/validate-token/?$", views.validate_token, name="validate-token"),
    re_path(USER + r"/listens/?$", views.user_listens, name="user-listens"),
    re_path(USER + r"/listen-count/?$", views.user_listen_count, name="user-listen-count"),
    re_path(USER + r"/playing-now/?$", views.user_playing_now, name="user-playing-now"),
]
