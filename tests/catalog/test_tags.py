"""Reading tags from real files of every supported format (no database)."""

import uuid

import pytest
import soundfile

from catalog.tags import AudioTags, TagReadError, read_audio_file, split_genres
from tests.catalog.audio_files import EXTENSIONS, FORMATS, SAMPLE_RATES, cover_jpeg, encoded_tone, write_audio

RECORDING = "6d3c7e4a-1f6b-4e43-9a3c-6a0b1c1d2e01"
RELEASE = "6d3c7e4a-1f6b-4e43-9a3c-6a0b1c1d2e02"
ARTIST = "6d3c7e4a-1f6b-4e43-9a3c-6a0b1c1d2e03"
ALBUM_ARTIST = "6d3c7e4a-1f6b-4e43-9a3c-6a0b1c1d2e04"
MIME_TYPES = {
    "mp3": "audio/mpeg",
    "flac": "audio/flac",
    "ogg": "audio/ogg",
    "opus": "audio/ogg; codecs=opus",
    "m4a": "audio/mp4",
    "wav": "audio/wav",
}


def full_tags(**overrides) -> dict:
    tags = {
        "title": "Blue in Green",
        "artist": "Miles Davis",
        "album_artist": "The Miles Davis Sextet",
        "album": "Kind of Blue",
        "track": "3/5",
        "disc": "2/2",
        "date": "1959-08-17",
        "genre": ["Jazz", "Modal; Cool Jazz"],
        "recording_mbid": RECORDING,
        "album_mbid": RELEASE,
        "artist_mbid": ARTIST,
        "album_artist_mbid": ALBUM_ARTIST,
        "release_type": "album",
    }
    tags.update(overrides)
    return tags


@pytest.mark.parametrize("fmt", FORMATS)
def test_reads_tags_musicbrainz_ids_and_stream_properties_of_each_format(tmp_path, fmt):
    path = write_audio(tmp_path / f"song{EXTENSIONS[fmt]}", **full_tags())

    tags = read_audio_file(path)

    assert isinstance(tags, AudioTags)
    assert (tags.title, tags.artist, tags.album_artist, tags.album) == (
        "Blue in Green",
        "Miles Davis",
        "The Miles Davis Sextet",
        "Kind of Blue",
    )
    assert (tags.track_number, tags.disc_number, tags.year) == (3, 2, 1959)
    assert tags.genres == ["Jazz", "Modal", "Cool Jazz"]
    assert tags.recording_mbid == uuid.UUID(RECORDING)
    assert tags.album_mbid == uuid.UUID(RELEASE)
    assert tags.artist_mbid == uuid.UUID(ARTIST)
    assert tags.album_artist_mbid == uuid.UUID(ALBUM_ARTIST)
    assert tags.album_type == "album"
    assert (tags.format, tags.mime_type) == (fmt, MIME_TYPES[fmt])
    assert tags.duration_ms == pytest.approx(1000, abs=80)
    assert tags.sample_rate == SAMPLE_RATES[fmt]
    assert tags.channels == 2
    assert tags.bitrate > 8000
    assert tags.cover_bytes is None


@pytest.mark.parametrize("fmt", FORMATS)
def test_embedded_front_cover_is_returned(tmp_path, fmt):
    cover = cover_jpeg()
    path = write_audio(tmp_path / f"song{EXTENSIONS[fmt]}", title="With art", cover=cover)

    assert read_audio_file(path).cover_bytes == cover


@pytest.mark.parametrize("fmt", FORMATS)
def test_missing_tags_fall_back_to_file_name_and_unknown_artist_and_album(tmp_path, fmt):
    path = write_audio(tmp_path / f"04 - untitled take{EXTENSIONS[fmt]}")

    tags = read_audio_file(path)

    assert (tags.title, tags.artist, tags.album) == ("04 - untitled take", "Unknown Artist", "Unknown Album")
    assert tags.album_artist == ""
    assert (tags.track_number, tags.disc_number, tags.year, tags.genres) == (None, None, None, [])
    assert tags.recording_mbid is tags.album_mbid is tags.album_type is None


def test_track_numbers_with_totals_and_leading_zeros_are_parsed(tmp_path):
    path = write_audio(tmp_path / "a.flac", track="07/12", disc="0")

    tags = read_audio_file(path)

    assert tags.track_number == 7
    assert tags.disc_number is None  # disc 0 means "not set"


@pytest.mark.parametrize(
    ("date", "year"),
    [("2003", 2003), ("2003-04-05", 2003), ("0999", None), ("3001-01-01", None), ("unknown", None)],
)
def test_year_is_taken_from_the_date_when_between_1000_and_3000(tmp_path, date, year):
    path = write_audio(tmp_path / "a.ogg", date=date)

    assert read_audio_file(path).year == year


def test_genres_split_on_semicolons_and_slashes_without_duplicates():
    assert split_genres(["Rock; Pop", "Hip-Hop/Rap", "rock", "  Drum &  Bass ", ""]) == [
        "Rock",
        "Pop",
        "Hip-Hop",
        "Rap",
        "Drum & Bass",
    ]


def test_id3_numeric_genre_is_resolved_to_its_name(tmp_path):
    path = write_audio(tmp_path / "a.mp3", genre="(17)")

    assert read_audio_file(path).genres == ["Rock"]


def test_compilation_release_type_wins_over_the_primary_type(tmp_path):
    path = write_audio(tmp_path / "a.m4a", release_type=["album", "compilation"])

    assert read_audio_file(path).album_type == "compilation"


def test_unknown_release_type_is_ignored_and_bad_musicbrainz_ids_are_dropped(tmp_path):
    path = write_audio(
        tmp_path / "a.flac",
        release_type="broadcast",
        artist_mbid="not-an-id",
        album_artist_mbid=f"{ARTIST}/{ALBUM_ARTIST}",
    )

    tags = read_audio_file(path)

    assert tags.album_type is None
    assert tags.artist_mbid is None
    assert tags.album_artist_mbid == uuid.UUID(ARTIST)  # the first of several ids


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("noise.mp3", b"this is not an mp3 at all" * 10, "can't sync to MPEG frame"),
        ("truncated.flac", b"fLaC\x00\x00\x00\x22" + b"\x00" * 10, "corrupt"),
        ("empty.ogg", b"", "not a recognised audio file"),
        ("text.wav", b"RIFF but not really", "corrupt"),
    ],
)
def test_corrupt_file_raises_tag_read_error_with_a_reason(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)

    with pytest.raises(TagReadError) as caught:
        read_audio_file(path)

    assert reason in caught.value.reason


def test_truncated_real_file_raises_tag_read_error(tmp_path):
    path = tmp_path / "cut.opus"
    path.write_bytes(encoded_tone("opus")[:200])

    with pytest.raises(TagReadError):
        read_audio_file(path)


def test_missing_file_raises_tag_read_error(tmp_path):
    with pytest.raises(TagReadError, match="No such file"):
        read_audio_file(tmp_path / "gone.mp3")


def test_audio_in_an_unsupported_format_is_refused(tmp_path):
    path = tmp_path / "actually-aiff.wav"
    soundfile.write(path, [[0.0, 0.0]] * 4410, 44100, format="AIFF")

    with pytest.raises(TagReadError, match="unsupported audio format"):
        read_audio_file(path)
