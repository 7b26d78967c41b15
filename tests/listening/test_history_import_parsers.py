"""The history parsers on sample exports: pure functions, no database."""

import datetime as dt
import io
import json
import uuid
import zipfile

import pytest

from listening.importers import (
    IgnoredRecord,
    ImportedListen,
    ImportedSkip,
    ImportProblem,
    common,
    lastfm,
    listenbrainz,
    spotify,
)

from .history_samples import (
    RECORDING_MBID,
    lb_listen,
    podcast_row,
    spotify_row,
    write_json,
    write_jsonl,
    write_lb_zip,
)


def at(text: str) -> int:
    return int(dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC).timestamp())


def records(module, path, name=None):
    got = list(module.parse(path, name or path.name))
    # The quick count for the progress bar agrees with the records read (header rows aside), unless
    # the file is refused as a whole.
    header = module is lastfm and isinstance(got[0], ImportedListen) and got[0].position.endswith(":2")
    refused = module is lastfm and any(
        isinstance(item, ImportProblem) and ":" not in item.position for item in got
    )
    if not refused:
        assert module.count(path, name or path.name) == len(got) + header
    return got


def problems(items):
    return [(item.position, item.reason) for item in items if isinstance(item, ImportProblem)]


def check(module, data: bytes, name="upload"):
    return module.check(io.BytesIO(data), name)


# ------------------------------------------------------------------------------ reading helpers
@pytest.mark.parametrize("piece", [1, 7, 64, 4096])
def test_json_arrays_are_read_piece_by_piece_like_json_load(monkeypatch, piece):
    monkeypatch.setattr(common, "READ_BYTES", piece)
    items = [spotify_row(ts=f"2021-03-01T12:{i:02d}:00Z", track=f"Sóng {i} ✓") for i in range(40)]
    items += [12345, "text", [1, 2], None, True, 1.5e3]
    data = json.dumps(items, ensure_ascii=False, indent=1).encode()
    read = [value for _, value in common.iter_json_array(io.BytesIO(b"\xef\xbb\xbf" + data))]
    assert read == items


def test_a_broken_array_yields_the_items_before_the_break(monkeypatch):
    monkeypatch.setattr(common, "READ_BYTES", 16)
    stream = io.BytesIO(b'[{"a": 1}, {"b": 2}, {"c": ')
    seen = []
    with pytest.raises(common.FormatError) as caught:
        for number, value in common.iter_json_array(stream):
            seen.append((number, value))
    assert seen == [(1, {"a": 1}), (2, {"b": 2})]
    assert caught.value.number == 3


def test_an_overlong_item_is_refused_without_reading_it_all(monkeypatch):
    monkeypatch.setattr(common, "MAX_RECORD_BYTES", 100)
    monkeypatch.setattr(common, "READ_BYTES", 10)
    stream = io.BytesIO(b'[{"a": "' + b"x" * 10_000 + b'"}]')
    with pytest.raises(common.FormatError, match="longer than 100 bytes"):
        list(common.iter_json_array(stream))
    assert stream.tell() < 1000


# ------------------------------------------------------------------------------ Spotify
def test_spotify_extended_rows_start_ms_played_before_ts(tmp_path):
    path = write_json(
        tmp_path / "Streaming_History_Audio_2021.json",
        [
            spotify_row(ts="2021-03-01T12:03:20Z", ms_played=200_000),
            spotify_row(ts="2021-03-01T12:10:00Z", ms_played=45_500, track="Lucky", skipped=True),
        ],
    )
    first, second = records(spotify, path)
    assert first == ImportedListen(
        "Streaming_History_Audio_2021.json:1",
        listened_at=at("2021-03-01T12:00:00"),
        artist_name="Radiohead",
        track_name="Airbag",
        release_name="OK Computer",
        additional_info={
            "music_service": "spotify.com",
            "spotify_id": "https://open.spotify.com/track/6LgJvl0Xdtc73RJ1mmpotq",
            "platform": "android",
            "reason_start": "trackdone",
            "reason_end": "trackdone",
            "shuffle": False,
            "skipped": False,
            "offline": False,
        },
        ms_played=200_000,
        skipped=False,
    )
    # 12:10:00 - 45.5 s = 12:09:14.5, kept to the second before.
    assert (second.listened_at, second.track_name, second.skipped) == (
        at("2021-03-01T12:09:14"),
        "Lucky",
        True,
    )


