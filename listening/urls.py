from django.urls import path, re_path

from . import views

app_name = "listening"

urlpatterns = [
    path("stream/<int:track_id>/", views.stream, name="stream"),
    path("history/", views.history, name="history"),
    path("history/import/", views.history_import, name="history-import"),
    path("history/import/<int:pk>/", views.history_import_status, name="history-import-status"),
    path("library/liked/", views.liked_songs, name="liked"),
    path("library/sidebar/", views.library_sidebar, name="library-sidebar"),
    path("playlists/", views.playlist_list, name="playlists"),
    path("playlists/import/", views.playlist_import, name="playlist-import"),
    path("playlists/<uuid:uid>/", views.playlist_detail, name="playlist"),
    path("playlists/<uuid:uid>/edit/", views.playlist_update, name="playlist-update"),
    path("playlists/<uuid:uid>/delete/", views.playlist_delete, name="playlist-delete"),
    path("playlists/<uuid:uid>/duplicate/", views.playlist_duplicate, name="playlist-duplicate"),
    path(
        "playlists/<uuid:uid>/collaborators/",
        views.playlist_collaborator_add,
        name="playlist-collaborator-add",
    ),
    path(
        "playlists/<uuid:uid>/collaborators/<str:username>/remove/",
        views.playlist_collaborator_remove,
        name="playlist-collaborator-remove",
    ),
    re_path(
        r"^playlists/(?P<uid>[0-9a-f-]{36})/export\.(?P<fmt>m3u8|xspf)$",
        views.playlist_export,
        name="playlist-export",
    ),
]
