"""Staff figures on a hand-made history (tests/analytics/staff_world.py), worked out by hand.

Each figure is checked twice: counted directly (no rollups yet) and from the rollups plus the live
days, which must give the same answers.
"""

import datetime

import pytest
from django.core.cache import cache

from analytics import staff_activity, staff_stats
from analytics.staff_stats import DateRange
from tests.analytics import staff_world
from tests.analytics.staff_world import at, listen

pytestmark = pytest.mark.django_db

D = datetime.date
RANGE = DateRange(D(2026, 11, 2), D(2026, 11, 15))


@pytest.fixture(params=["direct", "rollups"])
def world(request, django_user_model, settings):
    built = staff_world.build(django_user_model)
    if request.param == "rollups":
        staff_world.roll_up(settings)
        assert staff_stats.rollup_bounds().live_from == D(2026, 11, 11)
    return built


def test_daily_weekly_and_monthly_active_listeners(world):
    overview = staff_activity.activity_overview(date_range=RANGE)
    by_day = {day.day: day for day in overview.days}
    assert len(overview.days) == 14
    assert {day: (d.active, d.new, d.returning) for day, d in by_day.items() if d.active} == {
        D(2026, 11, 2): (1, 1, 0),
        D(2026, 11, 3): (2, 1, 1),
        D(2026, 11, 10): (2, 1, 1),
        D(2026, 11, 12): (2, 0, 2),
    }
    assert [(w.start, w.end, w.active) for w in overview.weeks] == [
        (D(2026, 11, 2), D(2026, 11, 8), 2),
        (D(2026, 11, 9), D(2026, 11, 15), 3),
    ]
    assert [(m.start, m.end, m.active) for m in overview.months] == [(D(2026, 11, 2), D(2026, 11, 15), 3)]
    assert overview.wau == 3  # 9-15 November
    assert overview.mau == 4  # 17 October - 15 November: dan too
    assert overview.new == 3
    assert overview.dau_average == pytest.approx(7 / 14)
    assert overview.stickiness == pytest.approx(100 * (7 / 14) / 4)


def test_listens_minutes_plays_and_skips_per_day(world):
    by_day = {day.day: day for day in staff_activity.activity_overview(date_range=RANGE).days}
    assert (by_day[D(2026, 11, 3)].listens, by_day[D(2026, 11, 3)].ms_played) == (2, 360_000)
    assert (by_day[D(2026, 11, 3)].plays, by_day[D(2026, 11, 3)].skips) == (2, 1)
    assert (by_day[D(2026, 11, 12)].listens, by_day[D(2026, 11, 12)].plays) == (1, 1)
    overview = staff_activity.activity_overview(date_range=RANGE)
    assert (overview.listens, overview.plays) == (6, 6)
    assert overview.minutes == pytest.approx(960_000 / 60_000)


def test_months_split_a_range_at_calendar_months(world):
    overview = staff_activity.activity_overview(date_range=DateRange(D(2026, 10, 26), D(2026, 11, 3)))
    assert [(m.start, m.end, m.active) for m in overview.months] == [
        (D(2026, 10, 26), D(2026, 10, 31), 1),
        (D(2026, 11, 1), D(2026, 11, 3), 2),
    ]
    assert [(w.start, w.active) for w in overview.weeks] == [(D(2026, 10, 26), 1), (D(2026, 11, 2), 2)]


def test_weekly_retention_cohorts(world):
    retention = staff_activity.retention_cohorts(date_range=RANGE)
    assert [(c.week, c.size, c.retained) for c in retention.cohorts] == [
        (D(2026, 11, 2), 2, [2, 2]),  # ann and bob, both back the next week
        (D(2026, 11, 9), 1, [1]),  # cat
    ]
    assert retention.cohorts[0].percents == [100.0, 100.0]
    # dan's cohort (26 October) starts before the range, so it is left out.
    wider = staff_activity.retention_cohorts(date_range=DateRange(D(2026, 10, 26), D(2026, 11, 15)))
    assert [(c.week, c.size, c.retained) for c in wider.cohorts][0] == (D(2026, 10, 26), 1, [1, 0, 0])


def test_top_items_with_trends_skip_rates_and_coverage(world):
    content = staff_stats.content_overview(date_range=RANGE, min_plays=1)
    tracks = [
        (row.name, row.listens, row.previous_listens, row.plays, row.skips) for row in content.top_tracks
    ]
    assert tracks == [("Rock song", 3, 2, 3, 0), ("Both song", 2, 0, 2, 1), ("Jazz song", 1, 0, 1, 1)]
    assert content.top_tracks[0].change == pytest.approx(50.0)
    assert content.top_tracks[1].change is None  # new this period
    assert content.top_tracks[0].ms_played == 200_000 + 180_000 + 180_000
    assert [(row.name, row.listens) for row in content.top_artists] == [("Band", 6)]
    assert [(row.name, row.listens, row.previous_listens) for row in content.top_genres] == [
        ("Rock", 5, 2),
        ("Jazz", 3, 0),
    ]
    assert [(row.name, row.skip_rate) for row in content.skipped_tracks] == [
        ("Jazz song", 100.0),
        ("Both song", 50.0),
        ("Rock song", 0.0),
    ]
    assert [(row.name, round(row.skip_rate, 1)) for row in content.genre_skips] == [
        ("Jazz", 66.7),
        ("Rock", 20.0),
    ]
    coverage = content.coverage
    assert (coverage.played_tracks, coverage.catalogue_tracks) == (3, 5)
    assert coverage.percent_played == 60.0
    # Top 10 % of 5 tracks is one track (Rock song, 3 of 6 plays): the long tail holds the other half.
    assert coverage.long_tail_percent == 50.0
    assert coverage.decile_shares[0] == 50.0
    assert sum(coverage.decile_shares) == pytest.approx(100.0)


