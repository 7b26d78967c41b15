from django.urls import path

from . import views

app_name = "listening-api"

urlpatterns = [
    path("me/listens/", views.MyListensApi.as_view(), name="my-listens"),
    path("me/likes/", views.LikeListApi.as_view(), name="my-likes"),
    path("me/now-playing/", views.NowPlayingApi.as_view(), name="my-now-playing"),
    path("player/plays/", views.PlayReportApi.as_view(), name="play-report"),
    path("player/state/", views.PlayerStateApi.as_view(), name="player-state"),
    path("player/context/", views.PlayerContextApi.as_view(), name="player-context"),
    path("tracks/<int:pk>/stream-info/", views.StreamInfoApi.as_view(), name="stream-info"),
    path("likes/<str:kind>/<int:pk>/", views.LikeApi.as_view(), name="like"),
    path("playlists/", views.PlaylistListApi.as_view(), name="playlist-list"),
    path("playlists/<uuid:uid>/", views.PlaylistDetailApi.as_view(), name="playlist-detail"),
    path("playlists/<uuid:uid>/tracks/", views.PlaylistTracksApi.as_view(), name="playlist-tracks"),
    path("playlists/<uuid:uid>/items/<int:item_id>/", views.PlaylistItemApi.as_view(), name="playlist-item"),
    path("playlists/<uuid:uid>/order/", views.PlaylistOrderApi.as_view(), name="playlist-order"),
    path("playlists/<uuid:uid>/duplicate/", views.PlaylistDuplicateApi.as_view(), name="playlist-duplicate"),
    path(
        "playlists/<uuid:uid>/collaborators/",
        views.PlaylistCollaboratorsApi.as_view(),
        name="playlist-collaborators",
    ),
    path(
        "playlists/<uuid:uid>/collaborators/<str:username>/",
        views.PlaylistCollaboratorApi.as_view(),
        name="playlist-collaborator",
    ),
]

# Under /api/v1/users/<username>/ (streamapp.api_urls): one user's data, for that user and staff.
user_urlpatterns = [
    path("listens/", views.UserListensApi.as_view(), name="listens"),
]
