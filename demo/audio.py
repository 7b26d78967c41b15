"""The demo's music: each album gets a sound, its tracks are arrangements of that sound, as MP3.

An album's music is cut into two-bar parts (an intro, verse, chorus or ending over half of a
four-chord progression). Each part is synthesised and encoded to MP3 once; a track is a sequence of
parts whose MP3 frames are joined. That works because every encoding starts with an empty bit
reservoir (its first frame refers to no earlier frame) and every part is a whole number of frames
whose last ``PART_TAIL`` samples are silent: the encoder's delay and the overlap of its transform
fall into that silence, so joined parts decode cleanly and in time. The price is a 40 ms breath
before every other downbeat, where the next part starts (the encoder's delay cannot be avoided).
"""

import math
import random
from dataclasses import dataclass

import lameenc
import numpy as np

from . import synth
from .styles import MODES, STYLES, Style

SAMPLE_RATE = synth.SAMPLE_RATE
BITRATE_KBPS = 16
# An MPEG-2 Layer III frame holds 576 samples; at 16 kbit/s and 16 kHz it is exactly 72 bytes.
FRAME_SAMPLES = 576
FRAME_BYTES = BITRATE_KBPS * 1000 * FRAME_SAMPLES // SAMPLE_RATE // 8
# The encoder delays its input by 576 samples; 64 more cover the transform's overlap.
PART_TAIL = FRAME_SAMPLES + 64
# A listen counts after 30 s: every track is longer.
MIN_SECONDS = 31.0
# Most tracks are short (the whole demo must stay under 100 MB), a few run to a minute.
TYPICAL_SECONDS, MAX_SECONDS = 34.0, 56.0
LAME_QUALITY = 7  # 2 is best, 7 fast; at 16 kbit/s the difference is hard to hear

_DRUM_LEVELS = {
    "kick": 0.7,
    "snare": 0.5,
    "clap": 0.45,
    "hat": 0.2,
    "open_hat": 0.16,
    "shaker": 0.2,
    "rim": 0.3,
    "crash": 0.25,
    "ride": 0.22,
    "tom": 0.5,
    "brush": 0.3,
}
_TEMPLATES = ("VCVCBC", "CVCBCC", "VVCCBC", "VCBCVC", "VCCVBC")


@dataclass(frozen=True, order=True)
class Part:
    """Two bars of an album's music."""

    section: str  # intro, verse, chorus or ending
    progression: int = 0  # which of the album's two progressions
    half: int = 0  # its first or second pair of chords


@dataclass(frozen=True)
class _Note:
    start: int  # sample offset in the part
    instrument: str
    midi: int
    gate: int  # samples
    level: float


