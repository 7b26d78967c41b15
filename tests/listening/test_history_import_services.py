"""History imports written to the database: listens, skipped plays, counts, re-imports, the task."""

import datetime as dt
import uuid
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from listening import importers, services, tasks
from listening.models import HistoryImport, Listen, Play
from listening.services import history_import as history_import_service
from tests.catalog.factories import make_album, make_artist, make_track

from .history_samples import (
    RECORDING_MBID,
    lb_listen,
    podcast_row,
    spotify_row,
    write_json,
    write_jsonl,
    write_lb_zip,
)

pytestmark = pytest.mark.django_db


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def run(user, format: str, *paths: Path, **kwargs) -> tuple[HistoryImport, services.HistoryImportSummary]:
    row = services.history_import_create(
        user=user, format=format, files=[(path, path.name) for path in paths]
    )
    summary = services.history_import_run(history_import=row, **kwargs)
    row.refresh_from_db()
    return row, summary


def counts(row: HistoryImport) -> tuple[int, int, int, int, int]:
    return (row.imported, row.duplicates, row.skipped, row.unmatched, row.failed)


@pytest.fixture
def airbag():
    album = make_album("OK Computer", artist=make_artist("Radiohead"))
    return make_track("Airbag", album=album, duration_ms=284_000)


@pytest.fixture
def spotify_file(tmp_path):
    return write_json(
        tmp_path / "Streaming_History_Audio_2021.json",
        [
            spotify_row(ts="2021-03-01T12:03:20Z", ms_played=200_000),  # Airbag, in the catalog
            spotify_row(ts="2021-03-01T12:10:00Z", ms_played=61_000, track="Unknown Song", skipped=True),
            spotify_row(ts="2021-03-01T12:11:00Z", ms_played=12_000),  # a skip of Airbag
            spotify_row(ts="2021-03-01T12:12:00Z", ms_played=3_000, track="Unknown Song"),  # a skip
            podcast_row(),
            spotify_row(ts="not a time"),
        ],
    )


def test_spotify_import_writes_listens_from_their_start(user, airbag, spotify_file):
    row, summary = run(user, "spotify", spotify_file)

    assert counts(row) == (2, 0, 3, 1, 1)
    assert (row.status, row.progress_done, row.progress_total) == ("done", 6, 6)
    assert row.message == summary.line == "2 imported, 0 duplicates, 3 skipped, 1 unmatched, 1 failed"
    assert row.errors == [
        {"position": "Streaming_History_Audio_2021.json:6", "reason": "ts 'not a time' is not a time."}
    ]
    matched, unmatched = Listen.objects.order_by("listened_at")
    assert (matched.track, matched.listened_at, matched.ms_played, matched.skipped, matched.source) == (
        airbag,
        utc(2021, 3, 1, 12, 0, 0),
        200_000,
        False,
        "import",
    )
    assert (matched.artist_name, matched.track_name, matched.release_name) == (
        "Radiohead",
        "Airbag",
        "OK Computer",
    )
    assert matched.additional_info["spotify_id"] == "https://open.spotify.com/track/6LgJvl0Xdtc73RJ1mmpotq"
    assert "ip_addr" not in matched.additional_info and "conn_country" not in matched.additional_info
    # Not in the catalog: kept with its metadata, in the user's history.
    assert (unmatched.track, unmatched.track_name, unmatched.listened_at) == (
        None,
        "Unknown Song",
        utc(2021, 3, 1, 12, 8, 59),
    )
    assert (unmatched.ms_played, unmatched.skipped) == (61_000, True)


def test_spotify_skips_become_skipped_plays_not_listens(user, airbag, spotify_file):
    run(user, "spotify", spotify_file)

    (play,) = Play.objects.all()  # the unknown song's skip has no track to point at
    assert (play.track, play.skipped, play.source, play.ms_played) == (airbag, True, "import", 12_000)
    assert (play.started_at, play.ended_at) == (utc(2021, 3, 1, 12, 10, 48), utc(2021, 3, 1, 12, 11, 0))
    assert not Listen.objects.filter(listened_at__gte=utc(2021, 3, 1, 12, 10, 40)).exists()


