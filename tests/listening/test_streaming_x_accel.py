"""GET /stream/<id>/ with STREAMAPP_X_ACCEL_REDIRECT_PREFIX: the header nginx follows (deploy/nginx.conf)."""

from urllib.parse import quote

import pytest

from tests.catalog.factories import make_audio_file, make_track

pytestmark = pytest.mark.django_db


def test_x_accel_redirect_percent_encodes_the_files_path(user_client, settings, tmp_path):
    # nginx decodes the header's %XX back to the file name's UTF-8 bytes; unencoded, "ó" would be
    # sent as one Latin-1 byte, "?" would start a query string and "%" an escape.
    settings.STREAMAPP_X_ACCEL_REDIRECT_PREFIX = "/_audio/"
    path = tmp_path / "Sigur Rós" / "01 #1 100%?.mp3"
    path.parent.mkdir()
    path.write_bytes(b"ID3")
    track = make_track(audio_file=make_audio_file(path=str(path), size=3))

    response = user_client.get(f"/stream/{track.pk}/")

    assert response["X-Accel-Redirect"] == (
        "/_audio" + quote(str(tmp_path)) + "/Sigur%20R%C3%B3s/01%20%231%20100%25%3F.mp3"
    )