class AlbumMusic:
    """The sound of one album (key, tempo, chords, instruments, melodies) and its tracks as MP3."""

    def __init__(self, *, genre: str, seed: int, artist_seed: int | None = None):
        self.style: Style = STYLES[genre]
        style = self.style
        rng = random.Random(seed)
        # An artist keeps its instruments from album to album; key, tempo and chords change.
        sound = random.Random(seed if artist_seed is None else artist_seed)
        self.bass_instrument, self.bass_pattern = sound.choice(style.bass)
        self.chord_instrument, self.chord_pattern = sound.choice(style.chords)
        self.lead_instrument = sound.choice(style.lead)
        bpm = rng.uniform(*style.bpm)
        bar_frames = max(4, round(240 / bpm * SAMPLE_RATE / FRAME_SAMPLES))
        self.bar = bar_frames * FRAME_SAMPLES
        self.step = self.bar // 16
        self.part_frames = 2 * bar_frames
        self.bpm = 240 * SAMPLE_RATE / self.bar
        self.mode = rng.choice(style.modes)
        self.scale = MODES[self.mode]
        self.root = rng.randint(*style.root)
        self.progressions = rng.sample(style.progressions, 2)
        self.motifs = (_motif(rng, style), _motif(rng, style))
        self.seed = seed
        self.kit = synth.drum_kit(style.kit, seed) if style.kit != "none" else {}
        self.taps = _reverb_taps(rng, style.reverb)
        self._notes: dict[tuple[str, int, int], np.ndarray] = {}
        self._parts: dict[Part, bytes] = {}
        self._gain: float | None = None
        self._reference: np.ndarray | None = None

    # -- arrangement ---------------------------------------------------------------------------------

    @property
    def part_seconds(self) -> float:
        return self.part_frames * FRAME_SAMPLES / SAMPLE_RATE

    def arrangement(self, seed: int) -> tuple[Part, ...]:
        """Return a track's parts in order: an intro, verses, choruses, a bridge, an ending."""
        rng = random.Random(seed)
        minimum = math.ceil(MIN_SECONDS / self.part_seconds)
        count = max(
            minimum, round(rng.triangular(MIN_SECONDS, MAX_SECONDS, TYPICAL_SECONDS) / self.part_seconds)
        )
        main = rng.randrange(2)
        parts = [Part("intro", main)] if rng.random() < 0.8 else []
        template = rng.choice(_TEMPLATES)
        position = 0
        while len(parts) < count - 1:
            symbol = template[position % len(template)]
            position += 1
            if symbol == "B":  # the bridge borrows the album's other progression
                section = rng.choice(("verse", "chorus"))
                parts += [Part(section, 1 - main, 0), Part(section, 1 - main, 1)]
            else:
                section = "verse" if symbol == "V" else "chorus"
                parts += [Part(section, main, 0), Part(section, main, 1)]
        return (*parts[: count - 1], Part("ending"))

    def arrangements(self, seeds: list[int]) -> list[tuple[Part, ...]]:
        """Return one arrangement per track seed, no two alike (so no two tracks sound the same)."""
        seen: set[tuple[Part, ...]] = set()
        result = []
        for seed in seeds:
            parts = self.arrangement(seed)
            attempt = 0
            while parts in seen and attempt < 50:
                attempt += 1
                parts = self.arrangement((seed + attempt * 0x9E3779B97F4A7C15) % 2**63)
            seen.add(parts)
            result.append(parts)
        return result

    def duration_ms(self, parts: tuple[Part, ...]) -> int:
        return len(parts) * self.part_frames * FRAME_SAMPLES * 1000 // SAMPLE_RATE

    def mp3(self, parts: tuple[Part, ...]) -> bytes:
        """Return the MP3 stream (no tags) of a track made of these parts."""
        return b"".join(self.part_mp3(part) for part in parts)

    def part_mp3(self, part: Part) -> bytes:
        if part not in self._parts:
            self._parts[part] = encode_frames(self.render(part), self.part_frames)
        return self._parts[part]

    # -- synthesis -----------------------------------------------------------------------------------

    def render(self, part: Part) -> np.ndarray:
        """Return the part's audio: float32 in [-1, 1], a whole number of frames, a silent tail."""
        reference = Part("chorus")
        if self._gain is None:
            # Every part is scaled alike, by the loudest point of the first chorus.
            self._reference = self._mix(reference)
            self._gain = 0.85 / max(float(np.abs(self._reference).max()), 1e-6)
        mix = self._reference if part == reference else self._mix(part)
        length = self.part_frames * FRAME_SAMPLES
        # Soft-clipped, with headroom for the encoder's ringing at the peaks.
        audio = np.tanh(mix * np.float32(self._gain * 1.1)) * np.float32(0.8 / np.tanh(1.1))
        end = length - PART_TAIL
        fade = min(96, end)
        audio[end - fade : end] *= np.linspace(1.0, 0.0, fade, dtype=np.float32) ** 2
        audio[end:] = 0.0
        return audio.astype(np.float32)

    def _mix(self, part: Part) -> np.ndarray:
        length = self.part_frames * FRAME_SAMPLES
        # Bass and drums stay dry; chords, melody and a little of the snare go to the reverb too.
        dry = np.zeros(length, dtype=np.float32)
        wet = np.zeros(length, dtype=np.float32)
        rng = random.Random(f"{self.seed}:{part}")
        for note in self._notes_of(part, rng):
            bus = dry if note.instrument == self.bass_instrument else wet
            _add(bus, self._note(note.instrument, note.midi, note.gate), note.start, note.level)
        snare = np.zeros(length, dtype=np.float32)
        for name, start, level in self._drum_hits(part, rng):
            _add(snare if name in ("snare", "clap", "rim") else dry, self.kit[name], start, level)
        dry += wet + snare
        if self.style.reverb:
            wet += snare * np.float32(0.4)
            dry += _reverb(wet, self.taps) * np.float32(self.style.reverb)
        return dry

    def _note(self, instrument: str, midi: int, gate: int) -> np.ndarray:
        key = (instrument, midi, gate)
        if key not in self._notes:
            self._notes[key] = synth.render_note(synth.INSTRUMENTS[instrument], midi, gate)
        return self._notes[key]

    def _pitch(self, degree: int, base: int) -> int:
        """Return the MIDI pitch of a scale degree counted from the tonic at MIDI pitch base."""
        octave, index = divmod(degree, 7)
        return base + 12 * octave + self.scale[index]

    def _chord(self, degree: int) -> list[int]:
        """Return the chord on a scale degree voiced close around the style's centre pitch."""
        style = self.style
        if style.power_chords:
            low = _near(self._pitch(degree, self.root), style.chord_center)
            return [low, low + 7, low + 12]
        degrees = [degree, degree + 2, degree + 4] + ([degree + 6] if style.sevenths else [])
        return sorted(_near(self._pitch(d, self.root), style.chord_center) for d in degrees)

    def _time(self, bar: int, step: float) -> int:
        style = self.style
        offset = 0.0
        if style.swing and style.swing_sixteenths and int(step) % 2 == 1:
            offset = style.swing
        elif style.swing and not style.swing_sixteenths and int(step) % 4 == 2:
            offset = 2 * style.swing
        return int(bar * self.bar + (step + offset) * self.step)

    def _notes_of(self, part: Part, rng: random.Random) -> list[_Note]:
        progression = self.progressions[part.progression]
        notes: list[_Note] = []
        if part.section == "ending":
            gate = int(self.bar * 1.5)
            chord = self._chord(0)
            notes += [
                _Note(0, self.chord_instrument, midi, gate, 0.8 / math.sqrt(len(chord))) for midi in chord
            ]
            notes.append(_Note(0, self.bass_instrument, self.root, gate, 0.45))
            notes.append(
                _Note(
                    0,
                    self.lead_instrument,
                    _near(self._pitch(7, self.root), self.style.lead_center),
                    gate,
                    0.8,
                )
            )
            return notes
        for bar in (0, 1):
            index = 2 * part.half + bar
            degree, following = progression[index], progression[(index + 1) % 4]
            chord = self._chord(degree)
            notes += self._chord_notes(bar, chord, rng)
            if part.section in ("verse", "chorus"):
                notes += self._bass_notes(bar, degree, following, rng)
            if part.section == "chorus":
                closing = part.half == 1 and bar == 1
                notes += self._melody(bar, degree, self.motifs[part.progression], closing, rng)
        return notes

    def _chord_notes(self, bar: int, chord: list[int], rng: random.Random) -> list[_Note]:
        instrument = synth.INSTRUMENTS[self.chord_instrument]
        plucked = instrument.sustain < 0.3
        notes = []
        each = 0.8 / math.sqrt(len(chord))
        for step, symbol, steps in _events(self.chord_pattern, legato=plucked):
            gate = steps * self.step
            start = self._time(bar, step)
            if symbol == "x":
                strum = self.style.strum * SAMPLE_RATE
                order = chord if step % 4 != 2 else chord[::-1]
                for index, midi in enumerate(order):
                    velocity = each * rng.uniform(0.85, 1.0)
                    notes.append(
                        _Note(start + int(index * strum), self.chord_instrument, midi, gate, velocity)
                    )
            else:
                index = int(symbol) - 1  # "5", or a fourth note of a triad: the root an octave up
                midi = chord[index] if symbol != "5" and index < len(chord) else chord[0] + 12
                notes.append(_Note(start, self.chord_instrument, midi, gate, 0.7 * rng.uniform(0.8, 1.0)))
        return notes

    def _bass_notes(self, bar: int, degree: int, following: int, rng: random.Random) -> list[_Note]:
        root = _near(self._pitch(degree, self.root), self.root + 2)
        next_root = _near(self._pitch(following, self.root), self.root + 2)
        if self.bass_pattern == "walk":
            tones = [
                root,
                _near(self._pitch(degree + rng.choice((2, 4)), self.root), root + 4),
                _near(self._pitch(degree + rng.choice((4, 5, 2)), self.root), root + 5),
                next_root + rng.choice((-1, 1)),
            ]
            return [
                _Note(self._time(bar, 4 * beat), self.bass_instrument, midi, self.step * 4, 0.45)
                for beat, midi in enumerate(tones)
            ]
        plucked = synth.INSTRUMENTS[self.bass_instrument].sustain < 0.5
        notes = []
        for step, symbol, steps in _events(self.bass_pattern, legato=plucked):
            midi = {
                "r": root,
                "o": root + 12,
                "f": root + 7,
                "3": _near(self._pitch(degree + 2, self.root), root + 4),
                "7": _near(self._pitch(degree + 6, self.root), root + 10),
                "a": next_root - 1,
            }[symbol]
            gate = int(steps * self.step * (1.0 if steps > 1 else 0.8))
            notes.append(
                _Note(self._time(bar, step), self.bass_instrument, midi, gate, 0.45 * rng.uniform(0.9, 1.0))
            )
        return notes

    def _melody(self, bar: int, degree: int, motif, closing: bool, rng: random.Random) -> list[_Note]:
        center = self._degree_near(self.style.lead_center)
        chord_tones = [degree + 7 * octave + offset for octave in range(-1, 4) for offset in (0, 2, 4)]
        position = min(chord_tones, key=lambda d: abs(d - center))
        notes = []
        for index, (step, steps, move) in enumerate(motif):
            # The second bar answers the first: the same rhythm, the melody's moves inverted.
            position += move if bar == 0 else -move
            # Notes on the beat are chord tones; between beats the melody may pass through the scale.
            if step % 4 == 0:
                position = min(chord_tones, key=lambda d, p=position: abs(d - p))
            if position > center + 6 or position < center - 6:
                position += -5 if position > center else 5
            last = index == len(motif) - 1
            if closing and last:
                position = min(
                    (d for d in chord_tones if (d - degree) % 7 == 0), key=lambda d: abs(d - position)
                )
                steps = 16 - step
            gate = steps * self.step
            midi = self._pitch(position, self.root)
            notes.append(
                _Note(self._time(bar, step), self.lead_instrument, midi, gate, rng.uniform(0.85, 1.0))
            )
        return notes

    def _degree_near(self, midi: int) -> int:
        return min(range(-14, 42), key=lambda d: abs(self._pitch(d, self.root) - midi))

    def _drum_hits(self, part: Part, rng: random.Random) -> list[tuple[str, int, float]]:
        if not self.kit:
            return []
        if part.section == "ending":
            return [("kick", 0, 0.9), ("crash", 0, 0.35)]
        patterns = self.style.drums.get(part.section, {})
        hits = []
        for bar in (0, 1):
            fill = part.section == "chorus" and part.half == 1 and bar == 1 and "snare" in patterns
            for name, pattern in patterns.items():
                for step, symbol in enumerate(pattern):
                    if fill and step >= 12 and name in ("snare", "kick", "hat", "open_hat"):
                        continue
                    if symbol in "xo":
                        level = _DRUM_LEVELS[name] * (1.0 if symbol == "x" else 0.4) * rng.uniform(0.85, 1.0)
                        hits.append((name, self._time(bar, step), level))
            if fill:
                hits += [
                    ("snare", self._time(bar, step), _DRUM_LEVELS["snare"] * (0.55 + 0.12 * (step - 12)))
                    for step in (12, 13, 14, 15)
                ]
        return hits


