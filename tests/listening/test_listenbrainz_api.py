"""The ListenBrainz-compatible API through Django's test client: every validation rule of
docs/protocols.md section 1 (400, nothing written), auth and rate-limit answers, reads, query counts."""

import copy
import datetime as dt
import json
import time
import uuid

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import services as account_services
from listening.models import Listen, NowPlaying
from tests.catalog.factories import make_album, make_artist, make_track

pytestmark = pytest.mark.django_db

SUBMIT = "/1/submit-listens"
NOW = int(time.time())
RECORDING_MBID = "5e6f7a8b-1c2d-4e3f-9a0b-1c2d3e4f5a6b"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def token(user):
    return account_services.api_token_get_or_create(user=user)


def listen(listened_at=NOW - 600, artist="Nina Simone", track="Feeling Good", **metadata):
    track_metadata = {"artist_name": artist, "track_name": track, **metadata}
    return {"listened_at": listened_at, "track_metadata": track_metadata}


def submit(client, token, document, content_type="application/json"):
    body = document if isinstance(document, bytes) else json.dumps(document).encode()
    headers = {"Authorization": f"Token {token}"} if token else {}
    return client.generic("POST", SUBMIT, body, content_type=content_type, headers=headers)


def get(client, path, token=None, **params):
    headers = {"Authorization": f"Token {token}"} if token else {}
    return client.get(path, params, headers=headers)


# --- Accepted submissions ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type", ["", "application/json", "text/plain", "application/x-www-form-urlencoded"]
)
def test_body_is_parsed_as_json_whatever_the_content_type(client, token, content_type):
    answer = submit(
        client, token, {"listen_type": "single", "payload": [listen()]}, content_type=content_type
    )
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok"}
    assert Listen.objects.count() == 1


def test_single_listen_is_stored_with_its_raw_metadata(client, token, user):
    info = {"recording_mbid": RECORDING_MBID, "tags": ["jazz"], "media_player": "mpv", "my_own_key": [1, 2]}
    answer = submit(
        client,
        token,
        {
            "listen_type": "single",
            "payload": [listen(release_name="I Put a Spell on You", additional_info=info)],
        },
    )
    assert answer.status_code == 200
    stored = Listen.objects.get()
    assert stored.user == user
    assert stored.track is None
    assert stored.source == "api"
    assert stored.listened_at == dt.datetime.fromtimestamp(NOW - 600, tz=dt.UTC)
    assert (stored.artist_name, stored.track_name, stored.release_name) == (
        "Nina Simone",
        "Feeling Good",
        "I Put a Spell on You",
    )
    assert stored.recording_mbid == uuid.UUID(RECORDING_MBID)
    assert stored.additional_info == {"tags": ["jazz"], "media_player": "mpv", "my_own_key": [1, 2]}


def test_import_of_a_thousand_listens_is_written_at_once(client, token):
    payload = [listen(NOW - 10_000 + i, track=f"Song {i}") for i in range(1000)]
    answer = submit(client, token, {"listen_type": "import", "payload": payload})
    assert answer.status_code == 200
    assert Listen.objects.count() == 1000


def test_a_body_larger_than_djangos_upload_limit_is_accepted(client, token, settings):
    # DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB by default) must not cap a ListenBrainz batch (up to 10 MB).
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000
    payload = [
        listen(NOW - 10_000 + i, track=f"Song {i}", additional_info={"note": "x" * 900}) for i in range(200)
    ]
    body = json.dumps({"listen_type": "import", "payload": payload}).encode()
    assert len(body) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert submit(client, token, body).status_code == 200
    assert Listen.objects.count() == 200


def test_retried_submission_adds_nothing(client, token):
    document = {
        "listen_type": "import",
        "payload": [listen(NOW - 100 * i, track=f"Song {i}") for i in range(5)],
    }
    for _ in range(3):
        assert submit(client, token, document).status_code == 200
    assert Listen.objects.count() == 5


def test_same_song_at_the_same_second_with_richer_metadata_is_the_same_listen(client, token):
    submit(
        client,
        token,
        {"listen_type": "single", "payload": [listen(artist="Nina Simone", track="Feeling Good")]},
    )
    richer = listen(
        artist="NINA SIMONE",
        track="Feeling good",
        release_name="Album",
        additional_info={"recording_mbid": RECORDING_MBID},
    )
    submit(client, token, {"listen_type": "single", "payload": [richer]})
    assert Listen.objects.count() == 1


