"""The history upload on its import page: request size, one import at a time, daily rows, bad files."""

import io
import json
import socket
import time
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pytest_django.asserts import assertContains

from listening.models import HistoryImport

from .history_samples import spotify_row

URL = "/history/import/"


pytestmark = pytest.mark.usefixtures("upload_dir")



def history(size: int = 0, name: str = "Streaming_History_Audio_2021.json") -> SimpleUploadedFile:
    data = json.dumps([spotify_row()]).encode()
    if size:
        data = data[:-1] + b" " * (size - len(data)) + b"]"
    return SimpleUploadedFile(name, data, content_type="application/json")


def uploads_left(tmp_path) -> list:
    return list((tmp_path / "uploads").rglob("*"))


@pytest.mark.django_db
def test_an_upload_whose_content_length_is_over_the_limit_is_413_unread(
    user_client, settings, queued, tmp_path
):
    settings.STREAMAPP_HISTORY_UPLOAD_MAX_BYTES = 1 << 20
    response = user_client.post(URL, {"format": "spotify", "files": [history(2 << 20)]})

    assert response.status_code == 413
    assertContains(
        response, "The upload is larger than 1.0\xa0MB, the most a history upload may be.", status_code=413
    )
    assert not HistoryImport.objects.exists() and not queued and not uploads_left(tmp_path)


@pytest.mark.django_db
def test_files_over_the_limit_are_stopped_while_they_are_received(user_client, settings, queued, tmp_path):
    # The body's length is within the allowance for the form's other fields; the files are not.
    settings.STREAMAPP_HISTORY_UPLOAD_MAX_BYTES = 1 << 20
    response = user_client.post(URL, {"format": "spotify", "files": [history((1 << 20) + 10)]})

    assert response.status_code == 413
    assertContains(response, "larger than 1.0\xa0MB", status_code=413)
    assert not HistoryImport.objects.exists() and not queued


@pytest.mark.django_db
def test_files_just_under_the_limit_are_accepted(user_client, settings, queued):
    settings.STREAMAPP_HISTORY_UPLOAD_MAX_BYTES = 1 << 20
    response = user_client.post(URL, {"format": "spotify", "files": [history((1 << 20) - 100)]})
    assert response.status_code == 302
    assert HistoryImport.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_300_mb_upload_is_refused_before_it_is_sent(live_server, client, user):
    """A real socket: the answer comes while almost all of the declared 300 MB is still unsent."""
    client.force_login(user)
    session = client.cookies["sessionid"].value
    host, port = live_server.thread.host, live_server.thread.port
    boundary = "----streamapp"
    head = (
        f"POST {URL} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {300 * 1024 * 1024}\r\nCookie: sessionid={session}\r\nConnection: close\r\n\r\n"
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="big.json"\r\n\r\n['
    ).encode()
    with socket.create_connection((host, port), timeout=20) as sock:
        sock.sendall(head + b" " * 65536)
        started = time.monotonic()
        answer = b""
        while b"\r\n\r\n" not in answer:
            piece = sock.recv(65536)
            if not piece:
                break
            answer += piece
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert time.monotonic() - started < 15
    assert not HistoryImport.objects.exists()


@pytest.mark.django_db
def test_a_second_upload_while_one_is_queued_is_a_form_error(
    user_client, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert user_client.post(URL, {"format": "spotify", "files": [history()]}).status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        response = user_client.post(URL, {"format": "spotify", "files": [history()]})

    assert response.status_code == 200
    assertContains(response, "A history is already being imported: wait for it to finish")
    assert HistoryImport.objects.count() == 1 and len(queued) == 1


@pytest.mark.django_db
def test_an_upload_after_the_daily_rows_is_a_form_error(user_client, user, settings, queued):
    settings.STREAMAPP_HISTORY_MAX_ROWS_PER_DAY = 10
    from django.utils import timezone

    HistoryImport.objects.create(
        user=user,
        format="spotify",
        file_name="a.json",
        status="done",
        progress_done=10,
        started_at=timezone.now(),
    )
    response = user_client.post(URL, {"format": "spotify", "files": [history()]})

    assertContains(response, "at most 10 are read per listener in 24 hours")
    assert HistoryImport.objects.count() == 1 and not queued


@pytest.mark.django_db
def test_an_upload_of_deep_brackets_is_a_form_error(user_client, queued):
    upload = SimpleUploadedFile("deep.json", b"[" * 100_000)
    response = user_client.post(URL, {"format": "spotify", "files": [upload]})

    assert response.status_code == 200
    assertContains(response, "deep.json: The file nests JSON too deeply to be a listening history.")
    assert not HistoryImport.objects.exists()


@pytest.mark.django_db
def test_an_upload_of_a_zip_bomb_is_a_form_error(user_client, settings, queued):
    settings.STREAMAPP_HISTORY_MAX_COMPRESSION_RATIO = 100
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("Streaming_History_Audio_1.json", b"[" + b" " * (4 << 20) + b"]")
    upload = SimpleUploadedFile("my_spotify_data.zip", data.getvalue())

    response = user_client.post(URL, {"format": "spotify", "files": [upload]})

    assertContains(
        response, "my_spotify_data.zip: Streaming_History_Audio_1.json is compressed more than 100:1"
    )
    assert not HistoryImport.objects.exists()


@pytest.mark.django_db
def test_an_import_cut_short_says_so_on_the_import_page(user_client, user):
    row = HistoryImport.objects.create(
        user=user,
        format="spotify",
        file_name="a.json",
        status="done",
        imported=3,
        message="3 imported, 0 duplicates, 0 skipped, 0 unmatched, 0 failed. "
        "Cut short after 3 records: at most 3 are read per import.",
    )
    response = user_client.get(f"{URL}{row.pk}/")
    assertContains(response, "Cut short after 3 records: at most 3 are read per import.")


@pytest.mark.django_db
def test_the_upload_still_needs_its_csrf_token(client, user, queued):
    client.force_login(user)
    client.handler.enforce_csrf_checks = True
    response = client.post(URL, {"format": "spotify", "files": [history()]})
    assert response.status_code == 403
    assert not HistoryImport.objects.exists() and not queued