def _motif(rng: random.Random, style: Style) -> list[tuple[int, int, int]]:
    """Return a one-bar melodic idea: (step, length in steps, move in scale degrees) per note."""
    slots = list(range(0, 16, style.lead_grid))
    onsets = [0] + [slot for slot in slots[1:-1] if rng.random() < style.lead_density]
    if len(onsets) < 3:
        onsets = sorted({0, slots[len(slots) // 2], *rng.sample(slots[1:], min(2, len(slots) - 1))})
    notes = []
    for index, step in enumerate(onsets):
        following = onsets[index + 1] if index + 1 < len(onsets) else 16
        steps = following - step if rng.random() < 0.7 else max(1, (following - step) // 2)
        notes.append((step, steps, rng.choice((-2, -1, -1, 0, 1, 1, 2, 3, -3))))
    return notes


def _events(pattern: str, *, legato: bool) -> list[tuple[int, str, int]]:
    """Return (step, symbol, length in steps) for each onset of a pattern."""
    events = []
    for step, symbol in enumerate(pattern):
        if symbol in ".-":
            continue
        end = step + 1
        while end < len(pattern) and (pattern[end] == "-" or (legato and pattern[end] == ".")):
            end += 1
        events.append((step, symbol, end - step))
    return events


def _near(midi: int, center: int) -> int:
    """Return midi moved by octaves into the octave around center."""
    return center - 6 + (midi - (center - 6)) % 12


def _add(buffer: np.ndarray, sound: np.ndarray, start: int, level: float) -> None:
    if start >= buffer.size:
        return
    end = min(buffer.size, start + sound.size)
    buffer[start:end] += sound[: end - start] * np.float32(level)


def _reverb_taps(rng: random.Random, amount: float) -> list[list[tuple[int, float]]]:
    """Return two sets of echo taps; applied in series they give a dense, decaying room."""
    stages = []
    for spread in (0.09, 0.35 + 0.5 * amount):
        taps = []
        for _ in range(7):
            delay = rng.uniform(0.012, spread)
            taps.append((int(delay * SAMPLE_RATE), 0.55 * math.exp(-delay / (0.3 + amount))))
        stages.append(taps)
    return stages


def _reverb(signal: np.ndarray, stages: list[list[tuple[int, float]]]) -> np.ndarray:
    for taps in stages:
        out = signal * np.float32(0.3)
        for delay, gain in taps:
            out[delay:] += signal[:-delay] * np.float32(gain)
        # A two-point average darkens each pass a little, like air and walls do.
        out[1:] = 0.5 * (out[1:] + out[:-1])
        signal = out
    return signal


def encode_frames(audio: np.ndarray, frames: int) -> bytes:
    """Return audio encoded as exactly ``frames`` MP3 frames (mono, 16 kHz, 16 kbit/s CBR).

    Precondition: the last ``PART_TAIL`` samples of audio are silent, so nothing is lost with the
    frames the encoder adds after them.
    """
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(BITRATE_KBPS)
    encoder.set_in_sample_rate(SAMPLE_RATE)
    encoder.set_out_sample_rate(SAMPLE_RATE)
    encoder.set_channels(1)
    encoder.set_quality(LAME_QUALITY)
    encoder.silence()
    pcm = (np.clip(audio[: frames * FRAME_SAMPLES - PART_TAIL], -1, 1) * 32767).astype("<i2").tobytes()
    data = bytes(encoder.encode(pcm)) + bytes(encoder.flush())
    size = frames * FRAME_BYTES
    if len(data) < size or any(data[i] != 0xFF for i in range(0, size, FRAME_BYTES)):
        raise RuntimeError("The MP3 encoder did not produce fixed-size frames.")
    return data[:size]
