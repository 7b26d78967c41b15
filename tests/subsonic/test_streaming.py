"""`stream` through the web player's transcoder (maxBitRate, format, timeOffset, estimateContentLength,
Range on cached output), with the real py-sonic client over a live server and ffprobe on what arrives."""

import io
from pathlib import Path
from urllib.parse import urlsplit

import libsonic
import pytest
from django.core.management import call_command

from listening.models import Listen, Play
from subsonic.methods.system import EXTENSIONS
from tests.listening.transcode_helpers import body, make_audio, make_playable_track, probe

from .conftest import PASSWORD, token_params


@pytest.fixture
def flac_track(tmp_path):
    """A 2.5 s stereo noise FLAC (about 1,400 kbps: above every transcode's bitrate)."""
    return make_playable_track(make_audio(tmp_path, "flac", noise=True), "flac")


def _probe_bytes(folder, data: bytes, name: str) -> dict:
    path = folder / name
    path.write_bytes(data)
    return probe(path)


@pytest.fixture
def sonic(live_server, subsonic_user) -> libsonic.Connection:
    address = urlsplit(live_server.url)
    return libsonic.Connection(
        baseUrl=f"{address.scheme}://{address.hostname}",
        username="listener",
        password=PASSWORD,
        port=address.port,
        serverPath="/rest",
    )


@pytest.mark.django_db(transaction=True)
def test_pysonic_streams_transcodes_the_original_and_from_an_offset(sonic, flac_track, tmp_path):
    source = flac_track.audio_file

    limited = sonic.stream(flac_track.pk, maxBitRate=128)
    assert limited.info()["Content-Type"] == "audio/mpeg" and limited.info()["X-Stream-Transcoded"] == "1"
    found = _probe_bytes(tmp_path, limited.read(), "limited.mp3")
    assert found["codec"] == "mp3" and int(found["format"]["bit_rate"]) == pytest.approx(128_000, rel=0.05)

    raw = sonic.stream(flac_track.pk, maxBitRate=128, tformat="raw")
    assert raw.info()["Content-Type"] == "audio/flac" and raw.read() == Path(source.path).read_bytes()

    opus = sonic.stream(flac_track.pk, maxBitRate=64, tformat="opus")
    assert _probe_bytes(tmp_path, opus.read(), "out.opus")["codec"] == "opus"

    cut = sonic.stream(flac_track.pk, timeOffset=1)
    assert cut.info()["X-Stream-Offset"] == "1" and cut.info()["X-Stream-Bitrate"] == "320"
    found = _probe_bytes(tmp_path, cut.read(), "cut.mp3")
    assert float(found["format"]["duration"]) == pytest.approx(1.5, abs=0.15)

    with pytest.raises(libsonic.errors.ParameterError, match="format 'wma' is unknown"):
        sonic.stream(flac_track.pk, tformat="wma")
    assert not Play.objects.exists() and not Listen.objects.exists()  # streaming is never a play


@pytest.mark.django_db
def test_a_cached_transcode_answers_ranges_like_the_web(api, subsonic_user, flac_track, tmp_path):
    first = api.raw("stream", id=flac_track.pk, maxBitRate=96)
    assert first["X-Stream-Cached"] == "0" and first["Accept-Ranges"] == "none"
    whole = body(first)

    again = api.client.get(
        "/rest/stream", {**token_params(), "id": flac_track.pk, "maxBitRate": 96}, HTTP_RANGE="bytes=100-199"
    )
    assert again.status_code == 206 and again["X-Stream-Cached"] == "1"
    assert again["Content-Range"] == f"bytes 100-199/{len(whole)}"
    assert body(again) == whole[100:200]
    assert _probe_bytes(tmp_path, whole, "whole.mp3")["codec"] == "mp3"
    # The web's /stream/ at the same bitrate and format is the same cached file.
    api.client.force_login(subsonic_user)
    web = api.client.get(f"/stream/{flac_track.pk}/?bitrate=96&format=mp3")
    assert web["X-Stream-Cached"] == "1" and body(web) == whole


@pytest.mark.django_db
def test_format_and_max_bit_rate_map_onto_the_web_players_choice(api, tmp_path):
    mp3 = make_playable_track(make_audio(tmp_path, "mp3"), "mp3", bitrate=192_000)
    # An MP3 within the limit (or asked as MP3, 256 kbps by default) is the original.
    for params in ({"maxBitRate": 320}, {"format": "mp3"}, {"format": "MP3", "maxBitRate": 0}, {}):
        response = api.raw("stream", id=mp3.pk, **params)
        assert (response["X-Stream-Transcoded"], response["Content-Type"]) == ("0", "audio/mpeg"), params
    # Another format is a transcode to it, never above the original's bitrate.
    aac = api.raw("stream", id=mp3.pk, format="aac", maxBitRate=320)
    assert (aac["Content-Type"], aac["X-Stream-Bitrate"]) == ("audio/aac", "192")
    assert _probe_bytes(tmp_path, body(aac), "out.aac")["codec"] == "aac"
    # Below the transcoder's lowest bitrate: its lowest.
    low = api.raw("stream", id=mp3.pk, maxBitRate=8)
    assert (low["X-Stream-Transcoded"], low["X-Stream-Bitrate"]) == ("1", "32")
    assert _probe_bytes(tmp_path, body(low), "low.mp3")["codec"] == "mp3"


