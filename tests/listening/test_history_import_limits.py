"""Bounded work per listener in the history import: zip bombs, deep or broken records, row caps."""

import datetime as dt
import io
import json
import struct
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import timezone

from listening import services
from listening.importers import ImportedListen, ImportProblem, listenbrainz, spotify
from listening.models import HistoryImport, Listen

from .history_samples import lb_listen, spotify_row, write_json, write_jsonl

pytestmark = pytest.mark.django_db

DEEP = 100_000


def run(user, format: str, *paths: Path) -> HistoryImport:
    row = services.history_import_create(user=user, format=format, files=[(p, p.name) for p in paths])
    services.history_import_run(history_import=row)
    row.refresh_from_db()
    return row


def spotify_rows(count: int) -> list[dict]:
    return [
        spotify_row(ts=f"2021-03-01T12:{minute:02d}:00Z", track=f"Song {minute}") for minute in range(count)
    ]


def write_spotify_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def reasons(row: HistoryImport) -> list[str]:
    return [error["reason"] for error in row.errors]


# ------------------------------------------------------------------------------ deep and broken records
def test_a_deep_json_item_in_an_array_is_skipped_alone(user, tmp_path):
    first, last = (json.dumps(r).encode() for r in spotify_rows(2))
    path = tmp_path / "Streaming_History_Audio_2021.json"
    path.write_bytes(b"[" + first + b",\n" + b"[" * DEEP + b"]" * DEEP + b",\n" + last + b"]")

    row = run(user, "spotify", path)

    assert (row.status, row.imported, row.failed) == ("done", 2, 1)
    assert row.errors == [
        {"position": f"{path.name}:2", "reason": "The item is nested too deeply to be read."}
    ]


def test_a_deep_json_line_is_skipped_alone(user, tmp_path):
    path = write_jsonl(
        tmp_path / "listens.jsonl",
        [lb_listen(1_614_600_000), b'{"a": ' * DEEP + b"1" + b"}" * DEEP, lb_listen(1_614_600_600)],
    )

    row = run(user, "listenbrainz", path)

    assert (row.status, row.imported, row.failed) == ("done", 2, 1)
    assert row.errors == [
        {"position": "listens.jsonl:2", "reason": "The line is nested too deeply to be read."}
    ]


@pytest.mark.parametrize("format", ["spotify", "listenbrainz-lines", "listenbrainz-array"])
def test_a_listen_with_a_lone_surrogate_is_skipped_alone(user, tmp_path, format):
    if format == "spotify":
        good = [json.dumps(r) for r in spotify_rows(2)]
        bad = json.dumps(spotify_row(ts="2021-03-01T13:00:00Z", track="Bad \ud800 name"))
        path = tmp_path / "Streaming_History_Audio_2021.json"
        path.write_text("[" + ",".join([good[0], bad, good[1]]) + "]")
    else:
        good = [json.dumps(lb_listen(1_614_600_000 + i * 600, track=f"Song {i}")) for i in range(2)]
        bad = json.dumps(lb_listen(1_614_603_000, track="Bad", release="Bad \udc00 album"))
        if format == "listenbrainz-lines":
            path = tmp_path / "listens.jsonl"
            path.write_text("\n".join([good[0], bad, good[1]]) + "\n")
        else:
            path = tmp_path / "listens.json"
            path.write_text("[" + ",".join([good[0], bad, good[1]]) + "]")
    assert "\\ud" in path.read_text().lower()  # written as the escape a JSON file would hold

    row = run(user, "spotify" if format == "spotify" else "listenbrainz", path)

    assert (row.status, row.imported, row.failed) == ("done", 2, 1), row.message
    assert row.errors[0]["position"] == f"{path.name}:2"
    assert "surrogate" in row.errors[0]["reason"]
    assert Listen.objects.filter(user=user).count() == 2


