"""The library importer on real tagged files: formats, covers, re-runs, changes, removals, queries."""

import hashlib
import io
import os
import shutil
import time
import uuid
from types import SimpleNamespace
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command, load_command_class
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

import catalog.admin_imports  # noqa: F401  (registers the admin until catalog/admin.py imports it)
from catalog import importer, services, tasks
from catalog.models import Album, Artist, AudioFile, Genre, LibraryImport, Track
from tests.catalog.audio_files import cover_jpeg, retag, write_audio
from tests.catalog.factories import make_album, make_artist, make_audio_file, make_track

ARTIST_ONE = "a1a1a1a1-0000-4000-8000-000000000001"
FIRST_ALBUM = "b1b1b1b1-0000-4000-8000-000000000001"
OPENING = "c1c1c1c1-0000-4000-8000-000000000001"


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def bump_mtime(path, seconds: int = 10) -> None:
    stat = path.stat()
    os.utime(path, (stat.st_atime, stat.st_mtime + seconds))


@pytest.fixture
def library(tmp_path):
    """Six tagged files in six formats over two albums, a cover.jpg and a corrupt file."""
    root = tmp_path / "music"
    one = root / "Artist One" / "First Album"
    two = root / "Various" / "Second Album"
    embedded_cover = cover_jpeg((200, 30, 30), size=(800, 800))
    folder_cover = cover_jpeg((30, 30, 200), size=(300, 200))
    files = SimpleNamespace(root=root, embedded_cover=embedded_cover, folder_cover=folder_cover)
    files.opening = write_audio(
        one / "01 Opening.mp3",
        title="Opening",
        artist="Artist One",
        album="First Album",
        track="1/3",
        disc="1/1",
        date="2019-05-01",
        genre="Rock",
        recording_mbid=OPENING,
        album_mbid=FIRST_ALBUM,
        artist_mbid=ARTIST_ONE,
        album_artist_mbid=ARTIST_ONE,
        release_type="album",
        cover=embedded_cover,
    )
    files.middle = write_audio(
        one / "02 Middle.flac",
        title="Middle",
        artist="Artist One",
        album="First Album",
        track="2/3",
        date="2019",
        genre=["Rock", "Indie; Pop"],
        album_mbid=FIRST_ALBUM,
        artist_mbid=ARTIST_ONE,
    )
    files.closing = write_audio(
        one / "03 Closing.ogg",
        title="Closing",
        artist="Artist One feat. Guest",
        album_artist="Artist One",
        album="First Album",
        track="3/3",
        album_mbid=FIRST_ALBUM,
        album_artist_mbid=ARTIST_ONE,
    )
    files.night = write_audio(
        two / "1-01 Night.opus",
        title="Night",
        artist="Artist Two",
        album_artist="Various Artists",
        album="Second Album",
        track="1",
        disc="1/2",
        genre="Jazz/Blues",
        release_type="compilation",
    )
    files.day = write_audio(
        two / "2-01 Day.m4a",
        title="Day",
        artist="Artist Three",
        album_artist="Various Artists",
        album="Second Album",
        track="1",
        disc="2/2",
        date="2021",
        genre="Jazz",
    )
    files.noon = write_audio(
        two / "2-02 Noon.wav",
        title="Noon",
        artist="Artist Two",
        album_artist="Various Artists",
        album="Second Album",
        track="2",
        disc="2/2",
    )
    (two / "Cover.JPG").write_bytes(folder_cover)
    files.broken = root / "broken.flac"
    files.broken.write_bytes(b"fLaC" + b"\x00garbage" * 20)
    (root / "notes.txt").write_text("not audio, not looked at")
    return files


def run_import(root, **kwargs):
    return services.library_import(root=root, **kwargs)


def snapshot():
    """Return every catalog row's updated_at, to check that a re-run writes nothing."""
    return {
        model.__name__: dict(model.objects.values_list("pk", "updated_at"))
        for model in (Artist, Album, Track, AudioFile)
    }


def track(title: str) -> Track:
    return Track.objects.select_related("album", "artist", "audio_file").get(title=title)


