"""A listener's stats: each figure on hand-made data, in their time zone, rollups + live = direct count."""

import datetime as dt

import pytest

from analytics import listener_stats, rollups
from tests.analytics.rollup_data import at, listen, no_rollup_lag  # noqa: F401
from tests.catalog.factories import make_album, make_artist, make_genre, make_track

pytestmark = pytest.mark.django_db
D = dt.date
NOW = at("2026-03-10 12:00")  # a Tuesday


@pytest.fixture
def music():
    rock, jazz, pop = make_genre("Rock"), make_genre("Jazz"), make_genre("Pop")
    alpha, beta, gamma = make_artist("Alpha"), make_artist("Beta"), make_artist("Gamma")
    a1 = make_album("Alpha One", artist=alpha)
    b1 = make_album("Beta One", artist=beta)
    g1 = make_album("Gamma One", artist=gamma)
    return {
        "rock": rock,
        "jazz": jazz,
        "pop": pop,
        "alpha": alpha,
        "beta": beta,
        "gamma": gamma,
        "a1": make_track("A-1", album=a1, genres=[rock], duration_ms=120_000),
        "a2": make_track("A-2", album=a1, genres=[rock], duration_ms=120_000),
        "b1": make_track("B-1", album=b1, genres=[jazz], duration_ms=120_000),
        "g1": make_track("G-1", album=g1, genres=[rock, pop], duration_ms=120_000),
    }


@pytest.fixture
def berliner(user):
    user.time_zone = "Europe/Berlin"
    user.save()
    return user


def _figures(stats):
    """Everything a page shows, as plain data (to compare two computations)."""

    def names(lines):
        return [(line.name, line.listens, line.ms_played) for line in lines]

    return {
        "listens": stats.listens,
        "ms": stats.ms_played,
        "artists": names(stats.top_artists),
        "tracks": names(stats.top_tracks),
        "albums": names(stats.top_albums),
        "genres": names(stats.top_genres),
        "per_day": stats.minutes_per_day,
        "per_week": stats.minutes_per_week,
        "clock": stats.clock,
        "discovery": stats.discovery,
        "streaks": stats.streaks,
        "shift": stats.genre_shift,
        "active_days": stats.active_days,
    }


def _history(user, music):
    listen(user, music["a1"], "2025-12-20 10:00")  # Alpha heard long ago
    for day in (2, 3, 4):
        listen(user, music["a1"], f"2026-03-0{day} 18:00")
        listen(user, music["b1"], f"2026-03-0{day} 19:00", ms_played=60_000)
    listen(user, music["g1"], "2026-03-05 23:30")  # 6 March 00:30 in Berlin
    listen(user, music["a2"], "2026-03-09 22:59")  # 9 March 23:59 in Berlin
    listen(user, music["a2"], "2026-03-10 08:00")  # today
    listen(user, None, "2026-03-10 09:00", ms_played=30_000, artist_name="Nobody", track_name="Lost")


def test_top_lists_minutes_and_totals_on_known_data(berliner, music):
    _history(berliner, music)
    stats = listener_stats.listener_stats(user=berliner, range_key="4w", now=NOW)

    assert stats.listens == 10
    # 3 x 180 s + 3 x 60 s + 3 x 180 s (a1, g1, a2 x2 ...) : sum the listens' own durations
    assert stats.ms_played == 3 * 180_000 + 3 * 60_000 + 180_000 + 2 * 180_000 + 30_000
    assert [(a.name, a.listens) for a in stats.top_artists] == [("Alpha", 5), ("Beta", 3), ("Gamma", 1)]
    assert [(t.name, t.listens) for t in stats.top_tracks] == [("A-1", 3), ("B-1", 3), ("A-2", 2), ("G-1", 1)]
    assert [(a.name, a.listens) for a in stats.top_albums] == [
        ("Alpha One", 5),
        ("Beta One", 3),
        ("Gamma One", 1),
    ]
    assert [(g.name, g.listens) for g in stats.top_genres] == [("Rock", 6), ("Jazz", 3), ("Pop", 1)]
    per_day = dict(stats.minutes_per_day)
    assert per_day[D(2026, 3, 6)] == 3 and per_day[D(2026, 3, 5)] == 0  # the 23:30 UTC listen is 6 March
    assert per_day[D(2026, 3, 9)] == 3
    assert per_day[D(2026, 3, 10)] == 3  # 180 s + 30 s
    assert stats.minutes_per_week[-1] == (D(2026, 3, 9), 6)
    assert stats.active_days == 6


