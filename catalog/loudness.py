"""Loudness: EBU R128 measurement with ffmpeg, album values, ReplayGain conversions, the API's values.

- measure(path) runs ``ffmpeg -filter_complex ebur128=peak=true`` on one file and returns its integrated
  loudness (LUFS) and true peak (dBTP), or the reason it could not (undecodable, silent, too slow).
- album_loudness() combines the measured tracks of an album: the duration-weighted power mean of their
  loudness (an approximation of EBU R128 gating over the whole album) and the highest true peak.
- track_loudness_values() is the one rule for what the track API and the Subsonic API say: the
  measurement when there is one, else the values derived from the file's ReplayGain tags;
  replay_gain() turns its values into OpenSubsonic's `replayGain` (gains toward -18 LUFS, linear peaks).

No Django models are written here (catalog.services does that); settings are read by the callers.
"""

import math
import re
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass

# ReplayGain 2.0's reference level: a gain of 0 dB means the track plays at -18 LUFS.
REPLAYGAIN_REFERENCE_LUFS = -18.0
# ffmpeg reports -70 LUFS (the absolute gate) for a file with nothing above it: silence.
SILENCE_LUFS = -70.0
# Values outside these are not believed (a corrupt tag, a wrong unit): they are read as unknown.
GAIN_RANGE_DB = (-60.0, 60.0)
PEAK_RANGE = (0.0, 10.0)  # linear sample peak; above 1.0 is a real (clipped or inter-sample) peak
# What ffmpeg writes to stderr when it fails, kept in loudness_error (AudioFile.loudness_error's size).
ERROR_MAX_LENGTH = 200

_SUMMARY = re.compile(r"Summary:\s*\n(?P<body>.*)", re.DOTALL)
_INTEGRATED = re.compile(r"Integrated loudness:\s*\n\s*I:\s*(?P<value>-?(?:\d+(?:\.\d+)?|inf))\s*LUFS")
_TRUE_PEAK = re.compile(r"True peak:\s*\n\s*Peak:\s*(?P<value>-?(?:\d+(?:\.\d+)?|inf))\s*dBFS")
_GAIN = re.compile(r"^\s*([+-]?\d+(?:\.\d+)?)\s*(?:db)?\s*$", re.IGNORECASE)
_NUMBER = re.compile(r"^\s*([+-]?\d+(?:\.\d+)?)\s*$")


@dataclass(frozen=True)
class Measurement:
    """The outcome of measuring one file: both values, or an error saying why there are none."""

    loudness_lufs: float | None = None
    true_peak_dbtp: float | None = None
    error: str = ""