@pytest.mark.django_db
def test_import_adds_every_format_with_tags_musicbrainz_ids_and_stream_properties(library):
    summary = run_import(library.root)

    assert (summary.added, summary.updated, summary.unchanged, summary.removed, summary.failed) == (
        6,
        0,
        0,
        0,
        1,
    )
    assert summary.files_seen == 7
    assert Track.objects.count() == AudioFile.objects.count() == 6

    opening = track("Opening")
    assert (opening.track_number, opening.disc_number, opening.mbid) == (1, 1, uuid.UUID(OPENING))
    assert opening.artist.name == "Artist One" and opening.artist.mbid == uuid.UUID(ARTIST_ONE)
    assert opening.artist.name_key == "artist one"
    assert opening.album.title == "First Album" and opening.album.title_key == "first album"
    assert opening.album.mbid == uuid.UUID(FIRST_ALBUM)
    assert (opening.album.release_year, opening.album.album_type) == (2019, "album")
    assert opening.title_key == "opening"
    assert [g.name for g in opening.genres.all()] == ["Rock"]
    audio = opening.audio_file
    assert (audio.path, audio.format, audio.mime_type) == (str(library.opening), "mp3", "audio/mpeg")
    assert (audio.bitrate, audio.sample_rate, audio.channels) == (128000, 44100, 2)
    assert audio.checksum == sha256(library.opening)
    assert audio.size == library.opening.stat().st_size
    assert audio.mtime == library.opening.stat().st_mtime
    assert audio.is_available and audio.last_seen_at is not None
    assert opening.duration_ms == audio.duration_ms == pytest.approx(1045, abs=80)

    middle = track("Middle")
    assert sorted(g.name for g in middle.genres.all()) == ["Indie", "Pop", "Rock"]
    assert middle.album == opening.album and middle.artist == opening.artist
    # "feat." credits match the main artist; the album artist tag groups the album.
    assert track("Closing").artist == opening.artist and track("Closing").album == opening.album

    night, day, noon = track("Night"), track("Day"), track("Noon")
    assert night.album == day.album == noon.album
    compilation = night.album
    assert compilation.artist.name == "Various Artists"
    assert (compilation.album_type, compilation.release_year) == ("compilation", 2021)
    assert (night.disc_number, night.track_number, day.disc_number, day.track_number) == (1, 1, 2, 1)
    assert (day.artist.name, noon.artist.name) == ("Artist Three", "Artist Two")
    assert sorted(g.name for g in night.genres.all()) == ["Blues", "Jazz"]
    assert {t.audio_file.format for t in (night, day, noon)} == {"opus", "m4a", "wav"}
    assert (night.audio_file.sample_rate, noon.audio_file.sample_rate) == (48000, 22050)
    assert Artist.objects.count() == 4
    assert Genre.objects.count() == 5


@pytest.mark.django_db
def test_corrupt_file_is_reported_with_path_and_reason_and_the_rest_imported(library):
    summary = run_import(library.root)

    assert summary.failed == 1
    assert summary.errors == [{"path": str(library.broken), "reason": mock.ANY}]
    assert "corrupt" in summary.errors[0]["reason"]
    assert not AudioFile.objects.filter(path=str(library.broken)).exists()
    assert summary.added == 6


@pytest.mark.django_db
def test_album_cover_comes_from_embedded_picture_else_cover_jpg_beside_the_files(library):
    run_import(library.root)

    first = track("Opening").album
    assert first.cover_checksum == hashlib.sha256(library.embedded_cover).hexdigest()
    assert first.cover.name == f"covers/{first.cover_checksum[:2]}/{first.cover_checksum}.jpg"
    with default_storage.open(first.cover.name) as stored:
        image = Image.open(io.BytesIO(stored.read()))
        assert (image.format, image.size) == ("JPEG", (600, 600))  # resized from 800 px

    second = track("Night").album
    assert second.cover_checksum == hashlib.sha256(library.folder_cover).hexdigest()
    assert default_storage.exists(second.cover.name)


@pytest.mark.django_db
def test_rerun_on_the_same_folder_changes_nothing_and_reads_no_file(library):
    run_import(library.root)
    before = snapshot()
    covers = dict(Album.objects.values_list("pk", "cover"))

    with mock.patch.object(importer, "read_audio_file", wraps=importer.read_audio_file) as read:
        summary = run_import(library.root)

    assert (summary.added, summary.updated, summary.unchanged, summary.removed, summary.failed) == (
        0,
        0,
        6,
        0,
        1,
    )
    assert [call.args[0] for call in read.call_args_list] == [library.broken]  # only the unreadable file
    assert snapshot() == before
    assert dict(Album.objects.values_list("pk", "cover")) == covers


