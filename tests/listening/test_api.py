"""The player's API: play reports, the saved queue across devices, likes."""

import uuid

import pytest
from rest_framework.test import APIClient

from listening.models import Listen, TrackLike
from tests.catalog.factories import make_track

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def track():
    return make_track(duration_ms=100_000)


def test_reports_record_one_listen_past_the_threshold(api, track):
    play_id = str(uuid.uuid4())
    payload = {"play_id": play_id, "track_id": track.pk, "context_type": "album", "context_id": "7"}
    first = api.post("/api/v1/player/plays/", {**payload, "event": "start"}, format="json")
    assert first.status_code == 200
    assert first.json()["listen_recorded"] is False
    for _ in range(2):
        answer = api.post(
            "/api/v1/player/plays/", {**payload, "event": "progress", "played_ms": 50_000}, format="json"
        )
        assert answer.json() == {
            "play_id": play_id,
            "ms_played": 50_000,
            "skipped": None,
            "listen_recorded": True,
        }
    assert Listen.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"play_id": "not-a-uuid"}, "play_id"),
        ({"event": "explode"}, "event"),
        ({"played_ms": -5}, "played_ms"),
        ({"context_type": "galaxy"}, "context_type"),
        ({"track_id": "x"}, "track_id"),
    ],
)
def test_bad_reports_are_400_naming_the_field(api, track, change, field):
    payload = {"play_id": str(uuid.uuid4()), "track_id": track.pk, "event": "start", **change}
    response = api.post("/api/v1/player/plays/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_reporting_an_unknown_track_is_404(api):
    response = api.post(
        "/api/v1/player/plays/",
        {"play_id": str(uuid.uuid4()), "track_id": 999999, "event": "start"},
        format="json",
    )
    assert response.status_code == 404


def test_anonymous_reports_are_refused(client, track):
    response = client.post(
        "/api/v1/player/plays/",
        {"play_id": str(uuid.uuid4()), "track_id": track.pk, "event": "start"},
        content_type="application/json",
    )
    assert response.status_code in (401, 403)


def test_queue_saved_on_one_device_resumes_on_another(user, track):
    other = make_track(duration_ms=90_000)
    phone, laptop = APIClient(), APIClient()
    phone.force_authenticate(user)
    laptop.force_authenticate(user)
    saved = phone.put(
        "/api/v1/player/state/",
        {
            "queue": [track.pk, other.pk],
            "current_index": 1,
            "position_ms": 12_345,
            "repeat": "all",
            "version": 0,
        },
        format="json",
    )
    assert saved.status_code == 200
    state = laptop.get("/api/v1/player/state/").json()
    assert state["queue"] == [track.pk, other.pk]
    assert [t["id"] for t in state["tracks"]] == [track.pk, other.pk]
    assert state["tracks"][0]["stream_url"] == f"/stream/{track.pk}/"
    assert (state["current_index"], state["position_ms"], state["repeat"]) == (1, 12_345, "all")


def test_a_stale_device_gets_409_with_the_current_state(api, track):
    api.put("/api/v1/player/state/", {"queue": [track.pk], "version": 0}, format="json")
    stale = api.put("/api/v1/player/state/", {"queue": [], "version": 0}, format="json")
    assert stale.status_code == 409
    assert stale.json()["state"]["queue"] == [track.pk]


def test_queue_with_unknown_tracks_is_400(api):
    response = api.put("/api/v1/player/state/", {"queue": [999999]}, format="json")
    assert response.status_code == 400
    assert "queue" in response.json()


def test_the_queue_is_private(user, other_user, track):
    mine = APIClient()
    mine.force_authenticate(user)
    mine.put("/api/v1/player/state/", {"queue": [track.pk]}, format="json")
    theirs = APIClient()
    theirs.force_authenticate(other_user)
    assert theirs.get("/api/v1/player/state/").json()["queue"] == []


def test_like_and_unlike_are_idempotent(api, track):
    for _ in range(2):
        assert api.put(f"/api/v1/likes/track/{track.pk}/").json()["liked"] is True
    assert TrackLike.objects.count() == 1
    assert api.get(f"/api/v1/likes/track/{track.pk}/").json()["liked"] is True
    assert api.delete(f"/api/v1/likes/track/{track.pk}/").json()["liked"] is False
    assert TrackLike.objects.count() == 0
    assert api.put("/api/v1/likes/planet/1/").status_code == 404
    assert api.put(f"/api/v1/likes/album/{track.album_id}/").json()["liked"] is True
    assert api.put(f"/api/v1/likes/artist/{track.artist_id}/").json()["liked"] is True
