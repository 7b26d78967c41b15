"""The player's sound in a real browser (docs/player.md): tracks of one album join without a gap,
the loudness gain toward the listener's target, and the quality setting per device over the account's.

The join is measured on the sound itself: a script processor taps the player's Web Audio output and
records the level every 64 samples (1.5 ms) while an album cut from one continuous tone plays."""

import contextlib
import json
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from catalog import services as catalog_services
from catalog.models import Album, Track
from listening.models import PlayerState
from tests.catalog.audio_files import retag
from tests.e2e.test_player import poll

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PLAYER = "window.streamappPlayer"
PLAYBACK = "window.streamapp.playback"
ELEMENTS = "document.querySelectorAll('#player .player-audio')"
PIECES = 3
PIECE_SECONDS = 2  # 880 whole cycles of 440 Hz: each piece goes on where the previous one stops


def cut_tone(folder: Path) -> list[Path]:
    """Write one 440 Hz tone cut into FLAC pieces, tagged as the tracks of one album in order."""
    folder.mkdir(parents=True)
    tone = folder / "tone.wav"
    subprocess.run(
        [settings.STREAMAPP_FFMPEG, "-v", "error", "-f", "lavfi", "-i",
         f"sine=frequency=440:sample_rate=44100:duration={PIECES * PIECE_SECONDS}", "-ac", "2", str(tone)],
        check=True,
    )
    paths = []
    for number in range(1, PIECES + 1):
        path = folder / f"{number:02d} Part {number}.flac"
        start, end = (number - 1) * PIECE_SECONDS * 44100, number * PIECE_SECONDS * 44100
        subprocess.run(
            [settings.STREAMAPP_FFMPEG, "-v", "error", "-i", str(tone), "-af",
             f"atrim=start_sample={start}:end_sample={end}", str(path)],
            check=True,
        )
        retag(path, "flac", title=f"Part {number}", artist="Tone", album_artist="Tone", album="One Tone",
              track=f"{number}/{PIECES}", date="2024")
        paths.append(path)
    tone.unlink()
    return paths


# Taps the player's output: the RMS of every 64 samples of the left channel, at its context time, and
# the context time of each track's end (the player's "streamapp:ended": at a join, as it starts the next).
TAP = """() => {
  const graph = window.streamapp.playback.graph();
  const context = graph.context;
  const tap = context.createScriptProcessor(1024, 2, 2);
  window.__levels = [];
  window.__joins = [];
  document.addEventListener("streamapp:ended", () =>
    window.__joins.push([context.currentTime, window.streamappPlayer.index()]));
  tap.onaudioprocess = (event) => {
    const samples = event.inputBuffer.getChannelData(0);
    for (let at = 0; at < samples.length; at += 64) {
      let sum = 0;
      for (let i = at; i < at + 64; i++) sum += samples[i] * samples[i];
      window.__levels.push([event.playbackTime + at / context.sampleRate, Math.sqrt(sum / 64)]);
    }
  };
  graph.output.connect(tap);
  tap.connect(context.destination);
}"""
MEAN_LEVEL = "window.__levels.slice(-100).reduce((sum, [, level]) => sum + level, 0) / 100"
SILENT = 0.01  # RMS; the tone is at about 0.09
JOIN_WINDOW_S = 0.6  # the output is looked at this long around each join (the tap's own latency is ~50 ms)


def longest_silence_ms(levels: list[list[float]], start: float, end: float) -> float:
    """The longest run of silent 64-sample blocks between `start` and `end` (context seconds), in ms."""
    longest = run = 0.0
    previous = None
    for at, level in levels:
        if not start <= at <= end:
            continue
        block = at - previous if previous is not None else 0.0
        run = run + block if level < SILENT else 0.0
        longest = max(longest, run)
        previous = at
    return longest * 1000


