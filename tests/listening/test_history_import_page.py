"""The history import page: the upload form, the list of imports and their live progress."""

import datetime as dt
import json
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from listening.models import HistoryImport, Listen
from tests.catalog.factories import make_album, make_artist, make_track
from tests.listening.history_samples import podcast_row, spotify_row

URL = "/history/import/"


pytestmark = pytest.mark.usefixtures("upload_dir")



def spotify_upload(name="Streaming_History_Audio_2021.json", rows=None) -> SimpleUploadedFile:
    rows = rows if rows is not None else [spotify_row(), podcast_row()]
    return SimpleUploadedFile(name, json.dumps(rows).encode(), content_type="application/json")


def make_import(user, **fields) -> HistoryImport:
    fields.setdefault("format", "spotify")
    fields.setdefault("file_name", "Streaming_History_Audio_2021.json")
    return HistoryImport.objects.create(user=user, **fields)


# ------------------------------------------------------------------------------ the form
@pytest.mark.django_db
def test_the_import_page_shows_the_upload_form(user_client):
    response = user_client.get(URL)
    assertContains(response, f'action="{URL}" enctype="multipart/form-data"')
    assertContains(response, '<option value="listenbrainz">ListenBrainz export</option>', html=True)
    assertContains(response, 'type="file" name="files" multiple')


@pytest.mark.django_db
def test_a_good_upload_records_an_import_and_queues_it(
    user_client, user, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = user_client.post(
            URL, {"format": "spotify", "files": [spotify_upload(), spotify_upload("b.json")]}
        )
    assertRedirects(response, f"{URL}#history-import", fetch_redirect_response=False)
    row = HistoryImport.objects.get()
    assert queued == [row.pk]
    assert (row.user, row.format, row.status, row.file_name) == (
        user,
        "spotify",
        "pending",
        "Streaming_History_Audio_2021.json, b.json",
    )
    assert [Path(item["path"]).exists() for item in row.files] == [True, True]
    page = user_client.get(URL)
    assertContains(page, "Your history is being imported: its progress shows below.")
    assertContains(page, f'hx-get="{URL}{row.pk}/"')


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "error"),
    [
        (
            {"format": "spotify", "files": [SimpleUploadedFile("a.csv", b"artist,album,track,date\n")]},
            "a.csv: Expected Spotify",
        ),
        ({"format": "lastfm", "files": [spotify_upload("h.json")]}, "h.json: This is JSON, not CSV."),
        (
            {"format": "listenbrainz", "files": [SimpleUploadedFile("e.jsonl", b"")]},
            "The submitted file is empty.",
        ),
        ({"format": "spotify"}, "This field is required."),
        (
            {"format": "itunes", "files": [spotify_upload()]},
            "Select a valid choice. itunes is not one of the available choices.",
        ),
    ],
)
def test_a_bad_upload_shows_a_form_error_and_records_nothing(user_client, queued, data, error):
    response = user_client.post(URL, data)
    assert response.status_code == 200
    assertContains(response, error)
    assertContains(response, 'class="field has-error"')
    assert not HistoryImport.objects.exists() and not queued


@pytest.mark.django_db
def test_an_upload_over_the_size_limit_is_refused(user_client, queued, settings):
    settings.STREAMAPP_HISTORY_UPLOAD_MAX_BYTES = 100
    response = user_client.post(
        URL, {"format": "spotify", "files": [spotify_upload(rows=[spotify_row()] * 3)]}
    )
    assertContains(
        response, "The upload is larger than 100\xa0bytes, the most a history upload may be.", status_code=413
    )
    assert not HistoryImport.objects.exists()


@pytest.mark.django_db
def test_the_profile_links_to_the_import_page_and_shows_no_upload_form(user_client):
    response = user_client.get("/accounts/profile/")
    assertContains(response, f'href="{URL}"')
    assertNotContains(response, 'enctype="multipart/form-data"')


@pytest.mark.django_db
def test_the_former_upload_address_on_the_profile_goes_to_the_import_page(user_client):
    response = user_client.get("/accounts/profile/history-imports/")
    assertRedirects(response, URL, status_code=301, fetch_redirect_response=False)


@pytest.mark.django_db
def test_the_import_page_needs_a_logged_in_user(client):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# ------------------------------------------------------------------------------ the list and its progress
@pytest.mark.django_db
def test_a_running_import_polls_its_progress(user_client, user):
    row = make_import(user, status="running", progress_done=2_500, progress_total=10_000)
    response = user_client.get(f"{URL}{row.pk}/")
    assert response.status_code == 200
    assertContains(response, f'id="history-import-{row.pk}"')
    assertContains(response, 'hx-trigger="every 1s" hx-target="this" hx-select="unset" hx-swap="outerHTML"')
    assertContains(response, '<progress class="history-import-progress" max="100" value="25"')
    assertContains(response, "2,500 of 10,000 records")
    assertNotContains(response, "<main")


