from django.urls import path

from . import views

app_name = "catalog-api"

urlpatterns = [
    path("tracks/", views.TrackListApi.as_view(), name="track-list"),
]
