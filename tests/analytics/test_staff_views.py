"""The staff analytics dashboard: who may see it, what it shows, its date-range control, its CSV files."""

import datetime

import pytest
from django.utils import timezone

from analytics import staff_stats
from tests.analytics import staff_world

pytestmark = pytest.mark.django_db

PAGES = [
    "/staff/analytics/",
    "/staff/analytics/catalogue/",
    "/staff/analytics/playlists/",
    "/staff/analytics/quality/",
]
RANGE = "from=2026-11-02&to=2026-11-15"


@pytest.fixture
def world(django_user_model, settings, monkeypatch):
    built = staff_world.build(django_user_model)
    staff_world.roll_up(settings)
    # "Today" is 16 November 2026, so the test range is in the past.
    monkeypatch.setattr(staff_stats, "site_today", lambda: datetime.date(2026, 11, 16))
    monkeypatch.setattr("analytics.forms_staff.site_today", lambda: datetime.date(2026, 11, 16))
    return built


@pytest.mark.parametrize("url", [*PAGES, "/staff/analytics/csv/top-tracks/"])
def test_anonymous_visitors_are_sent_to_log_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("url", [*PAGES, "/staff/analytics/csv/top-tracks/"])
def test_listeners_are_refused(user_client, url):
    assert user_client.get(url).status_code == 403


@pytest.mark.parametrize("url", PAGES)
def test_each_section_renders_for_staff_in_a_fixed_number_of_queries(
    staff_client, world, url, django_assert_max_num_queries
):
    with django_assert_max_num_queries(30):
        response = staff_client.get(f"{url}?{RANGE}")
    assert response.status_code == 200
    page = response.content.decode()
    assert "2 Nov 2026 – 15 Nov 2026" in page
    assert 'class="chart-title"' in page
    assert "/staff/analytics/csv/" in page
    with django_assert_max_num_queries(30):
        assert staff_client.get(f"{url}?from=2025-11-16&to=2026-11-15").status_code == 200


def test_the_listeners_section_shows_the_hand_counted_figures(staff_client, world):
    page = staff_client.get(f"/staff/analytics/?{RANGE}").content.decode()
    assert '<p class="kpi-label">Weekly active</p><p class="kpi-value">3</p>' in page
    assert '<p class="kpi-label">Monthly active</p><p class="kpi-value">4</p>' in page
    assert '<tr><th scope="row">2026-11-03</th><td>1</td><td>1</td></tr>' in page  # returning, new
    assert "Weekly retention cohorts" in page
    assert '<th scope="row">02 Nov (2)</th>' in page


def test_the_catalogue_section_lists_top_tracks_with_their_trend(staff_client, world):
    page = staff_client.get(f"/staff/analytics/catalogue/?{RANGE}").content.decode()
    assert "Rock song" in page
    assert '<span class="trend trend-up">+50 %</span>' in page
    assert "60.0 %" in page  # of the catalogue played
    assert 'href="/staff/analytics/csv/top-tracks/?from=2026-11-02&amp;to=2026-11-15"' in page


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("from=2026-11-15&to=2026-11-02", "from", "The start must be on or before the end."),
        ("from=yesterday&to=2026-11-02", "from", "Enter a valid date."),
        ("from=2026-11-02&to=2026-13-45", "to", "Enter a valid date."),
        ("from=2026-11-02&to=2026-12-01", "to", "The range can&#x27;t end after today (2026-11-16)."),
        ("from=2020-01-01&to=2026-11-15", "from", "The range can&#x27;t be longer than 731 days."),
        ("preset=2w", "preset", "Select a valid choice."),
    ],
)
def test_a_bad_range_is_a_form_error_not_a_crash(staff_client, world, query, field, message):
    for url in PAGES:
        response = staff_client.get(f"{url}?{query}")
        assert response.status_code == 400
        page = response.content.decode()
        assert message in page
        assert "showing the last 30 days instead" in page
    csv = staff_client.get(f"/staff/analytics/csv/activity/?{query}")
    assert csv.status_code == 400
    assert csv["Content-Type"].startswith("text/plain")
    assert csv.content.decode().startswith(f"{field}: ")


def test_presets_cover_the_last_days_up_to_today(staff_client, world):
    page = staff_client.get("/staff/analytics/?preset=7d").content.decode()
    assert "10 Nov 2026 – 16 Nov 2026" in page
    assert '<a href="/staff/analytics/?preset=7d" aria-current="true">7 days</a>' in page
    default = staff_client.get("/staff/analytics/").content.decode()
    assert "18 Oct 2026 – 16 Nov 2026" in default


