"""Sound sources for the demo's music: wavetable instruments and synthesised drums (numpy only).

The audio ends up as 16 kbit/s MP3 whose encoder keeps little above 4 kHz, so instruments are
band-limited to a few harmonics below that and drums are built to sound right without their top end.
"""

import functools
from dataclasses import dataclass

import numpy as np

SAMPLE_RATE = 16_000
# Harmonics above this are inaudible after encoding (and would alias at 16 kHz).
TOP_FREQUENCY = 3_800.0
_TABLE_SIZE = 2048


@dataclass(frozen=True)
class Instrument:
    """A wavetable voice: an attack timbre fading into a body timbre, an envelope, vibrato, drive."""

    harmonics: tuple[float, ...]  # relative amplitudes of harmonics 1, 2, 3, ...
    body: tuple[float, ...] = ()  # timbre after the attack has faded (empty: the same)
    brightness_decay: float = 0.0  # seconds for the attack timbre to fade into the body
    attack: float = 0.005
    decay: float = 0.3  # time constant of the fall from full level to sustain
    sustain: float = 1.0
    release: float = 0.08
    detune_cents: float = 0.0  # a second, detuned voice (chorus)
    vibrato_hz: float = 0.0
    vibrato_cents: float = 0.0
    drive: float = 0.0  # tanh saturation (distorted guitar)
    octave: int = 0
    level: float = 1.0


def _series(count: int, power: float = 1.0, odd_only: bool = False) -> tuple[float, ...]:
    return tuple((0.0 if odd_only and k % 2 == 0 else 1.0 / k**power) for k in range(1, count + 1))