def sounding_ms(levels: list[list[float]]) -> float:
    """How long the output sounded, from its first sound to its last, in ms."""
    times = [at for at, level in levels if level >= SILENT]
    assert times, "no sound reached the output"
    return (times[-1] - times[0]) * 1000


def test_the_tracks_of_an_album_join_without_a_gap(tmp_path, live_server, browser_page):
    page = browser_page
    cut_tone(tmp_path / "music" / "Tone" / "One Tone")
    catalog_services.library_import(root=tmp_path / "music")
    album = Album.objects.get(title="One Tone")
    assert Track.objects.filter(album=album).count() == PIECES

    page.goto(live_server.url + album.get_absolute_url())
    # The original file, no normalisation: the tone as it was cut (opening the menu starts Web Audio).
    page.click("#player .player-settings-button")
    page.select_option('#player-settings [data-setting="quality"]', "original")
    page.select_option('#player-settings [data-setting="loudness"]', "off")
    page.keyboard.press("Escape")
    page.wait_for_function(f"{PLAYBACK}.graph() && {PLAYBACK}.graph().context.state === 'running'")
    page.evaluate(TAP)

    page.get_by_role("button", name="Play album One Tone").click()
    page.wait_for_function(f"{PLAYER}.index() === {PIECES - 1} && {PLAYER}.audio.currentTime > 0.5")
    page.wait_for_function(f"{PLAYER}.audio.paused")  # the end of the queue
    page.wait_for_timeout(100)
    levels = page.evaluate("window.__levels")
    joins = [at for at, index in page.evaluate("window.__joins") if index < PIECES - 1]
    assert "quality=original" in page.evaluate(f"{PLAYER}.audio.src")

    # The three pieces sounded (joins overlap by a few ms at most); at each join, no silence over 20 ms.
    # (Only around the joins: on a starved machine the audio thread may drop a block anywhere.)
    assert sounding_ms(levels) >= PIECES * PIECE_SECONDS * 1000 - 150
    assert len(joins) == PIECES - 1
    for at in joins:
        silence_ms = longest_silence_ms(levels, at - JOIN_WINDOW_S, at + JOIN_WINDOW_S)
        assert silence_ms <= 20, f"{silence_ms:.1f} ms of silence at the join at {at:.2f} s"


# Loudness as the track API carries it (contract 6), added to the context API's answer.
LOUDNESS = {"track_lufs": -20.0, "track_peak_dbtp": -9.0, "album_lufs": -17.0, "album_peak_dbtp": -3.5}


def add_loudness(route):
    response = route.fetch()
    data = response.json()
    for track in data["tracks"]:
        track["loudness"] = LOUDNESS if track["title"] != "Third Rail" else {
            "track_lufs": None, "track_peak_dbtp": None, "album_lufs": None, "album_peak_dbtp": None
        }
    route.fulfill(response=response, body=json.dumps(data))


def gain_db(page, expected: float) -> float | None:
    """The now-playing gain in dB once it reads `expected` (or after 5 s, whatever it reads then; None when
    nothing plays): a setting's change rebuilds the now-playing entry, and on a busy machine the test
    can look in between."""
    reading = (
        f"(() => {{ const n = {PLAYER}.nowPlaying(); "
        "return n && n.gainNode ? 20 * Math.log10(n.gainNode.gain.value) : null; })()"
    )
    settled = (
        f"(() => {{ const db = {reading}; "
        f"return db !== null && Math.abs(db - ({expected})) < 0.01; }})()"
    )
    with contextlib.suppress(PlaywrightTimeoutError):
        page.wait_for_function(settled, timeout=5000)
    return page.evaluate(reading)


def choose(page, setting: str, value: str) -> None:
    if page.get_attribute("#player .player-settings-button", "aria-expanded") != "true":
        page.click("#player .player-settings-button")
    page.select_option(f'#player-settings [data-setting="{setting}"]', value)


