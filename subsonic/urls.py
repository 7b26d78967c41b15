from django.urls import path, re_path

from . import views

app_name = "subsonic"

urlpatterns = [
    # /rest/<method> and /rest/<method>.view (what most clients, py-sonic included, call).
    re_path(r"^rest/(?P<method>[^/]+?)(?:\.view)?/?$", views.rest, name="rest"),
    path("subsonic/", views.password_page, name="password"),
    path("subsonic/regenerate/", views.password_regenerate, name="password-regenerate"),
]
