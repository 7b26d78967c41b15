from django.urls import path

from . import views

app_name = "catalog"

urlpatterns = [
    path("", views.home, name="home"),
    path("genres/", views.genre_list, name="genre-list"),
    path("genres/<slug:slug>/", views.genre_detail, name="genre"),
    path("artists/<int:pk>/", views.artist_detail, name="artist"),
    path("albums/<int:pk>/", views.album_detail, name="album"),
    path("tracks/<int:pk>/", views.track_detail, name="track"),
    path("search/", views.search, name="search"),
    path("search/suggest/", views.search_suggest, name="search-suggest"),
]
