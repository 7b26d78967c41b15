"""Issue #11: every malformed input is a clear 4xx naming the problem, and nothing is written.

Each case was a 500 before (an OverflowError, PostgreSQL refusing a NUL, a RecursionError, a lone surrogate
that no database encodes, Python's int-string conversion limit, an HTML 404 under /api/). The requests
go through the whole stack (middleware, URL resolver, views) on SQLite and on PostgreSQL.
"""

import json

import pytest
from django.apps import apps
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts import services as account_services
from listening import services as listening_services
from listening.models import Playlist, PlaylistCollaborator
from tests.api.conftest import token_client
from tests.catalog.factories import make_audio_file, make_track

pytestmark = pytest.mark.django_db

DEEP_JSON = b"[" * 100_000 + b"]" * 100_000


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api(user):
    return token_client(user)


@pytest.fixture
def token(user):
    return account_services.api_token_get_or_create(user=user)


def rows() -> dict[str, int]:
    """Return the number of rows of every model of ours: what "nothing written" is checked against."""
    ours = ("accounts", "catalog", "listening", "recommend", "analytics")
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in ours and not model._meta.proxy
    }


def lb_error(response) -> str:
    body = response.json()
    assert body["code"] == response.status_code
    return body["error"]


# --- The ListenBrainz API: overflowing timestamps, NUL in a token or a user name ----------------------


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("min_ts=99999999999999", "min_ts"),
        ("max_ts=99999999999999999999", "max_ts"),
        ("min_ts=1&max_ts=253402300800", "max_ts"),
        ("min_ts=" + "9" * 5000, "min_ts"),
    ],
)
def test_listens_with_an_overflowing_timestamp_is_400(client, user, token, query, parameter):
    before = rows()
    response = client.get(
        f"/1/user/{user.username}/listens?{query}", headers={"Authorization": f"Token {token}"}
    )
    assert response.status_code == 400
    assert parameter in lb_error(response)
    assert rows() == before


def test_listens_up_to_the_last_second_of_year_9999_are_read(client, user, token):
    response = client.get(
        f"/1/user/{user.username}/listens?min_ts=0&max_ts=253402300799",
        headers={"Authorization": f"Token {token}"},
    )
    assert response.status_code == 200
    assert response.json()["payload"]["count"] == 0


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        ("/1/validate-token?token=%00", "token"),
        ("/1/validate-token?token=abc%00def", "token"),
        ("/1/user/%00/listens", "user_name"),
        ("/1/user/de%00mo/listen-count", "user_name"),
        ("/1/user/de%00mo/playing-now", "user_name"),
        ("/1/stats/user/de%00mo/artists", "user_name"),
        ("/1/user/listener/listens?count=1%00", "count"),
    ],
)
def test_listenbrainz_request_with_a_null_character_is_400_naming_the_parameter(
    client, user, token, path, parameter
):
    before = rows()
    response = client.get(path, headers={"Authorization": f"Token {token}"})
    assert response.status_code == 400
    error = lb_error(response)
    assert parameter in error and "null character" in error
    assert rows() == before


def test_a_null_character_in_the_authorization_header_is_400(client):
    response = client.get("/1/validate-token", headers={"Authorization": "Token ab\x00c"})
    assert response.status_code == 400
    assert "Authorization" in lb_error(response)


@pytest.mark.parametrize("path", ["/", "/api/v1/tracks/", "/1/validate-token?token=x"])
def test_a_null_character_in_the_session_cookie_is_400(client, settings, path):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"  # as in production
    response = client.get(path, HTTP_COOKIE="sessionid=abcdefghij\x00klmnopqrstuvwxyz0123")
    assert response.status_code == 400
    assert "sessionid cookie" in response.content.decode()
    assert "contains a null character" in response.content.decode()


# --- Pages: a NUL in a path or a query, and in an imported playlist ----------------------------------


@pytest.fixture
def playlist(user):
    return listening_services.playlist_create(owner=user, name="Road trip")


def test_removing_a_collaborator_named_with_a_null_character_is_400(user_client, playlist, other_user):
    listening_services.playlist_collaborator_add(playlist=playlist, actor=playlist.owner, user=other_user)
    before = rows()
    response = user_client.post(f"/playlists/{playlist.uid}/collaborators/%00/remove/")
    assert response.status_code == 400
    assert "username" in response.content.decode() and "null character" in response.content.decode()
    assert rows() == before
    assert PlaylistCollaborator.objects.filter(playlist=playlist).count() == 1