def test_duplicates_inside_one_batch_are_written_once(client, token):
    assert (
        submit(client, token, {"listen_type": "import", "payload": [listen(), listen()]}).status_code == 200
    )
    assert Listen.objects.count() == 1


def test_accepted_edge_values_are_normalised(client, token):
    info = {
        "recording_mbid": "",
        "release_mbid": None,
        "artist_mbids": ["", RECORDING_MBID, None],
        "work_mbids": [],
    }
    document = {
        "listen_type": "import",
        "payload": [
            listen(1_033_430_400, track="Oldest allowed", release_name="   ", additional_info=info),
            listen(str(NOW - 60), track="  Padded  ", additional_info={"duration_ms": "1000"}),
            listen(NOW + 3599, track="Clock ahead"),
        ],
    }
    assert submit(client, token, document).status_code == 200
    oldest, padded, ahead = Listen.objects.order_by("listened_at")
    assert oldest.release_name == ""
    assert oldest.recording_mbid is None
    assert oldest.additional_info == {"artist_mbids": [RECORDING_MBID]}
    assert padded.track_name == "Padded"
    assert padded.additional_info == {"duration_ms": 1000}
    assert ahead.track_name == "Clock ahead"


def test_submitted_listens_match_the_catalog(client, token):
    album = make_album("Blue", artist=make_artist("Joni Mitchell"))
    river = make_track("River", album=album)
    by_mbid = make_track("Carey", album=album, mbid=uuid.UUID(RECORDING_MBID))
    payload = [
        listen(NOW - 300, artist="joni mitchell", track="RIVER!"),
        listen(
            NOW - 200,
            artist="Someone Else",
            track="Whatever",
            additional_info={"recording_mbid": RECORDING_MBID},
        ),
        listen(NOW - 100, artist="Unknown Band", track="Unknown Song"),
    ]
    assert submit(client, token, {"listen_type": "import", "payload": payload}).status_code == 200
    assert [row.track_id for row in Listen.objects.order_by("listened_at")] == [river.pk, by_mbid.pk, None]


def test_playing_now_replaces_the_entry_and_writes_no_listen(client, token, user):
    first = {
        "track_metadata": {"artist_name": "A", "track_name": "One", "additional_info": {"duration": 200}}
    }
    second = {"track_metadata": {"artist_name": "A", "track_name": "Two"}}
    assert submit(client, token, {"listen_type": "playing_now", "payload": [first]}).status_code == 200
    entry = NowPlaying.objects.get(user=user)
    assert entry.track_name == "One"
    assert (entry.expires_at - entry.started_at) == dt.timedelta(seconds=200)
    assert submit(client, token, {"listen_type": "playing_now", "payload": [second]}).status_code == 200
    entry = NowPlaying.objects.get(user=user)
    assert entry.track_name == "Two"
    assert (entry.expires_at - entry.started_at) == dt.timedelta(minutes=10)
    assert Listen.objects.count() == 0


# --- Refused submissions: 400, and nothing written ---------------------------------------------------

GOOD = {
    "listen_type": "import",
    "payload": [listen(NOW - 300, track="Fine"), listen(NOW - 200, track="Also fine")],
}


def _with_bad_listen(mutate):
    document = copy.deepcopy(GOOD)
    bad = listen(NOW - 100, track="Bad")
    mutate(bad)
    document["payload"].append(bad)
    return document


def _set(path, value):
    def mutate(item):
        target = item
        for key in path[:-1]:
            target = target.setdefault(key, {})
        target[path[-1]] = value

    return mutate


def _drop(*path):
    def mutate(item):
        target = item
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return mutate


INFO = ("track_metadata", "additional_info")

