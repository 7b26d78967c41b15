"""Plan the demo catalog: believable artists, releases and track titles in fourteen genres.

Everything comes from ``random.Random`` instances seeded from the demo's seed (never the global
generator), so a seed always gives the same plan. Each artist draws from its own generator, so the
artists of a smaller demo are the first artists of a larger one with the same seed.
"""

import random
import uuid
from dataclasses import dataclass, field

from catalog.normalize import name_key

from .words import (
    CLASSICAL_FORMS,
    CLASSICAL_TEMPI,
    COLOR,
    COMMON_ADJ,
    COMMON_NOUN,
    COMPILATION_TITLES,
    FIRST,
    GENRE_NAMES,
    GENRES,
    KEYS,
    LAST,
    PLACE,
    ROMAN,
    SECOND_GENRE,
    Words,
)


@dataclass(frozen=True)
class DemoSize:
    """How big the demo is: the default has 42 artists, 126 releases and 1,008 tracks."""

    artists: int = 42
    albums_per_artist: int = 3
    tracks: int = 1_008

    def __post_init__(self):
        if self.artists < 1 or self.albums_per_artist < 1:
            raise ValueError("A demo needs at least one artist with one release.")
        if self.tracks < self.artists * self.albums_per_artist:
            raise ValueError("A demo needs at least one track per release.")


@dataclass(frozen=True)
class ArtistPlan:
    index: int
    name: str
    sort_name: str
    genre: str
    mbid: uuid.UUID


@dataclass(frozen=True)
class TrackPlan:
    number: int
    disc: int
    title: str
    mbid: uuid.UUID
    # Seeds the track's arrangement of its album's music.
    seed: int


@dataclass(frozen=True)
class AlbumPlan:
    index: int
    artist: ArtistPlan
    title: str
    album_type: str  # a MusicBrainz primary type: album, single, ep or compilation
    year: int
    genres: tuple[str, ...]
    mbid: uuid.UUID
    # Seeds the album's sound (key, tempo, chords, instruments) and its cover.
    seed: int
    tracks: tuple[TrackPlan, ...] = field(default=())

    @property
    def discs(self) -> int:
        return max((track.disc for track in self.tracks), default=1)

    def tracks_on_disc(self, disc: int) -> int:
        return sum(1 for track in self.tracks if track.disc == disc)


@dataclass(frozen=True)
class CatalogPlan:
    seed: int | str
    artists: tuple[ArtistPlan, ...]
    albums: tuple[AlbumPlan, ...]

    @property
    def tracks(self) -> list[tuple[AlbumPlan, TrackPlan]]:
        return [(album, track) for album in self.albums for track in album.tracks]

    @property
    def genres(self) -> set[str]:
        return {genre for album in self.albums for genre in album.genres}


_TYPE_WEIGHTS = {"album": 66, "ep": 16, "single": 12, "compilation": 6}
_TRACK_WEIGHTS = {"album": 10.0, "compilation": 12.0, "ep": 5.0, "single": 2.0}
FIRST_YEAR, LAST_YEAR = 1972, 2025


def rng_for(*parts: object) -> random.Random:
    """Return a generator seeded from the parts (a string seed is hashed with SHA-512: stable)."""
    return random.Random(":".join(str(part) for part in parts))


def mbid(rng: random.Random) -> uuid.UUID:
    """Return a random-looking, reproducible version 4 UUID (MusicBrainz ids are version 4)."""
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def artist_mbid(seed: int | str, index: int) -> uuid.UUID:
    """Return the MusicBrainz id of a demo's artist (known without planning the whole demo)."""
    return mbid(rng_for(seed, "artist-id", index))


def _pick(rng: random.Random, words: Words, slot: str) -> str:
    pools = {
        "adj": words.adj,
        "noun": words.noun,
        "first": FIRST,
        "last": LAST,
        "place": PLACE,
        "color": COLOR,
        "form": CLASSICAL_FORMS,
        "tempo": CLASSICAL_TEMPI,
        "key": KEYS,
    }
    if slot == "number":
        return str(rng.choice((1, 2, 3, 4, 5, 6, 7, 9, 12, 21, 77, 99, 808)))
    if slot == "digit":
        return str(rng.randint(1, 8))
    if slot == "roman":
        return rng.choice(ROMAN)
    # Now and then a word from the shared pools keeps genres from sounding like parodies of themselves.
    if slot in ("adj", "noun") and rng.random() < 0.2:
        word = rng.choice(COMMON_ADJ if slot == "adj" else COMMON_NOUN)
        return word.lower() if words.lowercase else word
    return rng.choice(pools[slot])


def fill(rng: random.Random, words: Words, pattern: str) -> str:
    """Return the pattern with each "{slot}" replaced by a word drawn from its pool."""
    out, rest = [], pattern
    while "{" in rest:
        before, _, after = rest.partition("{")
        slot, _, rest = after.partition("}")
        out.append(before)
        out.append(_pick(rng, words, slot))
    out.append(rest)
    text = "".join(out)
    return text.lower() if words.lowercase else text


def _unique(rng: random.Random, taken: set[str], make) -> str:
    """Return make(rng) the first time its matching key is not taken (numbered after many tries)."""
    for _ in range(40):
        text = make(rng)
        if name_key(text) not in taken:
            break
    else:
        base, number = text, 2
        while name_key(text) in taken:
            text, number = f"{base} {number}", number + 1
    taken.add(name_key(text))
    return text