def test_listening_clock_uses_the_local_weekday_and_hour(berliner, music):
    listen(berliner, music["a1"], "2026-03-02 23:30")  # Monday 23:30 UTC = Tuesday 00:30 in Berlin
    listen(berliner, music["a1"], "2026-03-03 11:15")  # Tuesday 12:15 in Berlin
    stats = listener_stats.listener_stats(user=berliner, range_key="4w", now=NOW)
    assert stats.clock[1][0] == 1 and stats.clock[1][12] == 1
    assert sum(map(sum, stats.clock)) == 2


def test_same_figures_before_and_after_the_rollups_and_with_new_listens(berliner, music):
    _history(berliner, music)
    listen(berliner, music["g1"], "2026-03-10 09:30")  # today, a track with two genres
    live_only = _figures(listener_stats.listener_stats(user=berliner, range_key="6m", now=NOW))

    rollups.rollup_run(now=at("2026-03-08 03:00"))
    assert _figures(listener_stats.listener_stats(user=berliner, range_key="6m", now=NOW)) == live_only
    rollups.rollup_run(now=NOW)
    assert _figures(listener_stats.listener_stats(user=berliner, range_key="6m", now=NOW)) == live_only

    # Listens inserted after the run, on an old day and today, are counted straight away.
    listen(berliner, music["b1"], "2026-03-02 12:00")
    listen(berliner, music["b1"], "2026-03-10 10:00")
    stats = listener_stats.listener_stats(user=berliner, range_key="6m", now=NOW)
    assert stats.listens == 14  # 12 in six months (December included), and the two new ones
    assert [(a.name, a.listens) for a in stats.top_artists][:2] == [("Alpha", 6), ("Beta", 5)]
    assert [(g.name, g.listens) for g in stats.top_genres] == [("Rock", 8), ("Jazz", 5), ("Pop", 2)]
    rollups.rollup_run(now=NOW)
    assert _figures(listener_stats.listener_stats(user=berliner, range_key="6m", now=NOW)) == _figures(stats)


def test_streaks_current_and_longest(berliner, music):
    for day in ("2026-02-01", "2026-02-02", "2026-02-03", "2026-02-04", "2026-03-08", "2026-03-09"):
        listen(berliner, music["a1"], f"{day} 12:00")
    rollups.rollup_run(now=at("2026-03-09 00:00"))
    stats = listener_stats.listener_stats(user=berliner, range_key="all", now=NOW)
    # Nothing yet today: the run through yesterday still counts.
    assert (stats.streaks.current, stats.streaks.longest) == (2, 4)
    assert (stats.streaks.longest_start, stats.streaks.longest_end) == (D(2026, 2, 1), D(2026, 2, 4))
    later = listener_stats.listener_stats(user=berliner, range_key="all", now=at("2026-03-11 12:00"))
    assert later.streaks.current == 0


def test_discovery_rate_counts_artists_new_in_the_period(berliner, music):
    _history(berliner, music)
    stats = listener_stats.listener_stats(user=berliner, range_key="4w", now=NOW)
    # Alpha was first heard in December: Beta (3) and Gamma (1) are new, of 9 matched listens.
    assert (stats.discovery.new_artists, stats.discovery.artists) == (2, 3)
    assert (stats.discovery.new_listens, stats.discovery.listens) == (4, 9)
    assert stats.discovery.rate == pytest.approx(4 / 9)


def test_genre_shift_shares_per_month(berliner, music):
    listen(berliner, music["a1"], "2026-01-10 12:00")
    listen(berliner, music["b1"], "2026-01-11 12:00")
    listen(berliner, music["b1"], "2026-02-11 12:00")
    listen(berliner, music["g1"], "2026-03-01 12:00")
    rollups.rollup_run(now=at("2026-02-20 00:00"))
    shift = listener_stats.listener_stats(user=berliner, range_key="6m", now=NOW).genre_shift
    months = shift.months
    assert months[-3:] == [D(2026, 1, 1), D(2026, 2, 1), D(2026, 3, 1)]
    series = dict(shift.series)
    assert series["Rock"][-3:] == [0.5, 0.0, 0.5]
    assert series["Jazz"][-3:] == [0.5, 1.0, 0.0]
    assert series["Pop"][-3:] == [0.0, 0.0, 0.5]


