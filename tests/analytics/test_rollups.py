"""Daily rollups: equal to direct counts, idempotent, incremental, right across time zones."""

import datetime as dt
from collections import Counter

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from analytics import models, rollups
from listening.models import Listen, Playlist
from tests.analytics.rollup_data import at, listen, no_rollup_lag, play  # noqa: F401
from tests.catalog.factories import make_album, make_artist, make_audio_file, make_genre, make_track

pytestmark = pytest.mark.django_db

D = dt.date


def snapshot():
    """Every rollup row without its id, for comparing two runs."""
    tables = {}
    for model in rollups.SITE_MODELS + rollups.LISTENER_MODELS + rollups.LISTENER_MONTH_MODELS:
        rows = model.objects.values()
        tables[model.__name__] = sorted(
            tuple(sorted((k, v) for k, v in r.items() if k != "id")) for r in rows
        )
    return tables


@pytest.fixture
def catalog():
    rock, jazz = make_genre("Rock"), make_genre("Jazz")
    a1, a2 = make_artist("Alpha"), make_artist("Beta")
    t1 = make_track(
        "One", album=make_album("First", artist=a1), genres=[rock], audio_file=make_audio_file(format="flac")
    )
    t2 = make_track(
        "Two", album=make_album("Second", artist=a2), genres=[rock, jazz], audio_file=make_audio_file()
    )
    return {"rock": rock, "jazz": jazz, "a1": a1, "a2": a2, "t1": t1, "t2": t2}


def test_site_rollups_equal_direct_counts(user, other_user, catalog):
    t1, t2 = catalog["t1"], catalog["t2"]
    listen(user, t1, "2026-01-01 10:00")
    listen(user, t1, "2026-01-01 23:30")
    listen(other_user, t1, "2026-01-01 12:00", ms_played=None)  # counts the track's 200 000 ms
    listen(user, t2, "2026-01-02 08:00")
    listen(user, None, "2026-01-02 09:00", artist_name="Nobody", track_name="Lost")
    play(user, t1, "2026-01-01 10:00")
    play(user, t2, "2026-01-01 11:00", skipped=True)

    rollups.rollup_run(now=at("2026-01-05 03:00"))

    jan1 = models.DailyTrackStats.objects.get(day=D(2026, 1, 1), track=t1)
    assert (jan1.listens, jan1.listeners, jan1.ms_played, jan1.plays, jan1.skips) == (3, 2, 560_000, 1, 0)
    t2_jan1 = models.DailyTrackStats.objects.get(day=D(2026, 1, 1), track=t2)
    assert (t2_jan1.listens, t2_jan1.plays, t2_jan1.skips) == (0, 1, 1)
    rock = models.DailyGenreStats.objects.get(day=D(2026, 1, 2), genre=catalog["rock"])
    assert (rock.listens, rock.listeners) == (1, 1)
    activity = {
        (a.day, a.user_id): (a.listens, a.ms_played, a.plays, a.skips)
        for a in models.DailyListenerActivity.objects.all()
    }
    assert activity == {
        (D(2026, 1, 1), user.id): (2, 360_000, 2, 1),
        (D(2026, 1, 1), other_user.id): (1, 200_000, 0, 0),
        (D(2026, 1, 2), user.id): (2, 360_000, 0, 0),
    }
    # The totals agree with a direct count of the listens.
    direct = Counter(
        (item.listened_at.date(), item.track_id) for item in Listen.objects.filter(track__isnull=False)
    )
    rolled = Counter(
        {(r.day, r.track_id): r.listens for r in models.DailyTrackStats.objects.filter(listens__gt=0)}
    )
    assert rolled == direct


