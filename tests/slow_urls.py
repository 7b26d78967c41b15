"""A test-only URL map: the project's, plus a page, an API view and a ListenBrainz-style path that run
one slow statement (pg_sleep), to meet the web statement timeout."""

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpResponse
from django.urls import include, path
from rest_framework import permissions
from rest_framework.response import Response
from rest_framework.views import APIView


def _sleep(seconds: float) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(%s)", [seconds])


@login_not_required
def slow_page(request):
    _sleep(float(request.GET.get("seconds", 2)))
    return HttpResponse("done")


class SlowApi(APIView):
    authentication_classes = []
    permission_classes = [permissions.AllowAny]

    def get(self, request):
        _sleep(float(request.GET.get("seconds", 2)))
        return Response({"done": True})


urlpatterns = [
    path("slow/", slow_page),
    path("1/slow/", slow_page),
    path("api/v1/slow/", SlowApi.as_view()),
    path("", include("streamapp.urls")),
]
