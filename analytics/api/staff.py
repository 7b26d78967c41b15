"""Site-wide stats for staff as JSON: /api/v1/stats/{activity,retention,catalogue,sources,quality}/.

The same figures as the staff dashboard (analytics.staff_stats), for the same date range parameters:
``from``/``to`` (site days, both included) or ``preset`` (7d, 30d, 90d, 1y); the last 30 days by
default. A bad range is a 400 naming the parameter. Staff only (IsAdminUser).
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import permissions, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics import staff_activity, staff_shapes, staff_stats
from analytics.forms_staff import PRESETS, DateRangeForm

RANGE_PARAMETERS = [
    OpenApiParameter("from", OpenApiTypes.DATE, description="First site day (YYYY-MM-DD), included."),
    OpenApiParameter(
        "to", OpenApiTypes.DATE, description="Last site day (YYYY-MM-DD), included; not after today."
    ),
    OpenApiParameter(
        "preset",
        OpenApiTypes.STR,
        enum=list(PRESETS),
        description="The last 7, 30, 90 or 365 days up to today (wins over from/to).",
    ),
]


# ------------------------------------------------------------------------------ examples
_RANGE = {"start": "2026-11-02", "end": "2026-11-15", "days": 14}
_ITEM = {
    "id": 12, "name": "Blue Moonlight", "artist": "Ada Stone", "listens": 3, "previous_listens": 2,
    "change_percent": 50.0, "minutes": 9.3, "plays": 3, "skips": 0, "skip_rate_percent": 0.0,
}  # fmt: skip
RETENTION_EXAMPLE = {
    "range": _RANGE,
    "weeks": 2,
    "cohorts": [
        {"week": "2026-11-02", "listeners": 2, "retained": [2, 1], "retained_percent": [100.0, 50.0]},
        {"week": "2026-11-09", "listeners": 1, "retained": [1], "retained_percent": [100.0]},
    ],
}
CATALOGUE_EXAMPLE = {
    "range": _RANGE,
    "min_plays_for_skip_rates": 5,
    "top_tracks": [_ITEM],
    "top_artists": [{**_ITEM, "id": 4, "name": "Ada Stone", "artist": ""}],
    "top_genres": [
        {**_ITEM, "id": 2, "name": "Jazz", "artist": "", "previous_listens": 0, "change_percent": None}
    ],
    "most_skipped_tracks": [_ITEM],
    "genre_skip_rates": [{**_ITEM, "id": 2, "name": "Jazz", "artist": ""}],
    "coverage": {
        "played_tracks": 3, "catalogue_tracks": 5, "played_percent": 60.0, "long_tail_percent": 50.0,
        "decile_shares_percent": [50.0, 0.0, 33.33, 0.0, 16.67, 0.0, 0.0, 0.0, 0.0, 0.0],
    },
}  # fmt: skip
_SOURCE = {
    "key": "discover", "label": "Discover", "plays": 2, "completions": 1, "skips": 1, "minutes": 3.5,
    "completion_rate_percent": 50.0, "skip_rate_percent": 50.0,
}  # fmt: skip
SOURCES_EXAMPLE = {
    "range": {"start": "2026-11-02", "end": "2026-11-03", "days": 2},
    "groups": [_SOURCE],
    "contexts": [{**_SOURCE, "key": "generated/discover"}],
    "daily": {"discover": [2, 0], "daily_mix": [0, 1], "radio": [0, 1], "other": [0, 0]},
}
_QUALITY = {
    "format": "opus", "quality": "normal", "plays": 3, "time_to_first_audio_ms": 233.33, "stalls": 3,
    "stalls_per_100_plays": 100.0, "stall_ms": 2000, "errors": 0, "errors_per_100_plays": 0.0,
}  # fmt: skip
_TRANSCODE_DAY = {
    "day": "2026-11-02", "requests": 4, "cache_hits": 3, "cache_misses": 1, "hit_ratio_percent": 75.0,
    "bytes_served": 9_400_000, "errors": 0,
}  # fmt: skip
QUALITY_EXAMPLE = {
    "range": {"start": "2026-11-02", "end": "2026-11-02", "days": 1},
    "total": {**_QUALITY, "format": "all", "quality": ""},
    "formats": [{**_QUALITY, "quality": ""}],
    "qualities": [{**_QUALITY, "format": ""}],
    "combinations": [_QUALITY],
    "daily": [{**_QUALITY, "format": "2026-11-02", "quality": ""}],
    "transcodes": {
        "total": _TRANSCODE_DAY,
        "cache_bytes": 31_500_000,
        "cache_files": 12,
        "days": [_TRANSCODE_DAY],
        "failures": [],
    },
}


class StaffRangeSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    days = serializers.IntegerField()


class _StaffStatsBase(APIView):
    permission_classes = [permissions.IsAdminUser]

    def date_range(self, request) -> staff_stats.DateRange:
        form = DateRangeForm(request.query_params)
        if not form.is_valid():
            raise ValidationError({field: list(messages) for field, messages in form.errors.items()})
        return form.date_range

    @staticmethod
    def range_data(date_range) -> dict:
        return {"start": date_range.start, "end": date_range.end, "days": date_range.days}


# ------------------------------------------------------------------------------ activity
class StaffActivityDaySerializer(serializers.Serializer):
    day = serializers.DateField()
    active_listeners = serializers.IntegerField()
    new_listeners = serializers.IntegerField(help_text="Listeners whose first active day ever it was.")
    returning_listeners = serializers.IntegerField()
    listens = serializers.IntegerField()
    minutes = serializers.FloatField()
    plays = serializers.IntegerField()
    skips = serializers.IntegerField()


class StaffActivePeriodSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    active_listeners = serializers.IntegerField()


class StaffActivityApi(_StaffStatsBase):
    """Active listeners per day (new and returning), listens, minutes, plays and skips per day, distinct
    listeners per calendar week and month, and the weekly and monthly actives at the range's end."""

    class OutputSerializer(serializers.Serializer):
        range = StaffRangeSerializer()
        weekly_active = serializers.IntegerField(help_text="Distinct listeners in the 7 days up to the end.")
        monthly_active = serializers.IntegerField(
            help_text="Distinct listeners in the 30 days up to the end."
        )
        daily_active_average = serializers.FloatField()
        new_listeners = serializers.IntegerField()
        days = StaffActivityDaySerializer(many=True)
        weeks = StaffActivePeriodSerializer(
            many=True, help_text="Calendar weeks (Monday to Sunday), cut at the range's ends."
        )
        months = StaffActivePeriodSerializer(many=True, help_text="Calendar months, cut at the range's ends.")

    @extend_schema(
        tags=["stats"],
        parameters=RANGE_PARAMETERS,
        responses={200: OutputSerializer},
        examples=[
            OpenApiExample(
                "Two days",
                response_only=True,
                value={
                    "range": {"start": "2026-11-02", "end": "2026-11-03", "days": 2},
                    "weekly_active": 2,
                    "monthly_active": 4,
                    "daily_active_average": 1.5,
                    "new_listeners": 2,
                    "days": [
                        {
                            "day": "2026-11-02",
                            "active_listeners": 1,
                            "new_listeners": 1,
                            "returning_listeners": 0,
                            "listens": 1,
                            "minutes": 3.3,
                            "plays": 2,
                            "skips": 1,
                        },
                        {
                            "day": "2026-11-03",
                            "active_listeners": 2,
                            "new_listeners": 1,
                            "returning_listeners": 1,
                            "listens": 2,
                            "minutes": 6.0,
                            "plays": 2,
                            "skips": 1,
                        },
                    ],
                    "weeks": [{"start": "2026-11-02", "end": "2026-11-03", "active_listeners": 2}],
                    "months": [{"start": "2026-11-02", "end": "2026-11-03", "active_listeners": 2}],
                },
            )
        ],
    )
    def get(self, request):
        date_range = self.date_range(request)
        overview = staff_activity.activity_overview(date_range=date_range)

        def rows(columns, items):
            return [staff_shapes.api_row(columns, item) for item in items]

        data = {
            "range": self.range_data(date_range),
            "weekly_active": overview.wau,
            "monthly_active": overview.mau,
            "daily_active_average": round(overview.dau_average, 2),
            "new_listeners": overview.new,
            "days": rows(staff_shapes.ACTIVITY_DAY_COLUMNS, overview.days),
            "weeks": rows(staff_shapes.PERIOD_COLUMNS, overview.weeks),
            "months": rows(staff_shapes.PERIOD_COLUMNS, overview.months),
        }
        return Response(self.OutputSerializer(data).data)