SAW = _series(16)
SOFT_SAW = _series(12, 1.6)
SQUARE = _series(15, 1.0, odd_only=True)
PULSE = tuple(abs(np.sin(np.pi * k * 0.25)) / k for k in range(1, 14))
TRIANGLE = tuple(((-1) ** ((k - 1) // 2)) / k**2 if k % 2 else 0.0 for k in range(1, 10))

INSTRUMENTS: dict[str, Instrument] = {
    # Bass
    "sub": Instrument((1.0, 0.18, 0.05), attack=0.008, decay=0.5, sustain=0.8, release=0.06, level=1.1),
    "synth_bass": Instrument(
        SAW[:8],
        body=(1.0, 0.35, 0.12),
        brightness_decay=0.12,
        decay=0.35,
        sustain=0.6,
        release=0.05,
        level=1.0,
    ),
    "reese": Instrument(SAW[:10], detune_cents=14, attack=0.01, sustain=0.9, release=0.08, level=0.7),
    "pick_bass": Instrument(
        (1.0, 0.6, 0.35, 0.25, 0.15),
        body=(1.0, 0.3, 0.1),
        brightness_decay=0.09,
        decay=0.6,
        sustain=0.4,
        release=0.05,
        level=0.9,
    ),
    "upright": Instrument(
        (1.0, 0.55, 0.3, 0.2, 0.1),
        body=(1.0, 0.25, 0.05),
        brightness_decay=0.07,
        attack=0.006,
        decay=0.45,
        sustain=0.15,
        release=0.08,
        level=1.0,
    ),
    "slap_bass": Instrument(
        (1.0, 0.7, 0.55, 0.4, 0.3, 0.2, 0.15),
        body=(1.0, 0.3),
        brightness_decay=0.05,
        decay=0.3,
        sustain=0.3,
        release=0.04,
        level=0.85,
    ),
    "tri_bass": Instrument(TRIANGLE, attack=0.002, decay=1.0, sustain=1.0, release=0.02, level=0.9),
    "cello": Instrument(
        SOFT_SAW,
        attack=0.09,
        decay=0.6,
        sustain=0.85,
        release=0.2,
        vibrato_hz=5.2,
        vibrato_cents=9,
        level=0.8,
    ),
    # Chords
    "pad": Instrument(SOFT_SAW, attack=0.35, decay=1.0, sustain=0.9, release=0.5, detune_cents=9, level=0.55),
    "warm_pad": Instrument(
        (1.0, 0.3, 0.12, 0.05),
        attack=0.5,
        sustain=1.0,
        release=0.7,
        detune_cents=6,
        vibrato_hz=0.3,
        vibrato_cents=6,
        level=0.6,
    ),
    "strings": Instrument(
        SOFT_SAW,
        attack=0.22,
        decay=0.8,
        sustain=0.9,
        release=0.35,
        detune_cents=7,
        vibrato_hz=5.5,
        vibrato_cents=7,
        level=0.5,
    ),
    "organ": Instrument(
        (1.0, 0.7, 0.45, 0.25, 0.0, 0.15, 0.0, 0.12),
        attack=0.01,
        sustain=1.0,
        release=0.04,
        vibrato_hz=6.5,
        vibrato_cents=4,
        level=0.45,
    ),
    "epiano": Instrument(
        (1.0, 0.55, 0.5, 0.3, 0.25, 0.1),
        body=(1.0, 0.12, 0.04),
        brightness_decay=0.18,
        attack=0.003,
        decay=1.1,
        sustain=0.25,
        release=0.25,
        level=0.6,
    ),
    "piano": Instrument(
        (1.0, 0.7, 0.45, 0.35, 0.22, 0.15, 0.1, 0.07),
        body=(1.0, 0.3, 0.1),
        brightness_decay=0.25,
        attack=0.002,
        decay=0.9,
        sustain=0.08,
        release=0.3,
        level=0.6,
    ),
    "guitar": Instrument(
        (1.0, 0.8, 0.6, 0.45, 0.35, 0.28, 0.2, 0.14, 0.1),
        body=(1.0, 0.35, 0.12),
        brightness_decay=0.1,
        attack=0.002,
        decay=0.7,
        sustain=0.05,
        release=0.12,
        level=0.5,
    ),
    "power_guitar": Instrument(
        SAW, attack=0.004, decay=1.5, sustain=0.7, release=0.06, drive=3.0, level=0.32
    ),
    "clav": Instrument(
        (1.0, 0.9, 0.7, 0.6, 0.45, 0.3, 0.2),
        body=(1.0, 0.4),
        brightness_decay=0.06,
        attack=0.001,
        decay=0.18,
        sustain=0.1,
        release=0.03,
        level=0.45,
    ),
    "skank": Instrument(
        (1.0, 0.6, 0.5, 0.3, 0.2), attack=0.002, decay=0.09, sustain=0.0, release=0.03, level=0.6
    ),
    "chip_square": Instrument(SQUARE, attack=0.001, decay=0.2, sustain=0.6, release=0.01, level=0.28),
    "stab": Instrument(
        SAW[:10],
        body=(1.0, 0.3, 0.1),
        brightness_decay=0.05,
        attack=0.002,
        decay=0.15,
        sustain=0.2,
        release=0.05,
        detune_cents=10,
        level=0.45,
    ),
    # Leads
    "square_lead": Instrument(
        SQUARE,
        body=(1.0, 0.0, 0.25, 0.0, 0.08),
        brightness_decay=0.2,
        attack=0.01,
        sustain=0.8,
        release=0.08,
        vibrato_hz=5.5,
        vibrato_cents=10,
        level=0.4,
    ),
    "saw_lead": Instrument(
        SAW[:10],
        body=(1.0, 0.45, 0.25, 0.12),
        brightness_decay=0.25,
        attack=0.01,
        sustain=0.75,
        release=0.1,
        detune_cents=6,
        vibrato_hz=5.0,
        vibrato_cents=9,
        level=0.5,
    ),
    "flute": Instrument(
        (1.0, 0.22, 0.08, 0.03),
        attack=0.06,
        sustain=0.9,
        release=0.12,
        vibrato_hz=5.0,
        vibrato_cents=14,
        level=0.55,
    ),
    "bell": Instrument(
        (1.0, 0.0, 0.0, 0.45, 0.0, 0.2, 0.0, 0.0, 0.12),
        body=(1.0,),
        brightness_decay=0.2,
        attack=0.001,
        decay=0.8,
        sustain=0.0,
        release=0.3,
        octave=1,
        level=0.45,
    ),
    "pluck": Instrument(
        (1.0, 0.75, 0.55, 0.4, 0.3, 0.2, 0.12),
        body=(1.0, 0.2),
        brightness_decay=0.07,
        attack=0.001,
        decay=0.35,
        sustain=0.0,
        release=0.1,
        level=0.55,
    ),
    "brass": Instrument(
        SAW[:9],
        body=(1.0, 0.55, 0.35, 0.2),
        brightness_decay=0.15,
        attack=0.03,
        decay=0.4,
        sustain=0.75,
        release=0.08,
        vibrato_hz=5.5,
        vibrato_cents=6,
        level=0.4,
    ),
    "melodica": Instrument(
        (1.0, 0.25, 0.55, 0.12, 0.3, 0.06, 0.15),
        attack=0.03,
        sustain=0.85,
        release=0.06,
        vibrato_hz=4.5,
        vibrato_cents=8,
        level=0.42,
    ),
    "chip_pulse": Instrument(
        PULSE, attack=0.001, decay=0.5, sustain=0.7, release=0.01, vibrato_hz=6.0, vibrato_cents=15, level=0.3
    ),
    "violin": Instrument(
        SOFT_SAW,
        attack=0.07,
        decay=0.5,
        sustain=0.85,
        release=0.15,
        vibrato_hz=5.8,
        vibrato_cents=16,
        level=0.42,
    ),
    "sax": Instrument(
        (1.0, 0.65, 0.5, 0.35, 0.25, 0.15, 0.1),
        body=(1.0, 0.45, 0.3, 0.15),
        brightness_decay=0.12,
        attack=0.035,
        sustain=0.8,
        release=0.09,
        vibrato_hz=5.0,
        vibrato_cents=12,
        level=0.38,
    ),
}


def frequency(midi: float) -> float:
    return 440.0 * 2.0 ** ((midi - 69) / 12)


@functools.lru_cache(maxsize=512)
def _table(harmonics: tuple[float, ...], count: int) -> np.ndarray:
    phase = np.arange(_TABLE_SIZE) * (2 * np.pi / _TABLE_SIZE)
    table = np.zeros(_TABLE_SIZE)
    for k, amplitude in enumerate(harmonics[:count], start=1):
        if amplitude:
            table += amplitude * np.sin(k * phase)
    peak = np.abs(table).max()
    return (table / peak if peak else table).astype(np.float32)


def render_note(instrument: Instrument, midi: int, gate: int) -> np.ndarray:
    """Return one note held for gate samples, with its release after it (float32, peak about 1)."""
    sr = SAMPLE_RATE
    hz = frequency(midi + 12 * instrument.octave)
    length = gate + int(instrument.release * sr)
    t = np.arange(length, dtype=np.float32) / np.float32(sr)
    if instrument.detune_cents:
        spread = 2 ** (instrument.detune_cents / 2400)
        voices = (hz / spread, hz * spread)
    else:
        voices = (hz,)
    wobble = None
    if instrument.vibrato_hz:
        # Vibrato fades in over the first 0.3 s, as a player's does.
        wobble = (
            np.minimum(np.float32(1.0), t / np.float32(0.3))
            * np.sin(np.float32(2 * np.pi * instrument.vibrato_hz) * t)
            / np.float32(2 * np.pi * instrument.vibrato_hz)
        )
    brightness = np.exp(-t / np.float32(instrument.brightness_decay)) if instrument.body else None
    wave = np.zeros(length, dtype=np.float32)
    for index, voice_hz in enumerate(voices):
        phase = np.float32(voice_hz) * t + np.float32(0.37 * index)
        if wobble is not None:
            phase += np.float32(voice_hz * (2 ** (instrument.vibrato_cents / 1200) - 1)) * wobble
        tone = _oscillator(instrument.harmonics, voice_hz, phase)
        if brightness is not None:
            body = _oscillator(instrument.body, voice_hz, phase)
            tone = body + (tone - body) * brightness
        wave += tone
    if len(voices) > 1:
        wave *= np.float32(1 / len(voices))
    if instrument.drive:
        wave = np.tanh(np.float32(instrument.drive) * wave) * np.float32(1 / np.tanh(instrument.drive))
    wave *= _envelope(instrument, gate, t)
    wave *= np.float32(instrument.level)
    return wave


def _oscillator(harmonics: tuple[float, ...], hz: float, phase: np.ndarray) -> np.ndarray:
    """Return the wavetable of these harmonics read at phase (in cycles), band-limited for hz."""
    usable = max(1, min(len(harmonics), int(TOP_FREQUENCY // max(hz, 1.0))))
    index = (phase * np.float32(_TABLE_SIZE)).astype(np.int32) & (_TABLE_SIZE - 1)
    return _table(harmonics, usable)[index]


def _envelope(instrument: Instrument, gate: int, t: np.ndarray) -> np.ndarray:
    attack = max(instrument.attack, 1e-3)
    sustain = np.float32(instrument.sustain)
    level = sustain + (1 - sustain) * np.exp(
        -np.maximum(t - np.float32(attack), 0) / np.float32(instrument.decay)
    )
    rise = int(attack * SAMPLE_RATE)
    level[:rise] = t[:rise] / np.float32(attack)
    if t.size > gate:
        held = level[gate - 1] if gate else 0.0
        level[gate:] = held * np.linspace(1.0, 0.0, t.size - gate, dtype=np.float32) ** 2
    return level


# ---------------------------------------------------------------------------------------------------
# Drums
# ---------------------------------------------------------------------------------------------------


def _decay(seconds: float, time_constant: float) -> np.ndarray:
    t = np.arange(int(seconds * SAMPLE_RATE), dtype=np.float32) / SAMPLE_RATE
    return np.exp(-t / time_constant).astype(np.float32)


def _bright(noise: np.ndarray) -> np.ndarray:
    """Return noise with its low end removed (a first difference: a gentle high-pass)."""
    return np.diff(noise, prepend=0.0).astype(np.float32) * 0.6


def _sweep(seconds: float, start_hz: float, end_hz: float, speed: float, square: bool = False) -> np.ndarray:
    t = np.arange(int(seconds * SAMPLE_RATE), dtype=np.float64) / SAMPLE_RATE
    hz = end_hz + (start_hz - end_hz) * np.exp(-t / speed)
    phase = np.cumsum(hz) / SAMPLE_RATE
    tone = np.sin(2 * np.pi * phase)
    return (np.sign(tone) * 0.6 if square else tone).astype(np.float32)


def drum_kit(kind: str, seed: int) -> dict[str, np.ndarray]:
    """Return the drum sounds of a kit ("acoustic", "electronic", "808", "jazz", "chip"), by name."""
    noise = np.random.default_rng(seed).uniform(-1, 1, SAMPLE_RATE * 2).astype(np.float32)

    def hiss(seconds: float) -> np.ndarray:
        return noise[: int(seconds * SAMPLE_RATE)]

    tight = kind in ("electronic", "808")
    kick_length = 0.7 if kind == "808" else 0.35
    kick = _sweep(kick_length, 150 if tight else 110, 48 if kind == "808" else 55, 0.035 if tight else 0.025)
    kick *= _decay(kick_length, 0.45 if kind == "808" else 0.14)
    kick[:48] += hiss(0.003) * np.linspace(0.6, 0, 48, dtype=np.float32)
    snare = 0.55 * _sweep(0.25, 260, 180, 0.02) * _decay(0.25, 0.05) + _bright(hiss(0.25)) * _decay(
        0.25, 0.09
    )
    clap = np.zeros(int(0.3 * SAMPLE_RATE), dtype=np.float32)
    burst = _bright(hiss(0.3)) * _decay(0.3, 0.012)
    for offset in (0, 160, 330):
        clap[offset:] += burst[: clap.size - offset] * 0.7
    clap += _bright(hiss(0.3)[::-1].copy()) * _decay(0.3, 0.08) * 0.6
    kit = {
        "kick": kick,
        "snare": snare,
        "clap": clap,
        "hat": _bright(_bright(hiss(0.08))) * _decay(0.08, 0.018),
        "open_hat": _bright(_bright(hiss(0.4))) * _decay(0.4, 0.11),
        "shaker": _bright(hiss(0.12)) * _decay(0.12, 0.035) * np.minimum(1, np.arange(1920) / 200.0)[:1920],
        "rim": (_sweep(0.05, 1700, 1600, 1.0) * 0.6 + _sweep(0.05, 820, 800, 1.0)) * _decay(0.05, 0.008),
        "crash": _bright(hiss(1.6)) * _decay(1.6, 0.5) * 0.7,
        "tom": _sweep(0.4, 180, 110, 0.06) * _decay(0.4, 0.14),
    }
    partials = sum(np.sin(2 * np.pi * hz * np.arange(12_000) / SAMPLE_RATE) for hz in (1_730, 2_410, 3_150))
    kit["ride"] = (partials.astype(np.float32) * 0.25 + _bright(hiss(0.75)) * 0.5) * _decay(0.75, 0.3)
    swish = np.hanning(2400).astype(np.float32)
    kit["brush"] = hiss(0.15) * swish * 0.5
    if kind == "jazz":
        kit["snare"] = kit["brush"] * 1.4 + 0.3 * snare[:2400]
    if kind == "chip":
        coarse = np.repeat(hiss(0.25)[::6], 6)[: int(0.25 * SAMPLE_RATE)]
        kit["kick"] = _sweep(0.18, 400, 60, 0.02, square=True) * _decay(0.18, 0.06)
        kit["snare"] = coarse * _decay(0.25, 0.06)
        kit["hat"] = np.repeat(hiss(0.05)[::2], 2)[:800] * _decay(0.05, 0.012)
        kit["open_hat"] = coarse[:2400] * _decay(0.15, 0.05)
    return {name: sound.astype(np.float32) for name, sound in kit.items()}
