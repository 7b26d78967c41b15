"""How each demo genre sounds: tempo, modes, chord progressions, instruments and rhythm patterns.

Patterns have one character per sixteenth note of a 4/4 bar. Bass: r root, o root an octave up,
f fifth, 3 third, 7 seventh, a approach (a semitone under the next chord's root); "walk" is a walking
bass line. Chords: x the whole chord, 1-4 one chord tone (lowest first), 5 the lowest an octave up.
Drums: x a hit, o a ghost note. Everywhere "-" holds the previous note and "." is a rest.
"""

from dataclasses import dataclass, field

MODES: dict[str, tuple[int, ...]] = {
    "major": (0, 2, 4, 5, 7, 9, 11),
    "minor": (0, 2, 3, 5, 7, 8, 10),
    "dorian": (0, 2, 3, 5, 7, 9, 10),
    "mixolydian": (0, 2, 4, 5, 7, 9, 10),
    "lydian": (0, 2, 4, 6, 7, 9, 11),
    "phrygian": (0, 1, 3, 5, 7, 8, 10),
    "harmonic_minor": (0, 2, 3, 5, 7, 8, 11),
}

FOUR_ON_THE_FLOOR = "x...x...x...x..."
BACKBEAT = "....x.......x..."
EIGHTHS = "x.x.x.x.x.x.x.x."
OFFBEATS = "..x...x...x...x."
SIXTEENTHS = "xoxoxoxoxoxoxoxo"


@dataclass(frozen=True)
class Style:
    bpm: tuple[int, int]
    modes: tuple[str, ...]
    progressions: tuple[tuple[int, ...], ...]  # scale degrees (0 = tonic) of four chords, one per bar
    bass: tuple[tuple[str, str], ...]  # (instrument, pattern) choices
    chords: tuple[tuple[str, str], ...]
    lead: tuple[str, ...]
    drums: dict[str, dict[str, str]] = field(default_factory=dict)  # section -> drum -> pattern
    kit: str = "acoustic"
    sevenths: bool = False
    power_chords: bool = False
    root: tuple[int, int] = (40, 47)  # MIDI range of the bass's tonic
    chord_center: int = 62
    lead_center: int = 74
    lead_grid: int = 2  # sixteenths between possible melody onsets
    lead_density: float = 0.45
    swing: float = 0.0  # delay of the off-beat eighths (or sixteenths), as a fraction of a step
    swing_sixteenths: bool = False
    reverb: float = 0.25
    strum: float = 0.0  # seconds between the strings of a strummed chord