BAD_LISTENS = {
    "listen without its keys": (
        lambda item: item.clear() or item.update({"x": 1}),
        "listened_at at the top level",
    ),
    "listened_at missing": (_drop("listened_at"), "must contain the key listened_at at the top level"),
    "listened_at not an int": (
        _set(("listened_at",), "yesterday"),
        "must contain an int value for listened_at",
    ),
    "listened_at null": (_set(("listened_at",), None), "must contain an int value for listened_at"),
    "listened_at too low": (_set(("listened_at",), 1_033_430_399), "listened_at is too low"),
    "listened_at too high": (_set(("listened_at",), NOW + 86_400), "listened_at is too high"),
    "track_metadata missing": (_drop("track_metadata"), "must contain the key track_metadata"),
    "extra top-level key": (_set(("comment",), "hi"), "may only contain listened_at and track_metadata"),
    "track_metadata null": (_set(("track_metadata",), None), "track_metadata with null value"),
    "track_metadata not an object": (_set(("track_metadata",), "x"), "track_metadata must be a JSON object"),
    "artist_name missing": (
        _drop("track_metadata", "artist_name"),
        "required field track_metadata.artist_name",
    ),
    "artist_name blank": (
        _set(("track_metadata", "artist_name"), "   "),
        "track_metadata.artist_name is empty",
    ),
    "artist_name a list": (
        _set(("track_metadata", "artist_name"), ["A", "B"]),
        "artist_name must be a single",
    ),
    "track_name missing": (_drop("track_metadata", "track_name"), "required field track_metadata.track_name"),
    "track_name empty": (_set(("track_metadata", "track_name"), ""), "track_metadata.track_name is empty"),
    "track_name a number": (_set(("track_metadata", "track_name"), 7), "track_name must be a single string"),
    "release_name a number": (_set(("track_metadata", "release_name"), 7), "release_name must be a single"),
    "additional_info a list": (_set(INFO, []), "additional_info must be a JSON object"),
    "too many tags": (_set((*INFO, "tags"), [f"t{i}" for i in range(51)]), "more than 50 items"),
    "tag too long": (_set((*INFO, "tags"), ["x" * 65]), "longer than 64 characters"),
    "tags not a list": (_set((*INFO, "tags"), "rock"), "tags must be a list"),
    "duration zero": (_set((*INFO, "duration"), 0), "duration is invalid"),
    "duration negative": (_set((*INFO, "duration"), -3), "duration is invalid"),
    "duration not a number": (_set((*INFO, "duration"), "long"), "duration is invalid"),
    "duration over 24 days": (_set((*INFO, "duration"), 24 * 24 * 3600 + 1), "duration is too large"),
    "duration_ms over 24 days": (
        _set((*INFO, "duration_ms"), 24 * 24 * 3600 * 1000 + 1),
        "duration_ms is too large",
    ),
    "duration and duration_ms": (
        lambda item: _set(INFO, {"duration": 100, "duration_ms": 100_000})(item),
        "both duration and duration_ms",
    ),
    "bad recording_mbid": (
        _set((*INFO, "recording_mbid"), "not-a-uuid"),
        "recording_mbid MBID format invalid",
    ),
    "bad release_mbid": (_set((*INFO, "release_mbid"), "1234"), "release_mbid MBID format invalid"),
    "bad release_group_mbid": (
        _set((*INFO, "release_group_mbid"), "x"),
        "release_group_mbid MBID format invalid",
    ),
    "bad track_mbid": (_set((*INFO, "track_mbid"), 12), "track_mbid MBID format invalid"),
    "bad artist_mbids": (_set((*INFO, "artist_mbids"), [RECORDING_MBID, "nope"]), "artist_mbids MBID format"),
    "bad work_mbids": (_set((*INFO, "work_mbids"), ["nope"]), "work_mbids MBID format invalid"),
    "artist_mbids not a list": (_set((*INFO, "artist_mbids"), RECORDING_MBID), "artist_mbids must be a list"),
    "null character in a name": (_set(("track_metadata", "track_name"), "a\x00b"), "contains a unicode null"),
    "null character deep inside": (
        _set((*INFO, "nested"), {"list": ["ok", "b\x00d"]}),
        "contains a unicode null",
    ),
    "listen over 10,240 bytes": (
        _set((*INFO, "blob"), "x" * 10_240),
        "Each listen may not be larger than 10240",
    ),
}


@pytest.mark.parametrize("name", BAD_LISTENS)
def test_a_batch_with_one_bad_listen_is_refused_whole(client, token, name):
    mutate, message = BAD_LISTENS[name]
    answer = submit(client, token, _with_bad_listen(mutate))
    assert answer.status_code == 400, answer.content
    body = answer.json()
    assert set(body) == {"code", "error"}
    assert body["code"] == 400
    assert message in body["error"]
    assert Listen.objects.count() == 0