@pytest.mark.django_db
def test_touched_file_with_the_same_content_is_unchanged_and_skipped_next_time(library):
    run_import(library.root)
    before = snapshot()
    bump_mtime(library.middle)

    assert run_import(library.root).unchanged == 6
    assert snapshot() == before
    assert AudioFile.objects.get(path=str(library.middle)).mtime == library.middle.stat().st_mtime


@pytest.mark.django_db
def test_changed_tag_updates_the_track_in_place(library):
    run_import(library.root)
    old = track("Middle")
    old_updated_at = old.updated_at
    retag(
        library.middle,
        title="Middle (Remastered)",
        artist="Artist Two",
        album="First Album",
        album_artist="Artist One",
        album_mbid=FIRST_ALBUM,
        track="5",
        disc="2",
        genre="Ambient",
    )
    bump_mtime(library.middle)

    summary = run_import(library.root)

    assert (summary.added, summary.updated, summary.unchanged) == (0, 1, 5)
    changed = Track.objects.get(pk=old.pk)
    assert (changed.title, changed.title_key) == ("Middle (Remastered)", "middle remastered")
    assert (changed.track_number, changed.disc_number) == (5, 2)
    assert changed.artist.name == "Artist Two"
    assert changed.album == old.album
    assert [g.name for g in changed.genres.all()] == ["Ambient"]
    assert changed.updated_at > old_updated_at
    assert changed.audio_file.checksum == sha256(library.middle)
    assert Track.objects.count() == 6


@pytest.mark.django_db
def test_changed_year_tag_updates_the_album(library):
    run_import(library.root)
    retag(
        library.opening,
        title="Opening",
        artist="Artist One",
        album="First Album",
        date="2020",
        album_mbid=FIRST_ALBUM,
        artist_mbid=ARTIST_ONE,
        cover=library.embedded_cover,
    )
    bump_mtime(library.opening)

    run_import(library.root)

    assert track("Opening").album.release_year == 2020


@pytest.mark.django_db
def test_removed_file_is_marked_unavailable_with_its_track_and_comes_back_when_restored(library, tmp_path):
    run_import(library.root)
    kept = tmp_path / "kept.wav"
    shutil.move(library.noon, kept)

    summary = run_import(library.root)

    assert (summary.removed, summary.unchanged) == (1, 5)
    noon = track("Noon")
    assert not noon.audio_file.is_available and not noon.is_available
    assert Track.objects.playable().count() == 5

    shutil.move(kept, library.noon)
    summary = run_import(library.root)

    assert (summary.updated, summary.removed, summary.unchanged) == (1, 0, 5)
    noon.refresh_from_db()
    assert noon.is_available and AudioFile.objects.get(pk=noon.audio_file_id).is_available
    assert Track.objects.count() == 6


@pytest.mark.django_db
def test_moved_file_keeps_its_track(library):
    run_import(library.root)
    day = track("Day")
    new_path = library.root / "Elsewhere" / "Day.m4a"
    new_path.parent.mkdir()
    shutil.move(library.day, new_path)

    summary = run_import(library.root)

    assert (summary.added, summary.updated, summary.removed) == (0, 1, 0)
    moved = track("Day")
    assert moved.pk == day.pk and moved.audio_file_id == day.audio_file_id
    assert moved.audio_file.path == str(new_path) and moved.is_available


@pytest.mark.django_db
def test_files_outside_the_imported_folder_are_not_marked_removed(library, tmp_path):
    elsewhere = make_audio_file(path=str(tmp_path / "other-library" / "song.mp3"))
    sibling = make_audio_file(path=str(library.root) + "-old/song.mp3")  # shares the prefix, not the folder

    assert run_import(library.root).removed == 0
    elsewhere.refresh_from_db()
    sibling.refresh_from_db()
    assert elsewhere.is_available and sibling.is_available


@pytest.mark.django_db
def test_existing_artists_and_albums_are_matched_by_musicbrainz_id_else_by_name(library):
    by_id = make_artist("Artist 1 (old spelling)", mbid=uuid.UUID(ARTIST_ONE))
    by_name = make_artist("ARTIST TWO")
    album = make_album("Second Album", artist=make_artist("Various Artists"))

    run_import(library.root)

    assert track("Opening").artist == by_id
    assert track("Night").artist == by_name
    assert track("Night").album == album
    assert Artist.objects.filter(name_key="artist two").count() == 1


