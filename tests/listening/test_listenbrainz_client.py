"""The real liblistenbrainz client (PyPI) against a live test server, pointed at it by its base URL only."""

import time
import uuid

import liblistenbrainz
import pytest
from django.core.cache import cache
from django.db import connection
from liblistenbrainz import errors

from accounts import services as account_services
from listening import services
from listening.models import Listen
from tests.catalog.factories import make_album, make_artist, make_track

pytestmark = pytest.mark.django_db(transaction=True)

NOW = int(time.time())
MBID = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _server_closes_its_connections():
    # The live server keeps an HTTP keep-alive thread per client connection; with persistent database
    # connections (CONN_MAX_AGE) that thread would still hold one when the test database is dropped.
    settings_dict = connection.settings_dict
    saved = settings_dict["CONN_MAX_AGE"]
    settings_dict["CONN_MAX_AGE"] = 0
    yield
    settings_dict["CONN_MAX_AGE"] = saved


@pytest.fixture
def lb(live_server):
    return liblistenbrainz.ListenBrainz(api_base_url=live_server.url)


@pytest.fixture
def token(user):
    return account_services.api_token_get_or_create(user=user)


@pytest.fixture
def authed(lb, token):
    lb.set_auth_token(token)
    return lb


def test_good_token_is_accepted(lb, token):
    lb.set_auth_token(token)
    assert lb.remaining_requests is not None  # the client read our X-RateLimit-* headers


def test_bad_token_is_refused(lb):
    with pytest.raises(errors.InvalidAuthTokenException):
        lb.set_auth_token("this-is-not-a-token")


def test_single_listen_is_read_back(authed, user):
    sent = liblistenbrainz.Listen(
        track_name="Teardrop",
        artist_name="Massive Attack",
        release_name="Mezzanine",
        listened_at=NOW - 300,
        recording_mbid=MBID,
        tags=["trip hop"],
        listening_from="mpv",
        additional_info={"duration_ms": 330_000, "submission_client": "tests"},
    )
    assert authed.submit_single_listen(sent) == {"status": "ok"}
    (got,) = authed.get_listens(user.username)
    assert (got.track_name, got.artist_name, got.release_name) == ("Teardrop", "Massive Attack", "Mezzanine")
    assert got.listened_at == NOW - 300
    assert got.recording_mbid == MBID
    assert got.tags == ["trip hop"]
    assert got.listening_from == "mpv"
    assert got.additional_info["duration_ms"] == 330_000
    assert got.additional_info["submission_client"] == "tests"
    uuid.UUID(got.recording_msid)
    assert authed.get_user_listen_count(user.username) == 1


def _batch(count: int, start: int) -> list[liblistenbrainz.Listen]:
    return [
        liblistenbrainz.Listen(track_name=f"Track {i}", artist_name="Batch Artist", listened_at=start + i)
        for i in range(count)
    ]


def test_batch_is_read_back_newest_first(authed, user):
    assert authed.submit_multiple_listens(_batch(50, NOW - 10_000)) == {"status": "ok"}
    listens = authed.get_listens(user.username, count=100)
    assert [listen.listened_at for listen in listens] == [NOW - 10_000 + i for i in reversed(range(50))]
    assert [listen.listened_at for listen in authed.get_listens(user.username)][:2] == [
        NOW - 9951,
        NOW - 9952,
    ]
    assert len(authed.get_listens(user.username)) == 25
    older = authed.get_listens(user.username, max_ts=NOW - 9990, count=5)
    assert [listen.listened_at for listen in older] == [NOW - 9991 - i for i in range(5)]
    assert authed.get_user_listen_count(user.username) == 50


def test_a_full_batch_of_a_thousand(authed, user):
    authed.submit_multiple_listens(_batch(1000, NOW - 100_000))
    assert authed.get_user_listen_count(user.username) == 1000
    assert len(authed.get_listens(user.username, count=1000)) == 1000


def test_retried_batch_adds_no_duplicates(authed, user):
    batch = _batch(200, NOW - 50_000)
    authed.submit_multiple_listens(batch)
    authed.submit_multiple_listens(batch)
    authed.submit_multiple_listens(batch[50:150])
    assert authed.get_user_listen_count(user.username) == 200
    assert Listen.objects.filter(user=user).count() == 200


def test_playing_now_is_read_back(authed, user):
    assert authed.get_playing_now(user.username) is None
    playing = liblistenbrainz.Listen(
        track_name="Windowlicker", artist_name="Aphex Twin", additional_info={"duration": 360}
    )
    assert authed.submit_playing_now(playing) == {"status": "ok"}
    got = authed.get_playing_now(user.username)
    assert (got.track_name, got.artist_name, got.listened_at) == ("Windowlicker", "Aphex Twin", None)
    assert Listen.objects.count() == 0


def test_invalid_submission_raises_with_our_message(authed):
    too_old = liblistenbrainz.Listen(track_name="Old", artist_name="Someone", listened_at=1_000_000_000)
    with pytest.raises(errors.ListenBrainzAPIException) as raised:
        authed.submit_single_listen(too_old)
    assert raised.value.status_code == 400
    assert "listened_at is too low" in raised.value.message
    assert Listen.objects.count() == 0


def test_unknown_user_is_a_404(authed):
    with pytest.raises(errors.ListenBrainzAPIException) as raised:
        authed.get_listens("nobody-here")
    assert raised.value.status_code == 404
    assert raised.value.message == "Cannot find user: nobody-here"


def test_matched_and_unmatched_listens_and_later_linking(authed, user):
    known = make_track("Pyramid Song", album=make_album("Amnesiac", artist=make_artist("Radiohead")))
    authed.submit_multiple_listens(
        [
            liblistenbrainz.Listen(
                track_name="PYRAMID SONG",
                artist_name="radiohead",
                release_name="Amnesiac",
                listened_at=NOW - 30,
            ),
            liblistenbrainz.Listen(
                track_name="Unravel (feat. Someone)",
                artist_name="Björk",
                release_name="Homogenic",
                listened_at=NOW - 20,
            ),
        ]
    )
    matched, unmatched = Listen.objects.order_by("listened_at")
    assert matched.track == known
    assert unmatched.track is None
    # The unmatched listen keeps its raw metadata and is shown in the history.
    assert (unmatched.artist_name, unmatched.track_name) == ("Björk", "Unravel (feat. Someone)")
    shown = authed.get_listens(user.username)
    assert [(listen.artist_name, listen.track_name) for listen in shown] == [
        ("Björk", "Unravel (feat. Someone)"),
        ("radiohead", "PYRAMID SONG"),
    ]
    # The catalog later gains the track (an import of the library): the listen is linked.
    later = make_track("Unravel", album=make_album("Homogenic", artist=make_artist("Bjork")))
    assert services.listens_link_unmatched() == 1
    unmatched.refresh_from_db()
    assert unmatched.track == later
    assert services.listens_link_unmatched() == 0