@pytest.mark.parametrize("path", ["/search/?q=%00", "/search/suggest/?q=a%00", "/history/?before=%00"])
def test_a_page_asked_with_a_null_character_is_400_naming_the_parameter(user_client, path):
    response = user_client.get(path)
    assert response.status_code == 400
    parameter = path.split("?")[1].split("=")[0]
    assert f"“{parameter}”" in response.content.decode()


@pytest.mark.parametrize("before", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00%2B23:59"])
def test_history_before_a_date_out_of_range_in_utc_is_ignored_like_any_bad_before(user_client, before):
    # As tests/listening/test_views.py::test_history_ignores_a_bad_before: the latest listens.
    response = user_client.get(f"/history/?before={before}")
    assert response.status_code == 200
    assert "Nothing played yet" in response.content.decode()


def test_history_before_a_date_with_a_wide_offset_is_read_in_utc(user_client):
    response = user_client.get("/history/?before=2024-06-01T12:00:00%2B23:00")
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("filename", "content"),
    [
        ("nul.m3u8", b"#EXTM3U\n#EXTINF:300,Miles Davis - So What\n/music/so\x00what.mp3\n"),
        ("nul.m3u", b"/music/a.mp3\n\x00\n"),
        ("nul-title.m3u8", b"#EXTM3U\n#EXTINF:300,Miles\x00 Davis - So What\n/music/so-what.mp3\n"),
    ],
)
def test_importing_a_playlist_with_a_null_character_is_a_form_error(user_client, filename, content):
    before = rows()
    response = user_client.post("/playlists/import/", {"file": SimpleUploadedFile(filename, content)})
    assert response.status_code == 400
    page = response.content.decode()
    assert "field-errors" in page and "null character" in page
    assert rows() == before
    assert not Playlist.objects.exists()


def test_an_m3u_in_utf16_is_read_not_refused_for_its_zero_bytes(user, user_client, tracks):
    # Windows' Notepad saves "Unicode" as UTF-16 with a byte-order mark: every other byte is a zero.
    content = f"#EXTM3U\n#EXTINF:300,Miles Davis - So What\nhttp://example.org/stream/{tracks[0].pk}/\n"
    upload = SimpleUploadedFile("list.m3u", content.encode("utf-16"))
    response = user_client.post("/playlists/import/", {"file": upload})
    assert response.status_code == 200
    assert [item.track for item in Playlist.objects.get(owner=user).items.all()] == [tracks[0]]


def test_an_m3u_with_a_utf16_byte_order_mark_but_broken_text_is_a_form_error(user_client):
    upload = SimpleUploadedFile("list.m3u", "#EXTM3U\n/music/a.mp3\n".encode("utf-16") + b"\x00")
    response = user_client.post("/playlists/import/", {"file": upload})
    assert response.status_code == 400
    assert "not valid UTF-16 text" in response.content.decode()
    assert not Playlist.objects.exists()


XSPF_WITH_ENTITIES = (
    '<?xml version="1.0" encoding="{encoding}"?>\n'
    '<!DOCTYPE playlist [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n'
    '<playlist version="1" xmlns="http://xspf.org/ns/0/"><trackList>'
    "<track><title>&b;</title><creator>Miles Davis</creator></track></trackList></playlist>"
)


@pytest.mark.parametrize(
    ("encoding", "codec"),
    [("UTF-8", "utf-8"), ("UTF-16BE", "utf-16-be"), ("UTF-16LE", "utf-16-le"), ("UTF-16", "utf-16")],
)
@pytest.mark.parametrize("filename", ["list.xspf", "list.txt"])
def test_importing_an_xspf_with_a_dtd_in_any_encoding_is_a_form_error(user_client, encoding, codec, filename):
    content = XSPF_WITH_ENTITIES.format(encoding=encoding).encode(codec)
    before = rows()
    response = user_client.post("/playlists/import/", {"file": SimpleUploadedFile(filename, content)})
    assert response.status_code == 400
    page = response.content.decode()
    assert "field-errors" in page and "DOCTYPE" in page
    assert rows() == before


def test_an_xspf_in_utf16_is_read(user, user_client, tracks):
    content = (
        '<?xml version="1.0" encoding="UTF-16"?><playlist version="1" xmlns="http://xspf.org/ns/0/">'
        "<trackList><track><title>Blue in Green</title><creator>Miles Davis</creator></track>"
        "</trackList></playlist>"
    ).encode("utf-16")
    response = user_client.post("/playlists/import/", {"file": SimpleUploadedFile("list.xspf", content)})
    assert response.status_code == 200
    assert [item.track for item in Playlist.objects.get(owner=user).items.all()] == [tracks[2]]