def test_importing_the_same_file_again_adds_nothing(user, airbag, spotify_file):
    run(user, "spotify", spotify_file)
    again, _ = run(user, "spotify", spotify_file)

    assert counts(again) == (0, 2, 3, 0, 1)
    assert Listen.objects.count() == 2
    assert Play.objects.count() == 1


def test_the_same_export_for_two_users_is_imported_for_each(user, other_user, airbag, spotify_file):
    run(user, "spotify", spotify_file)
    row, _ = run(other_user, "spotify", spotify_file)
    assert counts(row) == (2, 0, 3, 1, 1)
    assert Play.objects.filter(user=other_user).count() == 1


def test_listenbrainz_zip_import_matches_by_mbid_then_name(user, airbag, tmp_path):
    by_mbid = make_track("Something Else", mbid=uuid.UUID(RECORDING_MBID))
    path = write_lb_zip(
        tmp_path / "export.zip",
        {
            "2021/2": [
                lb_listen(
                    1_612_137_600.75, artist="Whoever", track="Retitled", recording_mbid=RECORDING_MBID
                ),
                lb_listen(1_612_137_900, artist="radiohead", track="AIRBAG", release=""),
                lb_listen(1_612_138_200, artist="Nobody", track="Nothing", tags=["x"]),
                b"{broken",
            ],
            "2021/3": [lb_listen(1_614_556_800, track="Airbag")],
        },
    )
    row, _ = run(user, "listenbrainz", path)

    assert counts(row) == (4, 0, 0, 1, 1)
    assert row.errors == [
        {
            "position": "export.zip/listens/2021/2.jsonl:4",
            "reason": "Not valid JSON: Expecting property name enclosed in double quotes.",
        }
    ]
    listens = list(Listen.objects.order_by("listened_at"))
    assert [listen.listened_at.timestamp() for listen in listens] == [
        1_612_137_600,
        1_612_137_900,
        1_612_138_200,
        1_614_556_800,
    ]
    assert [listen.track_id for listen in listens] == [by_mbid.pk, airbag.pk, None, airbag.pk]
    assert listens[0].recording_mbid == uuid.UUID(RECORDING_MBID)
    assert listens[2].additional_info == {"tags": ["x"]}
    assert (listens[2].artist_name, listens[2].track_name, listens[2].release_name) == (
        "Nobody",
        "Nothing",
        "OK Computer",
    )


def test_a_listen_already_scrobbled_is_a_duplicate(user, tmp_path):
    services.listens_submit(
        user=user,
        listen_type="single",
        listens=[{"listened_at": 1_600_000_000, "track_metadata": {"artist_name": "A", "track_name": "T"}}],
    )
    path = write_jsonl(
        tmp_path / "l.jsonl", [lb_listen(1_600_000_000, artist="a", track="t!"), lb_listen(1_600_000_000)]
    )
    row, _ = run(user, "listenbrainz", path)
    assert counts(row) == (1, 1, 0, 1, 0)


def test_lastfm_import_with_and_without_header(user, airbag, tmp_path):
    plain = tmp_path / "plain.csv"
    plain.write_text('"Radiohead","OK Computer","Airbag","31 Jan 2021 13:37"\nX,Y\n', encoding="utf-8")
    headed = tmp_path / "headed.csv"
    headed.write_text(
        "uts,utc_time,artist,artist_mbid,album,album_mbid,track,track_mbid\n"
        '1612100220,"31 Jan 2021, 13:37",Radiohead,,OK Computer,,Airbag,\n'
        '1612200000,"01 Feb 2021, 17:20",Portishead,,Dummy,,Roads,\n',
        encoding="utf-8",
    )
    row, _ = run(user, "lastfm", plain, headed)

    # The same scrobble in both files is one listen.
    assert counts(row) == (2, 1, 0, 1, 1)
    assert row.file_name == "plain.csv, headed.csv"
    assert row.errors == [{"position": "plain.csv:2", "reason": "Expected at least 4 columns, found 2."}]
    assert list(Listen.objects.order_by("listened_at").values_list("track_name", "track", "listened_at")) == [
        ("Airbag", airbag.pk, utc(2021, 1, 31, 13, 37)),
        ("Roads", None, utc(2021, 2, 1, 17, 20)),
    ]