@pytest.mark.django_db
def test_artist_imported_without_an_id_takes_it_from_a_later_file(tmp_path):
    write_audio(tmp_path / "a" / "1.wav", title="One", artist="Nobody Knows", album="A")
    run_import(tmp_path)
    write_audio(
        tmp_path / "b" / "2.wav", title="Two", artist="Nobody Knows", album="B", artist_mbid=ARTIST_ONE
    )

    run_import(tmp_path)

    artist = Artist.objects.get()
    assert artist.mbid == uuid.UUID(ARTIST_ONE)
    assert set(artist.tracks.values_list("title", flat=True)) == {"One", "Two"}


@pytest.mark.django_db
def test_import_reuses_genres_by_slug_and_keeps_names_without_latin_letters_apart(tmp_path):
    Genre.objects.create(name="Hip-Hop", slug="hip-hop")
    write_audio(tmp_path / "1.wav", title="One", genre=["hip hop", "Джаз", "Фолк"])

    run_import(tmp_path)

    genres = Track.objects.get().genres.order_by("name")
    assert [g.name for g in genres] == ["Hip-Hop", "Джаз", "Фолк"]
    assert len({g.slug for g in genres}) == 3


@pytest.mark.django_db
def test_import_takes_far_fewer_queries_than_files(tmp_path):
    template = write_audio(tmp_path / "template.wav", duration=0.2)

    def write_library(root, count):
        """Write count files by 12 artists on 24 albums with 7 genres, all new to the catalog."""
        for number in range(count):
            artist, album = f"{root.name} artist {number % 12}", f"{root.name} album {number % 24}"
            path = root / artist / album / f"{number:04}.wav"
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(template, path)
            retag(
                path,
                title=f"Song {number}",
                artist=artist,
                album=album,
                track=str(number % 20 + 1),
                genre=[f"{root.name} genre {number % 7}", f"{root.name} genre {number % 5}"],
            )

    write_library(tmp_path / "small", 120)
    write_library(tmp_path / "large", 240)

    with CaptureQueriesContext(connection) as small:
        assert run_import(tmp_path / "small").added == 120
    with CaptureQueriesContext(connection) as large:
        assert run_import(tmp_path / "large").added == 240
    with CaptureQueriesContext(connection) as rerun:
        assert run_import(tmp_path / "large").unchanged == 240

    print(f"queries: 120 new files {len(small)}, 240 new files {len(large)}, 240 unchanged {len(rerun)}")
    assert len(small) < 40
    assert len(large) == len(small)  # one batch either way: the count does not grow with the files
    assert len(rerun) < 15
    assert Track.objects.count() == 360


@pytest.mark.django_db
def test_queries_grow_with_batches_not_with_files(tmp_path):
    template = write_audio(tmp_path / "template.wav", duration=0.2)
    for number in range(60):
        path = tmp_path / "lib" / f"{number:03}.wav"
        path.parent.mkdir(exist_ok=True)
        shutil.copyfile(template, path)
        retag(path, title=f"Song {number}", artist=f"Artist {number % 3}", album="Same", genre="Pop")

    with CaptureQueriesContext(connection) as queries:
        summary = importer.LibraryImporter(tmp_path / "lib", batch_size=20).run()

    assert summary.added == 60
    per_batch = len(queries) / 3
    assert per_batch < 20


@pytest.mark.django_db
def test_import_records_its_run_on_the_library_import_row(library):
    row = LibraryImport.objects.create(path=str(library.root))
    progress = []

    run_import(library.root, library_import=row, progress=lambda done, total: progress.append((done, total)))

    row.refresh_from_db()
    assert row.status == LibraryImport.Status.DONE
    assert (row.files_seen, row.added, row.updated, row.unchanged, row.removed, row.failed) == (
        7,
        6,
        0,
        0,
        0,
        1,
    )
    assert row.errors == [{"path": str(library.broken), "reason": mock.ANY}]
    assert row.started_at <= row.finished_at
    assert row.message == "6 added, 0 updated, 0 unchanged, 0 removed, 1 failed"
    assert progress[0] == (0, 7) and progress[-1] == (7, 7)
    assert [done for done, _ in progress] == list(range(8))


@pytest.mark.django_db
def test_import_of_a_missing_folder_is_refused_and_recorded_as_failed(tmp_path):
    row = LibraryImport.objects.create(path=str(tmp_path / "gone"))

    with pytest.raises(ValidationError) as caught:
        run_import(tmp_path / "gone", library_import=row)

    assert "does not exist" in caught.value.message_dict["path"][0]
    row.refresh_from_db()
    assert row.status == LibraryImport.Status.FAILED and "does not exist" in row.message


