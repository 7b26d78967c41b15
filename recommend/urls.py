from django.urls import path

from . import views

app_name = "recommend"

urlpatterns = [
    path("made-for-you/", views.made_for_you, name="made-for-you"),
    path("made-for-you/start/", views.taste_picker, name="taste-picker"),
]