STYLES: dict[str, Style] = {
    "Synthwave": Style(
        bpm=(90, 108),
        modes=("minor",),
        progressions=((0, 5, 2, 6), (0, 3, 5, 4), (0, 6, 5, 6), (5, 3, 0, 6)),
        bass=(("synth_bass", "r.r.r.r.r.r.r.r."), ("synth_bass", "r.o.r.o.r.o.r.o.")),
        chords=(("pad", "x---------------"), ("pad", "x-------x-------")),
        lead=("saw_lead", "square_lead"),
        kit="electronic",
        reverb=0.4,
        drums={
            "intro": {"hat": OFFBEATS},
            "verse": {"kick": FOUR_ON_THE_FLOOR, "snare": BACKBEAT, "hat": OFFBEATS},
            "chorus": {"kick": FOUR_ON_THE_FLOOR, "snare": BACKBEAT, "clap": BACKBEAT, "hat": EIGHTHS},
        },
    ),
    "House": Style(
        bpm=(120, 126),
        modes=("minor", "dorian"),
        sevenths=True,
        progressions=((0, 3, 0, 3), (0, 5, 3, 4), (1, 4, 0, 0), (0, 6, 5, 4)),
        bass=(("synth_bass", "..r...r...r...r."), ("sub", "..r..r....r..r.o")),
        chords=(("stab", "..x...x...x..x.."), ("organ", "x..x..x...x..x.."), ("epiano", "..x-..x-..x-..x-")),
        lead=("bell", "pluck"),
        kit="electronic",
        swing=0.12,
        swing_sixteenths=True,
        drums={
            "intro": {"kick": FOUR_ON_THE_FLOOR, "open_hat": OFFBEATS},
            "verse": {"kick": FOUR_ON_THE_FLOOR, "clap": BACKBEAT, "open_hat": OFFBEATS},
            "chorus": {"kick": FOUR_ON_THE_FLOOR, "clap": BACKBEAT, "open_hat": OFFBEATS, "hat": SIXTEENTHS},
        },
    ),
    "Techno": Style(
        bpm=(128, 134),
        modes=("phrygian", "minor"),
        progressions=((0, 0, 0, 0), (0, 0, 1, 0), (0, 0, 5, 5), (0, 6, 0, 5)),
        bass=(("synth_bass", "..rr..rr..rr..rr"), ("reese", "r.rr.rr.r.rr.rr.")),
        chords=(("stab", "...x.....x......"), ("stab", "x.....x.....x...")),
        lead=("square_lead", "pluck"),
        kit="electronic",
        lead_grid=1,
        lead_density=0.35,
        root=(36, 43),
        reverb=0.3,
        drums={
            "intro": {"kick": FOUR_ON_THE_FLOOR, "hat": OFFBEATS},
            "verse": {"kick": FOUR_ON_THE_FLOOR, "hat": OFFBEATS, "rim": "...x..x....x..x."},
            "chorus": {
                "kick": FOUR_ON_THE_FLOOR,
                "hat": SIXTEENTHS,
                "clap": BACKBEAT,
                "rim": "...x..x....x..x.",
            },
        },
    ),
    "Ambient": Style(
        bpm=(60, 72),
        modes=("lydian", "major"),
        sevenths=True,
        progressions=((0, 3, 5, 4), (0, 4, 5, 3), (3, 0, 4, 5), (0, 1, 3, 0)),
        bass=(("sub", "r---------------"),),
        chords=(("warm_pad", "x---------------"), ("pad", "x---------------")),
        lead=("bell", "flute"),
        kit="electronic",
        lead_grid=4,
        lead_density=0.5,
        reverb=0.65,
        drums={"chorus": {"shaker": "........x......."}},
    ),
    "Drum & Bass": Style(
        bpm=(170, 176),
        modes=("minor", "dorian"),
        sevenths=True,
        progressions=((0, 5, 2, 6), (0, 3, 5, 6), (0, 0, 5, 6), (0, 6, 3, 4)),
        bass=(("reese", "r-------r-----r-"), ("sub", "r-------.r------")),
        chords=(("pad", "x---------------"), ("epiano", "x-----x---------")),
        lead=("pluck", "bell"),
        kit="electronic",
        reverb=0.35,
        drums={
            "intro": {"hat": EIGHTHS},
            "verse": {"kick": "x.........x.....", "snare": BACKBEAT, "hat": EIGHTHS},
            "chorus": {
                "kick": "x.........x.....",
                "snare": "....x..o.o..x..o",
                "hat": EIGHTHS,
                "shaker": SIXTEENTHS,
            },
        },
    ),
    "Lo-Fi Hip Hop": Style(
        bpm=(72, 86),
        modes=("major", "dorian"),
        sevenths=True,
        progressions=((3, 2, 1, 0), (1, 4, 0, 5), (0, 5, 1, 4), (3, 4, 2, 5)),
        bass=(("sub", "r.....r...r....."), ("upright", "r......r..r....f")),
        chords=(("epiano", "x-------x-------"), ("piano", "x------.....x---")),
        lead=("pluck", "flute", "epiano"),
        kit="808",
        swing=0.28,
        swing_sixteenths=True,
        lead_density=0.35,
        reverb=0.3,
        drums={
            "intro": {"hat": EIGHTHS},
            "verse": {"kick": "x.......x.x.....", "snare": BACKBEAT, "hat": EIGHTHS},
            "chorus": {"kick": "x......xx.x.....", "snare": BACKBEAT, "hat": EIGHTHS, "shaker": OFFBEATS},
        },
    ),
    "Jazz": Style(
        bpm=(112, 156),
        modes=("major", "dorian"),
        sevenths=True,
        progressions=((1, 4, 0, 0), (1, 4, 0, 5), (0, 5, 1, 4), (2, 5, 1, 4)),
        bass=(("upright", "walk"),),
        chords=(
            ("piano", "x.....x........."),
            ("piano", "...x......x....."),
            ("epiano", "..x-..x-....x..."),
        ),
        lead=("sax", "flute", "piano"),
        kit="jazz",
        swing=0.33,
        lead_density=0.55,
        reverb=0.25,
        root=(38, 45),
        drums={
            "intro": {"ride": "x...x.x.x...x.x."},
            "verse": {"ride": "x...x.x.x...x.x.", "hat": "....x.......x...", "kick": "o...o...o...o..."},
            "chorus": {
                "ride": "x...x.x.x...x.x.",
                "hat": "....x.......x...",
                "snare": "......o.....o..o",
                "kick": "o...o...o...o...",
            },
        },
    ),
    "Funk": Style(
        bpm=(98, 112),
        modes=("dorian", "mixolydian"),
        sevenths=True,
        progressions=((0, 3, 0, 3), (0, 0, 3, 3), (0, 6, 3, 0), (0, 3, 6, 3)),
        bass=(("slap_bass", "r..r..o.r.rf.r.o"), ("pick_bass", "r.rr...or..r.7.o")),
        chords=(("clav", "..x.x..x.x..x.x."), ("guitar", ".x.x.x..x.x.x..x")),
        lead=("brass", "sax"),
        lead_grid=1,
        lead_density=0.35,
        swing=0.12,
        swing_sixteenths=True,
        reverb=0.15,
        drums={
            "intro": {"hat": SIXTEENTHS, "kick": "x.....x...x..x.."},
            "verse": {"kick": "x.....x...x..x..", "snare": "....x..o.o..x..o", "hat": SIXTEENTHS},
            "chorus": {
                "kick": "x.....x...x..x..",
                "snare": "....x..o.o..x..o",
                "hat": SIXTEENTHS,
                "open_hat": "..............x.",
            },
        },
    ),
    "Rock": Style(
        bpm=(112, 140),
        modes=("major", "mixolydian"),
        power_chords=True,
        progressions=((0, 4, 5, 3), (0, 6, 3, 0), (0, 3, 4, 4), (5, 3, 0, 4)),
        bass=(("pick_bass", "r.r.r.r.r.r.r.r."), ("pick_bass", "r-r-r-r-r-r-r.r.")),
        chords=(("power_guitar", "x.x.x.x.x.x.x.x."), ("power_guitar", "x--x--x-x--x--x-")),
        lead=("saw_lead",),
        reverb=0.2,
        chord_center=55,
        drums={
            "intro": {"hat": EIGHTHS},
            "verse": {"kick": "x.......x.x.....", "snare": BACKBEAT, "hat": EIGHTHS},
            "chorus": {
                "kick": "x.....x.x.x.....",
                "snare": BACKBEAT,
                "open_hat": EIGHTHS,
                "crash": "x...............",
            },
        },
    ),
    "Indie Pop": Style(
        bpm=(100, 124),
        modes=("major",),
        progressions=((0, 4, 5, 3), (5, 3, 0, 4), (0, 5, 3, 4), (3, 0, 4, 5)),
        bass=(("pick_bass", "r...r.r.r...r.r."), ("pick_bass", "r.r.r.r.f.f.f.f.")),
        chords=(
            ("guitar", "x..x..x...x.x..."),
            ("guitar", "x.x.x.x.x.x.x.x."),
            ("piano", "x..x..x.x..x..x."),
        ),
        lead=("bell", "square_lead"),
        strum=0.012,
        reverb=0.3,
        drums={
            "intro": {"shaker": EIGHTHS},
            "verse": {"kick": "x.......x.......", "snare": BACKBEAT, "shaker": EIGHTHS},
            "chorus": {"kick": "x.....x.x.......", "snare": BACKBEAT, "hat": EIGHTHS, "shaker": SIXTEENTHS},
        },
    ),
    "Folk": Style(
        bpm=(84, 108),
        modes=("major", "mixolydian"),
        progressions=((0, 3, 0, 4), (0, 5, 3, 4), (0, 3, 4, 0), (0, 4, 5, 3)),
        bass=(("upright", "r.......f......."),),
        chords=(("guitar", "1.3.2.3.4.3.2.3."), ("guitar", "1..3..2.4..3..2.")),
        lead=("flute", "violin"),
        swing=0.1,
        reverb=0.35,
        chord_center=57,
        drums={"chorus": {"kick": "x.......x.......", "shaker": OFFBEATS}},
    ),
    "Classical": Style(
        bpm=(66, 92),
        modes=("major", "harmonic_minor"),
        progressions=((0, 3, 4, 0), (0, 5, 1, 4), (0, 3, 1, 4), (5, 1, 4, 0)),
        bass=(("cello", "r-------f-------"), ("cello", "r-------r-------")),
        chords=(
            ("piano", "1.3.2.3.1.3.2.3."),
            ("strings", "x---------------"),
            ("piano", "1.2.3.5.3.2.1.2."),
        ),
        lead=("violin", "flute", "piano"),
        kit="none",
        reverb=0.5,
        chord_center=60,
    ),
    "Reggae": Style(
        bpm=(70, 82),
        modes=("major", "minor"),
        progressions=((0, 3, 0, 4), (0, 3, 4, 3), (0, 6, 3, 0), (5, 3, 0, 4)),
        bass=(("sub", "r..r..f.....r.o."), ("sub", "..r.r.f...r.o...")),
        chords=(("skank", "....x.......x..."), ("organ", "..x...x...x...x.")),
        lead=("melodica",),
        swing=0.18,
        reverb=0.4,
        lead_density=0.4,
        drums={
            "intro": {"hat": EIGHTHS},
            "verse": {"kick": "........x.......", "rim": "........x.......", "hat": EIGHTHS},
            "chorus": {
                "kick": "x.......x.......",
                "snare": "........x.......",
                "hat": EIGHTHS,
                "open_hat": "..............x.",
            },
        },
    ),
    "Chiptune": Style(
        bpm=(132, 150),
        modes=("major", "minor"),
        progressions=((0, 5, 3, 4), (0, 4, 5, 3), (0, 6, 5, 4), (5, 3, 4, 0)),
        bass=(("tri_bass", "r.r.o.r.r.r.o.r."),),
        chords=(("chip_square", "1231231231231231"), ("chip_square", "1.2.3.5.1.2.3.5.")),
        lead=("chip_pulse",),
        kit="chip",
        lead_grid=1,
        lead_density=0.5,
        reverb=0.0,
        chord_center=67,
        drums={
            "intro": {"hat": EIGHTHS},
            "verse": {"kick": "x.......x.x.....", "snare": BACKBEAT, "hat": EIGHTHS},
            "chorus": {"kick": "x.....x.x.x.....", "snare": BACKBEAT, "hat": SIXTEENTHS},
        },
    ),
}
