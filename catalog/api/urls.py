from django.urls import path

from . import views

app_name = "catalog-api"

urlpatterns = [
    path("artists/", views.ArtistListApi.as_view(), name="artist-list"),
    path("artists/<int:pk>/", views.ArtistDetailApi.as_view(), name="artist-detail"),
    path("albums/", views.AlbumListApi.as_view(), name="album-list"),
    path("albums/<int:pk>/", views.AlbumDetailApi.as_view(), name="album-detail"),
    path("tracks/", views.TrackListApi.as_view(), name="track-list"),
    path("tracks/<int:pk>/", views.TrackDetailApi.as_view(), name="track-detail"),
    path("genres/", views.GenreListApi.as_view(), name="genre-list"),
    path("genres/<slug:slug>/", views.GenreDetailApi.as_view(), name="genre-detail"),
]