def test_spotify_rows_under_30_seconds_are_skips_not_listens(tmp_path):
    path = write_json(
        tmp_path / "endsong_0.json",
        [spotify_row(ms_played=29_999), spotify_row(ts="2021-03-01T12:30:00Z", ms_played=30_000)],
    )
    skip, listen = records(spotify, path)
    assert isinstance(skip, ImportedSkip) and isinstance(listen, ImportedListen)
    assert skip.started_at == dt.datetime(2021, 3, 1, 12, 2, 50, 1000, tzinfo=dt.UTC)
    assert skip.ended_at == dt.datetime(2021, 3, 1, 12, 3, 20, tzinfo=dt.UTC)
    assert (skip.ms_played, skip.artist_name, skip.track_name) == (29_999, "Radiohead", "Airbag")
    assert skip.play_key == records(spotify, path)[0].play_key  # the same on every import


def test_spotify_podcasts_and_audiobooks_are_ignored(tmp_path):
    audiobook = spotify_row(track=None, artist=None, album=None, audiobook_title="A Book", audiobook_uri="x")
    path = write_json(tmp_path / "h.json", [podcast_row(), audiobook, spotify_row()])
    podcast, book, listen = records(spotify, path)
    assert isinstance(podcast, IgnoredRecord) and isinstance(book, IgnoredRecord)
    assert podcast.position == "h.json:1"
    assert isinstance(listen, ImportedListen)


def test_spotify_basic_history_uses_end_time_to_the_minute(tmp_path):
    path = write_json(
        tmp_path / "StreamingHistory_music_0.json",
        [
            {"endTime": "2021-03-01 12:04", "artistName": "Björk", "trackName": "Jóga", "msPlayed": 240_000},
            {"endTime": "2021-03-01 12:05", "artistName": "Björk", "trackName": "Hunter", "msPlayed": 5_000},
            {"endTime": "2021-03-01 13:00", "podcastName": "A Show", "episodeName": "Ep", "msPlayed": 9e5},
        ],
    )
    listen, skip, podcast = records(spotify, path)
    assert listen == ImportedListen(
        "StreamingHistory_music_0.json:1",
        listened_at=at("2021-03-01T12:00:00"),
        artist_name="Björk",
        track_name="Jóga",
        additional_info={"music_service": "spotify.com"},
        ms_played=240_000,
    )
    assert isinstance(skip, ImportedSkip) and skip.started_at == dt.datetime(
        2021, 3, 1, 12, 4, 55, tzinfo=dt.UTC
    )
    assert isinstance(podcast, IgnoredRecord)


def test_spotify_bad_rows_are_reported_with_their_position(tmp_path):
    rows = [
        spotify_row(),
        spotify_row(ts="yesterday"),
        {k: v for k, v in spotify_row().items() if k != "ms_played"},
        spotify_row(ms_played="lots"),
        spotify_row(track=None),
        spotify_row(artist="   "),
        spotify_row(track="Nul\x00"),
        spotify_row(ts="1999-01-01T00:00:00Z"),
        spotify_row(ts="2999-01-01T00:00:00Z"),
        {"something": "else"},
        "a string",
        spotify_row(ts="2021-03-01T14:00:00Z"),
    ]
    got = records(spotify, write_json(tmp_path / "h.json", rows))
    assert [type(item).__name__ for item in got].count("ImportedListen") == 2
    assert problems(got) == [
        ("h.json:2", "ts 'yesterday' is not a time."),
        ("h.json:3", "ms_played is missing or not a whole number of milliseconds."),
        ("h.json:4", "ms_played is missing or not a whole number of milliseconds."),
        ("h.json:5", "No artist name or no track name."),
        ("h.json:6", "No artist name or no track name."),
        ("h.json:7", "A text contains a null character, which cannot be stored."),
        ("h.json:8", "The time 1998-12-31 23:56:40 UTC is before 2002-10-01, the earliest accepted."),
        ("h.json:9", "The time 2998-12-31 23:56:40 UTC is in the future."),
        ("h.json:10", "Neither ts nor endTime: not a Spotify streaming history row."),
        ("h.json:11", "Not a JSON object."),
    ]


def test_spotify_time_without_a_zone_is_utc(tmp_path):
    path = write_json(tmp_path / "h.json", [spotify_row(ts="2021-03-01T12:03:20")])
    assert records(spotify, path)[0].listened_at == at("2021-03-01T12:00:00")


def test_spotify_file_cut_short_keeps_the_rows_before(tmp_path):
    text = json.dumps([spotify_row(), spotify_row(ts="2021-03-01T14:00:00Z")])
    path = tmp_path / "h.json"
    path.write_text(text[: text.rindex("{") + 30])
    got = records(spotify, path)
    assert isinstance(got[0], ImportedListen)
    assert problems(got)[0][0] == "h.json:2"