def test_the_gain_goes_toward_the_target_never_past_the_true_peak(audio_library, live_server, browser_page):
    page = browser_page
    page.route("**/api/v1/player/context/**", add_loudness)
    page.goto(live_server.url + audio_library.album.get_absolute_url())
    page.get_by_role("button", name="Play album Test Album").click()
    page.wait_for_function(f"!{PLAYER}.audio.paused && {PLAYER}.nowPlaying().gainNode")

    # The album in order: album gain, -17 LUFS toward the target, at most +2.5 dB (peak -3.5 dBTP,
    # 1 dB of headroom).
    assert page.evaluate(f"{PLAYER}.nowPlaying().albumGain") is True
    assert gain_db(page, 2.5) == pytest.approx(2.5, abs=0.01)  # Normal, the default: +3 dB clamped
    for target, expected in [("quiet", -6.0), ("loud", 2.5), ("off", 0.0), ("normal", 2.5)]:
        choose(page, "loudness", target)
        assert gain_db(page, expected) == pytest.approx(expected, abs=0.01), target
    page.click("#player-settings .player-settings-info-button")
    page.wait_for_function("document.querySelector('#player-now-info').textContent.includes('album gain')")
    assert "+2.5 dB toward −14 LUFS (album gain)" in page.inner_text("#player-now-info")

    # One track on its own: track gain, -20 LUFS, at most +8 dB (peak -9 dBTP).
    first = audio_library.tracks[0]
    play_list(page, [first.pk])
    page.wait_for_function(f"{PLAYER}.nowPlaying().albumGain === false && !{PLAYER}.audio.paused")
    for target, expected in [("quiet", -3.0), ("normal", 6.0), ("loud", 8.0)]:
        choose(page, "loudness", target)
        assert gain_db(page, expected) == pytest.approx(expected, abs=0.01), target

    # A track not measured yet plays as it is.
    third = audio_library.tracks[2]
    play_list(page, [third.pk])
    page.wait_for_function(f"{PLAYER}.current().track.title === 'Third Rail' && !{PLAYER}.audio.paused")
    assert gain_db(page, 0.0) == pytest.approx(0.0, abs=0.01)

    # The volume slider still works on top of the gain.
    page.evaluate(TAP)
    page.wait_for_timeout(300)
    loud = page.evaluate(MEAN_LEVEL)
    page.keyboard.press("Escape")
    for _ in range(10):
        page.keyboard.press("ArrowDown")  # -5 % each
    page.wait_for_timeout(300)
    quiet = page.evaluate(MEAN_LEVEL)
    assert page.evaluate(f"{PLAYER}.audio.volume") == pytest.approx(0.5)
    assert quiet / loud == pytest.approx(0.5, abs=0.08)


def play_list(page, track_ids: list[int]) -> None:
    """Play tracks as a list the page knows (search results): no album order."""
    ids = ",".join(map(str, track_ids))
    page.evaluate(f"{PLAYER}.fetchContext({{ids: '{ids}'}}).then((tracks) => {PLAYER}.startContext(tracks, "
                  f"{{type: 'search', id: ''}}, 0))")


def stream_quality(page) -> str:
    return page.evaluate(f"new URL({PLAYER}.audio.src).searchParams.get('quality')")