@pytest.mark.django_db
def test_estimate_content_length_is_said_in_headers_of_a_running_transcode(api, flac_track):
    running = api.raw("stream", id=flac_track.pk, maxBitRate=64, estimateContentLength="true")
    assert not running.has_header("Content-Length")  # a wrong length would break the stream
    assert running["X-Content-Duration"] == "2.500"
    assert running["X-Estimated-Content-Length"] == str(round(2.5 * 64_000 / 8))
    body(running)
    cached = api.raw("stream", id=flac_track.pk, maxBitRate=64, estimateContentLength="true")
    assert cached["Content-Length"] == str(len(body(cached))) and not cached.has_header("X-Content-Duration")


@pytest.mark.django_db
def test_bad_stream_parameters_are_error_10_naming_them(api, flac_track):
    unknown = api.error("stream", id=flac_track.pk, format="wma")
    assert unknown["code"] == 10 and "format 'wma' is unknown" in unknown["message"]
    assert "raw, opus, mp3, aac" in unknown["message"]
    late = api.error("stream", id=flac_track.pk, timeOffset=3)  # the track lasts 2.5 s
    assert late["code"] == 10 and "timeOffset" in late["message"]
    assert api.error("stream", id=flac_track.pk, estimateContentLength="maybe")["code"] == 10
    # raw ignores the offset: an original is not cut.
    assert api.raw("stream", id=flac_track.pk, format="raw", timeOffset=3)["Content-Type"] == "audio/flac"


@pytest.mark.django_db
def test_a_file_ffmpeg_cannot_transcode_is_an_error_envelope(api, tmp_path):
    broken = tmp_path / "broken.flac"
    broken.write_bytes(b"not audio at all" * 100)
    track = make_playable_track(broken, "flac", bitrate=900_000)
    error = api.error("stream", id=track.pk, maxBitRate=128)
    assert error["code"] == 0 and "could not be transcoded" in error["message"]


def test_transcode_offset_is_advertised():
    assert {"name": "transcodeOffset", "versions": [1]} in EXTENSIONS


# ------------------------------------------------------------------------------ replayGain
def _replay_gain_xml(api, song_id: int) -> dict | None:
    from .conftest import NS

    found = api.xml("getSong", id=song_id).find(f"{NS}song/{NS}replayGain")
    return None if found is None else {name: float(value) for name, value in found.attrib.items()}


@pytest.mark.django_db
def test_songs_carry_replay_gain_measured_tagged_or_none(api, library):
    # Kind of Blue's two songs (the album measured), Saeta (its album not), Come Together (nothing).
    measured, tagged, tagged_only, unknown = library["songs"][:4]
    measured.audio_file.loudness_lufs, measured.audio_file.true_peak_dbtp = -9.8, -0.3
    measured.audio_file.save()
    measured.album.loudness_lufs, measured.album.true_peak_dbtp = -10.4, 0.0
    measured.album.save()
    tagged.audio_file.replaygain_track_gain_db, tagged.audio_file.replaygain_track_peak = -6.5, 0.5
    tagged.audio_file.save()
    tagged_only.audio_file.replaygain_track_gain_db = 2.25
    tagged_only.audio_file.replaygain_album_gain_db = 1.5
    tagged_only.audio_file.save()

    expected_measured = {
        "trackGain": -8.2, "albumGain": -7.6, "trackPeak": 0.966051, "albumPeak": 1.0, "baseGain": 0.0
    }
    assert api.ok("getSong", id=measured.pk)["song"]["replayGain"] == expected_measured
    assert _replay_gain_xml(api, measured.pk) == expected_measured
    json_tagged = api.ok("getSong", id=tagged.pk)["song"]["replayGain"]
    assert json_tagged["trackGain"] == -6.5 and json_tagged["trackPeak"] == pytest.approx(0.5, abs=1e-4)
    assert json_tagged["albumGain"] == -7.6
    expected_tag_only = {"trackGain": 2.25, "albumGain": 1.5, "baseGain": 0.0}
    assert api.ok("getSong", id=tagged_only.pk)["song"]["replayGain"] == expected_tag_only
    assert _replay_gain_xml(api, tagged_only.pk) == expected_tag_only
    assert "replayGain" not in api.ok("getSong", id=unknown.pk)["song"]
    assert _replay_gain_xml(api, unknown.pk) is None


@pytest.mark.django_db
def test_measuring_loudness_refreshes_the_cached_album(api, library, django_assert_max_num_queries):
    album = library["albums"][2]  # Abbey Road: two songs, never measured
    assert all("replayGain" not in song for song in api.ok("getAlbum", id=album.pk)["album"]["song"])
    with django_assert_max_num_queries(3):  # cached under the catalog version
        api.ok("getAlbum", id=album.pk)

    call_command("measure_loudness", "--no-progress", stdout=io.StringIO(), stderr=io.StringIO())

    songs = api.ok("getAlbum", id=album.pk)["album"]["song"]
    gains = [song["replayGain"] for song in songs]
    # The 64 kbps test tone (ffmpeg's sine at 1/8 full scale) is about -21 LUFS: gain about +3 dB.
    assert all(-1 < gain["trackGain"] < 8 and gain["albumGain"] == gains[0]["albumGain"] for gain in gains)
    assert all(0 < gain["trackPeak"] < 1 for gain in gains)