def test_bad_files_are_reported_and_the_other_files_imported(user, tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    not_an_export = tmp_path / "other.zip"
    write_lb_zip(not_an_export, {})
    good = write_jsonl(tmp_path / "good.jsonl", [lb_listen(1_600_000_000)])
    gone = tmp_path / "gone.jsonl"

    row, _ = run(user, "listenbrainz", empty, not_an_export, gone, good)

    assert counts(row) == (1, 0, 0, 1, 3)
    assert [error["position"] for error in row.errors] == ["empty.jsonl", "other.zip", "gone.jsonl"]
    assert row.errors[2]["reason"] == "The file cannot be read: No such file or directory."


def test_unmatched_listens_are_linked_when_the_catalog_gains_the_track(user, tmp_path):
    run(
        user,
        "listenbrainz",
        write_jsonl(tmp_path / "l.jsonl", [lb_listen(1_600_000_000, artist="Late", track="Song")]),
    )
    track = make_track("Song", album=make_album("Later", artist=make_artist("Late")))
    assert services.listens_link_unmatched(user=user) == 1
    assert Listen.objects.get().track == track


def test_progress_is_recorded_per_chunk(user, monkeypatch, tmp_path):
    monkeypatch.setattr(history_import_service, "CHUNK_SIZE", 4)
    path = write_jsonl(
        tmp_path / "l.jsonl", [lb_listen(1_600_000_000 + 60 * i, track=f"S{i}") for i in range(10)]
    )
    calls, seen = [], []
    original = history_import_service._save_counts

    def spy(history_import, summary, *fields):
        seen.append((history_import.progress_done, summary.done, summary.imported))
        original(history_import, summary, *fields)

    monkeypatch.setattr(history_import_service, "_save_counts", spy)
    row, _ = run(user, "listenbrainz", path, progress=lambda done, total: calls.append((done, total)))

    assert calls == [(0, 10), (4, 10), (8, 10), (10, 10)]
    assert [(done, imported) for _, done, imported in seen] == [
        (0, 0),
        (0, 0),
        (4, 4),
        (8, 8),
        (10, 10),
        (10, 10),
    ]
    assert (row.progress_done, row.progress_total, row.imported) == (10, 10, 10)


def test_errors_go_to_on_error_and_the_first_thousand_are_kept(user, monkeypatch, tmp_path):
    monkeypatch.setattr(history_import_service, "MAX_STORED_ERRORS", 3)
    path = write_jsonl(tmp_path / "l.jsonl", [b"x"] * 5 + [lb_listen()])
    reported = []
    row, _ = run(user, "listenbrainz", path, on_error=reported.append)
    assert [problem.position for problem in reported] == [f"l.jsonl:{i}" for i in range(1, 6)]
    assert len(row.errors) == 3 and row.failed == 5
    assert row.message.endswith("(the first 3 problems are listed)")


@pytest.mark.parametrize("chunks", [2, 4])
def test_queries_grow_with_chunks_not_records(user, airbag, monkeypatch, tmp_path, chunks):
    monkeypatch.setattr(history_import_service, "CHUNK_SIZE", 50)
    rows = []
    for i in range(50 * chunks):
        ts = (dt.datetime(2021, 3, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=5 * i)).strftime(
            "%Y-%m-%dT%H:%M:%SZ"
        )
        rows.append(
            spotify_row(ts=ts, ms_played=10_000 if i % 5 == 0 else 200_000, track=["Airbag", f"X{i}"][i % 2])
        )
    path = write_json(tmp_path / "h.json", rows)
    row = services.history_import_create(user=user, format="spotify", files=[(path, "h.json")])
    with CaptureQueriesContext(connection) as queries:
        services.history_import_run(history_import=row)
    # Per chunk: matching and writing the listens (at most 4), matching and writing the skipped plays
    # (3), the row's progress (1) and a savepoint; a few more to start and finish.
    assert len(queries) <= 11 * chunks + 4
    assert Listen.objects.count() == 40 * chunks


def test_an_import_that_stops_is_marked_failed(user, monkeypatch, tmp_path):
    def broken(path, name):
        yield from importers.listenbrainz.parse(path, name)
        raise RuntimeError("disk on fire")

    monkeypatch.setitem(
        importers.PARSERS,
        "listenbrainz",
        type("P", (), {"parse": staticmethod(broken), "count": staticmethod(importers.listenbrainz.count)}),
    )
    path = write_jsonl(tmp_path / "l.jsonl", [lb_listen()])
    row = services.history_import_create(user=user, format="listenbrainz", files=[(path, "l.jsonl")])
    with pytest.raises(RuntimeError):
        services.history_import_run(history_import=row)
    row.refresh_from_db()
    assert (row.status, row.message) == ("failed", "The import stopped: disk on fire")
    assert row.finished_at is not None


def test_start_saves_the_uploads_privately_and_queues_the_task_on_commit(
    user, settings, tmp_path, django_capture_on_commit_callbacks, monkeypatch
):
    settings.STREAMAPP_UPLOAD_DIR = tmp_path / "uploads"
    queued = []
    monkeypatch.setattr(tasks.import_history, "delay", queued.append)
    upload = SimpleUploadedFile("../../Streaming History.json", b"[]", content_type="application/json")

    with django_capture_on_commit_callbacks(execute=True):
        row = services.history_import_start(user=user, format="spotify", uploads=[upload])

    assert queued == [row.pk]
    (stored,) = row.files
    path = Path(stored["path"])
    assert stored["name"] == "Streaming History.json" and row.file_name == "Streaming History.json"
    assert path.read_bytes() == b"[]"
    assert path.parent == Path(row.upload_dir)
    assert path.parent.parent == tmp_path / "uploads" / "history-imports" / str(user.pk)
    assert path.name == "1-Streaming_History.json"
    assert not str(path).startswith(str(settings.MEDIA_ROOT))


def test_the_task_runs_the_import_and_deletes_the_uploads(
    user, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.STREAMAPP_UPLOAD_DIR = tmp_path / "uploads"
    upload = SimpleUploadedFile(
        "l.jsonl", b'{"listened_at": 1600000000, "track_metadata": {"artist_name": "A", "track_name": "T"}}\n'
    )
    with django_capture_on_commit_callbacks(execute=False):
        row = services.history_import_start(user=user, format="listenbrainz", uploads=[upload])
    folder = Path(row.upload_dir)
    assert folder.is_dir()

    result = tasks.import_history.apply(args=[row.pk]).get()

    assert result == {
        "status": "done",
        "imported": 1,
        "duplicates": 0,
        "skipped": 0,
        "unmatched": 1,
        "failed": 0,
    }
    assert not folder.exists()
    row.refresh_from_db()
    assert (row.status, row.upload_dir) == ("done", "")
    # A redelivered message does not import again.
    assert tasks.import_history.apply(args=[row.pk]).get() == {"status": "done"}
    assert tasks.import_history.apply(args=[row.pk + 1000]).get() == {"status": "missing"}


def test_the_task_name_is_registered():
    from streamapp.celery import app

    assert tasks.import_history.name == "listening.import_history"
    assert "listening.import_history" in app.tasks