def test_the_quality_menu_sets_the_stream_per_device_over_the_account_default(
    user, audio_library, live_server, browser_page
):
    user.stream_quality = "low"
    user.save()
    page = browser_page
    reports = []
    page.on("request", lambda request: reports.append(request.post_data_json)
            if request.url.endswith("/api/v1/player/plays/") else None)

    def starts():
        return [(body["quality"], body["format"]) for body in reports if body and body["event"] == "start"]

    def wait_for_starts(count):
        for _ in range(100):  # the page's requests reach the test while Playwright waits
            if len(starts()) >= count:
                return
            page.wait_for_timeout(100)

    page.goto(live_server.url + audio_library.album.get_absolute_url())
    page.get_by_role("button", name="Play album Test Album").click()
    page.wait_for_function(f"!{PLAYER}.audio.paused")
    wait_for_starts(1)  # the first track's start is reported once its audio plays (late on a busy machine)
    assert stream_quality(page) == "low"
    assert page.evaluate(f"new URL({PLAYER}.audio.src).searchParams.get('format')") == "opus"

    # This device picks High: from the next track on, and it stays after a reload.
    choose(page, "quality", "high")
    default = page.inner_text('#player-settings [data-setting="quality"] option[value=""]')
    assert default == "Account default: Low"
    page.keyboard.press("Escape")
    page.click("#player .player-next")
    page.wait_for_function(f"{PLAYER}.index() === 1 && !{PLAYER}.audio.paused")
    assert stream_quality(page) == "high"
    page.wait_for_function("window.localStorage.getItem('streamapp.quality') === 'high'")
    wait_for_starts(2)
    assert starts() == [("low", "opus"), ("high", "opus")]
    # The player saves its place as the track changes (retried after a 409 when two saves cross on a
    # busy machine): reload once the server holds the second track, so the page comes back to it.
    poll(lambda: PlayerState.objects.filter(user=user, current_index=1).first(), message="second track saved")

    page.reload()
    page.wait_for_function(f"{PLAYER}.current() && {PLAYER}.audio.readyState >= 1 && {PLAYER}.index() === 1")
    assert stream_quality(page) == "high"
    page.click("#player .player-settings-button")
    assert page.input_value('#player-settings [data-setting="quality"]') == "high"

    # "Use account defaults": back to the account's Low from the next track.
    page.click("#player-settings .player-settings-reset")
    assert page.input_value('#player-settings [data-setting="quality"]') == ""
    page.keyboard.press("Escape")
    page.click("#player .player-next")
    page.wait_for_function(f"{PLAYER}.index() === 2 && !{PLAYER}.audio.paused")
    assert stream_quality(page) == "low"

    # A fresh device on a 3G connection follows the account; Automatic starts from the connection
    # (3G: Normal), two stalls within a minute step down, five calm minutes step back up.
    other = page.context.browser.new_context(bypass_csp=True)
    other.add_cookies(page.context.cookies())
    other.add_init_script(
        "Object.defineProperty(navigator, 'connection', {value: {effectiveType: '3g', saveData: false}})"
    )
    fresh = other.new_page()
    fresh.goto(live_server.url + audio_library.album.get_absolute_url())
    fresh.wait_for_function(f"{PLAYER}.current() && {PLAYER}.audio.readyState >= 1")
    assert stream_quality(fresh) == "low"
    fresh.click("#player .player-settings-button")
    fresh.select_option('#player-settings [data-setting="quality"]', "auto")
    steps = fresh.evaluate(f"""() => {{
      const p = {PLAYBACK}, t = Date.now(), seen = [p.quality()];
      p.noteStall(t); seen.push(p.quality());
      p.noteStall(t + 30000); seen.push(p.quality());
      p.noteSmooth(t + 30000 + 299000); seen.push(p.quality());
      p.noteSmooth(t + 30000 + 300000); seen.push(p.quality());
      p.noteSmooth(t + 30000 + 600000); seen.push(p.quality());
      p.noteSmooth(t + 30000 + 900000); seen.push(p.quality());
      return seen;
    }}""")
    assert steps == ["normal", "normal", "low", "low", "normal", "high", "high"]
    other.close()