# --- DRF writes: JSON nested 100,000 deep, lone surrogates and NULs in any JSON string ----------------


DRF_WRITES = [
    ("post", "/api/v1/playlists/"),
    ("post", "/api/v1/me/listens/"),
    ("post", "/api/v1/player/plays/"),
    ("post", "/api/v1/radio/"),
    ("post", "/api/v1/me/dislikes/"),
    ("put", "/api/v1/player/state/"),
]


@pytest.mark.parametrize(("method", "path"), DRF_WRITES)
def test_json_nested_too_deep_is_400_for_every_api_write(api, method, path):
    before = rows()
    response = getattr(api, method)(path, DEEP_JSON, content_type="application/json")
    assert response.status_code == 400
    assert "nested" in response.json()["detail"]
    assert rows() == before


@pytest.mark.parametrize("body", [DEEP_JSON, b'{"a": ' * 100_000 + b"1" + b"}" * 100_000])
def test_json_nested_too_deep_is_400_for_a_listenbrainz_submission(client, token, body):
    # The "/1/submit-listens already answers 400": kept so.
    before = rows()
    response = _submit(client, token, body)
    assert response.status_code == 400
    assert "JSON" in lb_error(response)
    assert rows() == before


def test_a_json_body_past_django_s_upload_limit_is_413_in_json(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000
    document = {"name": "Big", "description": "d" * 100_000}
    response = api.post("/api/v1/playlists/", json.dumps(document), content_type="application/json")
    assert response.status_code == 413
    assert response.json() == {"detail": "The request body is larger than 100,000 bytes."}
    assert not Playlist.objects.exists()


def nested(depth: int) -> dict:
    """Return a playlist to create whose JSON nests `depth` levels deep (the object itself is one)."""
    extra: list = []
    for _ in range(depth - 2):
        extra = [extra]
    return {"name": "Deep", "extra": extra}


def test_json_nested_just_past_the_limit_is_400_and_at_the_limit_is_read(api):
    response = api.post("/api/v1/playlists/", json.dumps(nested(33)), content_type="application/json")
    assert response.status_code == 400
    assert "nested more than 32 levels" in response.json()["detail"]
    assert not Playlist.objects.exists()
    response = api.post("/api/v1/playlists/", json.dumps(nested(32)), content_type="application/json")
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("method", "path", "document", "field"),
    [
        ("post", "/api/v1/playlists/", '{"name": "a\\ud800"}', "name"),
        ("post", "/api/v1/playlists/", '{"name": "ok", "description": "\\udfff tail"}', "description"),
        ("post", "/api/v1/playlists/", '{"name": "a\\u0000b"}', "name"),
        (
            "post",
            "/api/v1/me/listens/",
            '{"listens": [{"listened_at": "2024-01-01T00:00:00Z", "artist_name": "a\\uD800",'
            ' "track_name": "b"}]}',
            "listens.0.artist_name",
        ),
        ("put", "/api/v1/player/state/", '{"queue": [], "extra\\ud800": 1}', "extra\\ud800"),
    ],
)
def test_a_lone_surrogate_or_null_in_api_json_is_400_naming_the_field(api, method, path, document, field):
    before = rows()
    response = getattr(api, method)(path, document.encode(), content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert any(field in key for key in body) or field in json.dumps(body), body
    assert rows() == before


def test_an_emoji_written_as_a_surrogate_pair_is_accepted(api):
    response = api.post(
        "/api/v1/playlists/", b'{"name": "Road \\ud83d\\ude97 trip"}', content_type="application/json"
    )
    assert response.status_code == 201
    assert Playlist.objects.get().name == "Road \U0001f697 trip"


@pytest.mark.parametrize("path", ["/api/v1/tracks/?q=%00", "/api/v1/playlists/?page=1%00"])
def test_an_api_query_parameter_with_a_null_character_is_400_naming_it(api, path):
    response = api.get(path)
    assert response.status_code == 400
    parameter = path.split("?")[1].split("=")[0]
    assert parameter in response.json()


def test_removing_an_api_collaborator_named_with_a_null_character_is_400(api, playlist, other_user):
    listening_services.playlist_collaborator_add(playlist=playlist, actor=playlist.owner, user=other_user)
    response = api.delete(f"/api/v1/playlists/{playlist.uid}/collaborators/%00/")
    assert response.status_code == 400
    assert "username" in response.json()
    assert PlaylistCollaborator.objects.filter(playlist=playlist).count() == 1


# --- ListenBrainz submissions: a lone surrogate in any text ------------------------------------------


def _submit(client, token, body: bytes):
    """POST a raw body to /1/submit-listens with the listener's token."""
    headers = {"Authorization": f"Token {token}"}
    return client.generic("POST", "/1/submit-listens", body, content_type="application/json", headers=headers)


def _submission(listen_type: str, metadata: dict) -> bytes:
    listen = {"track_metadata": {"artist_name": "Nina Simone", "track_name": "Feeling Good", **metadata}}
    if listen_type != "playing_now":
        listen["listened_at"] = 1_700_000_000
    return json.dumps({"listen_type": listen_type, "payload": [listen]}).encode()


@pytest.mark.parametrize("listen_type", ["single", "import", "playing_now"])
@pytest.mark.parametrize(
    ("metadata", "field"),
    [
        ({"artist_name": "a\ud800"}, "artist_name"),
        ({"track_name": "\udc00b"}, "track_name"),
        ({"release_name": "r\ud800"}, "release_name"),
        ({"additional_info": {"media_player": "p\udfff"}}, "media_player"),
        ({"additional_info": {"tags": ["ok", "t\ud800"]}}, "tags"),
        ({"additional_info": {"k\ud800": "v"}}, "additional_info"),
    ],
)
def test_submitting_a_lone_surrogate_is_400_naming_the_field(client, token, listen_type, metadata, field):
    before = rows()
    response = client.generic(
        "POST",
        "/1/submit-listens",
        _submission(listen_type, metadata),
        content_type="application/json",
        headers={"Authorization": f"Token {token}"},
    )
    assert response.status_code == 400
    error = lb_error(response)
    assert field in error and "surrogate" in error
    assert rows() == before


def test_submitting_a_surrogate_written_as_raw_utf8_bytes_is_400(client, token):
    # json.loads reads bytes with "surrogatepass": ED A0 80 becomes a lone surrogate with no \u escape.
    body = _submission("single", {"artist_name": "@"}).replace(b'"@"', b'"a\xed\xa0\x80"')
    before = rows()
    response = _submit(client, token, body)
    assert response.status_code == 400
    assert "artist_name" in lb_error(response) and "surrogate" in lb_error(response)
    assert rows() == before


def test_an_api_body_with_a_surrogate_written_as_raw_utf8_bytes_is_400(api):
    response = api.post("/api/v1/playlists/", b'{"name": "a\xed\xa0\x80"}', content_type="application/json")
    assert response.status_code == 400
    assert not Playlist.objects.exists()


# --- Streaming: a Range header past Python's int-string conversion limit -----------------------------


@pytest.fixture
def track(tmp_path):
    path = tmp_path / "song.mp3"
    path.write_bytes(b"x" * 1000)
    return make_track(audio_file=make_audio_file(path=str(path), size=1000, mime_type="audio/mpeg"))


@pytest.mark.parametrize(
    ("header", "status", "content_range"),
    [
        ("bytes=" + "1" * 4301 + "-", 416, "bytes */1000"),
        ("bytes=0-" + "9" * 4301, 206, "bytes 0-999/1000"),
        ("bytes=-" + "9" * 4301, 206, "bytes 0-999/1000"),
        ("bytes=" + "0" * 4300 + "1-", 206, "bytes 1-999/1000"),
    ],
)
def test_a_range_with_thousands_of_digits_is_answered_without_error(
    user_client, track, header, status, content_range
):
    response = user_client.get(f"/stream/{track.pk}/", headers={"Range": header})
    assert response.status_code == status
    assert response["Content-Range"] == content_range


# --- 404s under /api/ and /1/ are JSON ----------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/api/v1/playlists/not-a-uuid/", "/api/v1/no-such-thing/", "/api/v1/tracks/abc/", "/api/nothing"]
)
def test_an_api_404_is_json(api, path):
    response = api.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


def test_a_listenbrainz_404_is_json_in_listenbrainz_shape(client):
    response = client.get("/1/no-such-endpoint")
    assert response.status_code == 404
    assert response.json() == {"code": 404, "error": "Not found."}


def test_a_page_404_is_still_the_html_page(user_client):
    response = user_client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