def test_an_emoji_written_as_a_surrogate_pair_is_imported(user, tmp_path):
    path = tmp_path / "listens.jsonl"
    path.write_text(json.dumps(lb_listen(track="Song \U0001f3b5")) + "\n")  # ensure_ascii: \ud83c\udfb5
    assert "\\ud83c\\udfb5" in path.read_text()

    row = run(user, "listenbrainz", path)

    assert (row.imported, row.failed) == (1, 0)
    assert Listen.objects.get().track_name == "Song \U0001f3b5"


@pytest.mark.parametrize("module", [spotify, listenbrainz])
def test_a_history_that_starts_with_deep_brackets_is_refused_by_check(module):
    problem = module.check(io.BytesIO(b"[" * DEEP), "deep.json")
    assert problem == "The file nests JSON too deeply to be a listening history."


@pytest.mark.parametrize("module", [spotify, listenbrainz])
def test_reading_a_history_of_deep_brackets_is_one_problem(module, tmp_path):
    path = tmp_path / "deep.json"
    path.write_bytes(b"[" * DEEP)

    got = list(module.parse(path, "deep.json"))

    assert all(isinstance(item, ImportProblem) for item in got) and len(got) == 1
    assert "nested too deeply" in got[0].reason or "ends" in got[0].reason


def test_the_command_refuses_deep_brackets_in_one_line(user, tmp_path):
    path = tmp_path / "deep.json"
    path.write_bytes(b"[" * DEEP)
    with pytest.raises(CommandError, match="nests JSON too deeply"):
        call_command("import_history", str(path), user=user.username, format="spotify", no_progress=True)


# ------------------------------------------------------------------------------ zip bombs
def test_a_zip_over_the_compression_ratio_is_refused_by_check(settings, tmp_path):
    settings.STREAMAPP_HISTORY_MAX_COMPRESSION_RATIO = 100
    zeros = b"[" + b" " * (4 << 20) + b"]"  # 4 MB of blanks: about 1000:1
    path = write_spotify_zip(tmp_path / "my_spotify_data.zip", {"Streaming_History_Audio_1.json": zeros})
    assert path.stat().st_size < 20_000

    with open(path, "rb") as stream:
        problem = spotify.check(stream, path.name)

    assert problem is not None
    assert "Streaming_History_Audio_1.json" in problem and "compressed more than 100:1" in problem


def test_a_zip_over_the_expanded_size_is_refused_by_check(settings, tmp_path):
    settings.STREAMAPP_HISTORY_MAX_EXPANDED_BYTES = 1 << 20
    rows = json.dumps(spotify_rows(60) * 60).encode()  # about 2 MB
    path = write_spotify_zip(
        tmp_path / "my_spotify_data.zip",
        {"Streaming_History_Audio_1.json": rows, "Streaming_History_Audio_2.json": rows},
    )

    with open(path, "rb") as stream:
        problem = spotify.check(stream, path.name)

    assert problem == "The zip's history files expand to more than 1.0\xa0MB, the most that can be imported."


def test_a_zip_bomb_is_not_imported(user, settings, tmp_path):
    settings.STREAMAPP_HISTORY_MAX_COMPRESSION_RATIO = 100
    zeros = b"[" + b" " * (4 << 20) + b"]"
    path = write_spotify_zip(tmp_path / "bomb.zip", {"Streaming_History_Audio_1.json": zeros})

    row = run(user, "spotify", path)

    assert (row.imported, row.failed) == (0, 1)
    assert "compressed more than 100:1" in reasons(row)[0]


def _lie_about_size(path: Path, member: str, size: int) -> None:
    """Rewrite the uncompressed size of a member in its local header and central directory entry."""
    data = bytearray(path.read_bytes())
    encoded = member.encode()
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = data.find(signature)
        while start != -1:
            name_at = start + (30 if signature == b"PK\x03\x04" else 46)
            if data[name_at : name_at + len(encoded)] == encoded:
                data[start + offset : start + offset + 4] = struct.pack("<I", size)
            start = data.find(signature, start + 4)
    path.write_bytes(bytes(data))