def test_skip_lists_leave_out_rarely_played_items(world):
    content = staff_stats.content_overview(date_range=RANGE, min_plays=2)
    assert [row.name for row in content.skipped_tracks] == ["Both song", "Rock song"]
    assert content.min_plays == 2


def test_generated_playlists_and_radio_against_the_rest(world):
    contexts = staff_stats.context_overview(date_range=RANGE)
    groups = {row.group: (row.plays, row.completions, row.skips, row.ms_played) for row in contexts.groups}
    assert groups == {
        "discover": (2, 1, 1, 210_000),
        "daily_mix": (1, 1, 0, 180_000),
        "radio": (1, 0, 1, 5_000),
        "other": (2, 1, 0, 241_000),  # the play still going on 12 November is neither
    }
    discover = next(row for row in contexts.groups if row.group == "discover")
    assert (discover.completion_rate, discover.skip_rate) == (50.0, 50.0)
    assert contexts.daily["discover"][0] == 2 and contexts.daily["other"][10] == 1
    assert [row.label for row in contexts.by_type] == ["Album", "Discover", "Daily Mix", "Radio"]


def test_streaming_quality_by_format_served_and_quality_asked_for(world):
    quality = staff_stats.quality_overview(date_range=RANGE)

    def figures(rows):
        return [
            (row.quality, row.format, row.plays, row.ttfa_average, row.stall_count, row.stall_ms, row.errors)
            for row in rows
        ]

    # Formats served: the transcode's when the player reported one, else the audio file's.
    assert figures(quality.formats) == [
        ("", "flac", 2, 300.0, 0, 0, 1),
        ("", "opus", 2, 150.0, 1, 500, 0),
        ("", "", 1, None, 0, 0, 0),
        ("", "mp3", 1, 400.0, 2, 1_500, 0),
    ]
    assert figures(quality.qualities) == [
        ("low", "", 1, 100.0, 1, 500, 0),
        ("normal", "", 1, 200.0, 0, 0, 0),
        ("original", "", 1, 400.0, 2, 1_500, 0),
        ("", "", 3, 300.0, 0, 0, 1),
    ]
    assert figures(quality.combinations) == [
        ("low", "opus", 1, 100.0, 1, 500, 0),
        ("normal", "opus", 1, 200.0, 0, 0, 0),
        ("original", "mp3", 1, 400.0, 2, 1_500, 0),
        ("", "flac", 2, 300.0, 0, 0, 1),
        ("", "", 1, None, 0, 0, 0),
    ]
    assert [row.quality_label for row in quality.qualities] == ["Low", "Normal", "Original", "Not reported"]
    assert quality.total.plays == 6
    assert quality.total.error_rate == pytest.approx(100 / 6)
    assert quality.daily[0].plays == 2 and quality.daily[0].ttfa_average == 200.0


def test_a_listen_inserted_after_the_rollups_counts_at_once(world, django_user_model):
    ann, bob, cat, dan = world["users"]
    rock_song = world["tracks"][0]
    listen(cat, rock_song, at(11, 3, 18), 180_000)  # an import: an old day, a new row
    overview = staff_activity.activity_overview(date_range=RANGE)
    day = next(d for d in overview.days if d.day == D(2026, 11, 3))
    assert (day.active, day.new, day.listens) == (3, 2, 3)
    content = staff_stats.content_overview(date_range=RANGE, min_plays=1)
    assert content.top_tracks[0].listens == 4
    retention = staff_activity.retention_cohorts(date_range=RANGE)
    assert [(c.week, c.size, c.retained) for c in retention.cohorts] == [
        (D(2026, 11, 2), 3, [3, 3]),
        (D(2026, 11, 9), 0, [0]),
    ]


def test_each_figure_runs_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    year = DateRange(D(2025, 11, 16), D(2026, 11, 15))
    for date_range in (RANGE, year):
        cache.clear()
        with django_assert_max_num_queries(8):  # the activity index is built, then cached
            staff_activity.activity_overview(date_range=date_range)
        with django_assert_max_num_queries(5):
            staff_activity.activity_overview(date_range=date_range)
        with django_assert_max_num_queries(3):
            staff_activity.retention_cohorts(date_range=date_range)
        with django_assert_max_num_queries(20):
            staff_stats.content_overview(date_range=date_range)
        with django_assert_max_num_queries(4):
            staff_stats.context_overview(date_range=date_range)
        with django_assert_max_num_queries(3):
            staff_stats.quality_overview(date_range=date_range)


def test_the_activity_index_is_rebuilt_after_the_rollups_run(world, settings):
    before = staff_activity.activity_overview(date_range=RANGE)
    staff_world.roll_up(settings)  # again: same figures whatever the split between rollups and live rows
    after = staff_activity.activity_overview(date_range=RANGE)
    assert before.days == after.days and (before.wau, before.mau) == (after.wau, after.mau)
    bounds = staff_stats.rollup_bounds()
    assert cache.get(staff_activity._index_key(bounds)) is not None


def test_warming_the_caches_after_a_rollup_makes_the_first_view_cheap(world, django_assert_max_num_queries):
    cache.clear()
    staff_activity.warm_staff_caches()
    with django_assert_max_num_queries(3):  # bounds, then the rows the rollups lack
        staff_activity.activity_overview(date_range=RANGE)
