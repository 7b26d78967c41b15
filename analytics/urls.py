"""A listener's stats pages (/stats/...); included from streamapp/urls.py at the root.

The staff dashboard's routes are in analytics/urls_staff.py.
"""

from django.urls import path

from analytics import views_listener

app_name = "analytics"

urlpatterns = [
    path("stats/", views_listener.stats, name="stats"),
    path("stats/<int:year>/", views_listener.year, name="year"),
    path("stats/<int:year>/image.png", views_listener.year_image, name="year-image"),
]