def test_a_zip_whose_header_lies_about_its_size_stops_at_the_declared_size(user, settings, tmp_path):
    settings.STREAMAPP_HISTORY_MAX_EXPANDED_BYTES = 1 << 20
    member = "Streaming_History_Audio_1.json"
    rows = json.dumps(spotify_rows(2) + [spotify_row(ts="2021-03-02T10:00:00Z")] * 40_000).encode()
    assert len(rows) > 10 << 20
    path = write_spotify_zip(tmp_path / "liar.zip", {member: rows})
    _lie_about_size(path, member, 100_000)
    assert zipfile.ZipFile(path).getinfo(member).file_size == 100_000

    with open(path, "rb") as stream:
        assert spotify.check(stream, path.name) is None  # what it declares is fine

    row = run(user, "spotify", path)

    assert row.status == "done"
    assert row.progress_done < 200  # read up to the size it declared, not the 10 MB it holds
    assert any("damaged" in reason or "expands" in reason for reason in reasons(row))


def test_a_zip_within_the_limits_is_imported(user, tmp_path):
    rows = json.dumps(spotify_rows(3)).encode()
    path = write_spotify_zip(tmp_path / "ok.zip", {"Streaming_History_Audio_1.json": rows})
    row = run(user, "spotify", path)
    assert (row.imported, row.failed) == (3, 0)


# ------------------------------------------------------------------------------ rows per import and per day
def test_an_import_stops_at_the_rows_per_import_cap(user, settings, tmp_path):
    settings.STREAMAPP_HISTORY_MAX_ROWS_PER_IMPORT = 3
    path = write_json(tmp_path / "Streaming_History_Audio_2021.json", spotify_rows(5))

    row = run(user, "spotify", path)

    assert (row.status, row.imported, row.progress_done) == ("done", 3, 3)
    assert "Cut short after 3 records: at most 3 are read per import." in row.message
    assert Listen.objects.filter(user=user).count() == 3


def test_the_rows_per_day_are_counted_per_listener(user, other_user, settings, tmp_path):
    settings.STREAMAPP_HISTORY_MAX_ROWS_PER_DAY = 4
    path = write_json(tmp_path / "Streaming_History_Audio_2021.json", spotify_rows(3))

    first = run(user, "spotify", path)
    second = run(user, "spotify", path)
    third = run(user, "spotify", path)
    theirs = run(other_user, "spotify", path)

    assert (first.imported, first.progress_done) == (3, 3)
    assert (second.duplicates, second.progress_done) == (1, 1)
    assert "Cut short after 1 record: at most 4 are read per listener in 24 hours." in second.message
    assert (third.status, third.progress_done) == ("failed", 0)
    assert "at most 4 are read per listener in 24 hours" in third.message
    assert (theirs.imported, theirs.progress_done) == (3, 3)


def test_imports_from_yesterday_do_not_count_towards_today(user, settings, tmp_path):
    settings.STREAMAPP_HISTORY_MAX_ROWS_PER_DAY = 4
    path = write_json(tmp_path / "Streaming_History_Audio_2021.json", spotify_rows(3))
    old = run(user, "spotify", path)
    HistoryImport.objects.filter(pk=old.pk).update(started_at=timezone.now() - dt.timedelta(hours=25))

    row = run(user, "spotify", path)

    assert (row.duplicates, row.progress_done) == (3, 3)