BAD_DOCUMENTS = {
    "not JSON": (b"{listen_type: single", "Cannot parse JSON document"),
    "not UTF-8": (b'{"listen_type": "\xff"}', "Cannot parse JSON document"),
    "top level a list": (json.dumps([GOOD]).encode(), "Top level of JSON document should be a json object"),
    "listen_type missing": ({"payload": GOOD["payload"]}, "must contain listen_type"),
    "listen_type unknown": ({**GOOD, "listen_type": "many"}, "requires a valid listen_type"),
    "payload missing": ({"listen_type": "import"}, "must contain payload"),
    "payload not a list": (
        {"listen_type": "import", "payload": GOOD["payload"][0]},
        "should be a list of listens",
    ),
    "payload empty": ({"listen_type": "import", "payload": []}, "does not contain any listens"),
    "over 1,000 listens": (
        {"listen_type": "import", "payload": [listen(NOW - 5000 + i, track=f"S{i}") for i in range(1001)]},
        "Too many listens. You may not submit more than 1000 listens at once.",
    ),
    "two listens as single": (
        {**GOOD, "listen_type": "single"},
        "more than one listen for a single/playing_now",
    ),
    "two listens as playing_now": (
        {
            "listen_type": "playing_now",
            "payload": [{"track_metadata": {"artist_name": "a", "track_name": "b"}}] * 2,
        },
        "more than one listen for a single/playing_now",
    ),
    "playing_now with listened_at": (
        {"listen_type": "playing_now", "payload": [listen()]},
        "must not contain listened_at while submitting playing_now",
    ),
    "playing_now with another key": (
        {
            "listen_type": "playing_now",
            "payload": [{"track_metadata": {"artist_name": "a", "track_name": "b"}, "x": 1}],
        },
        "may only contain track_metadata as top level key",
    ),
    "playing_now without metadata": (
        {"listen_type": "playing_now", "payload": [{}]},
        "must contain the key track_metadata",
    ),
    "single listen not an object": (
        {"listen_type": "single", "payload": ["listen"]},
        "should be a JSON object",
    ),
}


@pytest.mark.parametrize("name", BAD_DOCUMENTS)
def test_a_bad_document_is_refused(client, token, name, user):
    document, message = BAD_DOCUMENTS[name]
    answer = submit(client, token, document)
    assert answer.status_code == 400, answer.content
    assert answer.json()["code"] == 400
    assert message in answer.json()["error"]
    assert Listen.objects.count() == 0
    assert not NowPlaying.objects.filter(user=user).exists()


def test_a_body_over_10_240_000_bytes_is_refused(client, token):
    padding = "x" * 9_000
    payload = [listen(NOW - 5000 + i, track=f"S{i}", additional_info={"pad": padding}) for i in range(1000)]
    document = json.dumps({"listen_type": "import", "payload": payload, "more": "y" * 1_300_000}).encode()
    assert len(document) > 10_240_000
    answer = submit(client, token, document)
    assert answer.status_code == 400
    assert answer.json() == {"code": 400, "error": "Payload too large. Payload cannot exceed 10240000 bytes."}
    assert Listen.objects.count() == 0


# --- Authentication ----------------------------------------------------------------------------------


def test_submission_without_authorization_is_401(client):
    answer = submit(client, None, GOOD)
    assert answer.status_code == 401
    assert answer.json() == {"code": 401, "error": "You need to provide an Authorization header."}


def test_submission_with_an_unknown_token_is_401(client, token):
    answer = submit(client, "not-" + token, GOOD)
    assert answer.status_code == 401
    assert answer.json() == {"code": 401, "error": "Invalid authorization token."}
    assert Listen.objects.count() == 0


