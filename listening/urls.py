from django.urls import path, re_path

from . import views

app_name = "listening"

urlpatterns = [
    path("stream/<int:track_id>/", views.stream, name="stream"),
    path("playlists/<uuid:uid>/", views.playlist_detail, name="playlist"),
    re_path(
        r"^playlists/(?P<uid>[0-9a-f-]{36})/export\.(?P<fmt>m3u8|xspf)$",
        views.playlist_export,
        name="playlist-export",
    ),
]
