"""The recommend API: permissions, validation, shapes and constant query counts."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from recommend import selectors
from recommend.models import TrackDislike
from tests.api.conftest import token_client
from tests.catalog.factories import make_album, make_artist, make_genre, make_track
from tests.recommend import reco_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    """No throttle history or radio sessions from other tests."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api(user):
    return token_client(user)


@pytest.fixture
def other_api(other_user):
    return token_client(other_user)


@pytest.fixture
def staff_api(staff_user):
    return token_client(staff_user)


@pytest.fixture
def anonymous():
    return APIClient()


def start(client, **body):
    return client.post("/api/v1/radio/", body, format="json")


def more(client, session, **body):
    return client.post(f"/api/v1/radio/{session}/next/", body, format="json")


# ------------------------------------------------------------------------------ recommendations
def test_a_listener_gets_their_recommendations_ranked_with_reasons(api, user):
    data = reco_data.build(user, recommendations=5, mixes=1)
    answer = api.get("/api/v1/users/listener/recommendations/?limit=3")
    assert answer.status_code == 200
    rows = answer.json()
    assert [row["rank"] for row in rows] == [1, 2, 3]
    first, track = rows[0], data["tracks"][0]
    assert first["track"]["id"] == track.pk and first["track"]["title"] == track.title
    assert first["track"]["artist"] == track.artist.name and first["track"]["artist_id"] == track.artist_id
    assert first["track"]["album"] == track.album.title
    assert first["reason"] == "Because you listened to Seed Artist B hit by Seed Artist B"
    assert first["seed_track"]["id"] == data["seeds"][1].pk


def test_recommendations_leave_out_what_the_listener_played_since(api, user):
    data = reco_data.build(user, recommendations=3, mixes=1)
    reco_data.listen(user, data["tracks"][0])
    ids = [row["track"]["id"] for row in api.get("/api/v1/users/listener/recommendations/").json()]
    assert ids == [t.pk for t in data["tracks"][1:]]


def test_another_listeners_recommendations_are_404_and_staff_may_read_them(
    user, other_api, staff_api, anonymous
):
    reco_data.build(user, recommendations=2, mixes=1)
    assert other_api.get("/api/v1/users/listener/recommendations/").status_code == 404
    assert anonymous.get("/api/v1/users/listener/recommendations/").status_code == 401
    answer = staff_api.get("/api/v1/users/listener/recommendations/")
    assert answer.status_code == 200 and len(answer.json()) == 2
    assert staff_api.get("/api/v1/users/nobody/recommendations/").status_code == 404


@pytest.mark.parametrize("limit", ["0", "201", "ten", "-1", "1e3"])
def test_a_bad_limit_is_a_400_naming_the_field(api, user, limit):
    answer = api.get(f"/api/v1/users/listener/recommendations/?limit={limit}")
    assert answer.status_code == 400
    assert "limit" in answer.json()


def test_recommendations_run_a_constant_number_of_queries(
    api, user, other_user, staff_api, django_assert_max_num_queries
):
    reco_data.build(user, recommendations=3, mixes=1)
    reco_data.build(other_user, recommendations=60, mixes=1)
    counts = []
    for client, name in ((api, "listener"), (staff_api, "someone")):
        with django_assert_max_num_queries(6) as captured:
            assert client.get(f"/api/v1/users/{name}/recommendations/?limit=200").status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]


# ------------------------------------------------------------------------------ generated playlists
def test_a_listener_lists_their_mixes_and_reads_one_with_reasons(api, user):
    data = reco_data.build(user, recommendations=4, mixes=3)
    mixes = api.get("/api/v1/users/listener/mixes/").json()
    assert [m["kind"] for m in mixes] == ["discover", "daily_mix", "daily_mix"]
    assert mixes[0]["track_count"] == 4
    detail = api.get(f"/api/v1/users/listener/mixes/{mixes[0]['uid']}/").json()
    assert [t["id"] for t in detail["tracks"]] == [t.pk for t in data["tracks"]]
    assert detail["tracks"][0]["reason"].startswith("Because you listened to")


def test_mixes_are_private_and_user_playlists_are_not_mixes(api, user, other_api, staff_api):
    reco_data.build(user, recommendations=2, mixes=1)
    uid = api.get("/api/v1/users/listener/mixes/").json()[0]["uid"]
    assert other_api.get("/api/v1/users/listener/mixes/").status_code == 404
    assert other_api.get(f"/api/v1/users/listener/mixes/{uid}/").status_code == 404
    assert staff_api.get(f"/api/v1/users/listener/mixes/{uid}/").status_code == 200
    created = api.post("/api/v1/playlists/", {"name": "Mine"}, format="json").json()
    assert api.get(f"/api/v1/users/listener/mixes/{created['uid']}/").status_code == 404


def test_the_mix_list_runs_a_constant_number_of_queries(
    api, user, other_user, staff_api, django_assert_max_num_queries
):
    reco_data.build(user, recommendations=2, mixes=1)
    reco_data.build(other_user, recommendations=10, mixes=7)
    counts = []
    for client, name in ((api, "listener"), (staff_api, "someone")):
        with django_assert_max_num_queries(6) as captured:
            assert client.get(f"/api/v1/users/{name}/mixes/").status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]