def test_spotify_file_with_bytes_that_are_not_utf8_keeps_the_rows_before(tmp_path):
    path = tmp_path / "h.json"
    data = b"[" + json.dumps(spotify_row()).encode() + b",\n\xff\xfe\x00garbage"
    path.write_bytes(data)
    got = records(spotify, path)
    assert isinstance(got[0], ImportedListen)
    assert problems(got) == [("h.json:2", f"The file is not UTF-8 text (at byte {data.index(b'\xff')}).")]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "The file is empty."),
        (b"   \n", "The file is empty."),
        (b'{"ts": 1}', "Expected a JSON array (a file that starts with [)."),
        (b"\xff\xfe\xfa", "The file is not UTF-8 text (at byte 0)."),
    ],
)
def test_spotify_files_that_are_not_arrays_are_one_problem(tmp_path, data, reason):
    path = tmp_path / "h.json"
    path.write_bytes(data)
    assert problems(records(spotify, path)) == [("h.json", reason)]


def test_spotify_zip_imports_the_music_history_files_only(tmp_path):
    path = tmp_path / "my_spotify_data.zip"
    with zipfile.ZipFile(path, "w") as archive:
        folder = "Spotify Extended Streaming History/"
        archive.writestr(folder + "Streaming_History_Audio_2020-2021_0.json", json.dumps([spotify_row()]))
        archive.writestr(
            folder + "Streaming_History_Audio_2021_1.json",
            json.dumps([spotify_row(ts="2021-04-01T10:00:00Z")]),
        )
        archive.writestr(folder + "Streaming_History_Video_2021.json", json.dumps([spotify_row()]))
        archive.writestr(folder + "ReadMeFirst_ExtendedStreamingHistory.pdf", b"%PDF")
        archive.writestr("MyData/StreamingHistory_podcast_0.json", json.dumps([{"endTime": "x"}]))
    got = records(spotify, path)
    assert [item.position for item in got] == [
        f"my_spotify_data.zip/{folder}Streaming_History_Audio_2020-2021_0.json:1",
        f"my_spotify_data.zip/{folder}Streaming_History_Audio_2021_1.json:1",
    ]


def test_spotify_zip_without_history_is_one_problem(tmp_path):
    path = tmp_path / "photos.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("cat.jpg", b"\xff\xd8")
    assert problems(records(spotify, path)) == [
        (
            "photos.zip",
            "This zip holds no Spotify streaming history "
            "(Streaming_History_Audio_*.json or StreamingHistory*.json files).",
        )
    ]


def test_spotify_check_recognises_its_files():
    assert check(spotify, json.dumps([spotify_row()]).encode()) is None
    assert check(spotify, b"[]") is None
    assert check(spotify, b"") == "The file is empty."
    assert "not a Spotify streaming history" in check(spotify, json.dumps([lb_listen()]).encode())
    assert "starts with [" in check(spotify, b"artist,album,track,date\n")
    assert "not UTF-8" in check(spotify, b"\xff\xfe\xfa\xfb")


# ------------------------------------------------------------------------------ ListenBrainz
def test_listenbrainz_zip_reads_every_month_and_ignores_the_rest(tmp_path):
    path = write_lb_zip(
        tmp_path / "listenbrainz_someone.zip",
        {
            "2021/10": [lb_listen(1_633_046_400)],
            "2021/2": [lb_listen(1_612_137_600.75, track="Lucky", recording_mbid=RECORDING_MBID)],
        },
    )
    first, second = records(listenbrainz, path)
    assert first == ImportedListen(
        "listenbrainz_someone.zip/listens/2021/2.jsonl:1",
        listened_at=1_612_137_600,
        artist_name="Radiohead",
        track_name="Lucky",
        release_name="OK Computer",
        recording_mbid=uuid.UUID(RECORDING_MBID),
    )
    assert (second.position, second.listened_at) == (
        "listenbrainz_someone.zip/listens/2021/10.jsonl:1",
        1_633_046_400,
    )


def test_listenbrainz_decimal_and_string_timestamps(tmp_path):
    path = write_jsonl(
        tmp_path / "listens.jsonl",
        [lb_listen(1_600_000_000.9), lb_listen("1600000100.0"), lb_listen("1600000200")],
    )
    assert [item.listened_at for item in records(listenbrainz, path)] == [
        1_600_000_000,
        1_600_000_100,
        1_600_000_200,
    ]