def test_csv_of_top_tracks_has_the_header_and_rows(staff_client, world):
    response = staff_client.get(f"/staff/analytics/csv/top-tracks/?{RANGE}")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="streamapp-top-tracks-2026-11-02-to-2026-11-15.csv"' in response["Content-Disposition"]
    rock, both, jazz = world["tracks"]
    assert response.content.decode().splitlines() == [
        "rank,id,name,artist,listens,previous_listens,change_percent,minutes,plays,skips,skip_rate_percent",
        f"1,{rock.pk},Rock song,Band,3,2,50.0,9.3,3,0,0.0",
        f"2,{both.pk},Both song,Band,2,0,,5.7,2,1,50.0",
        f"3,{jazz.pk},Jazz song,Band,1,0,,1.0,1,1,100.0",
    ]


def test_csv_of_daily_activity_and_cohorts(staff_client, world):
    rows = staff_client.get(f"/staff/analytics/csv/activity/?{RANGE}").content.decode().splitlines()
    assert rows[0] == "day,active_listeners,new_listeners,returning_listeners,listens,minutes,plays,skips"
    assert rows[1:4] == [
        "2026-11-02,1,1,0,1,3.3,2,1",
        "2026-11-03,2,1,1,2,6.0,2,1",
        "2026-11-04,0,0,0,0,0.0,0,0",
    ]
    assert len(rows) == 15
    cohorts = staff_client.get(f"/staff/analytics/csv/retention/?{RANGE}").content.decode().splitlines()
    assert cohorts == [
        "cohort_week,listeners,week_0_percent,week_1_percent",
        "2026-11-02,2,100.0,100.0",
        "2026-11-09,1,100.0,",
    ]


def test_csv_of_sources_and_quality(staff_client, world):
    sources = staff_client.get(f"/staff/analytics/csv/contexts/?{RANGE}").content.decode().splitlines()
    assert sources == [
        "source,plays,completions,skips,minutes,completion_rate_percent,skip_rate_percent",
        "Discover,2,1,1,3.5,50.0,50.0",
        "Daily Mixes,1,1,0,3.0,100.0,0.0",
        "Radio,1,0,1,0.1,0.0,100.0",
        "Everything else,2,1,0,4.0,50.0,0.0",
    ]
    quality = staff_client.get(f"/staff/analytics/csv/quality/?{RANGE}").content.decode().splitlines()
    assert quality == [
        "format,quality,plays,avg_time_to_first_audio_ms,stalls,stalls_per_100_plays,stall_ms,errors,"
        "errors_per_100_plays",
        "opus,low,1,100.0,1,100.0,500,0,0.0",
        "opus,normal,1,200.0,0,0.0,0,0,0.0",
        "mp3,original,1,400.0,2,200.0,1500,0,0.0",
        "flac,,2,300.0,0,0.0,0,1,50.0",
        "unknown,,1,,0,0.0,0,0,0.0",
        "all,,6,250.0,3,50.0,2000,1,16.67",
    ]


def test_an_unknown_csv_table_is_a_404(staff_client, world):
    response = staff_client.get(f"/staff/analytics/csv/everything/?{RANGE}")
    assert response.status_code == 404
    assert "Unknown table 'everything'" in response.content.decode()


def test_the_site_navigation_links_the_dashboard_for_staff_only(staff_client, client, user, world):
    assert 'href="/staff/analytics/"' in staff_client.get("/history/").content.decode()
    client.force_login(user)
    assert 'href="/staff/analytics/"' not in client.get("/history/").content.decode()


def test_today_is_counted_directly(staff_client, world, monkeypatch):
    ann = world["users"][0]
    monkeypatch.setattr(staff_stats, "site_today", lambda: timezone.now().date())
    monkeypatch.setattr("analytics.forms_staff.site_today", lambda: timezone.now().date())
    staff_world.listen(ann, world["tracks"][0], timezone.now() - datetime.timedelta(seconds=1), 100_000)
    rows = staff_client.get("/staff/analytics/csv/activity/?preset=7d").content.decode().splitlines()
    assert rows[-1].startswith(f"{timezone.now().date().isoformat()},1,0,1,1,")


def test_the_admin_index_links_the_dashboard(staff_client):
    page = staff_client.get("/admin/").content.decode()
    link = '<a href="/staff/analytics/">Dashboard: listeners, catalogue, playlists, streaming quality</a>'
    assert link in page
    assert "Site administration" in page