# ------------------------------------------------------------------------------ radio
@pytest.fixture
def radio_catalog():
    genre = make_genre()
    artists = [make_artist(f"Artist {n}") for n in range(4)]
    tracks = [make_track(f"Song {a}.{n}", album=make_album(artist=artist), genres=[genre])
              for a, artist in enumerate(artists) for n in range(3)]
    return tracks


def test_a_radio_starts_and_continues_without_repeats(api, radio_catalog):
    seed = radio_catalog[0]
    started = start(api, seed_type="track", seed_id=str(seed.pk), size=4)
    assert started.status_code == 201
    body = started.json()
    assert body["context_type"] == "radio" and body["context_id"] == body["session"]
    assert body["tracks"][0]["id"] == seed.pk and len(body["tracks"]) == 4
    skipped = body["tracks"][1]["id"]
    following = more(api, body["session"], size=8, skipped=[skipped])
    assert following.status_code == 200
    ids = [t["id"] for t in body["tracks"]] + [t["id"] for t in following.json()["tracks"]]
    assert len(ids) == len(set(ids)) == 12
    last = more(api, body["session"]).json()
    assert last["exhausted"] is True and last["tracks"] == []


def test_radio_input_is_validated(api, radio_catalog):
    assert "seed_type" in start(api, seed_type="mood", seed_id="1").json()
    assert "size" in start(api, seed_type="track", seed_id="1", size=0).json()
    assert "seed_id" in start(api, seed_type="track").json()
    assert start(api, seed_type="artist", seed_id="999999").status_code == 404
    session = start(api, seed_type="track", seed_id=str(radio_catalog[0].pk)).json()["session"]
    bad = more(api, session, skipped=["x"])
    assert bad.status_code == 400 and "skipped" in bad.json()


def test_a_radio_session_is_its_listeners_only(api, other_api, radio_catalog):
    session = start(api, seed_type="track", seed_id=str(radio_catalog[0].pk)).json()["session"]
    assert more(other_api, session).status_code == 404
    assert more(api, "not-a-session").status_code == 404


# ------------------------------------------------------------------------------ similar items
def test_similar_tracks_and_artists(api):
    track, near = make_track("Seed"), make_track("Near")
    reco_data.save_similar_tracks(track, [(near, 0.9)])
    reco_data.save_similar_artists(track.artist, [(near.artist, 0.9)])
    tracks = api.get(f"/api/v1/tracks/{track.pk}/similar/").json()
    assert tracks["source"] == "neighbours" and len(tracks["tracks"]) == 1
    assert tracks["tracks"][0]["id"] == near.pk
    artists = api.get(f"/api/v1/artists/{track.artist_id}/similar/?limit=5").json()
    assert artists["source"] == "neighbours" and artists["artists"][0]["id"] == near.artist_id
    assert api.get("/api/v1/tracks/999999/similar/").status_code == 404
    assert "limit" in api.get(f"/api/v1/artists/{track.artist_id}/similar/?limit=0").json()


# ------------------------------------------------------------------------------ thumbs-down
def test_thumbs_down_and_undo(api, user):
    data = reco_data.build(user, recommendations=3, mixes=2)
    track = data["tracks"][0]
    created = api.post("/api/v1/me/dislikes/", {"track_id": track.pk}, format="json")
    assert created.status_code == 201 and created.json()["track"]["id"] == track.pk
    assert api.post("/api/v1/me/dislikes/", {"track_id": track.pk}, format="json").status_code == 200
    assert track not in selectors.recommended_tracks(user=user)
    listed = api.get("/api/v1/me/dislikes/").json()
    assert [row["track"]["id"] for row in listed["results"]] == [track.pk]
    assert api.delete(f"/api/v1/me/dislikes/{track.pk}/").status_code == 204
    assert track in selectors.recommended_tracks(user=user)
    assert api.delete(f"/api/v1/me/dislikes/{track.pk}/").status_code == 404
    assert not TrackDislike.objects.exists()


def test_thumbs_down_input_is_validated(api, anonymous):
    assert api.post("/api/v1/me/dislikes/", {"track_id": 999999}, format="json").status_code == 404
    assert "track_id" in api.post("/api/v1/me/dislikes/", {"track_id": "x"}, format="json").json()
    assert "track_id" in api.post("/api/v1/me/dislikes/", {"track_id": 2**70}, format="json").json()
    assert anonymous.post("/api/v1/me/dislikes/", {"track_id": 1}, format="json").status_code == 401


def test_thumbs_down_is_throttled_like_every_write(api, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"writes": "2/min", "player": "600/min"}
    }
    track = make_track()
    answers = [api.post("/api/v1/me/dislikes/", {"track_id": track.pk}, format="json").status_code
               for _ in range(3)]
    assert answers[:2] == [201, 200] and answers[2] == 429