def test_context_kinds_and_quality_by_format(user, catalog):
    discover = Playlist.objects.create(owner=user, name="Discover", kind=Playlist.Kind.DISCOVER)
    play(
        user,
        catalog["t1"],
        "2026-01-01 10:00",
        context_type="generated",
        context_id=str(discover.uid),
        time_to_first_audio_ms=300,
        stall_count=2,
        stall_ms=900,
    )
    play(
        user,
        catalog["t1"],
        "2026-01-01 10:05",
        context_type="generated",
        context_id="not-a-uuid",
        skipped=True,
        time_to_first_audio_ms=100,
        error_count=1,
    )
    play(user, catalog["t2"], "2026-01-01 11:00", context_type="album", skipped=None)

    rollups.rollup_run(now=at("2026-01-02 03:00"))

    contexts = {
        (c.context_type, c.kind): (c.plays, c.completions, c.skips)
        for c in models.DailyContextStats.objects.all()
    }
    assert contexts == {
        ("generated", "discover"): (1, 1, 0),
        ("generated", ""): (1, 0, 1),
        ("album", ""): (1, 0, 0),
    }
    flac = models.DailyQualityStats.objects.get(format="flac")
    assert (flac.plays, flac.ttfa_ms_sum, flac.ttfa_count, flac.stall_count, flac.stall_ms, flac.errors) == (
        2,
        400,
        2,
        2,
        900,
        1,
    )
    assert models.DailyQualityStats.objects.get(format="mp3").ttfa_count == 0


def test_quality_rows_split_by_the_quality_asked_for_and_the_format_served(user, catalog):
    play(user, catalog["t1"], "2026-01-01 10:00", quality="low", stream_format="opus", stream_bitrate_kbps=64)
    play(user, catalog["t1"], "2026-01-01 10:05", quality="low", stream_format="opus", stall_count=1)
    play(user, catalog["t1"], "2026-01-01 10:10", quality="original", stream_format="flac")
    play(user, catalog["t1"], "2026-01-01 10:15")  # an older player: no quality, the file's format

    rollups.rollup_run(now=at("2026-01-02 03:00"))

    rows = models.DailyQualityStats.objects.values_list("quality", "format", "plays", "stall_count")
    assert sorted(rows) == [("", "flac", 1, 0), ("low", "opus", 2, 1), ("original", "flac", 1, 0)]


def test_listener_days_follow_their_time_zone(user, catalog):
    user.time_zone = "Europe/Berlin"
    user.save()
    listen(user, catalog["t1"], "2026-01-01 23:30")  # 00:30 on 2 January in Berlin
    listen(user, catalog["t1"], "2026-01-01 22:30")  # 23:30 on 1 January in Berlin

    rollups.rollup_run(now=at("2026-01-05 03:00"))

    days = dict(models.ListenerDayStats.objects.filter(user=user).values_list("day", "listens"))
    assert days == {D(2026, 1, 1): 1, D(2026, 1, 2): 1}
    hours = set(models.ListenerHourStats.objects.filter(user=user).values_list("day", "hour"))
    assert hours == {(D(2026, 1, 1), 23), (D(2026, 1, 2), 0)}
    # Site days stay in the site's time zone (UTC).
    assert list(models.DailyListenerActivity.objects.values_list("day", "listens")) == [(D(2026, 1, 1), 2)]


def test_a_time_zone_change_rebuilds_the_listener(user, catalog):
    listen(user, catalog["t1"], "2026-01-01 23:30")
    rollups.rollup_run(now=at("2026-01-05 03:00"))
    assert list(models.ListenerDayStats.objects.values_list("day", flat=True)) == [D(2026, 1, 1)]

    user.time_zone = "Asia/Tokyo"
    user.save()
    summary = rollups.rollup_run(now=at("2026-01-05 04:00"))

    assert summary.listeners_rebuilt == 1
    assert list(models.ListenerDayStats.objects.values_list("day", flat=True)) == [D(2026, 1, 2)]
    assert models.ListenerRollupState.objects.get(user=user).time_zone == "Asia/Tokyo"


def test_days_before_the_watermark_day_only(user, catalog):
    listen(user, catalog["t1"], "2026-01-04 10:00")
    listen(user, catalog["t1"], "2026-01-05 01:00")  # the watermark's day: left to the live query
    rollups.rollup_run(now=at("2026-01-05 03:00"))
    assert list(models.DailyTrackStats.objects.values_list("day", flat=True)) == [D(2026, 1, 4)]
    assert list(models.ListenerDayStats.objects.values_list("day", flat=True)) == [D(2026, 1, 4)]


