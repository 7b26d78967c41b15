"""choose_stream (the rule of what /stream/ serves), the stream-info API and the play report's fields."""

import uuid

import pytest
from rest_framework.test import APIClient

from catalog.models import AudioFile
from listening.models import Play
from listening.transcoding import choose_stream
from tests.catalog.factories import make_audio_file, make_track


def audio(fmt: str, kbps: int | None, mime: str = "audio/x") -> AudioFile:
    """An unsaved audio file of 200 s (choose_stream reads no database)."""
    size = kbps * 1000 // 8 * 200 if kbps else 0
    return AudioFile(format=fmt, mime_type=mime, bitrate=kbps * 1000 if kbps else None, size=size,
                     duration_ms=200_000)


@pytest.mark.parametrize(
    ("fmt", "kbps", "quality", "asked", "expected"),
    [
        # (format, bitrate) served: the original when it plays and fits, never above the original
        ("flac", 900, "original", None, ("flac", 900, False)),
        ("flac", 900, "low", "opus", ("opus", 64, True)),
        ("flac", 900, "normal", None, ("mp3", 128, True)),
        ("flac", 900, "high", "aac", ("aac", 256, True)),
        ("mp3", 320, "normal", "opus", ("opus", 128, True)),
        ("mp3", 128, "normal", "opus", ("mp3", 128, False)),
        ("mp3", 192, "high", "opus", ("mp3", 192, False)),
        ("m4a", 96, "low", "mp3", ("mp3", 64, True)),
        ("ogg", 64, "low", "opus", ("ogg", 64, False)),
        ("wav", 1411, "high", "opus", ("opus", 256, True)),
    ],
)
def test_the_rule_of_what_is_served(fmt, kbps, quality, asked, expected):
    choice = choose_stream(audio(fmt, kbps), quality=quality, format=asked)
    assert (choice.format, choice.bitrate_kbps, choice.transcoded) == expected
    assert choice.quality == quality


@pytest.mark.parametrize(
    ("fmt", "kbps", "options", "expected"),
    [
        # A client's bitrate beyond the presets: the original when it fits, transcodes kept within
        # 32 to 320 kbps (the Subsonic API's maxBitRate).
        ("flac", 900, {"bitrate_kbps": 1000}, ("flac", 900, False)),
        ("flac", 900, {"bitrate_kbps": 500}, ("mp3", 320, True)),
        ("flac", 900, {"bitrate_kbps": 8}, ("mp3", 32, True)),
        # `playable`: the formats the client plays as they are (an Opus client asking opus).
        ("mp3", 128, {"bitrate_kbps": 256, "format": "opus", "playable": frozenset({"opus"})},
         ("opus", 128, True)),
        ("opus", 96, {"bitrate_kbps": 256, "format": "opus", "playable": frozenset({"opus"})},
         ("opus", 96, False)),
        # `cut`: only a transcode starts at an offset, even when the original fits.
        ("mp3", 128, {"bitrate_kbps": 256, "cut": True}, ("mp3", 128, True)),
        ("flac", 900, {"cut": True}, ("mp3", 320, True)),
    ],
)
def test_a_clients_bitrate_playable_formats_and_cuts(fmt, kbps, options, expected):
    choice = choose_stream(audio(fmt, kbps), quality="original", **options)
    assert (choice.format, choice.bitrate_kbps, choice.transcoded) == expected


def test_an_explicit_bitrate_overrides_the_preset_and_is_capped_by_the_original():
    assert choose_stream(audio("flac", 900), quality="original", bitrate_kbps=96).bitrate_kbps == 96
    assert choose_stream(audio("flac", 900), quality="low", bitrate_kbps=192).bitrate_kbps == 192
    assert not choose_stream(audio("mp3", 160), quality="low", bitrate_kbps=192).transcoded


