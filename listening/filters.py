"""django-filter FilterSets of the listening API: a listening history by time range."""

import datetime as dt

from django import forms
from django_filters import fields as filter_fields
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_field

from .models import Listen

# 9999-12-31 23:59:59 UTC: the last second a datetime can hold.
MAX_TIMESTAMP = 253_402_300_799


class _UtcDateTimeField(filter_fields.IsoDateTimeField):
    """An ISO 8601 date and time (naive ones in UTC) that must stay within datetime's range in UTC."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        try:
            return value.astimezone(dt.UTC)
        except OverflowError:
            raise forms.ValidationError("This date and time is out of range.", code="overflow") from None


class _DateTimeFilter(filters.IsoDateTimeFilter):
    field_class = _UtcDateTimeField


class _TimestampField(forms.IntegerField):
    """Unix seconds, as a UTC datetime."""

    def __init__(self, **kwargs):
        super().__init__(min_value=0, max_value=MAX_TIMESTAMP, **kwargs)

    def clean(self, value):
        seconds = super().clean(value)
        return None if seconds is None else dt.datetime.fromtimestamp(seconds, tz=dt.UTC)


class _TimestampFilter(filters.Filter):
    field_class = _TimestampField


def _timestamp_filter(lookup_expr: str, help_text: str) -> _TimestampFilter:
    schema = {"type": "integer", "minimum": 0, "maximum": MAX_TIMESTAMP, "description": help_text}
    return extend_schema_field(schema)(
        _TimestampFilter(field_name="listened_at", lookup_expr=lookup_expr, help_text=help_text)
    )


class ListenFilter(filters.FilterSet):
    """Listens by time range (unix seconds like ListenBrainz's min_ts / max_ts, or ISO 8601) and matching."""

    min_ts = _timestamp_filter("gt", "Listens after this time (unix seconds).")
    max_ts = _timestamp_filter("lt", "Listens before this time (unix seconds).")
    after = _DateTimeFilter(
        field_name="listened_at", lookup_expr="gt", help_text="Listens after this time (ISO 8601)."
    )
    before = _DateTimeFilter(
        field_name="listened_at", lookup_expr="lt", help_text="Listens before this time (ISO 8601)."
    )
    matched = filters.BooleanFilter(
        field_name="track",
        lookup_expr="isnull",
        exclude=True,
        help_text="true: only listens matched to a catalog track; false: only unmatched ones.",
    )

    class Meta:
        model = Listen
        fields = []
