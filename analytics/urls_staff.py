"""The staff analytics dashboard: /staff/analytics/ (included from streamapp/urls.py)."""

from django.urls import path

from analytics import views_staff

app_name = "analytics-staff"

urlpatterns = [
    path("", views_staff.overview, name="overview"),
    path("catalogue/", views_staff.content, name="content"),
    path("playlists/", views_staff.playlists, name="playlists"),
    path("quality/", views_staff.quality, name="quality"),
    path("csv/<slug:table>/", views_staff.csv_table, name="csv"),
]