@pytest.mark.django_db
def test_failure_during_the_import_marks_the_row_failed(library):
    row = LibraryImport.objects.create(path=str(library.root))

    with (
        mock.patch.object(
            importer.LibraryImporter, "_mark_removed", side_effect=RuntimeError("disk on fire")
        ),
        pytest.raises(RuntimeError),
    ):
        run_import(library.root, library_import=row)

    row.refresh_from_db()
    assert row.status == LibraryImport.Status.FAILED
    assert row.message == "The import stopped: disk on fire"
    assert row.added == 6  # the batches done before the failure are kept and counted


@pytest.mark.django_db
def test_library_import_start_validates_the_path_and_queues_the_task_on_commit(
    tmp_path, staff_user, django_capture_on_commit_callbacks
):
    with pytest.raises(ValidationError) as caught:
        services.library_import_start(path=str(tmp_path / "nope"), user=staff_user)
    assert "path" in caught.value.message_dict
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(ValidationError, match="not a folder"):
        services.library_import_start(path=str(tmp_path / "file.txt"), user=staff_user)

    with (
        mock.patch.object(tasks.import_library, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        row = services.library_import_start(path=str(tmp_path), user=staff_user)

    delay.assert_called_once_with(row.pk)
    assert (row.status, row.created_by, row.path) == (LibraryImport.Status.PENDING, staff_user, str(tmp_path))


@pytest.mark.django_db
def test_a_second_import_is_refused_while_one_holds_the_lock(library, hold_import_lock):
    row = LibraryImport.objects.create(path=str(library.root))

    with hold_import_lock(), pytest.raises(services.ImportAlreadyRunning):
        run_import(library.root, library_import=row)

    row.refresh_from_db()
    assert row.status == LibraryImport.Status.PENDING
    assert row.message == "Waiting for another library import to finish."
    assert not Track.objects.exists()


@pytest.mark.django_db
def test_import_marks_runs_left_running_by_a_dead_process_as_failed(library):
    stale = LibraryImport.objects.create(path="/old", status=LibraryImport.Status.RUNNING)

    run_import(library.root)

    stale.refresh_from_db()
    assert stale.status == LibraryImport.Status.FAILED
    assert stale.message == "Interrupted before it finished."


@pytest.mark.django_db
def test_tracks_sharing_a_file_keep_the_extra_tracks_untouched(library):
    run_import(library.root)
    opening = track("Opening")
    extra = make_track("Benchmark copy", album=opening.album, audio_file=opening.audio_file)
    retag(
        library.opening,
        title="Opening!",
        artist="Artist One",
        album="First Album",
        album_mbid=FIRST_ALBUM,
        artist_mbid=ARTIST_ONE,
    )
    bump_mtime(library.opening)

    run_import(library.root)

    assert Track.objects.get(pk=opening.pk).title == "Opening!"
    assert Track.objects.get(pk=extra.pk).title == "Benchmark copy"


def test_walk_skips_hidden_files_and_other_extensions(tmp_path):
    for name in (
        "a.MP3",
        "b.flac",
        ".hidden.mp3",
        "._b.flac",
        "c.txt",
        "d.oga",
        ".Trash/e.mp3",
        "sub/f.opus",
    ):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"")

    paths, errors = importer.walk_library(tmp_path)

    assert [os.path.relpath(p, tmp_path) for p in paths] == ["a.MP3", "b.flac", "d.oga", "sub/f.opus"]
    assert errors == []


@pytest.mark.django_db
def test_unlistable_folder_is_reported_and_its_files_are_not_marked_removed(library, monkeypatch):
    run_import(library.root)
    unlistable = str(library.root / "Various")
    real_walk = os.walk

    def walk_with_a_locked_folder(top, onerror=None, **kwargs):
        for folder, subfolders, names in real_walk(top, onerror=onerror, **kwargs):
            if folder == unlistable:
                onerror(PermissionError(13, "Permission denied", unlistable))
                subfolders[:] = []
                continue
            yield folder, subfolders, names

    monkeypatch.setattr(importer.os, "walk", walk_with_a_locked_folder)
    summary = run_import(library.root)

    assert {"path": unlistable, "reason": "Permission denied"} in summary.errors
    assert summary.removed == 0
    assert Track.objects.playable().count() == 6


@pytest.fixture
def hold_import_lock():
    """Return a context manager that holds the import lock the way another process would."""
    import contextlib
    import fcntl

    from django.db import connections

    from catalog import import_lock

    @contextlib.contextmanager
    def hold():
        if connection.vendor == "postgresql":
            other = connections.create_connection("default")
            try:
                with other.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_lock(%s)", [import_lock.ADVISORY_LOCK_KEY])
                yield
            finally:
                other.close()
        else:
            with open(import_lock._lock_file(), "a") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX)
                yield
                fcntl.flock(handle, fcntl.LOCK_UN)

    return hold


