"""GET /stream/<id>/: byte ranges, conditional requests, HEAD and permissions."""

import pytest

from tests.catalog.factories import make_audio_file, make_track

pytestmark = pytest.mark.django_db

CONTENT = bytes(range(256)) * 40  # 10,240 bytes whose every offset is recognisable


@pytest.fixture
def track(tmp_path):
    path = tmp_path / "song.mp3"
    path.write_bytes(CONTENT)
    audio = make_audio_file(path=str(path), size=len(CONTENT), mime_type="audio/mpeg")
    return make_track(audio_file=audio)


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_whole_file_is_served_with_type_length_and_accept_ranges(user_client, track):
    response = user_client.get(f"/stream/{track.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "audio/mpeg"
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Length"] == str(len(CONTENT))
    assert body(response) == CONTENT


def test_range_from_the_start(user_client, track):
    response = user_client.get(f"/stream/{track.pk}/", HTTP_RANGE="bytes=0-99")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 0-99/{len(CONTENT)}"
    assert response["Content-Length"] == "100"
    assert body(response) == CONTENT[:100]


def test_range_in_the_middle(user_client, track):
    response = user_client.get(f"/stream/{track.pk}/", HTTP_RANGE="bytes=5000-5999")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 5000-5999/{len(CONTENT)}"
    assert body(response) == CONTENT[5000:6000]


def test_open_ended_range(user_client, track):
    response = user_client.get(f"/stream/{track.pk}/", HTTP_RANGE="bytes=10000-")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 10000-{len(CONTENT) - 1}/{len(CONTENT)}"
    assert body(response) == CONTENT[10000:]


def test_suffix_range_gives_the_last_bytes(user_client, track):
    response = user_client.get(f"/stream/{track.pk}/", HTTP_RANGE="bytes=-300")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {len(CONTENT) - 300}-{len(CONTENT) - 1}/{len(CONTENT)}"
    assert body(response) == CONTENT[-300:]


def test_range_past_the_end_is_clamped(user_client, track):
    response = user_client.get(f"/stream/{track.pk}/", HTTP_RANGE="bytes=10200-99999")
    assert response.status_code == 206
    assert body(response) == CONTENT[10200:]


@pytest.mark.parametrize("header", ["bytes=20000-", "bytes=-0", "bytes=500-100"])
def test_unsatisfiable_range_is_416(user_client, track, header):
    response = user_client.get(f"/stream/{track.pk}/", HTTP_RANGE=header)
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(CONTENT)}"


def test_malformed_range_is_ignored_and_the_whole_file_sent(user_client, track):
    response = user_client.get(f"/stream/{track.pk}/", HTTP_RANGE="pages=1-2")
    assert response.status_code == 200
    assert body(response) == CONTENT


def test_head_sends_headers_without_a_body(user_client, track):
    response = user_client.head(f"/stream/{track.pk}/")
    assert response.status_code == 200
    assert response["Content-Length"] == str(len(CONTENT))
    assert response["Accept-Ranges"] == "bytes"
    assert body(response) == b""
    ranged = user_client.head(f"/stream/{track.pk}/", HTTP_RANGE="bytes=0-9")
    assert ranged.status_code == 206
    assert ranged["Content-Length"] == "10"


def test_conditional_request_with_the_etag_is_304(user_client, track):
    etag = user_client.get(f"/stream/{track.pk}/")["ETag"]
    assert user_client.get(f"/stream/{track.pk}/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    last_modified = user_client.get(f"/stream/{track.pk}/")["Last-Modified"]
    assert user_client.get(f"/stream/{track.pk}/", HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304


def test_if_range_with_a_stale_etag_sends_the_whole_file(user_client, track):
    response = user_client.get(f"/stream/{track.pk}/", HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE='"stale"')
    assert response.status_code == 200
    assert body(response) == CONTENT


def test_anonymous_request_gets_no_audio(client, track):
    response = client.get(f"/stream/{track.pk}/")
    assert response.status_code == 401
    assert b"\x00\x01\x02" not in response.content


def test_post_is_not_allowed(user_client, track):
    assert user_client.post(f"/stream/{track.pk}/").status_code == 405


def test_missing_and_unavailable_tracks_are_404(user_client, track):
    assert user_client.get("/stream/999999/").status_code == 404
    track.is_available = False
    track.save()
    assert user_client.get(f"/stream/{track.pk}/").status_code == 404


def test_streaming_does_not_record_a_listen(user_client, track):
    user_client.get(f"/stream/{track.pk}/")
    assert track.listens.count() == 0


def test_x_accel_redirect_hands_the_file_to_nginx(user_client, track, settings):
    settings.STREAMAPP_X_ACCEL_REDIRECT_PREFIX = "/internal-audio"
    response = user_client.get(f"/stream/{track.pk}/", HTTP_RANGE="bytes=0-9")
    assert response["X-Accel-Redirect"] == "/internal-audio/" + track.audio_file.path.lstrip("/")
    assert response.content == b""


def test_an_api_client_streams_with_its_token(client, user, track):
    from accounts.services import api_token_get_or_create

    key = api_token_get_or_create(user=user)
    response = client.get(f"/stream/{track.pk}/", HTTP_AUTHORIZATION=f"Token {key}", HTTP_RANGE="bytes=0-9")
    assert response.status_code == 206
    assert body(response) == CONTENT[:10]


def test_a_wrong_token_gets_no_audio(client, track):
    response = client.get(f"/stream/{track.pk}/", HTTP_AUTHORIZATION="Token not-a-real-token")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
