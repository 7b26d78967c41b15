"""A listener's stats as JSON: /api/v1/me/stats/ and /api/v1/users/{username}/stats/ (self or staff).

The same figures as the /stats/ page (analytics.listener_stats), shaped by the serializers below.
"""

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics import listener_stats
from streamapp.api import IsSelfOrStaff
from streamapp.api_throttles import ExpensiveReadThrottle


class RankedSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    id = serializers.IntegerField()
    name = serializers.CharField()
    subtitle = serializers.CharField(help_text="The artist of a track or an album; empty otherwise.")
    listens = serializers.IntegerField()
    minutes = serializers.IntegerField()


class DayMinutesSerializer(serializers.Serializer):
    day = serializers.DateField()
    minutes = serializers.IntegerField()


class WeekMinutesSerializer(serializers.Serializer):
    week = serializers.DateField(help_text="The Monday the week starts on.")
    minutes = serializers.IntegerField()


class DiscoverySerializer(serializers.Serializer):
    rate = serializers.FloatField(
        allow_null=True, help_text="Share (0-1) of the period's listens by artists first heard in the period."
    )
    new_artists = serializers.IntegerField()
    artists = serializers.IntegerField()
    new_listens = serializers.IntegerField()
    listens = serializers.IntegerField()


class StreaksSerializer(serializers.Serializer):
    current = serializers.IntegerField(help_text="Consecutive days with listens up to today (or yesterday).")
    longest = serializers.IntegerField()
    longest_start = serializers.DateField(allow_null=True)
    longest_end = serializers.DateField(allow_null=True)


class GenreSeriesSerializer(serializers.Serializer):
    genre = serializers.CharField()
    shares = serializers.ListField(child=serializers.FloatField(), help_text="One share (0-1) per month.")


class GenreShiftSerializer(serializers.Serializer):
    months = serializers.ListField(child=serializers.DateField())
    series = GenreSeriesSerializer(many=True)


class ListenerStatsSerializer(serializers.Serializer):
    """A listener's stats for one range, in their time zone."""

    user = serializers.CharField()
    range = serializers.CharField()
    range_label = serializers.CharField()
    time_zone = serializers.CharField()
    start = serializers.DateField(
        allow_null=True, help_text="The first local day of the range (null: all time)."
    )
    today = serializers.DateField()
    listens = serializers.IntegerField()
    minutes = serializers.IntegerField()
    active_days = serializers.IntegerField()
    top_artists = RankedSerializer(many=True)
    top_tracks = RankedSerializer(many=True)
    top_albums = RankedSerializer(many=True)
    top_genres = RankedSerializer(many=True)
    minutes_per_day = DayMinutesSerializer(many=True, help_text="The last 28 days.")
    minutes_per_week = WeekMinutesSerializer(many=True)
    clock = serializers.ListField(
        child=serializers.ListField(child=serializers.IntegerField()),
        help_text="Listens by weekday (7 rows, Monday first) and local hour (24 columns).",
    )
    discovery = DiscoverySerializer()
    streaks = StreaksSerializer()
    genre_shift = GenreShiftSerializer()


def stats_to_api(stats: listener_stats.ListenerStats, *, username: str) -> dict:
    """Shape a ListenerStats for ListenerStatsSerializer."""

    def ranked(lines):
        return [
            {
                "rank": line.rank,
                "id": line.id,
                "name": line.name,
                "subtitle": line.subtitle,
                "listens": line.listens,
                "minutes": line.minutes,
            }
            for line in lines
        ]

    return {
        "user": username,
        "range": stats.range,
        "range_label": stats.range_label,
        "time_zone": stats.time_zone,
        "start": stats.period.start,
        "today": stats.today,
        "listens": stats.listens,
        "minutes": stats.minutes,
        "active_days": stats.active_days,
        "top_artists": ranked(stats.top_artists),
        "top_tracks": ranked(stats.top_tracks),
        "top_albums": ranked(stats.top_albums),
        "top_genres": ranked(stats.top_genres),
        "minutes_per_day": [{"day": day, "minutes": minutes} for day, minutes in stats.minutes_per_day],
        "minutes_per_week": [{"week": week, "minutes": minutes} for week, minutes in stats.minutes_per_week],
        "clock": stats.clock,
        "discovery": {
            "rate": stats.discovery.rate,
            "new_artists": stats.discovery.new_artists,
            "artists": stats.discovery.artists,
            "new_listens": stats.discovery.new_listens,
            "listens": stats.discovery.listens,
        },
        "streaks": vars(stats.streaks),
        "genre_shift": {
            "months": stats.genre_shift.months,
            "series": [{"genre": name, "shares": shares} for name, shares in stats.genre_shift.series],
        },
    }


