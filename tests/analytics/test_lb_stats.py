"""GET /1/stats/user/<name>/{artists,releases,recordings} (ListenBrainz shape) and /api/v1/.../stats/."""

import uuid

import pytest
from rest_framework.authtoken.models import Token

from analytics import rollups
from tests.analytics.rollup_data import at, listen, no_rollup_lag  # noqa: F401
from tests.catalog.factories import make_album, make_artist, make_genre, make_track

pytestmark = pytest.mark.django_db
ARTIST_MBID = uuid.UUID("8f6bd1e4-fbe1-4f50-aa9b-94c450ec0f11")


@pytest.fixture
def history(user):
    alpha = make_artist("Alpha", mbid=ARTIST_MBID)
    first = make_album("First", artist=alpha)
    one = make_track("One", album=first, genres=[make_genre("Rock")], mbid=uuid.uuid4())
    two = make_track("Two", album=first)
    three = make_track("Three", album=make_album("Other", artist=make_artist("Beta")))
    for track, times in ((one, 3), (two, 2), (three, 1)):
        for index in range(times):
            listen(user, track, f"2026-01-{10 + index:02d} 12:00")
    rollups.rollup_run(now=at("2026-01-11 00:00"))  # some days rolled up, some live
    return {"one": one, "two": two, "three": three}


def test_artists_in_listenbrainz_shape(user_client, user, history, django_assert_max_num_queries):
    with django_assert_max_num_queries(16):
        response = user_client.get(f"/1/stats/user/{user.username}/artists")
    assert response.status_code == 200
    payload = response.json()["payload"]
    assert payload["user_id"] == user.username
    assert payload["artists"] == [
        {
            "artist_name": "Alpha",
            "artist_mbids": [str(ARTIST_MBID)],
            "artist_mbid": str(ARTIST_MBID),
            "listen_count": 5,
        },
        {"artist_name": "Beta", "artist_mbids": [], "artist_mbid": None, "listen_count": 1},
    ]
    assert (payload["count"], payload["total_artist_count"], payload["offset"], payload["range"]) == (
        2,
        2,
        0,
        "all_time",
    )
    assert payload["from_ts"] == int(at("2026-01-10 00:00").timestamp())
    assert payload["to_ts"] >= payload["from_ts"] and payload["last_updated"] > 0


def test_recordings_and_releases_with_count_and_offset(user_client, user, history):
    payload = user_client.get(f"/1/stats/user/{user.username}/recordings?count=1&offset=1").json()["payload"]
    assert payload["recordings"] == [
        {
            "track_name": "Two",
            "recording_mbid": None,
            "release_name": "First",
            "release_mbid": None,
            "artist_name": "Alpha",
            "artist_mbids": [str(ARTIST_MBID)],
            "listen_count": 2,
        }
    ]
    assert (payload["count"], payload["total_recording_count"], payload["offset"]) == (1, 3, 1)
    releases = user_client.get(f"/1/stats/user/{user.username}/releases/").json()["payload"]
    assert [(r["release_name"], r["listen_count"]) for r in releases["releases"]] == [
        ("First", 5),
        ("Other", 1),
    ]
    assert releases["total_release_count"] == 2


def test_no_stats_in_the_range_is_204(user_client, user, history):
    assert user_client.get(f"/1/stats/user/{user.username}/artists?range=this_week").status_code == 204


def test_a_bad_range_or_count_is_400(user_client, user, history):
    response = user_client.get(f"/1/stats/user/{user.username}/artists?range=decade")
    assert response.status_code == 400 and response.json() == {"code": 400, "error": "Invalid range: decade"}
    assert user_client.get(f"/1/stats/user/{user.username}/artists?count=-2").status_code == 400


def test_unknown_user_is_404_and_another_user_too(user_client, other_user, history):
    assert user_client.get("/1/stats/user/nobody/artists").status_code == 404
    assert user_client.get(f"/1/stats/user/{other_user.username}/artists").status_code == 404


def test_token_reads_its_own_stats(client, user, history):
    token = Token.objects.create(user=user)
    response = client.get(f"/1/stats/user/{user.username}/artists", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200


# ------------------------------------------------------------------------------- the REST API


def test_my_stats_api(user_client, history, django_assert_max_num_queries):
    with django_assert_max_num_queries(30):
        response = user_client.get("/api/v1/me/stats/?range=all")
    assert response.status_code == 200
    body = response.json()
    assert body["listens"] == 6 and body["range"] == "all"
    assert [(a["name"], a["listens"]) for a in body["top_artists"]] == [("Alpha", 5), ("Beta", 1)]
    assert len(body["clock"]) == 7 and len(body["clock"][0]) == 24
    assert body["streaks"]["longest"] == 3


def test_my_stats_api_rejects_a_bad_range(user_client):
    response = user_client.get("/api/v1/me/stats/?range=10y")
    assert response.status_code == 400 and "range" in response.json()


def test_user_stats_api_is_for_the_listener_and_staff(client, user, other_user, staff_user, history):
    client.force_login(other_user)
    assert client.get(f"/api/v1/users/{user.username}/stats/").status_code == 404
    client.force_login(staff_user)
    assert client.get(f"/api/v1/users/{user.username}/stats/?range=all").json()["listens"] == 6
    client.force_login(user)
    assert client.get(f"/api/v1/users/{user.username}/stats/").status_code == 200


def test_stats_reads_over_the_expensive_read_rate_are_429_with_retry_after(user_client, settings):
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "reads-expensive": "2/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    assert [user_client.get("/api/v1/me/stats/?range=all").status_code for _ in range(2)] == [200, 200]
    refused = user_client.get("/api/v1/me/stats/?range=all")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0 and "throttled" in refused.json()["detail"]


def test_stats_api_needs_authentication(client):
    assert client.get("/api/v1/me/stats/").status_code == 401