def sort_name(name: str) -> str:
    """Return the name as it is filed: "The Nomads" -> "Nomads, The", "Ada Stone" -> "Stone, Ada"."""
    if name.startswith("The "):
        return f"{name[4:]}, The"
    parts = name.split()
    if len(parts) == 2 and parts[0] in FIRST and parts[1] in LAST:
        return f"{parts[1]}, {parts[0]}"
    return name


def _release_types(rng: random.Random, count: int, tracks: int) -> list[str]:
    types = rng.choices(list(_TYPE_WEIGHTS), weights=list(_TYPE_WEIGHTS.values()), k=count)
    if types[0] in ("single", "compilation"):
        types[0] = "album"
    # A compilation gathers earlier work: only an artist's last release can be one.
    types = [("album" if kind == "compilation" and i < count - 1 else kind) for i, kind in enumerate(types)]
    # Singles and EPs are short: when they cannot hold the artist's tracks, the first becomes an album.
    if "album" not in types and "compilation" not in types and 3 * types.count("single") + 7 * count < tracks:
        types[0] = "album"
    return types


def _track_counts(rng: random.Random, types: list[str], total: int) -> list[int]:
    """Share total tracks between releases by type (a single gets 1-3, an EP about 5)."""
    weights = [_TRACK_WEIGHTS[kind] * rng.uniform(0.75, 1.25) for kind in types]
    caps = [3 if kind == "single" else 7 if kind == "ep" else 24 for kind in types]
    share = [total * weight / sum(weights) for weight in weights]
    counts = [min(cap, max(1, int(value))) for value, cap in zip(share, caps)]
    order = sorted(range(len(types)), key=lambda i: share[i] - counts[i], reverse=True)
    while sum(counts) < total:
        grew = False
        for i in order:
            if sum(counts) < total and counts[i] < caps[i]:
                counts[i] += 1
                grew = True
        if not grew:  # every release is full: let the longest albums grow past their cap
            counts[max(range(len(types)), key=lambda i: caps[i])] += total - sum(counts)
    while sum(counts) > total:
        counts[max(range(len(counts)), key=lambda i: counts[i])] -= 1
    return counts


def _track_titles(rng: random.Random, words: Words, count: int, first: str | None) -> list[str]:
    taken: set[str] = set()
    titles = []
    for position in range(count):
        if position == 0 and first:
            titles.append(first)
            taken.add(name_key(first))
        else:
            titles.append(_unique(rng, taken, lambda r: fill(r, words, r.choice(words.track_patterns))))
    return titles


def plan_catalog(*, seed: int | str, size: DemoSize | None = None) -> CatalogPlan:
    """Return the demo catalog for a seed: the same seed and size always give the same plan."""
    size = size or DemoSize()
    genre_order = list(GENRE_NAMES)
    rng_for(seed, "genres").shuffle(genre_order)
    release_count = size.artists * size.albums_per_artist
    track_budget = _spread(size.tracks, size.artists)

    artists: list[ArtistPlan] = []
    albums: list[AlbumPlan] = []
    artist_keys: set[str] = set()
    album_keys: set[str] = set()
    for index in range(size.artists):
        rng = rng_for(seed, "artist", index)
        genre = genre_order[index % len(genre_order)]
        words = GENRES[genre]
        name = _unique(rng, artist_keys, lambda r, w=words: fill(r, w, r.choice(w.artist_patterns)))
        artist = ArtistPlan(
            index=index, name=name, sort_name=sort_name(name), genre=genre, mbid=artist_mbid(seed, index)
        )
        artists.append(artist)
        types = _release_types(rng, size.albums_per_artist, track_budget[index])
        counts = _track_counts(rng, types, track_budget[index])
        year = rng.randint(FIRST_YEAR, LAST_YEAR - 3 * size.albums_per_artist)
        for kind, count in zip(types, counts):
            year = min(LAST_YEAR, year + rng.randint(1, 4))
            titles = _track_titles(rng, words, count, None)
            if kind == "single":
                title = titles[0]
            elif kind == "compilation":
                title = rng.choice(COMPILATION_TITLES).format(artist=name)
            else:  # albums and EPs get titles unique across the demo: easier to find in a search
                title = _unique(rng, album_keys, lambda r, w=words: fill(r, w, r.choice(w.album_patterns)))
            genres = (genre,) if rng.random() < 0.8 else (genre, SECOND_GENRE[genre])
            album_mbid, album_seed = mbid(rng), rng.getrandbits(63)
            discs = 2 if count >= 14 or (kind == "compilation" and count >= 10) else 1
            per_disc = -(-count // discs)
            tracks = tuple(
                TrackPlan(
                    number=position % per_disc + 1,
                    disc=position // per_disc + 1,
                    title=track_title,
                    mbid=mbid(rng),
                    seed=rng.getrandbits(63),
                )
                for position, track_title in enumerate(titles)
            )
            albums.append(
                AlbumPlan(
                    index=len(albums),
                    artist=artist,
                    title=title,
                    album_type=kind,
                    year=year,
                    genres=genres,
                    mbid=album_mbid,
                    seed=album_seed,
                    tracks=tracks,
                )
            )
    assert len(albums) == release_count
    return CatalogPlan(seed=seed, artists=tuple(artists), albums=tuple(albums))


def _spread(total: int, parts: int) -> list[int]:
    """Split total into parts that differ by at most one."""
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]