def test_rerunning_changes_nothing_and_full_gives_the_same(user, other_user, catalog):
    other_user.time_zone = "America/New_York"
    other_user.save()
    for day in range(1, 8):
        listen(user, catalog["t1" if day % 2 else "t2"], f"2026-01-0{day} 23:{day:02d}")
        listen(other_user, catalog["t2"], f"2026-01-0{day} 02:00")
        play(user, catalog["t1"], f"2026-01-0{day} 12:00", skipped=day % 3 == 0)
    rollups.rollup_run(now=at("2026-01-09 03:00"))
    first = snapshot()

    again = rollups.rollup_run(now=at("2026-01-09 03:00"))
    assert snapshot() == first
    assert (again.site_days, again.listener_days) == (0, 0)

    rollups.rollup_run(full=True, now=at("2026-01-09 03:00"))
    assert snapshot() == first


def test_one_new_day_recomputes_one_day(user, catalog):
    for day in range(1, 8):
        listen(user, catalog["t1"], f"2026-01-0{day} 12:00")
    rollups.rollup_run(now=at("2026-01-08 03:00"))
    listen(user, catalog["t2"], "2026-01-08 12:00")

    with CaptureQueriesContext(connection) as queries:
        summary = rollups.rollup_run(now=at("2026-01-09 03:00"))

    assert (summary.site_days, summary.listener_days, summary.full) == (1, 1, False)
    assert models.DailyTrackStats.objects.filter(day=D(2026, 1, 8), track=catalog["t2"]).exists()
    assert models.ListenerDayStats.objects.count() == 8
    assert len(queries) < 60


def test_a_late_import_into_an_old_day_is_picked_up(user, catalog):
    listen(user, catalog["t1"], "2026-01-03 12:00")
    rollups.rollup_run(now=at("2026-01-08 03:00"))
    listen(user, catalog["t2"], "2025-06-01 12:00")  # an imported listen, months back

    summary = rollups.rollup_run(now=at("2026-01-08 04:00"))

    assert summary.site_days == 1
    assert models.DailyTrackStats.objects.filter(day=D(2025, 6, 1), track=catalog["t2"], listens=1).exists()
    assert models.ListenerDayStats.objects.filter(day=D(2025, 6, 1)).exists()


def test_dirty_days_recompute_listens_changed_in_place(user, catalog):
    unmatched = listen(user, None, "2026-01-03 12:00", artist_name="Alpha", track_name="One")
    rollups.rollup_run(now=at("2026-01-08 03:00"))
    assert not models.DailyTrackStats.objects.exists()

    Listen.objects.filter(pk=unmatched.pk).update(track=catalog["t1"])  # linked after a library import
    rollups.rollup_mark_dirty(days=[D(2026, 1, 3)])
    rollups.rollup_run(now=at("2026-01-08 04:00"))

    assert models.DailyTrackStats.objects.get(track=catalog["t1"]).listens == 1
    assert models.ListenerTrackDay.objects.get(track=catalog["t1"]).listens == 1
    assert not models.DirtyDay.objects.exists()


def test_reconciling_finds_listens_linked_after_they_were_rolled_up(user, catalog):
    unmatched = listen(user, None, "2026-01-03 12:00", artist_name="Alpha", track_name="One")
    listen(user, catalog["t2"], "2026-01-04 12:00")
    rollups.rollup_run(now=at("2026-02-08 03:00"))

    Listen.objects.filter(pk=unmatched.pk).update(track=catalog["t1"])
    assert rollups.rollup_run(now=at("2026-02-08 04:00")).site_days == 0  # invisible to the watermark
    summary = rollups.rollup_run(reconcile=True, now=at("2026-02-08 05:00"))

    assert summary.site_days == 1
    assert models.DailyTrackStats.objects.get(track=catalog["t1"]).listens == 1
    assert models.ListenerTrackMonth.objects.get(track=catalog["t1"]).listens == 1
    assert rollups.rollup_run(reconcile=True, now=at("2026-02-08 06:00")).site_days == 0


def test_command_prints_a_summary(user, catalog, capsys):
    listen(user, catalog["t1"], "2026-01-03 12:00")
    call_command("rollup_analytics", "--full", "--no-progress")
    assert "full rebuild" in capsys.readouterr().out
    assert models.DailyTrackStats.objects.filter(track=catalog["t1"]).exists()


