"""The history API: your listens (read, submit), likes, now playing; others' history for staff only."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from listening import services
from listening.models import Listen, NowPlaying, Source
from tests.catalog.factories import make_album, make_artist, make_track

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2025, 6, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def track():
    return make_track("Blue Moon", album=make_album("Night Drives", artist=make_artist("Ada Stone")))


def listen(user, *, at: dt.datetime, track=None, artist_name="", track_name="") -> Listen:
    return Listen.objects.create(
        user=user,
        track=track,
        listened_at=at,
        artist_name=artist_name or (track.artist.name if track else ""),
        track_name=track_name or (track.title if track else ""),
        dedupe_key=uuid.uuid4().hex,
        source=Source.API,
    )


def iso(moment: dt.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


# ------------------------------------------------------------------------------ reading the history
def test_history_is_newest_first_with_unmatched_listens(api, user, other_user, track):
    listen(user, at=T0, track=track)
    listen(user, at=T0 + dt.timedelta(hours=1), artist_name="Nobody", track_name="Unknown Song")
    listen(other_user, at=T0 + dt.timedelta(hours=2), track=track)
    results = api.get("/api/v1/me/listens/").json()["results"]
    assert [item["listened_at"] for item in results] == [iso(T0 + dt.timedelta(hours=1)), iso(T0)]
    unmatched, matched = results
    assert unmatched["track"] is None
    assert (unmatched["artist_name"], unmatched["track_name"]) == ("Nobody", "Unknown Song")
    assert matched["track"]["id"] == track.pk
    assert matched["track"]["stream_url"] == f"/stream/{track.pk}/"


def test_history_pages_by_cursor(api, user, track):
    for minute in range(5):
        listen(user, at=T0 + dt.timedelta(minutes=minute), track=track)
    first = api.get("/api/v1/me/listens/", {"page_size": 2}).json()
    assert len(first["results"]) == 2 and first["previous"] is None
    seen = [item["id"] for item in first["results"]]
    page = first
    while page["next"]:
        page = api.get(page["next"]).json()
        seen += [item["id"] for item in page["results"]]
    expected = list(Listen.objects.order_by("-listened_at").values_list("pk", flat=True))
    assert seen == expected
    assert api.get("/api/v1/me/listens/", {"cursor": "garbage"}).status_code == 404


def test_history_filters_by_time_range_and_matching(api, user, track):
    for hour in range(4):
        listen(user, at=T0 + dt.timedelta(hours=hour), track=track)
    listen(user, at=T0 + dt.timedelta(hours=5), artist_name="Nobody", track_name="Unknown")

    def times(params):
        answer = api.get("/api/v1/me/listens/", params)
        assert answer.status_code == 200, answer.content
        return [item["listened_at"] for item in answer.json()["results"]]

    start = int(T0.timestamp())
    assert times({"min_ts": start + 3600, "max_ts": start + 3 * 3600}) == [iso(T0 + dt.timedelta(hours=2))]
    assert times({"after": iso(T0 + dt.timedelta(hours=2)), "before": iso(T0 + dt.timedelta(hours=5))}) == [
        iso(T0 + dt.timedelta(hours=3))
    ]
    assert times({"before": "2025-06-01T12:30:00+00:00"}) == [iso(T0)]
    assert times({"matched": "false"}) == [iso(T0 + dt.timedelta(hours=5))]
    assert len(times({"matched": "true"})) == 4
    for params, field in [({"min_ts": "yesterday"}, "min_ts"), ({"max_ts": -1}, "max_ts"),
                          ({"after": "June"}, "after"), ({"before": "0001-01-01T00:00:00+14:00"}, "before")]:
        answer = api.get("/api/v1/me/listens/", params)
        assert answer.status_code == 400 and field in answer.json()


def test_history_query_count_is_constant(api, user, track, django_assert_max_num_queries):
    for minute in range(3):
        listen(user, at=T0 + dt.timedelta(minutes=minute), track=track)
    with django_assert_max_num_queries(3):
        api.get("/api/v1/me/listens/")
    for minute in range(3, 60):
        listen(user, at=T0 + dt.timedelta(minutes=minute), track=make_track())
    with django_assert_max_num_queries(3):
        assert len(api.get("/api/v1/me/listens/").json()["results"]) == 50


# ------------------------------------------------------------------------------ others' history
def test_your_history_under_users_is_yours(api, user, track):
    listen(user, at=T0, track=track)
    answer = api.get(f"/api/v1/users/{user.username}/listens/")
    assert answer.status_code == 200
    assert len(answer.json()["results"]) == 1


def test_other_users_history_is_404(api, other_user, track):
    listen(other_user, at=T0, track=track)
    assert api.get(f"/api/v1/users/{other_user.username}/listens/").status_code == 404
    assert api.get("/api/v1/users/nobody-at-all/listens/").status_code == 404


def test_staff_may_read_anyones_history(staff_api, user, track):
    listen(user, at=T0, track=track)
    answer = staff_api.get(f"/api/v1/users/{user.username}/listens/")
    assert answer.status_code == 200
    assert [item["track"]["id"] for item in answer.json()["results"]] == [track.pk]
    assert staff_api.get("/api/v1/users/nobody-at-all/listens/").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/me/listens/", "/api/v1/me/likes/", "/api/v1/me/now-playing/",
        "/api/v1/users/listener/listens/",
    ],
)
def test_anonymous_history_requests_are_401(anonymous, user, path):
    assert anonymous.get(path).status_code == 401


# ------------------------------------------------------------------------------ submitting listens
def submit(api, *listens):
    return api.post("/api/v1/me/listens/", {"listens": list(listens)}, format="json")


def test_submit_by_track_id_and_by_names(api, user, track):
    answer = submit(
        api,
        {"listened_at": iso(T0), "track_id": track.pk},
        {"listened_at": iso(T0 + dt.timedelta(minutes=4)), "artist_name": "ada stone",
         "track_name": "BLUE MOON"},
        {"listened_at": iso(T0 + dt.timedelta(minutes=8)), "artist_name": "Nobody", "track_name": "Elsewhere",
         "release_name": "Far Away", "duration_ms": 200_000},
    )
    assert answer.status_code == 200, answer.content
    assert answer.json() == {"received": 3, "recorded": 3}
    rows = list(Listen.objects.filter(user=user).order_by("listened_at"))
    assert [row.track_id for row in rows] == [track.pk, track.pk, None]
    names = (rows[2].artist_name, rows[2].track_name, rows[2].release_name)
    assert names == ("Nobody", "Elsewhere", "Far Away")
    assert rows[2].additional_info["duration_ms"] == 200_000
    assert {row.source for row in rows} == {Source.API}
    history = api.get("/api/v1/me/listens/").json()["results"]
    assert [item["track"] and item["track"]["id"] for item in history] == [None, track.pk, track.pk]


def test_submitting_again_adds_nothing(api, user, track):
    listens = [
        {"listened_at": iso(T0), "track_id": track.pk},
        {"listened_at": iso(T0 + dt.timedelta(minutes=5)), "artist_name": "Nobody",
         "track_name": "Elsewhere"},
    ]
    assert submit(api, *listens).json() == {"received": 2, "recorded": 2}
    assert submit(api, *listens).json() == {"received": 2, "recorded": 0}
    assert submit(api, listens[0], listens[0]).json() == {"received": 2, "recorded": 0}
    assert Listen.objects.filter(user=user).count() == 2


def test_one_bad_listen_refuses_the_whole_submission(api, user, track):
    answer = submit(
        api,
        {"listened_at": iso(T0), "track_id": track.pk},
        {"listened_at": iso(T0), "track_id": 999_999},
    )
    assert answer.status_code == 400
    assert answer.json() == {"listens": {"1": {"track_id": ["There is no track 999999."]}}}
    assert not Listen.objects.exists()


@pytest.mark.parametrize(
    ("item", "field"),
    [
        ({"track_id": 1}, "listened_at"),
        ({"listened_at": "yesterday", "track_id": 1}, "listened_at"),
        ({"listened_at": "2001-01-01T00:00:00Z", "track_id": 1}, "listened_at"),
        ({"listened_at": "2999-01-01T00:00:00Z", "track_id": 1}, "listened_at"),
        ({"listened_at": iso(T0), "artist_name": "Somebody"}, "track_name"),
        ({"listened_at": iso(T0), "track_name": "Something"}, "artist_name"),
        ({"listened_at": iso(T0), "artist_name": " ", "track_name": "Something"}, "artist_name"),
        ({"listened_at": iso(T0), "artist_name": "A", "track_name": "x" * 513}, "track_name"),
        ({"listened_at": iso(T0), "artist_name": "A", "track_name": "B", "recording_mbid": "x"},
         "recording_mbid"),
        ({"listened_at": iso(T0), "artist_name": "A", "track_name": "B", "duration_ms": -1}, "duration_ms"),
        ({"listened_at": iso(T0), "track_id": 1, "artist_name": "A"}, "track_id"),
        ({"listened_at": iso(T0), "track_id": "one"}, "track_id"),
    ],
)
def test_invalid_listens_are_400_naming_the_field(api, track, item, field):
    answer = submit(api, {"listened_at": iso(T0), "track_id": track.pk}, item)
    assert answer.status_code == 400, answer.content
    assert list(answer.json()["listens"]) == ["1"]
    assert field in answer.json()["listens"]["1"]
    assert not Listen.objects.exists()


@pytest.mark.parametrize(
    ("body", "status"),
    [({"listens": []}, 400), ({}, 400), ([], 400), ({"listens": "all of them"}, 400)],
)
def test_submissions_without_listens_are_400(api, body, status):
    answer = api.post("/api/v1/me/listens/", body, format="json")
    assert answer.status_code == status
    assert "listens" in answer.json() or "non_field_errors" in answer.json()


def test_at_most_a_thousand_listens_at_once(api, user):
    many = [
        {"listened_at": iso(T0 + dt.timedelta(minutes=n)), "artist_name": "A", "track_name": f"Song {n}"}
        for n in range(1001)
    ]
    answer = submit(api, *many)
    assert answer.status_code == 400 and "listens" in answer.json()
    answer = submit(api, *many[:1000])
    assert answer.json() == {"received": 1000, "recorded": 1000}


# ------------------------------------------------------------------------------ likes and now playing
def test_likes_list_by_kind_most_recent_first(api, user, other_user, track):
    second = make_track("Second")
    services.track_like_set(user=user, track=track, liked=True)
    services.track_like_set(user=user, track=second, liked=True)
    services.track_like_set(user=other_user, track=track, liked=True)
    services.album_like_set(user=user, album=track.album, liked=True)
    services.artist_like_set(user=user, artist=track.artist, liked=True)
    tracks = api.get("/api/v1/me/likes/").json()["results"]
    assert [(item["kind"], item["id"]) for item in tracks] == [("track", second.pk), ("track", track.pk)]
    assert tracks[1]["track"]["title"] == "Blue Moon" and tracks[1]["album"] is None
    (album,) = api.get("/api/v1/me/likes/", {"kind": "album"}).json()["results"]
    assert (album["id"], album["album"]["title"], album["track"]) == (track.album_id, "Night Drives", None)
    (artist,) = api.get("/api/v1/me/likes/", {"kind": "artist"}).json()["results"]
    assert artist["artist"]["name"] == "Ada Stone"
    answer = api.get("/api/v1/me/likes/", {"kind": "playlist"})
    assert answer.status_code == 400 and "kind" in answer.json()


def test_now_playing(api, user, track):
    assert api.get("/api/v1/me/now-playing/").json()["playing"] is False
    NowPlaying.objects.create(
        user=user, track=track, artist_name="Ada Stone", track_name="Blue Moon",
        started_at=timezone.now(), expires_at=timezone.now() + dt.timedelta(minutes=3),
    )
    now = api.get("/api/v1/me/now-playing/").json()
    assert now["playing"] is True
    assert (now["track"]["id"], now["track_name"]) == (track.pk, "Blue Moon")


def test_expired_now_playing_is_nothing(api, user, track):
    NowPlaying.objects.create(
        user=user, track=track, started_at=T0, expires_at=T0 + dt.timedelta(minutes=3)
    )
    assert api.get("/api/v1/me/now-playing/").json() == {
        "playing": False, "track": None, "artist_name": "", "track_name": "", "release_name": "",
        "started_at": None, "expires_at": None,
    }


# ------------------------------------------------------------------------------ throttling
def test_writes_past_the_rate_are_429_and_reads_are_not_throttled(api, track, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "writes": "2/min"},
    }
    for minute in range(2):
        answer = submit(api, {"listened_at": iso(T0 + dt.timedelta(minutes=minute)), "track_id": track.pk})
        assert answer.status_code == 200
    refused = submit(api, {"listened_at": iso(T0), "track_id": track.pk})
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    # The same rate covers every write of the API, and is per user.
    assert api.post("/api/v1/playlists/", {"name": "x"}, format="json").status_code == 429
    for _ in range(5):
        assert api.get("/api/v1/me/listens/").status_code == 200
        assert api.get("/api/v1/tracks/").status_code == 200


def test_the_write_rate_is_per_user(api, other_api, track, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "writes": "1/min"},
    }
    assert submit(api, {"listened_at": iso(T0), "track_id": track.pk}).status_code == 200
    assert submit(api, {"listened_at": iso(T0), "track_id": track.pk}).status_code == 429
    assert submit(other_api, {"listened_at": iso(T0), "track_id": track.pk}).status_code == 200
