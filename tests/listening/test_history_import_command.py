"""``manage.py import_history``: one summary line, each bad record on stderr, CommandError for bad input."""

import io

import pytest
from django.core.management import CommandError, call_command

from listening.models import HistoryImport, Listen

from .history_samples import lb_listen, podcast_row, spotify_row, write_json, write_jsonl

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_history", *args, "--no-progress", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_command_imports_and_prints_one_summary_line(user, tmp_path):
    path = write_json(
        tmp_path / "Streaming_History_Audio_2021.json",
        [spotify_row(), spotify_row(ts="2021-03-01T12:30:00Z", ms_played=5_000), podcast_row(), {"x": 1}],
    )
    out, err = run("--user", "listener", "--format", "spotify", str(path))

    assert (
        out == "Imported history for listener: 1 imported, 0 duplicates, 2 skipped, 1 unmatched, 1 failed\n"
    )
    assert err == f"{path}:4: Neither ts nor endTime: not a Spotify streaming history row.\n"
    row = HistoryImport.objects.get()
    assert (row.user, row.format, row.status, row.file_name, row.upload_dir) == (
        user,
        "spotify",
        "done",
        str(path),
        "",
    )
    assert path.exists()  # the command never deletes the files it reads
    assert Listen.objects.get().track_name == "Airbag"


def test_command_run_again_counts_duplicates(user, tmp_path):
    path = write_jsonl(
        tmp_path / "l.jsonl", [lb_listen(1_600_000_000 + i * 300, track=f"T{i}") for i in range(1234)]
    )
    run("--user", "listener", "--format", "listenbrainz", str(path))
    out, _ = run("--user", "listener", "--format", "listenbrainz", str(path))
    assert (
        out
        == "Imported history for listener: 0 imported, 1,234 duplicates, 0 skipped, 0 unmatched, 0 failed\n"
    )
    assert Listen.objects.count() == 1234


def test_command_reads_several_files(user, tmp_path):
    first = tmp_path / "a.csv"
    first.write_text("Radiohead,OK Computer,Airbag,31 Jan 2021 13:37\n")
    second = tmp_path / "b.csv"
    second.write_text("Portishead,Dummy,Roads,31 Jan 2021 14:00\nbroken\n")
    out, err = run("--user", "listener", "--format", "lastfm", str(first), str(second))
    assert out.endswith(": 2 imported, 0 duplicates, 0 skipped, 2 unmatched, 1 failed\n")
    assert err == f"{second}:2: Expected at least 4 columns, found 1.\n"


def test_command_shows_a_progress_bar_on_stderr(user, tmp_path):
    path = write_jsonl(tmp_path / "l.jsonl", [lb_listen()])
    err = io.StringIO()
    call_command(
        "import_history",
        "--user",
        "listener",
        "--format",
        "listenbrainz",
        str(path),
        stdout=io.StringIO(),
        stderr=err,
    )
    assert "Importing" in err.getvalue() and "1/1" in err.getvalue()


def test_command_refuses_an_unknown_user(tmp_path):
    path = write_jsonl(tmp_path / "l.jsonl", [lb_listen()])
    with pytest.raises(CommandError, match="^No user named 'ghost'.$"):
        run("--user", "ghost", "--format", "listenbrainz", str(path))


def test_command_refuses_a_missing_file_before_importing_anything(user, tmp_path):
    good = write_jsonl(tmp_path / "l.jsonl", [lb_listen()])
    with pytest.raises(CommandError, match=f"^{tmp_path}/nope.jsonl: no such file.$"):
        run("--user", "listener", "--format", "listenbrainz", str(good), str(tmp_path / "nope.jsonl"))
    assert not HistoryImport.objects.exists() and not Listen.objects.exists()


@pytest.mark.parametrize(
    ("format", "content", "message"),
    [
        ("spotify", b"artist,album,track,date\n", "Expected Spotify's streaming history"),
        ("lastfm", b'[{"ts": "2021-01-01T00:00:00Z"}]', "This is JSON, not CSV."),
        ("listenbrainz", b"", "The file is empty."),
    ],
)
def test_command_refuses_a_file_of_another_format(user, tmp_path, format, content, message):
    path = tmp_path / "export"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=f"^{path}: {message}"):
        run("--user", "listener", "--format", format, str(path))


def test_command_refuses_an_unknown_format(user, tmp_path):
    with pytest.raises(CommandError, match="invalid choice: 'itunes'"):
        run("--user", "listener", "--format", "itunes", str(tmp_path))