# ------------------------------------------------------------------------------ retention
class StaffCohortSerializer(serializers.Serializer):
    week = serializers.DateField(help_text="The Monday of the cohort's first week.")
    listeners = serializers.IntegerField()
    retained = serializers.ListField(
        child=serializers.IntegerField(), help_text="Listeners active in week 0, 1, 2, ... after the first."
    )
    retained_percent = serializers.ListField(child=serializers.FloatField())


class StaffRetentionApi(_StaffStatsBase):
    """Weekly retention cohorts: listeners by the calendar week of their first listen (from the range's
    first week), and how many of them were active in each following week up to the range's end."""

    class OutputSerializer(serializers.Serializer):
        range = StaffRangeSerializer()
        weeks = serializers.IntegerField(help_text="The number of week columns.")
        cohorts = StaffCohortSerializer(many=True)

    @extend_schema(
        tags=["stats"],
        parameters=RANGE_PARAMETERS,
        responses={200: OutputSerializer},
        examples=[OpenApiExample("Example", value=RETENTION_EXAMPLE, response_only=True)],
    )
    def get(self, request):
        date_range = self.date_range(request)
        retention = staff_activity.retention_cohorts(date_range=date_range)
        data = {
            "range": self.range_data(date_range),
            "weeks": retention.weeks,
            "cohorts": [staff_shapes.api_row(staff_shapes.COHORT_COLUMNS, c) for c in retention.cohorts],
        }
        return Response(self.OutputSerializer(data).data)