# -- the management command ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_import_library_command_prints_unreadable_files_a_progress_bar_and_one_summary_line(library):
    out, err = io.StringIO(), io.StringIO()

    call_command("import_library", str(library.root), stdout=out, stderr=err)

    assert out.getvalue().splitlines() == [
        f"Imported {library.root}: 6 added, 0 updated, 0 unchanged, 0 removed, 1 failed"
    ]
    assert f"\n{library.broken}: corrupt" in err.getvalue()
    assert "7/7" in err.getvalue()  # the progress bar's counts
    row = LibraryImport.objects.get()
    assert (row.status, row.added, row.failed, row.created_by) == (LibraryImport.Status.DONE, 6, 1, None)


@pytest.mark.django_db
def test_import_library_command_rerun_reports_everything_unchanged(library):
    call_command(
        "import_library", str(library.root), "--no-progress", stdout=io.StringIO(), stderr=io.StringIO()
    )
    out, err = io.StringIO(), io.StringIO()

    call_command("import_library", str(library.root), "--no-progress", stdout=out, stderr=err)

    assert (
        out.getvalue() == f"Imported {library.root}: 0 added, 0 updated, 6 unchanged, 0 removed, 1 failed\n"
    )
    assert err.getvalue().count("\n") == 1  # the corrupt file, and no progress bar


@pytest.mark.django_db
def test_import_library_command_on_a_missing_folder_exits_non_zero_with_one_line(tmp_path, capsys):
    missing = tmp_path / "nope"

    command = load_command_class("catalog", "import_library")

    with pytest.raises(SystemExit) as exited:
        command.run_from_argv(["manage.py", "import_library", str(missing)])

    assert exited.value.code == 1
    assert capsys.readouterr().err == f"CommandError: {missing} does not exist on the server.\n"


@pytest.mark.django_db
def test_import_library_command_refuses_to_run_beside_another_import(library, hold_import_lock):
    with hold_import_lock(), pytest.raises(CommandError, match="Another library import is running"):
        call_command("import_library", str(library.root), "--no-progress", stdout=io.StringIO())

    row = LibraryImport.objects.get()
    assert row.status == LibraryImport.Status.FAILED


# -- the admin ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_add_form_with_a_bad_path_shows_a_form_error(staff_client, tmp_path):
    response = staff_client.post(reverse("admin:catalog_libraryimport_add"), {"path": str(tmp_path / "nope")})

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["path"] == [
        f"{tmp_path / 'nope'} does not exist on the server."
    ]
    assert not LibraryImport.objects.exists()