def test_listenbrainz_json_array(tmp_path):
    path = write_json(
        tmp_path / "listens.json", [lb_listen(1_600_000_000), lb_listen(1_600_000_300, track="B")]
    )
    assert [(i.position, i.track_name) for i in records(listenbrainz, path)] == [
        ("listens.json:1", "Airbag"),
        ("listens.json:2", "B"),
    ]


def test_listenbrainz_mapping_mbid_is_used_when_the_client_sent_none(tmp_path):
    listen = lb_listen(spotify_id="https://open.spotify.com/track/x")
    listen["track_metadata"]["mbid_mapping"] = {"recording_mbid": RECORDING_MBID, "artists": []}
    (got,) = records(listenbrainz, write_jsonl(tmp_path / "l.jsonl", [listen]))
    assert got.recording_mbid == uuid.UUID(RECORDING_MBID)
    assert got.additional_info == {"spotify_id": "https://open.spotify.com/track/x"}


def test_listenbrainz_bad_lines_are_reported_and_the_rest_read(tmp_path):
    no_metadata = lb_listen()
    del no_metadata["track_metadata"]
    path = write_jsonl(
        tmp_path / "l.jsonl",
        [
            lb_listen(1_600_000_000),
            b"{not json",
            b"\xff\xfe garbage \x80",
            no_metadata,
            lb_listen("soon"),
            lb_listen(1_000),
            lb_listen(artist=""),
            lb_listen(recording_mbid="not-a-uuid"),
            b"[1, 2]",
            b"",
            lb_listen(1_600_000_300, track="Last"),
        ],
    )
    got = records(listenbrainz, path)
    assert [item.track_name for item in got if isinstance(item, ImportedListen)] == ["Airbag", "Last"]
    assert problems(got) == [
        ("l.jsonl:2", "Not valid JSON: Expecting property name enclosed in double quotes."),
        ("l.jsonl:3", "The line is not UTF-8 text."),
        ("l.jsonl:4", "No track_metadata object."),
        ("l.jsonl:5", "listened_at 'soon' is not a timestamp."),
        ("l.jsonl:6", "The time 1970-01-01 00:16:40 UTC is before 2002-10-01, the earliest accepted."),
        ("l.jsonl:7", "field track_metadata.artist_name is empty."),
        ("l.jsonl:8", "recording_mbid MBID format invalid."),
        ("l.jsonl:9", "Not a JSON object."),
    ]


def test_listenbrainz_zip_without_listens_is_one_problem(tmp_path):
    path = tmp_path / "other.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("user.json", "{}")
        archive.writestr("feedback.jsonl", "")
    assert problems(records(listenbrainz, path)) == [("other.zip", listenbrainz.NO_LISTENS)]
    assert check(listenbrainz, path.read_bytes()) == listenbrainz.NO_LISTENS


def test_listenbrainz_empty_file_is_one_problem(tmp_path):
    path = tmp_path / "l.jsonl"
    path.write_bytes(b"")
    assert problems(records(listenbrainz, path)) == [("l.jsonl", "The file is empty.")]


def test_listenbrainz_check_recognises_its_files(tmp_path):
    assert check(listenbrainz, json.dumps(lb_listen()).encode() + b"\n") is None
    assert check(listenbrainz, json.dumps([lb_listen()]).encode()) is None
    assert check(listenbrainz, write_lb_zip(tmp_path / "e.zip", {"2021/1": []}).read_bytes()) is None
    assert check(listenbrainz, b"") == "The file is empty."
    assert "not a ListenBrainz listen" in check(listenbrainz, json.dumps([spotify_row()]).encode())
    assert "JSON-lines" in check(listenbrainz, b"artist,album,track,date\n")


# ------------------------------------------------------------------------------ Last.fm
def test_lastfm_csv_without_a_header(tmp_path):
    path = tmp_path / "scrobbles.csv"
    path.write_text(
        '"Radiohead","OK Computer","Airbag","31 Jan 2021 13:37"\n'
        '"Crosby, Stills & Nash","","Helplessly Hoping","01 Feb 2021 09:05"\n',
        encoding="utf-8",
    )
    first, second = records(lastfm, path)
    assert first == ImportedListen(
        "scrobbles.csv:1",
        listened_at=at("2021-01-31T13:37:00"),
        artist_name="Radiohead",
        track_name="Airbag",
        release_name="OK Computer",
        additional_info={"music_service": "last.fm"},
    )
    assert (second.artist_name, second.release_name, second.listened_at) == (
        "Crosby, Stills & Nash",
        "",
        at("2021-02-01T09:05:00"),
    )