def test_a_time_zone_change_is_reflected_at_once(user, music):
    listen(user, music["a1"], "2026-03-02 23:30")
    rollups.rollup_run(now=NOW)
    assert dict(listener_stats.listener_stats(user=user, now=NOW).minutes_per_day)[D(2026, 3, 2)] == 3

    user.time_zone = "Asia/Tokyo"
    user.save()
    per_day = dict(listener_stats.listener_stats(user=user, now=NOW).minutes_per_day)
    assert per_day[D(2026, 3, 3)] == 3 and per_day[D(2026, 3, 2)] == 0


def test_unknown_range_is_an_error(user):
    with pytest.raises(listener_stats.StatsError) as error:
        listener_stats.listener_stats(user=user, range_key="3y")
    assert error.value.field == "range"


def test_year_in_review(berliner, music):
    _history(berliner, music)
    listen(berliner, music["g1"], "2026-03-04 20:00")
    rollups.rollup_run(now=NOW)
    review = listener_stats.year_in_review(user=berliner, year=2026, now=NOW)
    assert review.stats.listens == 11
    assert review.most_played_day[:2] == (D(2026, 3, 4), 3)
    story = review.genre_story
    assert story.genre.name == "Rock" and story.genre.listens == 7
    assert story.share == pytest.approx(7 / 12)  # Rock 7, Jazz 3, Pop 2 genre-tagged listens
    assert story.peak_month == D(2026, 3, 1)
    assert [a.name for a in story.top_artists] == ["Alpha", "Gamma"]
    assert review.years == [2026, 2025]
    assert listener_stats.year_in_review(user=berliner, year=2025, now=NOW).stats.listens == 1


def test_stats_run_a_constant_number_of_queries(berliner, music, django_assert_max_num_queries):
    _history(berliner, music)
    rollups.rollup_run(now=at("2026-03-08 00:00"))
    with django_assert_max_num_queries(30):
        listener_stats.listener_stats(user=berliner, range_key="6m", now=NOW)
    for day in range(1, 28):
        listen(berliner, make_track(album=make_album(), genres=[music["pop"]]), f"2026-02-{day:02d} 12:00")
    rollups.rollup_run(now=at("2026-03-08 00:00"))
    with django_assert_max_num_queries(30):
        listener_stats.listener_stats(user=berliner, range_key="6m", now=NOW)


def test_random_history_rolled_up_in_steps_agrees_with_a_direct_count(django_user_model):
    import random

    from analytics import models

    rng = random.Random(11)
    genres = [make_genre() for _ in range(4)]
    tracks = [make_track(genres=rng.sample(genres, rng.choice([1, 2]))) for _ in range(12)]
    listener = django_user_model.objects.create_user(username="random", time_zone="America/Sao_Paulo")
    now = at("2026-05-20 12:00")
    moments = [now - dt.timedelta(minutes=rng.randrange(0, 400 * 24 * 60)) for _ in range(400)]
    for run_at in (at("2025-09-01 00:00"), at("2026-02-28 23:00"), at("2026-05-20 02:00")):
        for moment in moments[:120]:
            listen(listener, rng.choice(tracks + [None]), moment, ms_played=rng.choice([None, 61_000]))
        moments = moments[120:]
        rollups.rollup_run(now=run_at)
    for moment in moments:  # after the last run: live
        listen(listener, rng.choice(tracks), moment)

    def everything():
        figures = {
            key: _figures(listener_stats.listener_stats(user=listener, range_key=key, now=now))
            for key in listener_stats.RANGES
        }
        review = listener_stats.year_in_review(user=listener, year=2025, now=now)
        figures["year"] = (
            _figures(review.stats),
            review.most_played_day,
            review.minutes_per_month,
            review.genre_story.months,
            review.genre_story.share,
        )
        for name in listener_stats.LB_RANGES:
            for entity in listener_stats.LB_ENTITIES:
                page = listener_stats.lb_entity_stats(
                    user=listener, entity=entity, range_name=name, count=5, offset=1, now=now
                )
                figures[(name, entity)] = ([(i.name, i.listens) for i in page.items], page.total)
        return figures

    rolled = everything()
    assert models.ListenerTrackMonth.objects.exists()
    models.RollupState.objects.all().delete()  # no watermark: every figure is counted from the listens
    assert everything() == rolled