def test_an_unknown_bitrate_is_estimated_from_size_and_duration():
    file = AudioFile(format="mp3", mime_type="audio/mpeg", bitrate=None, size=1_600_000, duration_ms=100_000)
    assert choose_stream(file, quality="high").bitrate_kbps == 128  # 1.6 MB in 100 s
    assert choose_stream(file, quality="low").transcoded


def test_mime_types_of_transcodes():
    file = audio("flac", 900, "audio/flac")
    assert choose_stream(file, quality="low", format="opus").mime_type == "audio/ogg"
    assert choose_stream(file, quality="low", format="mp3").mime_type == "audio/mpeg"
    assert choose_stream(file, quality="low", format="aac").mime_type == "audio/aac"
    assert choose_stream(file, quality="original").mime_type == "audio/flac"


@pytest.fixture
def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def flac_track(db):
    file = make_audio_file(format="flac", mime_type="audio/flac", bitrate=912_000)
    return make_track(audio_file=file)


@pytest.mark.django_db
def test_stream_info_says_what_is_served(api, flac_track, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):  # the session's user, the track with its file
        response = api.get(f"/api/v1/tracks/{flac_track.pk}/stream-info/?quality=normal&format=opus")
    assert response.status_code == 200, response.json()
    assert response.json() == {
        "quality": "normal", "format": "opus", "bitrate_kbps": 128, "mime_type": "audio/ogg",
        "transcoded": True, "url": f"/stream/{flac_track.pk}/?quality=normal&format=opus",
        "original": {"format": "flac", "bitrate_kbps": 912},
    }
    original = api.get(f"/api/v1/tracks/{flac_track.pk}/stream-info/").json()
    assert (original["format"], original["transcoded"], original["url"]) == (
        "flac", False, f"/stream/{flac_track.pk}/"
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("query", "field"), [("quality=best", "quality"), ("format=wma", "format"),
                                              ("bitrate=9", "bitrate")])
def test_stream_info_refuses_unknown_values_naming_them(api, flac_track, query, field):
    response = api.get(f"/api/v1/tracks/{flac_track.pk}/stream-info/?{query}")
    assert response.status_code == 400
    assert list(response.json()) == [field]


@pytest.mark.django_db
def test_stream_info_needs_a_listener_and_a_playable_track(client, api, flac_track):
    assert client.get(f"/api/v1/tracks/{flac_track.pk}/stream-info/").status_code in (401, 403)
    assert api.get("/api/v1/tracks/999999/stream-info/").status_code == 404
    missing = make_track(audio_file=None)
    assert api.get(f"/api/v1/tracks/{missing.pk}/stream-info/").status_code == 404


@pytest.mark.django_db
def test_a_play_report_records_the_quality_format_and_bitrate_served(api, flac_track):
    play_id = str(uuid.uuid4())
    payload = {"play_id": play_id, "track_id": flac_track.pk, "event": "start", "quality": "low",
               "format": "opus"}
    assert api.post("/api/v1/player/plays/", payload, format="json").status_code == 200
    play = Play.objects.get()
    assert (play.quality, play.stream_format, play.stream_bitrate_kbps) == ("low", "opus", 64)

    api.post("/api/v1/player/plays/", {**payload, "event": "progress", "quality": "original"}, format="json")
    play.refresh_from_db()
    assert (play.quality, play.stream_format, play.stream_bitrate_kbps) == ("original", "flac", 912)
    api.post("/api/v1/player/plays/", {"play_id": play_id, "track_id": flac_track.pk, "event": "end"},
             format="json")
    play.refresh_from_db()
    assert play.quality == "original"  # a report without the fields keeps them


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field"), [({"quality": "automatic"}, "quality"), ({"format": "wma"}, "format")]
)
def test_a_play_report_with_an_unknown_quality_or_format_is_a_400(api, flac_track, change, field):
    payload = {"play_id": str(uuid.uuid4()), "track_id": flac_track.pk, "event": "start", **change}
    response = api.post("/api/v1/player/plays/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