def measure(path: str, *, ffmpeg: str = "ffmpeg", timeout: float = 600) -> Measurement:
    """Measure the file's EBU R128 integrated loudness and true peak with ffmpeg.

    Never raises for a bad file: an undecodable or missing file, a silent one, or a run longer than
    `timeout` seconds (ffmpeg is killed) comes back as a Measurement with `error` set.
    """
    command = [
        ffmpeg, "-nostdin", "-hide_banner", "-nostats", "-v", "info",
        "-i", path, "-map", "0:a:0", "-vn", "-sn", "-dn", "-af", "ebur128=peak=true", "-f", "null", "-",
    ]  # fmt: skip
    try:
        completed = subprocess.run(  # a fixed program and argument list, no shell
            command, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return Measurement(error=f"ffmpeg took longer than {timeout:g} s")
    except OSError as error:
        return Measurement(error=f"ffmpeg could not start: {error.strerror or error}"[:ERROR_MAX_LENGTH])
    output = completed.stderr.decode("utf-8", "replace")
    if completed.returncode != 0:
        return Measurement(error=_ffmpeg_error(output, completed.returncode))
    return parse_summary(output)


def parse_summary(output: str) -> Measurement:
    """Read the integrated loudness and true peak from the summary ffmpeg's ebur128 filter prints last."""
    summary = _SUMMARY.search(output)
    if summary is None:
        return Measurement(error="ffmpeg printed no loudness summary (no audio decoded)")
    body = summary.group("body")
    integrated, peak = _INTEGRATED.search(body), _TRUE_PEAK.search(body)
    if integrated is None or peak is None:
        return Measurement(error="ffmpeg's loudness summary could not be read")
    loudness, true_peak = float(integrated.group("value")), float(peak.group("value"))
    if not math.isfinite(loudness) or loudness <= SILENCE_LUFS or not math.isfinite(true_peak):
        return Measurement(error="silent: nothing above the -70 LUFS gate")
    return Measurement(loudness_lufs=round(loudness, 2), true_peak_dbtp=round(true_peak, 2))


def _ffmpeg_error(output: str, returncode: int) -> str:
    """Return the last line ffmpeg wrote ("x.mp3: Invalid data found when processing input")."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    reason = lines[-1] if lines else f"ffmpeg exited with status {returncode}"
    return f"ffmpeg could not decode the file: {reason}"[:ERROR_MAX_LENGTH]


TrackLoudness = tuple[float | None, float | None, int]  # (LUFS, true peak dBTP, duration ms)


def album_loudness(tracks: Iterable[TrackLoudness]) -> tuple[float | None, float | None]:
    """Return (album LUFS, album true peak dBTP) from (track LUFS, track true peak, duration ms) triples.

    The loudness is the power mean of the tracks' loudness weighted by duration (what EBU R128 would give
    over the joined album if each track's gating kept the same share of its blocks); the true peak is the
    highest. Tracks without a measurement are left out; (None, None) when none has one.
    """
    energy = weight = 0.0
    peaks = []
    for lufs, peak, duration_ms in tracks:
        if lufs is None:
            continue
        duration = max(duration_ms, 1)
        energy += duration * 10 ** (lufs / 10)
        weight += duration
        if peak is not None:
            peaks.append(peak)
    if not weight:
        return None, None
    return round(10 * math.log10(energy / weight), 2), (max(peaks) if peaks else None)


# -- ReplayGain ---------------------------------------------------------------------------------------


def parse_gain(values: Iterable[str] | None) -> float | None:
    """Return the gain in dB of a ReplayGain gain tag ("-6.50 dB", "+2.1 dB", "-6.5"); None if absent or
    not believable."""
    for value in values or []:
        match = _GAIN.match(str(value))
        if match:
            gain = float(match.group(1))
            return gain if GAIN_RANGE_DB[0] <= gain <= GAIN_RANGE_DB[1] else None
    return None


def parse_peak(values: Iterable[str] | None) -> float | None:
    """Return the linear peak of a ReplayGain peak tag ("0.988525"); None if absent, zero or absurd."""
    for value in values or []:
        match = _NUMBER.match(str(value))
        if match:
            peak = float(match.group(1))
            return peak if PEAK_RANGE[0] < peak <= PEAK_RANGE[1] else None
    return None


def parse_r128_gain(values: Iterable[str] | None) -> float | None:
    """Return the ReplayGain-equivalent gain (dB, -18 LUFS reference) of an Opus R128_*_GAIN tag.

    RFC 7845: a Q7.8 integer (1/256 dB) toward -23 LUFS; 5 dB more makes it toward -18 LUFS.
    """
    for value in values or []:
        match = re.match(r"^\s*([+-]?\d+)\s*$", str(value))
        if match:
            q78 = int(match.group(1))
            if -32768 <= q78 <= 32767:
                gain = q78 / 256 + 5.0
                return round(gain, 2) if GAIN_RANGE_DB[0] <= gain <= GAIN_RANGE_DB[1] else None
            return None
    return None


def gain_to_lufs(gain_db: float | None) -> float | None:
    """The loudness a ReplayGain gain says the track has: -18 LUFS minus the gain."""
    return None if gain_db is None else round(REPLAYGAIN_REFERENCE_LUFS - gain_db, 2)


def peak_to_dbtp(peak: float | None) -> float | None:
    """A linear (sample) peak in dB: 20·log10(peak)."""
    return None if peak is None or peak <= 0 else round(20 * math.log10(peak), 2)


def track_loudness_values(audio_file, album) -> dict[str, float | None]:
    """The loudness the APIs give for a track: {"track_lufs", "track_peak_dbtp", "album_lufs",
    "album_peak_dbtp"}, each None when unknown.

    Measured values first (the file's, the album's); else those derived from the file's ReplayGain tags
    (lufs = -18 - gain, peak dBTP = 20·log10(peak)). Reads attributes only: no query.
    """
    track_lufs = track_peak = album_lufs = album_peak = None
    if audio_file is not None:
        track_lufs = _first_known(audio_file.loudness_lufs, gain_to_lufs(audio_file.replaygain_track_gain_db))
        track_peak = _first_known(audio_file.true_peak_dbtp, peak_to_dbtp(audio_file.replaygain_track_peak))
        album_lufs = gain_to_lufs(audio_file.replaygain_album_gain_db)
        album_peak = peak_to_dbtp(audio_file.replaygain_album_peak)
    if album is not None and album.loudness_lufs is not None:
        album_lufs, album_peak = album.loudness_lufs, _first_known(album.true_peak_dbtp, album_peak)
    return {
        "track_lufs": track_lufs,
        "track_peak_dbtp": track_peak,
        "album_lufs": album_lufs,
        "album_peak_dbtp": album_peak,
    }


def _first_known(*values: float | None) -> float | None:
    return next((value for value in values if value is not None), None)


def lufs_to_gain(lufs: float | None) -> float | None:
    """The ReplayGain 2.0 gain (dB) that brings a track of this loudness to -18 LUFS: -18 - lufs."""
    return None if lufs is None else round(REPLAYGAIN_REFERENCE_LUFS - lufs, 2)


def dbtp_to_peak(dbtp: float | None) -> float | None:
    """A peak in dB as a linear amplitude (1.0 = full scale): 10^(dBTP/20)."""
    return None if dbtp is None else round(10 ** (dbtp / 20), 6)


def replay_gain(values: dict[str, float | None]) -> dict[str, float] | None:
    """OpenSubsonic's `replayGain` of a song from its track_loudness_values(): None when nothing is known.

    trackGain / albumGain = -18 - LUFS (dB), trackPeak / albumPeak = the true peaks as linear amplitudes;
    baseGain 0 (the values are measured on the decoded audio, any Opus header gain included); fallbackGain
    the one gain known when only one is, for a client whose mode (track or album) has none.
    """
    track_gain, album_gain = lufs_to_gain(values["track_lufs"]), lufs_to_gain(values["album_lufs"])
    track_peak, album_peak = dbtp_to_peak(values["track_peak_dbtp"]), dbtp_to_peak(values["album_peak_dbtp"])
    if track_gain is None and album_gain is None and track_peak is None and album_peak is None:
        return None
    fallback = None if (track_gain is None) == (album_gain is None) else _first_known(track_gain, album_gain)
    found = {
        "trackGain": track_gain,
        "albumGain": album_gain,
        "trackPeak": track_peak,
        "albumPeak": album_peak,
        "baseGain": 0.0,
        "fallbackGain": fallback,
    }
    return {name: value for name, value in found.items() if value is not None}