def test_lastfm_csv_with_a_header_and_mbids(tmp_path):
    artist_mbid = "a74b1b7f-71a5-4011-9441-d0b5e4122711"
    path = tmp_path / "lastfm.csv"
    path.write_text(
        "\ufeffuts,utc_time,artist,artist_mbid,album,album_mbid,track,track_mbid\n"
        f'1612100220,"31 Jan 2021, 13:37",Radiohead,{artist_mbid},OK Computer,,Airbag,{RECORDING_MBID}\n'
        '1612100520,"31 Jan 2021, 13:42",Radiohead,,,,Lucky,not-an-mbid\n',
        encoding="utf-8",
    )
    first, second = records(lastfm, path)
    assert first == ImportedListen(
        "lastfm.csv:2",
        listened_at=1_612_100_220,
        artist_name="Radiohead",
        track_name="Airbag",
        release_name="OK Computer",
        recording_mbid=uuid.UUID(RECORDING_MBID),
        additional_info={"music_service": "last.fm", "artist_mbids": [artist_mbid]},
    )
    assert (second.position, second.recording_mbid, second.release_name) == ("lastfm.csv:3", None, "")


def test_lastfm_csv_with_semicolons_and_iso_dates(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(
        "Artist;Album;Title;Date\nMassive Attack;Mezzanine;Angel;2021-02-03T04:05:06Z\n", encoding="utf-8"
    )
    (got,) = records(lastfm, path)
    assert (got.artist_name, got.track_name, got.listened_at) == (
        "Massive Attack",
        "Angel",
        at("2021-02-03T04:05:06"),
    )


def test_lastfm_bad_rows_are_reported_and_the_rest_read(tmp_path):
    path = tmp_path / "s.csv"
    path.write_bytes(
        b"Radiohead,OK Computer,Airbag,31 Jan 2021 13:37\n"
        b"only,three,columns\n"
        b"Radiohead,OK Computer,Lucky,someday\n"
        b"\xff\xfe,\x80,garbage,31 Jan 2021 13:40\n"
        b",OK Computer,No Artist,31 Jan 2021 13:41\n"
        b"Radiohead,OK Computer,Epoch,01 Jan 1970 00:00\n"
        b"\n"
        b"Radiohead,OK Computer,Let Down,31 Jan 2021 13:50\n"
    )
    got = records(lastfm, path)
    assert [item.track_name for item in got if isinstance(item, ImportedListen)] == ["Airbag", "Let Down"]
    assert problems(got) == [
        ("s.csv:2", "Expected at least 4 columns, found 3."),
        ("s.csv:3", "The time 'someday' cannot be read."),
        ("s.csv:4", "The line is not UTF-8 text."),
        ("s.csv:5", "No artist name or no track name."),
        ("s.csv:6", "The time 1970-01-01 00:00:00 UTC is before 2002-10-01, the earliest accepted."),
    ]
    assert (
        next(i for i in got if isinstance(i, ImportedListen) and i.track_name == "Let Down").position
        == "s.csv:8"
    )


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("name,played\nAirbag,2021\n", lastfm.EXPECTED),
        (
            "artist,track,album\nRadiohead,Airbag,OK\n",
            "The header has no time (uts, utc_time, timestamp or date) column",
        ),
        ("artist,date\nRadiohead,31 Jan 2021 13:37\n", "The header has no track column"),
    ],
)
def test_lastfm_csv_with_wrong_columns_is_one_problem(tmp_path, text, reason):
    path = tmp_path / "w.csv"
    path.write_text(text)
    got = records(lastfm, path)
    assert len(got) == 1 and got[0].position == "w.csv" and got[0].reason.startswith(reason)
    assert check(lastfm, text.encode()).startswith(reason)


def test_lastfm_check_recognises_its_files(tmp_path):
    assert check(lastfm, b'"Radiohead","OK Computer","Airbag","31 Jan 2021 13:37"\n') is None
    assert check(lastfm, b"uts,utc_time,artist,album,track\n") is None
    assert check(lastfm, b"") == "The file is empty."
    assert check(lastfm, json.dumps([spotify_row()]).encode()).startswith("This is JSON, not CSV.")
    assert check(lastfm, write_lb_zip(tmp_path / "e.zip", {}).read_bytes()).startswith("This is a zip file")


def test_lastfm_empty_file_is_one_problem(tmp_path):
    path = tmp_path / "e.csv"
    path.write_bytes(b"\n\n")
    assert problems(records(lastfm, path)) == [("e.csv", "The file is empty.")]