@pytest.mark.django_db
def test_admin_add_form_queues_the_import_and_opens_its_page(
    staff_client, staff_user, tmp_path, django_capture_on_commit_callbacks
):
    assert staff_client.get(reverse("admin:catalog_libraryimport_add")).status_code == 200

    with (
        mock.patch.object(tasks.import_library, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = staff_client.post(reverse("admin:catalog_libraryimport_add"), {"path": f" {tmp_path} "})

    row = LibraryImport.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("admin:catalog_libraryimport_change", args=[row.pk])
    delay.assert_called_once_with(row.pk)
    assert (row.path, row.status, row.created_by) == (str(tmp_path), LibraryImport.Status.PENDING, staff_user)


@pytest.mark.django_db
def test_admin_shows_the_counts_and_unreadable_files_of_an_import(staff_client, library):
    row = LibraryImport.objects.create(path=str(library.root))
    run_import(library.root, library_import=row)

    page = staff_client.get(reverse("admin:catalog_libraryimport_change", args=[row.pk]))
    listing = staff_client.get(reverse("admin:catalog_libraryimport_changelist"))

    assert page.status_code == 200
    content = page.content.decode()
    assert "6 added, 0 updated, 0 unchanged, 0 removed, 1 failed" in content
    assert f"<td><code>{library.broken}</code></td><td>corrupt" in content
    assert 'name="_save"' not in content  # read-only
    assert listing.status_code == 200 and str(library.root) in listing.content.decode()


@pytest.mark.django_db
def test_admin_import_again_action_queues_the_selected_folders(staff_client, library):
    row = LibraryImport.objects.create(path=str(library.root), status=LibraryImport.Status.DONE)

    with mock.patch.object(tasks.import_library, "delay"):
        response = staff_client.post(
            reverse("admin:catalog_libraryimport_changelist"),
            {"action": "import_again", "_selected_action": [row.pk]},
        )

    assert response.status_code == 302
    assert (
        LibraryImport.objects.filter(status=LibraryImport.Status.PENDING, path=str(library.root)).count() == 1
    )


# -- the Celery task ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_import_task_retries_while_another_import_runs_then_gives_up(library, hold_import_lock):
    row = LibraryImport.objects.create(path=str(library.root))

    with (
        hold_import_lock(),
        mock.patch.object(tasks.import_library, "max_retries", 2),
        mock.patch.object(services, "library_import", wraps=services.library_import) as attempt,
    ):
        result = tasks.import_library.apply(args=[row.pk])  # eager: the retries run at once

    assert attempt.call_count == 3
    assert result.result == {"status": "failed"}
    row.refresh_from_db()
    assert row.status == LibraryImport.Status.FAILED
    assert row.message.startswith("Another library import is running")
    assert not Track.objects.exists()


@pytest.mark.django_db
def test_import_task_does_not_run_a_finished_import_again(library):
    row = LibraryImport.objects.create(path=str(library.root), status=LibraryImport.Status.DONE)

    assert tasks.import_library.apply(args=[row.pk]).result == {"status": "done"}
    assert not Track.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_import_started_from_the_admin_service_is_run_by_a_real_celery_worker(
    celery_worker, tmp_path, staff_user
):
    folder = tmp_path / "worker-library"
    write_audio(folder / "a.mp3", title="Worker A", artist="Worker Artist", album="Worker Album", track="1")
    write_audio(folder / "b.flac", title="Worker B", artist="Worker Artist", album="Worker Album", track="2")
    (folder / "c.ogg").write_bytes(b"OggS broken")

    row = services.library_import_start(path=str(folder), user=staff_user)  # autocommit: queued at once

    deadline = time.monotonic() + 60
    while (
        LibraryImport.objects.get(pk=row.pk).status in ("pending", "running") and time.monotonic() < deadline
    ):
        time.sleep(0.2)
    row.refresh_from_db()
    assert row.status == LibraryImport.Status.DONE, row.message
    assert (row.files_seen, row.added, row.failed) == (3, 2, 1)
    assert row.errors[0]["path"] == str(folder / "c.ogg")
    assert set(Track.objects.values_list("title", flat=True)) == {"Worker A", "Worker B"}


@pytest.mark.django_db
def test_control_characters_in_tags_are_dropped_so_every_database_accepts_them(tmp_path):
    write_audio(tmp_path / "a.flac", title="Bad\x00Title\x07", artist="Some\x1bone", genre="Rock\x00Pop")

    summary = run_import(tmp_path)

    assert summary.added == 1
    imported = Track.objects.select_related("artist").get()
    assert (imported.title, imported.artist.name) == ("Bad Title", "Some one")
    assert sorted(g.name for g in imported.genres.all()) == ["Pop", "Rock"]


@pytest.mark.django_db
def test_file_names_that_cannot_be_stored_are_reported_and_skipped(tmp_path):
    write_audio(tmp_path / "fine.wav", title="Fine")
    undecodable = os.path.join(os.fsencode(tmp_path), b"caf\xe9.wav")
    shutil.copyfile(tmp_path / "fine.wav", undecodable)
    too_long = tmp_path / ("x" * 200) / ("y" * 200) / ("z" * 200) / ("w" * 200) / ("v" * 200) / "long.wav"
    too_long.parent.mkdir(parents=True)
    shutil.copyfile(tmp_path / "fine.wav", too_long)

    summary = run_import(tmp_path)

    assert (summary.added, summary.failed) == (1, 2)
    assert sorted(error["reason"] for error in summary.errors) == [
        "the file name is not valid UTF-8",
        "the path is longer than 1024 characters",
    ]
