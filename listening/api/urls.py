from django.urls import path

from . import views

app_name = "listening-api"

urlpatterns = [
    path("player/plays/", views.PlayReportApi.as_view(), name="play-report"),
    path("player/state/", views.PlayerStateApi.as_view(), name="player-state"),
    path("likes/<str:kind>/<int:pk>/", views.LikeApi.as_view(), name="like"),
]