# ------------------------------------------------------------------------------ catalogue
class StaffItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    artist = serializers.CharField(help_text="A track's artist; empty for artists and genres.")
    listens = serializers.IntegerField()
    previous_listens = serializers.IntegerField(help_text="Listens in the same number of days just before.")
    change_percent = serializers.FloatField(allow_null=True, help_text="null when there were none before.")
    minutes = serializers.FloatField()
    plays = serializers.IntegerField()
    skips = serializers.IntegerField()
    skip_rate_percent = serializers.FloatField(allow_null=True)


class StaffCoverageSerializer(serializers.Serializer):
    played_tracks = serializers.IntegerField()
    catalogue_tracks = serializers.IntegerField(help_text="Available tracks.")
    played_percent = serializers.FloatField(allow_null=True)
    long_tail_percent = serializers.FloatField(allow_null=True)
    decile_shares_percent = serializers.ListField(
        child=serializers.FloatField(), help_text="Share of plays of each tenth of the catalogue."
    )


class StaffCatalogueApi(_StaffStatsBase):
    """Top tracks, artists and genres with the previous period's listens, skip rates by track and genre,
    and catalogue coverage (share of tracks played, share of plays outside the top 10 % of tracks)."""

    class OutputSerializer(serializers.Serializer):
        range = StaffRangeSerializer()
        min_plays_for_skip_rates = serializers.IntegerField()
        top_tracks = StaffItemSerializer(many=True)
        top_artists = StaffItemSerializer(many=True)
        top_genres = StaffItemSerializer(many=True)
        most_skipped_tracks = StaffItemSerializer(many=True)
        genre_skip_rates = StaffItemSerializer(many=True)
        coverage = StaffCoverageSerializer()

    @extend_schema(
        tags=["stats"],
        parameters=RANGE_PARAMETERS,
        responses={200: OutputSerializer},
        examples=[OpenApiExample("Example", value=CATALOGUE_EXAMPLE, response_only=True)],
    )
    def get(self, request):
        date_range = self.date_range(request)
        content = staff_stats.content_overview(date_range=date_range)

        def items(rows, with_artist=False):
            return [staff_shapes.item_api_row(row, with_artist=with_artist) for row in rows]

        data = {
            "range": self.range_data(date_range),
            "min_plays_for_skip_rates": content.min_plays,
            "top_tracks": items(content.top_tracks, with_artist=True),
            "top_artists": items(content.top_artists),
            "top_genres": items(content.top_genres),
            "most_skipped_tracks": items(content.skipped_tracks, with_artist=True),
            "genre_skip_rates": items(content.genre_skips),
            "coverage": staff_shapes.api_row(staff_shapes.COVERAGE_COLUMNS, content.coverage),
        }
        return Response(self.OutputSerializer(data).data)


# ------------------------------------------------------------------------------ sources
class StaffSourceSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    plays = serializers.IntegerField()
    completions = serializers.IntegerField(help_text="Plays that ended without a skip.")
    skips = serializers.IntegerField()
    minutes = serializers.FloatField()
    completion_rate_percent = serializers.FloatField(allow_null=True)
    skip_rate_percent = serializers.FloatField(allow_null=True)


class StaffSourcesApi(_StaffStatsBase):
    """How plays from Discover, Daily Mixes and radio do against everything else (plays, completions,
    skips, minutes), every context type on its own, and plays per day by source."""

    class OutputSerializer(serializers.Serializer):
        range = StaffRangeSerializer()
        groups = StaffSourceSerializer(many=True)
        contexts = StaffSourceSerializer(many=True)
        daily = serializers.DictField(
            child=serializers.ListField(child=serializers.IntegerField()),
            help_text="Plays per day of the range, by group key.",
        )

    @extend_schema(
        tags=["stats"],
        parameters=RANGE_PARAMETERS,
        responses={200: OutputSerializer},
        examples=[OpenApiExample("Example", value=SOURCES_EXAMPLE, response_only=True)],
    )
    def get(self, request):
        date_range = self.date_range(request)
        contexts = staff_stats.context_overview(date_range=date_range)

        def rows(items):
            return [staff_shapes.api_row(staff_shapes.SOURCE_COLUMNS, row) for row in items]

        data = {
            "range": self.range_data(date_range),
            "groups": rows(contexts.groups),
            "contexts": rows(contexts.by_type),
            "daily": contexts.daily,
        }
        return Response(self.OutputSerializer(data).data)