@pytest.mark.django_db
def test_a_finished_import_shows_its_summary_and_stops_polling(user_client, user):
    row = make_import(
        user,
        status="done",
        imported=1234,
        duplicates=5,
        skipped=12,
        unmatched=40,
        failed=2,
        errors=[
            {"position": "a.json:7", "reason": "Not a JSON object."},
            {"position": "a.json:9", "reason": "Bad."},
        ],
    )
    response = user_client.get(f"{URL}{row.pk}/")
    assertContains(response, "1,234 imported, 5 duplicates, 12 skipped, 40 unmatched, 2 failed")
    assertContains(response, "<li><code>a.json:7</code> Not a JSON object.</li>", html=True)
    assertNotContains(response, "hx-trigger")


@pytest.mark.django_db
def test_a_failed_import_shows_why(user_client, user):
    row = make_import(user, status="failed", message="The import stopped: disk on fire")
    assertContains(user_client.get(f"{URL}{row.pk}/"), "The import stopped: disk on fire")


@pytest.mark.django_db
def test_a_user_sees_only_their_own_imports(user_client, user, other_user):
    mine = make_import(user, file_name="mine.json")
    theirs = make_import(other_user, file_name="theirs.json")
    page = user_client.get(URL)
    assertContains(page, "mine.json")
    assertNotContains(page, "theirs.json")
    assert user_client.get(f"{URL}{theirs.pk}/").status_code == 404
    assert user_client.get(f"{URL}{mine.pk}/").status_code == 200


@pytest.mark.django_db
def test_the_progress_needs_a_logged_in_user(client, user):
    row = make_import(user)
    assert client.get(f"{URL}{row.pk}/").status_code == 302


@pytest.mark.django_db
def test_the_import_page_runs_a_constant_number_of_queries(user_client, user, django_assert_max_num_queries):
    for i in range(12):
        make_import(user, status="done", file_name=f"f{i}.json")
    user_client.get(URL)
    with django_assert_max_num_queries(5):
        response = user_client.get(URL)
    assert response.content.decode().count('class="history-import ') == 10


# ------------------------------------------------------------------------------ with a real worker
@pytest.mark.django_db(transaction=True)
def test_an_uploaded_history_is_imported_by_the_celery_worker(celery_worker, client, user):
    album = make_album("OK Computer", artist=make_artist("Radiohead"))
    make_track("Airbag", album=album)
    client.force_login(user)
    # Listened two days ago: the rollup the import queues covers a few days, not years.
    day = (timezone.now() - dt.timedelta(days=2)).date().isoformat()
    rows = [
        spotify_row(ts=f"{day}T12:03:20Z"),
        spotify_row(ts=f"{day}T13:00:00Z", track="Not Here"),
        spotify_row(ts=f"{day}T13:10:00Z", ms_played=4_000),
        podcast_row(ts=f"{day}T13:00:00Z"),
        {"ts": f"{day}T14:00:00Z"},
    ]
    response = client.post(URL, {"format": "spotify", "files": [spotify_upload(rows=rows)]})
    assert response.status_code == 302
    row = HistoryImport.objects.get()

    deadline = time.monotonic() + 60
    while HistoryImport.objects.get(pk=row.pk).is_active and time.monotonic() < deadline:
        time.sleep(0.2)
    row.refresh_from_db()
    assert row.status == "done", row.message
    assert (row.imported, row.duplicates, row.skipped, row.unmatched, row.failed) == (2, 0, 2, 1, 1)
    assert (row.progress_done, row.progress_total) == (5, 5)
    assert row.upload_dir == "" and not any(Path(item["path"]).exists() for item in row.files)
    assert Listen.objects.filter(user=user).count() == 2
    assertContains(
        client.get(URL), "2 imported, 0 duplicates, 2 skipped, 1 unmatched, 1 failed"
    )


@pytest.mark.django_db
def test_a_damaged_zip_is_a_form_error(user_client, queued):
    data = SimpleUploadedFile("export.zip", b"PK\x03\x04" + b"\x00" * 40)
    response = user_client.post(URL, {"format": "listenbrainz", "files": [data]})
    assert response.status_code == 200
    assertContains(response, "export.zip: ")
    assert not HistoryImport.objects.exists()