STATS_EXAMPLE = {
    "user": "demo",
    "range": "4w",
    "range_label": "Last 4 weeks",
    "time_zone": "Europe/Berlin",
    "start": "2026-02-11",
    "today": "2026-03-10",
    "listens": 412,
    "minutes": 1388,
    "active_days": 24,
    "top_artists": [
        {"rank": 1, "id": 17, "name": "Ada Stone", "subtitle": "", "listens": 58, "minutes": 203}
    ],
    "top_tracks": [
        {
            "rank": 1,
            "id": 311,
            "name": "Blue Moonlight",
            "subtitle": "Ada Stone",
            "listens": 14,
            "minutes": 50,
        }
    ],
    "top_albums": [
        {"rank": 1, "id": 42, "name": "Night Drives", "subtitle": "Ada Stone", "listens": 33, "minutes": 118}
    ],
    "top_genres": [{"rank": 1, "id": 3, "name": "Jazz", "subtitle": "", "listens": 120, "minutes": 402}],
    "minutes_per_day": [{"day": "2026-03-10", "minutes": 47}],
    "minutes_per_week": [{"week": "2026-03-09", "minutes": 95}],
    "clock": [[0] * 24 for _ in range(7)],
    "discovery": {"rate": 0.18, "new_artists": 9, "artists": 41, "new_listens": 74, "listens": 403},
    "streaks": {"current": 6, "longest": 19, "longest_start": "2026-01-02", "longest_end": "2026-01-20"},
    "genre_shift": {
        "months": ["2026-02-01", "2026-03-01"],
        "series": [{"genre": "Jazz", "shares": [0.3, 0.25]}],
    },
}


class _StatsApi(APIView):
    # All time over a long history is a heavy read: the "reads-expensive" rate, per user.
    throttle_classes = [ExpensiveReadThrottle]

    class InputSerializer(serializers.Serializer):
        range = serializers.ChoiceField(
            choices=list(listener_stats.RANGES),
            default=listener_stats.DEFAULT_RANGE,
            help_text="4w: the last 28 days; 6m: the last 182 days; all: all time (local days).",
        )

    def listener(self):
        raise NotImplementedError

    def get(self, request, **kwargs):
        params = self.InputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        listener = self.listener()
        stats = listener_stats.listener_stats(user=listener, range_key=params.validated_data["range"])
        return Response(ListenerStatsSerializer(stats_to_api(stats, username=listener.get_username())).data)


_SCHEMA = {
    "parameters": [_StatsApi.InputSerializer],
    "responses": {200: ListenerStatsSerializer},
    "examples": [OpenApiExample("Four weeks", value=STATS_EXAMPLE, response_only=True)],
}


@extend_schema(tags=["stats"])
class MyStatsApi(_StatsApi):
    """Your listening stats for a range: top artists, tracks, albums and genres, minutes per day and
    week, the listening clock, discovery, streaks and genre shift, in your time zone."""

    permission_classes = [permissions.IsAuthenticated]

    def listener(self):
        return self.request.user

    @extend_schema(**_SCHEMA)
    def get(self, request, **kwargs):
        return super().get(request, **kwargs)


@extend_schema(tags=["stats"])
class UserStatsApi(_StatsApi):
    """A listener's stats (the listener or staff; 404 for anyone else), in the listener's time zone."""

    permission_classes = [permissions.IsAuthenticated, IsSelfOrStaff]

    def listener(self):
        return get_object_or_404(get_user_model(), username=self.kwargs["username"])

    @extend_schema(**_SCHEMA)
    def get(self, request, **kwargs):
        return super().get(request, **kwargs)
