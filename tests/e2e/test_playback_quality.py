"""The player's sound in a real browser (docs/player.md): tracks of one album join without a gap,
the loudness gain toward the listener's target, and the quality setting per device over the account's.

The join is measured on the sound itself: a script processor taps the player's Web Audio output and
records the level every 64 samples (1.5 ms) while an album cut from one continuous tone plays."""

import json
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from catalog import services as catalog_services
from catalog.models import Album, Track
from tests.catalog.audio_files import retag

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PLAYER = "window.streamappPlayer"
PLAYBACK = "window.streamapp.playback"
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
        subprocess.run(
            [settings.STREAMAPP_FFMPEG, "-v", "error", "-i", str(tone), "-af",
             f"atrim=start_sample={(number - 1) * PIECE_SECONDS * 44100}:end_sample={number * PIECE_SECONDS * 44100}",
             str(path)],
            check=True,
        )
        retag(path, "flac", title=f"Part {number}", artist="Tone", album_artist="Tone", album="One Tone",
              track=f"{number}/{PIECES}", date="2024")
        paths.append(path)
    tone.unlink()
    return paths


# Taps the player's output: the RMS of every 64 samples of the left channel, with its context time.
TAP = """() => {
  const graph = window.streamapp.playback.graph();
  const context = graph.context;
  const tap = context.createScriptProcessor(1024, 2, 2);
  window.__levels = [];
  tap.onaudioprocess = (event) => {
    const samples = event.inputBuffer.getChannelData(0);
    for (let at = 0; at < samples.length; at += 64) {
      let sum = 0;
      for (let i = at; i < at + 64; i++) sum += samples[i] * samples[i];
      window.__levels.push(Math.sqrt(sum / 64));
    }
  };
  graph.output.connect(tap);
  tap.connect(context.destination);
  window.__tapRate = context.sampleRate;
}"""


def longest_silence_ms(levels: list[float], rate: float, threshold: float = 0.01) -> tuple[float, float]:
    """The longest run of silent 64-sample blocks between the first and the last sound, and how long
    the sound lasted, in milliseconds."""
    sounding = [i for i, level in enumerate(levels) if level >= threshold]
    assert sounding, "no sound reached the output"
    first, last = sounding[0], sounding[-1]
    longest = run = 0
    for level in levels[first:last + 1]:
        run = run + 1 if level < threshold else 0
        longest = max(longest, run)
    block_ms = 64 / rate * 1000
    return longest * block_ms, (last - first + 1) * block_ms


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
    rate = page.evaluate("window.__tapRate")
    assert "quality=original" in page.evaluate(f"{PLAYER}.audio.src")

    silence_ms, sound_ms = longest_silence_ms(levels, rate)
    assert sound_ms == pytest.approx(PIECES * PIECE_SECONDS * 1000, abs=150)
    assert silence_ms <= 20, f"{silence_ms:.1f} ms of silence at a join"
