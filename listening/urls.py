from django.urls import path

from . import views

app_name = "listening"

urlpatterns = [
    path("stream/<int:track_id>/", views.stream, name="stream"),
]