@pytest.mark.parametrize("whole_zone_after", [1000, 0])
def test_incremental_runs_over_random_listens_equal_direct_counts_in_every_time_zone(
    django_user_model, monkeypatch, whole_zone_after
):
    # 0: every changed day and month is recomputed for the whole time zone (the path for many listeners).
    monkeypatch.setattr(rollups, "WHOLE_ZONE_AFTER", whole_zone_after)
    import random
    import zoneinfo

    rng = random.Random(7)
    # The last one is no time zone at all: its listener's days are UTC days.
    zones = ["UTC", "Europe/Berlin", "America/Los_Angeles", "Asia/Kolkata", "Pacific/Auckland", "Not/AZone"]
    users = [
        django_user_model.objects.create_user(username=f"tz{i}", time_zone=zone)
        for i, zone in enumerate(zones)
    ]
    tracks = [make_track(genres=[make_genre()]) for _ in range(4)]
    start = at("2026-03-26 00:00")  # across the European daylight saving change (29 March)
    moments = [start + dt.timedelta(minutes=rng.randrange(0, 8 * 24 * 60)) for _ in range(300)]
    # Three runs as time goes by, listens arriving in between (some of them for days already rolled up).
    for run_at in (at("2026-03-29 06:00"), at("2026-03-31 23:59"), at("2026-04-04 00:30")):
        for moment in moments[:100]:
            listen(
                rng.choice(users), rng.choice(tracks + [None]), moment, ms_played=rng.choice([None, 90_000])
            )
        moments = moments[100:]
        rollups.rollup_run(now=run_at)
    incremental = snapshot()

    cutoff = at("2026-04-04 00:30")
    expected = Counter()
    for item in Listen.objects.select_related("user"):
        tz = zoneinfo.ZoneInfo(item.user.time_zone if item.user.time_zone != "Not/AZone" else "UTC")
        day = item.listened_at.astimezone(tz).date()
        if day < cutoff.astimezone(tz).date():
            expected[(item.user_id, day)] += 1
    rolled = Counter({(r.user_id, r.day): r.listens for r in models.ListenerDayStats.objects.all()})
    assert rolled == expected
    site = Counter(
        item.listened_at.date() for item in Listen.objects.filter(listened_at__lt=at("2026-04-04 00:00"))
    )
    per_site_day = Counter()
    for row in models.DailyListenerActivity.objects.all():
        per_site_day[row.day] += row.listens
    assert per_site_day == site

    rollups.rollup_run(full=True, now=cutoff)
    assert snapshot() == incremental


def test_deleting_a_listener_or_a_track_deletes_their_rollup_rows(user, other_user, catalog):
    listen(user, catalog["t1"], "2026-01-03 12:00")
    listen(other_user, catalog["t2"], "2026-01-03 12:00")
    rollups.rollup_run(now=at("2026-02-08 03:00"))
    assert models.ListenerTrackMonth.objects.filter(user=user).exists()

    user.delete()
    catalog["t2"].delete()

    for model in rollups.LISTENER_MODELS + rollups.LISTENER_MONTH_MODELS + (models.DailyListenerActivity,):
        assert not model.objects.filter(user_id=user.pk).exists(), model
    assert not models.DailyTrackStats.objects.filter(track_id=catalog["t2"].pk).exists()
    assert not models.ListenerTrackDay.objects.filter(track_id=catalog["t2"].pk).exists()


def test_month_rows_are_written_when_the_month_is_complete(user, catalog):
    user.time_zone = "Pacific/Auckland"
    user.save()
    listen(user, catalog["t1"], "2026-01-10 12:00")
    listen(user, catalog["t1"], "2026-01-31 12:00")  # 1 February in Auckland
    rollups.rollup_run(now=at("2026-01-20 00:00"))
    assert not models.ListenerTrackMonth.objects.exists()  # January is not over: day rows only

    rollups.rollup_run(now=at("2026-02-02 00:00"))  # nothing new, but January is now complete

    months = set(models.ListenerTrackMonth.objects.values_list("month", "listens"))
    assert months == {(D(2026, 1, 1), 1)}
    assert models.ListenerArtistMonth.objects.get().first_day == D(2026, 1, 11)
