"""The date-range control of the staff dashboard, its CSV downloads and the staff API."""

import datetime

from django import forms

from analytics.staff_stats import EPOCH, MAX_RANGE_DAYS, DateRange, site_today

PRESETS = {"7d": 7, "30d": 30, "90d": 90, "1y": 365}
DEFAULT_PRESET = "30d"


class DateRangeForm(forms.Form):
    """?from=YYYY-MM-DD&to=YYYY-MM-DD (site days, both included) or ?preset=7d|30d|90d|1y.

    Nothing given means the last 30 days. A preset wins over dates; dates given alone run to today
    (``from``) or cover the 30 days up to ``to``.
    """

    preset = forms.ChoiceField(choices=[(key, key) for key in PRESETS], required=False)

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        # "from" is a Python keyword, so the date fields are added here rather than declared.
        self.fields["from"] = forms.DateField(required=False, input_formats=["%Y-%m-%d"], label="From")
        self.fields["to"] = forms.DateField(required=False, input_formats=["%Y-%m-%d"], label="To")
        self.order_fields(["from", "to", "preset"])

    def clean(self):
        cleaned = super().clean()
        today = site_today()
        preset = cleaned.get("preset")
        start, end = cleaned.get("from"), cleaned.get("to")
        if self.errors:
            return cleaned
        if preset:
            cleaned["range"] = DateRange.last(PRESETS[preset], end=today)
            return cleaned
        if end is None:
            end = today
        if start is None:
            start = end - datetime.timedelta(days=PRESETS[DEFAULT_PRESET] - 1)
        if end > today:
            self.add_error("to", f"The range can't end after today ({today.isoformat()}).")
        # A range and the one before it (for trends) must stay after 1970 (and within Python's dates).
        earliest = EPOCH + datetime.timedelta(days=MAX_RANGE_DAYS)
        if start < earliest:
            self.add_error("from", f"The range can't start before {earliest.isoformat()}.")
        elif start > end:
            self.add_error("from", "The start must be on or before the end.")
        elif (end - start).days + 1 > MAX_RANGE_DAYS:
            self.add_error("from", f"The range can't be longer than {MAX_RANGE_DAYS} days.")
        if not self.errors:
            cleaned["range"] = DateRange(start, end)
        return cleaned

    @property
    def date_range(self) -> DateRange:
        """The valid range (call is_valid() first)."""
        return self.cleaned_data["range"]

    def active_preset(self) -> str:
        """Return the preset whose range is the one shown (for highlighting its button), or ''."""
        if not self.is_valid():
            return ""
        for key, days in PRESETS.items():
            if self.date_range == DateRange.last(days, end=site_today()):
                return key
        return ""

    @staticmethod
    def default_range() -> DateRange:
        return DateRange.last(PRESETS[DEFAULT_PRESET], end=site_today())


def range_query(date_range: DateRange) -> str:
    """Return the query string naming a range: from=...&to=..."""
    return f"from={date_range.start.isoformat()}&to={date_range.end.isoformat()}"