# ------------------------------------------------------------------------------ one import at a time
def test_a_second_import_while_one_waits_is_refused(user, other_user, settings, tmp_path):
    settings.STREAMAPP_UPLOAD_DIR = tmp_path / "uploads"

    def upload():
        return [SimpleUploadedFile("a.json", json.dumps(spotify_rows(1)).encode())]

    first = services.history_import_start(user=user, format="spotify", uploads=upload())
    with pytest.raises(ValidationError, match="already being imported"):
        services.history_import_start(user=user, format="spotify", uploads=upload())
    services.history_import_start(user=other_user, format="spotify", uploads=upload())  # theirs is fine

    assert HistoryImport.objects.filter(user=user).count() == 1
    assert len(list((tmp_path / "uploads" / "history-imports" / str(user.pk)).iterdir())) == 1

    HistoryImport.objects.filter(pk=first.pk).update(status=HistoryImport.Status.DONE)
    services.history_import_start(user=user, format="spotify", uploads=upload())
    assert HistoryImport.objects.filter(user=user).count() == 2


def test_an_import_stuck_for_hours_does_not_block_the_next(user, settings, tmp_path):
    settings.STREAMAPP_UPLOAD_DIR = tmp_path / "uploads"
    stuck = HistoryImport.objects.create(user=user, format="spotify", file_name="a.json", status="running")
    HistoryImport.objects.filter(pk=stuck.pk).update(created_at=timezone.now() - dt.timedelta(hours=7))

    services.history_import_start(user=user, format="spotify", uploads=[SimpleUploadedFile("a.json", b"[]")])

    assert HistoryImport.objects.filter(user=user).count() == 2


def test_the_limits_do_not_change_what_a_good_file_gives(tmp_path):
    path = write_json(tmp_path / "Streaming_History_Audio_2021.json", spotify_rows(3))
    got = list(spotify.parse(path, path.name))
    assert [type(item) for item in got] == [ImportedListen] * 3


def test_a_row_with_a_null_character_in_any_field_is_skipped_alone(user, tmp_path):
    rows = spotify_rows(2) + [spotify_row(ts="2021-03-01T13:00:00Z", platform="and\x00roid")]
    path = write_json(tmp_path / "Streaming_History_Audio_2021.json", rows)

    row = run(user, "spotify", path)

    assert (row.status, row.imported, row.failed) == ("done", 2, 1), row.message
    assert row.errors == [
        {"position": f"{path.name}:3", "reason": "A text contains a null character, which cannot be stored."}
    ]


def test_the_command_says_when_an_import_is_cut_short_or_refused(user, settings, tmp_path):
    settings.STREAMAPP_HISTORY_MAX_ROWS_PER_DAY = 4
    path = write_json(tmp_path / "Streaming_History_Audio_2021.json", spotify_rows(5))
    out, err = io.StringIO(), io.StringIO()

    call_command(
        "import_history",
        str(path),
        user=user.username,
        format="spotify",
        no_progress=True,
        stdout=out,
        stderr=err,
    )

    assert "Cut short after 4 records: at most 4 are read per listener in 24 hours." in err.getvalue()
    assert "4 imported" in out.getvalue()
    with pytest.raises(CommandError, match="Nothing was read. 4 records were read in the last 24 hours"):
        call_command("import_history", str(path), user=user.username, format="spotify", no_progress=True)


def test_what_a_member_expands_to_is_counted_while_it_is_read(tmp_path):
    # zipfile itself stops at the declared size; the count does not rely on it (nor on the declared ratio).
    from listening.importers import common

    path = write_spotify_zip(tmp_path / "a.zip", {"Streaming_History_Audio_1.json": b" " * (2 << 20)})
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("Streaming_History_Audio_1.json")
        limits = common.ZipLimits(max_expanded_bytes=1 << 30, max_ratio=100)
        member = common._ExpandedMember(archive.open(info), info, limits, [1 << 30])
        with pytest.raises(common.ZipLimitError, match="compressed more than 100:1"):
            while member.read(64 * 1024):
                pass
        small = common.ZipLimits(max_expanded_bytes=100_000, max_ratio=10_000)
        member = common._ExpandedMember(archive.open(info), info, small, [100_000])
        with pytest.raises(common.ZipLimitError, match="expand to more than"):
            while member.readline(64 * 1024):
                pass