def test_tracks_of_different_albums_crossfade_with_equal_power(audio_library, live_server, browser_page):
    page = browser_page
    first, second = audio_library.tracks[0], audio_library.tracks[1]
    page.goto(live_server.url + audio_library.album.get_absolute_url())
    choose(page, "crossfade", "3")
    choose(page, "loudness", "off")
    page.keyboard.press("Escape")
    play_list(page, [first.pk, second.pk])  # a list, not the album in order: they crossfade
    page.wait_for_function(f"!{PLAYER}.audio.paused && {PLAYER}.audio.readyState >= 3")
    page.evaluate(f"{PLAYER}.audio.currentTime = {audio_library.tracks[0].duration_ms / 1000 - 5}")
    page.wait_for_function(f"{PLAYER}.index() === 1", timeout=8_000)
    # Mid-fade both elements sound; their gains keep cos² + sin² = 1.
    page.wait_for_timeout(1200)
    gains = page.evaluate(f"""() => Array.from({ELEMENTS}, (element) =>
        ({{gain: {PLAYBACK}.gainNode(element).gain.value, paused: element.paused}}))""")
    assert [g["paused"] for g in gains] == [False, False]
    assert all(0.05 < g["gain"] < 0.995 for g in gains), gains
    assert sum(g["gain"] ** 2 for g in gains) == pytest.approx(1.0, abs=0.03)
    # After the fade, the first track has ended and the second plays at full gain.
    page.wait_for_function(f"Array.from({ELEMENTS}).filter((element) => !element.paused).length === 1")
    assert page.evaluate(f"{PLAYER}.nowPlaying().gainNode.gain.value") == pytest.approx(1.0)
    assert page.evaluate(f"{PLAYER}.current().track.id") == second.pk


def wait_playing(page, after: float, asked: list[str]) -> None:
    """Wait until the element plays past `after` seconds; else fail saying what it and the stream did."""
    try:
        page.wait_for_function(f"!{PLAYER}.audio.paused && {PLAYER}.audio.currentTime > {after}")
    except PlaywrightTimeoutError:
        element = page.evaluate(f"""() => {{ const a = {PLAYER}.audio; return {{src: a.src,
            paused: a.paused, ready: a.readyState, time: a.currentTime, error: a.error && a.error.code,
            net: a.networkState}}; }}""")
        raise AssertionError(f"not playing: {element}, streams asked: {asked}") from None


SEEK_TO_20 = "(seek) => { seek.value = 20; seek.dispatchEvent(new Event('change')); }"


def test_seeking_into_a_stream_without_range_asks_for_it_from_the_offset(
    tmp_path, audio_library, live_server, browser_page
):
    """A transcode not cached yet is streamed without Range: the player asks for it again from the
    position (`offset=`) and shows the offset plus the element's clock."""
    page = browser_page
    first = audio_library.tracks[0]
    original = Path(first.audio_file.path)
    trimmed = tmp_path / "from-20s.mp3"
    subprocess.run(
        [settings.STREAMAPP_FFMPEG, "-v", "error", "-ss", "20", "-i", str(original), "-c:a", "libmp3lame",
         "-b:a", "128k", str(trimmed)],
        check=True,
    )
    asked = []

    def unseekable(route):
        url = route.request.url
        asked.append(url)
        body = (trimmed if "offset=" in url else original).read_bytes()
        route.fulfill(status=200, body=body, headers={"Content-Type": "audio/mpeg"})

    page.route(f"**/stream/{first.pk}/**", unseekable)
    page.goto(live_server.url + audio_library.album.get_absolute_url())
    page.get_by_role("button", name="Play album Test Album").click()
    wait_playing(page, 0.2, asked)
    play_id = page.evaluate(f"{PLAYER}.state().playId")
    assert page.evaluate(f"{PLAYER}.audio.seekable.end(0)") == 0  # nothing to seek into

    page.eval_on_selector("#player .player-seek", SEEK_TO_20)
    wait_playing(page, 0.5, asked)
    assert asked[-1].endswith("&offset=20.000")
    assert page.inner_text("#player .player-elapsed") in {"0:20", "0:21", "0:22"}
    assert page.evaluate(f"{PLAYER}.state().playId") == play_id  # the same play, sought
    page.evaluate(f"{PLAYER}.save()")
    state = poll(lambda: PlayerState.objects.filter(position_ms__gte=20_000).first(), message="saved")
    assert state.position_ms < 23_000
