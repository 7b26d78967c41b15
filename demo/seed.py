"""Build the demo: write and import the demo library, multiply it for benchmarks, add the demo accounts.

``demo_seed`` runs the steps in ``DEMO_STEPS`` in order; each takes the ``DemoRun`` and may add to
it, so a later step (synthetic listeners, say) is one more function in the list. The catalog's own
steps are here; the other apps' come after them, in the order of the dependency chain (listening's
listeners, then recommend's mixes, then analytics' rollups, which count the listens).
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from accounts.checks import DEMO_ACCOUNTS
from catalog import selectors, services
from catalog.import_lock import library_import_lock
from catalog.models import Album, Artist, Genre, Track
from catalog.normalize import name_key
from streamapp import bulk

from . import analytics, library, listening, names, recommend
from .names import CatalogPlan, DemoSize

DEFAULT_SEED = 42
DEFAULT_SIZE = DemoSize()
# Rows per INSERT for the extra catalog of --scale (a few copies of the base demo per transaction).
SCALE_BATCH_TRACKS = 5_000


class DemoNotAllowed(Exception):
    """The demo (and its well-known passwords) is refused in production mode."""


class DemoImportFailed(Exception):
    """The library importer could not import the demo's own files."""


class _Silent:
    def update(self, count: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


# progress(description, total, unit) returns a bar with update(count) and close(), such as tqdm's.
ProgressFactory = Callable[[str, int, str], object]


def _no_progress(description: str, total: int, unit: str) -> _Silent:
    return _Silent()


class _ImportProgress:
    """Turn the importer's progress(done, total) calls into a progress bar."""

    def __init__(self, progress: ProgressFactory):
        self.progress = progress
        self.bar = None
        self.done = 0

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = self.progress("Importing the demo", total, "file")
        self.bar.update(done - self.done)
        self.done = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


@dataclass
class DemoRun:
    """One run of seed_demo: its options, then what each step produced."""

    seed: int
    scale: int
    size: DemoSize
    progress: ProgressFactory
    workers: int | None = None
    # Synthetic listeners, made by a later step (demo.listening).
    listeners: int = 0
    root: Path | None = None
    plan: CatalogPlan | None = None
    files: library.LibraryFiles | None = None
    imported: services.ImportSummary | None = None
    scaled_tracks: int = 0
    notes: list[str] = field(default_factory=list)
    # Short phrases later steps add to the closing summary line ("300 listeners, 160,000 listens").
    summary_parts: list[str] = field(default_factory=list)


@dataclass
class DemoSummary:
    artists: int
    albums: int
    tracks: int
    genres: int
    audio_bytes: int
    cover_bytes: int
    seconds: float
    notes: list[str]
    extra: list[str] = field(default_factory=list)

    @property
    def line(self) -> str:
        return (
            f"Demo library: {self.artists:,} artists, {self.albums:,} albums, {self.tracks:,} tracks, "
            f"{self.genres:,} genres ({self.audio_bytes / 1e6:.1f} MB of audio, "
            f"{self.cover_bytes / 1e6:.1f} MB of covers)"
            + "".join(f", {part}" for part in self.extra)
            + f" in {self.seconds:.1f} s"
        )


def demo_allowed() -> bool:
    return bool(getattr(settings, "STREAMAPP_ALLOW_DEMO_ACCOUNTS", False))


def demo_catalog_is_empty() -> bool:
    """Return True when the catalog has no track at all (a fresh install)."""
    return not Track.objects.exists()


def demo_seed(
    *,
    seed: int = DEFAULT_SEED,
    scale: int = 1,
    size: DemoSize | None = None,
    progress: ProgressFactory | None = None,
    workers: int | None = None,
    listeners: int = 0,
) -> DemoSummary:
    """Build the demo catalog and accounts; running it again with the same seed changes nothing.

    Raises DemoNotAllowed in production mode (settings.STREAMAPP_ALLOW_DEMO_ACCOUNTS is False),
    ImportAlreadyRunning if a library import holds the lock, DemoImportFailed if files fail to import.
    """
    if not demo_allowed():
        raise DemoNotAllowed("The demo and its accounts are not allowed in production mode.")
    if scale < 1:
        raise ValueError("The scale is a whole number of at least 1.")
    started = time.monotonic()
    run = DemoRun(
        seed=seed,
        scale=scale,
        size=size or DEFAULT_SIZE,
        progress=progress or _no_progress,
        workers=workers,
        listeners=listeners,
    )
    for step in DEMO_STEPS:
        step(run)
    return DemoSummary(
        artists=Artist.objects.count(),
        albums=Album.objects.count(),
        tracks=Track.objects.count(),
        genres=Genre.objects.count(),
        audio_bytes=run.files.audio_bytes if run.files else 0,
        cover_bytes=run.files.cover_bytes if run.files else 0,
        seconds=time.monotonic() - started,
        notes=run.notes,
        extra=run.summary_parts,
    )


# ---------------------------------------------------------------------------------------------------
# Steps
# ---------------------------------------------------------------------------------------------------


def demo_library_build(run: DemoRun) -> None:
    """Write the demo's tagged audio files and covers, then import the folder like any library."""
    run.root = Path(settings.STREAMAPP_DEMO_LIBRARY_DIR)
    run.plan = names.plan_catalog(seed=run.seed, size=run.size)
    bar = run.progress("Synthesising the demo", len(run.plan.tracks), "track")
    try:
        run.files = library.write_library(run.plan, run.root, progress=bar.update, workers=run.workers)
    finally:
        bar.close()

    record = services.library_import_create(path=str(run.root))
    importing = _ImportProgress(run.progress)
    try:
        run.imported = services.library_import(root=run.root, library_import=record, progress=importing)
    except services.ImportAlreadyRunning as error:
        services.library_import_fail(library_import=record, message=str(error))
        raise
    finally:
        importing.close()
    if run.imported.failed:
        reasons = "; ".join(f"{error['path']}: {error['reason']}" for error in run.imported.errors[:5])
        raise DemoImportFailed(f"{run.imported.failed} demo files could not be imported ({reasons}).")
    files = run.files
    if files.reused:
        run.notes.append(f"Files: the {len(files.files):,} files of this demo were already there.")
    else:
        run.notes.append(
            f"Files: {files.written:,} written, {files.removed:,} removed, the others unchanged."
        )
    run.notes.append(f"Import: {run.imported.line}.")


def demo_catalog_scale(run: DemoRun) -> None:
    """Add (scale - 1) more copies of the demo's size with their own names, sharing its audio files.

    Each copy is recognised by its first artist's MusicBrainz id, so running again adds only the
    copies that are missing. Preconditions: the base demo was imported (demo_library_build).
    """
    if run.scale <= 1:
        return
    base = run.plan
    base_tracks = base.tracks
    rows = Track.objects.filter(mbid__in=[track.mbid for _, track in base_tracks]).values_list(
        "mbid", "audio_file_id", "audio_file__duration_ms"
    )
    by_mbid = {mbid: (file_id, duration) for mbid, file_id, duration in rows if file_id}
    missing = sum(1 for _, track in base_tracks if track.mbid not in by_mbid)
    if missing:
        raise DemoImportFailed(f"{missing} tracks of the demo are missing: cannot scale the catalog.")
    # A copy's jazz track plays one of the demo's jazz recordings (any, in a tiny demo without jazz).
    shared_audio = _Shared()
    for album, track in base_tracks:
        shared_audio.add(album.artist.genre, by_mbid[track.mbid])
    cover_rows = Album.objects.filter(mbid__in=[album.mbid for album in base.albums]).values_list(
        "mbid", "cover", "cover_checksum"
    )
    by_album = {mbid: (cover, checksum) for mbid, cover, checksum in cover_rows}
    shared_covers = _Shared()
    for album in base.albums:
        shared_covers.add(album.artist.genre, by_album.get(album.mbid, ("", "")))

    copies = range(1, run.scale)
    markers = {copy: names.artist_mbid(_copy_seed(run.seed, copy), 0) for copy in copies}
    # The import lock keeps imports (and another seed_demo) off the ids handed out below.
    with library_import_lock():
        present = set(Artist.objects.filter(mbid__in=markers.values()).values_list("mbid", flat=True))
        wanted = [copy for copy in copies if markers[copy] not in present]
        if not wanted:
            return
        genre_ids = _genre_ids(names.GENRE_NAMES)
        bar = run.progress("Scaling the catalog", len(wanted) * len(base_tracks), "track")
        try:
            batch: list[tuple[int, CatalogPlan]] = []
            for copy in wanted:
                batch.append((copy, names.plan_catalog(seed=_copy_seed(run.seed, copy), size=run.size)))
                if len(batch) * len(base_tracks) >= SCALE_BATCH_TRACKS or copy == wanted[-1]:
                    added = _insert_copies(batch, shared_audio, shared_covers, genre_ids)
                    run.scaled_tracks += added
                    bar.update(added)
                    batch = []
        finally:
            bar.close()
    # Bulk inserts bypass the importer, which does this otherwise.
    selectors.catalog_changed()
    selectors.genre_overview_refresh()
    run.notes.append(f"Scale: {run.scaled_tracks:,} tracks added in {len(wanted)} copies of the demo.")


def demo_accounts_create(run: DemoRun) -> None:
    """Create (or reset) the staff account admin/admin and the listener demo/demo."""
    users = get_user_model()
    for username, password, staff in DEMO_ACCOUNTS:
        user, _ = users.objects.get_or_create(
            username=username, defaults={"email": f"{username}@example.com"}
        )
        user.is_active, user.is_staff, user.is_superuser = True, staff, staff
        user.set_password(password)
        user.save()


DEMO_STEPS: list[Callable[[DemoRun], None]] = [
    demo_library_build,
    demo_catalog_scale,
    demo_accounts_create,
    listening.demo_listeners_step,
    recommend.rebuild_step,
    analytics.rollup_step,
]



# ---------------------------------------------------------------------------------------------------
# Bulk rows for --scale
# ---------------------------------------------------------------------------------------------------


def _copy_seed(seed: int, copy: int) -> str:
    return f"{seed}x{copy}"


def _genre_ids(genre_names) -> dict[str, int]:
    ids = dict(Genre.objects.filter(name__in=genre_names).values_list("name", "id"))
    for name in genre_names:
        if name not in ids:  # a tiny demo does not use every genre
            ids[name] = Genre.objects.get_or_create(name=name, defaults={"slug": Genre.slug_for(name)})[0].pk
    return ids


# The columns the copies fill, by field name, in the order of the rows built below.
_ARTIST_FIELDS = ["id", "name", "sort_name", "name_key", "mbid", "created_at", "updated_at"]
_ALBUM_FIELDS = ["id", "title", "title_key", "artist", "release_year", "album_type", "cover",
                 "cover_checksum", "mbid", "created_at", "updated_at"]  # fmt: skip
_TRACK_FIELDS = ["id", "title", "title_key", "album", "artist", "track_number", "disc_number",
                 "duration_ms", "mbid", "audio_file", "is_available", "created_at", "updated_at"]  # fmt: skip


def _insert(model, fields: list[str], rows: list[tuple]) -> None:
    columns = [model._meta.get_field(name).column for name in fields]
    bulk.insert_rows(model._meta.db_table, columns, rows)


class _Shared:
    """The demo's audio files (or covers) by genre, shared out among the copies' rows."""

    def __init__(self):
        self.by_genre: dict[str, list] = {}
        self.every: list = []

    def add(self, genre: str, value) -> None:
        self.by_genre.setdefault(genre, []).append(value)
        self.every.append(value)

    def pick(self, genre: str, key: int):
        pool = self.by_genre.get(genre) or self.every
        return pool[key % len(pool)]


@transaction.atomic
def _insert_copies(
    copies: list[tuple[int, CatalogPlan]], shared_audio: _Shared, shared_covers: _Shared, genre_ids: dict
) -> int:
    """Insert copies of the demo: artists, albums, tracks and their genres; return the tracks added.

    Rows get explicit ids (so the tracks can name their album and artist without reading them back)
    and go in with COPY on PostgreSQL, executemany on SQLite: model instances would cost ten times
    more. Precondition: the caller holds the library import lock, so nothing else allocates ids.
    """
    now = timezone.now()
    artist_rows, album_rows, track_rows, genre_rows = [], [], [], []
    artist_ids, album_ids = {}, {}
    first_artist, first_album = bulk.next_id(Artist._meta.db_table), bulk.next_id(Album._meta.db_table)
    first_track = bulk.next_id(Track._meta.db_table)
    for copy, plan in copies:
        for artist in plan.artists:
            artist_id = artist_ids[(copy, artist.index)] = first_artist + len(artist_rows)
            sort = artist.sort_name if artist.sort_name != artist.name else ""
            artist_rows.append((artist_id, artist.name, sort, name_key(artist.name), artist.mbid, now, now))
        for album in plan.albums:
            album_id = album_ids[(copy, album.index)] = first_album + len(album_rows)
            artist_id = artist_ids[(copy, album.artist.index)]
            cover, checksum = shared_covers.pick(album.artist.genre, copy * 7919 + album.index)
            album_rows.append((album_id, album.title, name_key(album.title), artist_id, album.year,
                               album.album_type, cover, checksum, album.mbid, now, now))  # fmt: skip
        for position, (album, track) in enumerate(plan.tracks):
            track_id = first_track + len(track_rows)
            album_id, artist_id = album_ids[(copy, album.index)], artist_ids[(copy, album.artist.index)]
            audio_file_id, duration_ms = shared_audio.pick(album.artist.genre, copy * 7919 + position)
            track_rows.append((track_id, track.title, name_key(track.title), album_id, artist_id,
                               track.number, track.disc, duration_ms, track.mbid, audio_file_id, True,
                               now, now))  # fmt: skip
            genre_rows += [(track_id, genre_ids[genre]) for genre in album.genres]
    _insert(Artist, _ARTIST_FIELDS, artist_rows)
    _insert(Album, _ALBUM_FIELDS, album_rows)
    _insert(Track, _TRACK_FIELDS, track_rows)
    _insert(Track.genres.through, ["track", "genre"], genre_rows)
    for model in (Artist, Album, Track):
        bulk.reset_sequence(model._meta.db_table)
    return len(track_rows)