def test_authorization_scheme_word_is_not_checked(client, token):
    answer = client.generic(
        "POST",
        SUBMIT,
        json.dumps(GOOD).encode(),
        content_type="",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 200


def test_an_inactive_users_token_is_refused(client, token, user):
    user.is_active = False
    user.save()
    assert submit(client, token, GOOD).status_code == 401


def test_a_logged_in_session_cannot_submit_without_a_token(user_client):
    # No CSRF check on this API, so a session alone must never be enough to write.
    assert submit(user_client, None, GOOD).status_code == 401


def test_validate_token(client, token, user):
    valid = {"code": 200, "message": "Token valid.", "valid": True, "user_name": user.username}
    assert get(client, "/1/validate-token", token).json() == valid
    assert client.get("/1/validate-token", {"token": token}).json() == valid
    invalid = get(client, "/1/validate-token", "wrong")
    assert invalid.status_code == 200
    assert invalid.json() == {"code": 200, "message": "Token invalid.", "valid": False}
    missing = get(client, "/1/validate-token")
    assert missing.status_code == 400
    assert missing.json() == {"code": 400, "error": "You need to provide an Authorization token."}


def test_wrong_method_is_405_json(client, token):
    answer = get(client, SUBMIT, token)
    assert answer.status_code == 405
    assert answer.json()["code"] == 405
    assert answer["Allow"] == "POST"


# --- Rate limits -------------------------------------------------------------------------------------


def test_every_answer_carries_rate_limit_headers(client, token, settings):
    settings.STREAMAPP_LISTENBRAINZ_RATE_LIMIT = 5
    for answer in (
        submit(client, token, GOOD),
        submit(client, None, GOOD),
        get(client, "/1/validate-token", token),
    ):
        assert answer["X-RateLimit-Limit"] == "5"
        assert int(answer["X-RateLimit-Remaining"]) in range(0, 5)
        assert 0 <= int(answer["X-RateLimit-Reset-In"]) <= 11  # the 10 s window and its 1 s bucket
        assert int(answer["X-RateLimit-Reset"]) >= int(time.time())


def test_over_the_rate_limit_is_429_with_headers(client, token, settings):
    settings.STREAMAPP_LISTENBRAINZ_RATE_LIMIT = 2
    settings.STREAMAPP_LISTENBRAINZ_RATE_WINDOW = 60
    remaining = [submit(client, token, GOOD)["X-RateLimit-Remaining"] for _ in range(2)]
    assert remaining == ["1", "0"]
    refused = submit(client, token, {**GOOD, "payload": [listen(NOW - 7, track="New")]})
    assert refused.status_code == 429
    assert refused.json()["code"] == 429
    assert "rate limit" in refused.json()["error"]
    assert refused["X-RateLimit-Limit"] == "2"
    assert refused["X-RateLimit-Remaining"] == "0"
    assert 0 < int(refused["X-RateLimit-Reset-In"]) <= 66  # the 60 s window and its 6 s bucket
    assert int(refused["X-RateLimit-Reset"]) - int(time.time()) <= 66
    assert not Listen.objects.filter(track_name="New").exists()
    # Another token (or an anonymous address) has its own allowance.
    assert get(client, "/1/validate-token", "someone-else")["X-RateLimit-Remaining"] == "1"


# --- Reads -------------------------------------------------------------------------------------------


@pytest.fixture
def history(client, token):
    payload = [listen(1_600_000_000 + 100 * i, track=f"Song {i}", release_name="Album") for i in range(30)]
    assert submit(client, token, {"listen_type": "import", "payload": payload}).status_code == 200
    return payload


def test_listens_newest_first_with_the_listenbrainz_shape(client, token, user, history):
    answer = get(client, f"/1/user/{user.username}/listens", token)
    assert answer.status_code == 200
    payload = answer.json()["payload"]
    assert set(payload) == {"count", "listens", "latest_listen_ts", "oldest_listen_ts", "user_id"}
    assert payload["count"] == 25
    assert payload["user_id"] == user.username
    assert payload["latest_listen_ts"] == 1_600_002_900
    assert payload["oldest_listen_ts"] == 1_600_000_000
    first = payload["listens"][0]
    assert set(first) == {"track_metadata", "listened_at", "recording_msid", "user_name", "inserted_at"}
    assert first["listened_at"] == 1_600_002_900
    assert first["user_name"] == user.username
    assert first["track_metadata"] == {
        "artist_name": "Nina Simone",
        "track_name": "Song 29",
        "release_name": "Album",
        "additional_info": {},
    }
    uuid.UUID(first["recording_msid"])
    assert abs(first["inserted_at"] - time.time()) < 60
    stamps = [item["listened_at"] for item in payload["listens"]]
    assert stamps == sorted(stamps, reverse=True)


def test_listens_count_and_exclusive_bounds(client, token, user, history):
    url = f"/1/user/{user.username}/listens"
    stamps = lambda answer: [item["listened_at"] for item in answer.json()["payload"]["listens"]]  # noqa: E731
    assert stamps(get(client, url, token, count=3)) == [1_600_002_900, 1_600_002_800, 1_600_002_700]
    assert stamps(get(client, url, token, count=2, max_ts=1_600_002_800)) == [1_600_002_700, 1_600_002_600]
    # min_ts alone pages forwards: the listens just after it, still newest first.
    assert stamps(get(client, url, token, count=2, min_ts=1_600_000_000)) == [1_600_000_200, 1_600_000_100]
    assert stamps(get(client, url, token, min_ts=1_600_000_100, max_ts=1_600_000_400)) == [
        1_600_000_300,
        1_600_000_200,
    ]
    assert len(stamps(get(client, url, token, count=5000))) == 30
    assert get(client, url, token, count=-1).status_code == 400
    assert get(client, url, token, count="many").status_code == 400
    assert get(client, url, token, min_ts=5, max_ts=5).json() == {
        "code": 400,
        "error": "min_ts should be less than max_ts",
    }


def test_listen_count(client, token, user, history):
    answer = get(client, f"/1/user/{user.username}/listen-count", token)
    assert answer.json() == {"payload": {"count": 30}}


def test_unknown_user_is_404(client, token):
    for path in ("listens", "listen-count", "playing-now"):
        answer = get(client, f"/1/user/nobody/{path}", token)
        assert answer.status_code == 404
        assert answer.json() == {"code": 404, "error": "Cannot find user: nobody"}


def test_reads_need_authentication_unless_public(client, user, history, settings):
    assert get(client, f"/1/user/{user.username}/listen-count").status_code == 401
    settings.STREAMAPP_LISTENBRAINZ_PUBLIC_READS = True
    assert get(client, f"/1/user/{user.username}/listen-count").json() == {"payload": {"count": 30}}


def test_other_users_listens_are_hidden_but_staff_see_them(client, user, other_user, staff_user, history):
    other_token = account_services.api_token_get_or_create(user=other_user)
    assert get(client, f"/1/user/{user.username}/listens", other_token).status_code == 404
    staff_token = account_services.api_token_get_or_create(user=staff_user)
    assert get(client, f"/1/user/{user.username}/listen-count", staff_token).json() == {
        "payload": {"count": 30}
    }


def test_a_logged_in_session_reads_its_own_listens(user_client, user, history):
    assert user_client.get(f"/1/user/{user.username}/listen-count").json() == {"payload": {"count": 30}}


def test_playing_now_is_shown_until_it_expires(client, token, user):
    metadata = {
        "artist_name": "A",
        "track_name": "One",
        "release_name": "R",
        "additional_info": {"duration_ms": 5000},
    }
    submit(client, token, {"listen_type": "playing_now", "payload": [{"track_metadata": metadata}]})
    answer = get(client, f"/1/user/{user.username}/playing-now", token)
    assert answer.json() == {
        "payload": {
            "count": 1,
            "user_id": user.username,
            "playing_now": True,
            "listens": [{"track_metadata": metadata, "user_name": user.username, "playing_now": True}],
        }
    }
    NowPlaying.objects.filter(user=user).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    answer = get(client, f"/1/user/{user.username}/playing-now", token)
    assert answer.json()["payload"]["count"] == 0
    assert answer.json()["payload"]["listens"] == []


# --- Query counts ------------------------------------------------------------------------------------


def _batch(size: int, start: int):
    mbid_tracks = [make_track(f"Mbid {i}", mbid=uuid.uuid4()) for i in range(3)]
    named = make_track("Named", album=make_album("Record", artist=make_artist("The Band")))
    payload = []
    for i in range(size):
        if i % 3 == 0:
            payload.append(
                listen(
                    start + i, track=f"x{i}", additional_info={"recording_mbid": str(mbid_tracks[i % 3].mbid)}
                )
            )
        elif i % 3 == 1:
            payload.append(listen(start + i, artist="the band", track=named.title))
        else:
            payload.append(listen(start + i, track=f"Unmatched {i}", release_name="Somewhere"))
    return {"listen_type": "import", "payload": payload}


def test_a_submission_runs_a_constant_number_of_queries(client, token, django_assert_max_num_queries):
    small, large = _batch(10, 1_500_000_000), _batch(1000, 1_600_000_000)
    with CaptureQueriesContext(connection) as small_queries:
        assert submit(client, token, small).status_code == 200
    with (
        django_assert_max_num_queries(len(small_queries)),
        CaptureQueriesContext(connection) as large_queries,
    ):
        assert submit(client, token, large).status_code == 200
    assert len(large_queries) <= 8
    assert Listen.objects.count() == 1010
    # Every third listen matches by MBID, every third by name; the others match nothing.
    assert Listen.objects.filter(track__isnull=False).count() == 7 + 667
