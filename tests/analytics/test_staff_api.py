"""Site-wide stats for staff under /api/v1/stats/: staff only, the dashboard's figures, bad ranges are 400."""

import datetime

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from analytics import staff_stats
from tests.analytics import staff_world

pytestmark = pytest.mark.django_db

ENDPOINTS = ["activity", "retention", "catalogue", "sources", "quality"]
RANGE = "from=2026-11-02&to=2026-11-15"


@pytest.fixture
def world(django_user_model, settings, monkeypatch):
    built = staff_world.build(django_user_model)
    staff_world.roll_up(settings)
    monkeypatch.setattr("analytics.forms_staff.site_today", lambda: datetime.date(2026, 11, 16))
    monkeypatch.setattr(staff_stats, "site_today", lambda: datetime.date(2026, 11, 16))
    return built


@pytest.mark.parametrize("name", ENDPOINTS)
def test_anonymous_requests_get_401_and_listeners_403(client, user, name):
    assert client.get(f"/api/v1/stats/{name}/").status_code == 401
    client.force_login(user)
    assert client.get(f"/api/v1/stats/{name}/").status_code == 403


@pytest.mark.parametrize("name", ENDPOINTS)
def test_staff_get_each_endpoint_in_a_fixed_number_of_queries(
    staff_client, world, name, django_assert_max_num_queries
):
    with django_assert_max_num_queries(25):
        response = staff_client.get(f"/api/v1/stats/{name}/?{RANGE}")
    assert response.status_code == 200
    assert response.json()["range"] == {"start": "2026-11-02", "end": "2026-11-15", "days": 14}


def test_activity_figures(staff_client, world):
    data = staff_client.get(f"/api/v1/stats/activity/?{RANGE}").json()
    assert (data["weekly_active"], data["monthly_active"], data["new_listeners"]) == (3, 4, 3)
    assert data["days"][1] == {
        "day": "2026-11-03", "active_listeners": 2, "new_listeners": 1, "returning_listeners": 1,
        "listens": 2, "minutes": 6.0, "plays": 2, "skips": 1,
    }  # fmt: skip
    assert data["weeks"] == [
        {"start": "2026-11-02", "end": "2026-11-08", "active_listeners": 2},
        {"start": "2026-11-09", "end": "2026-11-15", "active_listeners": 3},
    ]


def test_retention_catalogue_sources_and_quality_figures(staff_client, world):
    retention = staff_client.get(f"/api/v1/stats/retention/?{RANGE}").json()
    assert retention["cohorts"][0] == {
        "week": "2026-11-02", "listeners": 2, "retained": [2, 2], "retained_percent": [100.0, 100.0]
    }  # fmt: skip
    catalogue = staff_client.get(f"/api/v1/stats/catalogue/?{RANGE}").json()
    assert [(t["name"], t["listens"], t["change_percent"]) for t in catalogue["top_tracks"]] == [
        ("Rock song", 3, 50.0),
        ("Both song", 2, None),
        ("Jazz song", 1, None),
    ]
    assert catalogue["coverage"]["played_percent"] == 60.0
    assert catalogue["coverage"]["long_tail_percent"] == 50.0
    sources = staff_client.get(f"/api/v1/stats/sources/?{RANGE}").json()
    assert [(g["key"], g["plays"], g["completions"], g["skips"]) for g in sources["groups"]] == [
        ("discover", 2, 1, 1),
        ("daily_mix", 1, 1, 0),
        ("radio", 1, 0, 1),
        ("other", 2, 1, 0),
    ]
    quality = staff_client.get(f"/api/v1/stats/quality/?{RANGE}").json()
    assert quality["total"]["plays"] == 6
    assert [(f["format"], f["time_to_first_audio_ms"]) for f in quality["formats"]] == [
        ("flac", 300.0),
        ("opus", 150.0),
        ("", None),
        ("mp3", 400.0),
    ]
    assert [(q["quality"], q["plays"], q["stalls_per_100_plays"]) for q in quality["qualities"]] == [
        ("low", 1, 100.0),
        ("normal", 1, 0.0),
        ("original", 1, 200.0),
        ("", 3, 0.0),
    ]
    assert [(c["quality"], c["format"], c["plays"]) for c in quality["combinations"]] == [
        ("low", "opus", 1),
        ("normal", "opus", 1),
        ("original", "mp3", 1),
        ("", "flac", 2),
        ("", "", 1),
    ]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2026-11-15&to=2026-11-02", "from"),
        ("from=not-a-date", "from"),
        ("to=2026-02-30", "to"),
        ("to=2027-01-01", "to"),
        ("preset=forever", "preset"),
        ("from=0001-01-01&to=0001-01-02", "from"),
    ],
)
def test_a_bad_range_is_a_400_naming_the_parameter(staff_client, world, query, field):
    for name in ENDPOINTS:
        response = staff_client.get(f"/api/v1/stats/{name}/?{query}")
        assert response.status_code == 400
        assert list(response.json()) == [field]


@hypothesis_settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    start=st.one_of(st.none(), st.dates(), st.text(max_size=12)),
    end=st.one_of(st.none(), st.dates(), st.text(max_size=12)),
    preset=st.one_of(st.none(), st.sampled_from(["7d", "30d", "90d", "1y", "", "2w"]), st.text(max_size=4)),
)
def test_any_range_parameters_give_a_200_or_a_400(staff_client, start, end, preset):
    params = {
        name: str(value)
        for name, value in (("from", start), ("to", end), ("preset", preset))
        if value is not None
    }
    response = staff_client.get("/api/v1/stats/activity/", params)
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert set(response.json()) <= {"from", "to", "preset"}
    page = staff_client.get("/staff/analytics/quality/", params)
    assert page.status_code in (200, 400)