# ------------------------------------------------------------------------------ quality
class StaffQualityRowSerializer(serializers.Serializer):
    format = serializers.CharField(
        help_text="The format served (the transcode's, else the audio file's); empty when unknown or in "
        "the rows by quality; 'all' for the total; the day in the daily rows."
    )
    quality = serializers.CharField(
        help_text="The quality the player asked for (low, normal, high, original); empty when not "
        "reported, and in the rows by format, the total and the daily rows."
    )
    plays = serializers.IntegerField()
    time_to_first_audio_ms = serializers.FloatField(
        allow_null=True, help_text="Average over plays reporting it."
    )
    stalls = serializers.IntegerField()
    stalls_per_100_plays = serializers.FloatField(allow_null=True)
    stall_ms = serializers.IntegerField()
    errors = serializers.IntegerField()
    errors_per_100_plays = serializers.FloatField(allow_null=True)


class StaffTranscodeDaySerializer(serializers.Serializer):
    day = serializers.DateField()
    requests = serializers.IntegerField(help_text="Transcoded streams answered: from the cache or by ffmpeg.")
    cache_hits = serializers.IntegerField()
    cache_misses = serializers.IntegerField(help_text="Streams ffmpeg transcoded (and cached).")
    hit_ratio_percent = serializers.FloatField(allow_null=True)
    bytes_served = serializers.IntegerField()
    errors = serializers.IntegerField(help_text="Transcodes ffmpeg could not finish.")


class StaffTranscodeFailureSerializer(serializers.Serializer):
    track_id = serializers.IntegerField(allow_null=True)
    track = serializers.CharField()
    artist = serializers.CharField()
    path = serializers.CharField(help_text="The audio file ffmpeg could not read.")
    format = serializers.CharField(help_text="The format asked for.")
    bitrate_kbps = serializers.IntegerField(allow_null=True)
    message = serializers.CharField()
    count = serializers.IntegerField(help_text="Failures of this file so far.")
    last_at = serializers.DateTimeField()


class StaffTranscodeSerializer(serializers.Serializer):
    total = StaffTranscodeDaySerializer(help_text="The range's sum (day: its first day).")
    cache_bytes = serializers.IntegerField(help_text="The finished transcodes on disk now.")
    cache_files = serializers.IntegerField()
    days = StaffTranscodeDaySerializer(many=True)
    failures = StaffTranscodeFailureSerializer(many=True, help_text="The latest first.")


class StaffQualityApi(_StaffStatsBase):
    """Streaming quality from the player's reports: time to first audio, stalls and errors, by format
    served, by quality asked for, by both, in total and per day."""

    class OutputSerializer(serializers.Serializer):
        range = StaffRangeSerializer()
        total = StaffQualityRowSerializer()
        formats = StaffQualityRowSerializer(many=True)
        qualities = StaffQualityRowSerializer(many=True)
        combinations = StaffQualityRowSerializer(many=True, help_text="By quality and format served.")
        daily = StaffQualityRowSerializer(many=True, help_text="One row per day; format holds the day.")
        transcodes = StaffTranscodeSerializer(help_text="The transcode cache: hits, bytes served, failures.")

    @extend_schema(
        tags=["stats"],
        parameters=RANGE_PARAMETERS,
        responses={200: OutputSerializer},
        examples=[OpenApiExample("Example", value=QUALITY_EXAMPLE, response_only=True)],
    )
    def get(self, request):
        date_range = self.date_range(request)
        quality = staff_stats.quality_overview(date_range=date_range)

        def row(item, name=None):
            values = None if name is None else {"format": name}
            return staff_shapes.api_row(staff_shapes.QUALITY_COLUMNS, item, values=values)

        data = {
            "range": self.range_data(date_range),
            "total": row(quality.total, "all"),
            "formats": [row(item) for item in quality.formats],
            "qualities": [row(item) for item in quality.qualities],
            "combinations": [row(item) for item in quality.combinations],
            "daily": [row(item) for item in quality.daily],
            "transcodes": _transcodes(staff_stats.transcode_overview(date_range=date_range)),
        }
        return Response(self.OutputSerializer(data).data)


def _transcodes(transcodes) -> dict:
    def day(row):
        return staff_shapes.api_row(staff_shapes.TRANSCODE_DAY_COLUMNS, row)

    def failure(row):
        return staff_shapes.api_row(staff_shapes.TRANSCODE_FAILURE_COLUMNS, row)

    return {
        "total": day(transcodes.total),
        "cache_bytes": transcodes.cache_bytes,
        "cache_files": transcodes.cache_files,
        "days": [day(row) for row in transcodes.days],
        "failures": [failure(row) for row in transcodes.failures],
    }
