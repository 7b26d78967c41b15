"""The library importer's machinery: walk a folder, read new and changed files, write the catalog in batches.

services.library_import() is the entry point. Each batch of files costs a constant number of queries
(one IN lookup per table, one bulk insert and one bulk update per table), so importing N files takes
far fewer than N queries; files whose size and modification time did not change are not even opened.
"""

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from .covers import cover_file_in, cover_store
from .models import Album, Artist, AudioFile, Genre, Track
from .normalize import name_key
from .tags import AUDIO_EXTENSIONS, AudioTags, TagReadError, read_audio_file

BATCH_SIZE = 500
PATH_MAX_LENGTH = AudioFile._meta.get_field("path").max_length
ALBUM_FIELDS = [
    "title",
    "title_key",
    "artist",
    "release_year",
    "album_type",
    "mbid",
    "cover",
    "cover_checksum",
    "updated_at",
]

# Read from the files' tags; the measured values (below) are cleared when a file's content changes.
REPLAYGAIN_FIELDS = (
    "replaygain_track_gain_db", "replaygain_track_peak", "replaygain_album_gain_db", "replaygain_album_peak"
)
LOUDNESS_UNMEASURED = {
    "loudness_lufs": None, "true_peak_dbtp": None, "loudness_measured_at": None, "loudness_error": ""
}

ProgressCallback = Callable[[int, int], None]


@dataclass
class ImportSummary:
    """The outcome of one import: counts per outcome and the files that could not be read."""

    files_seen: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    removed: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)
    # Lines that other apps add after the import (see catalog.signals.library_changed).
    notes: list[str] = field(default_factory=list)

    @property
    def line(self) -> str:
        line = (
            f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.removed} removed, {self.failed} failed"
        )
        return "; ".join([line, *self.notes])


@dataclass
class _ReadFile:
    """A file whose tags were read in this run, and the rows it resolves to."""

    path: str
    size: int
    mtime: float
    checksum: str
    tags: AudioTags
    audio_file: AudioFile | None = None
    artist: Artist | None = None
    album_artist: Artist | None = None
    album: Album | None = None
    genres: list[Genre] = field(default_factory=list)
    outcome: str = "unchanged"


def walk_library(root: Path) -> tuple[list[str], list[dict[str, str]]]:
    """Return the sorted paths of the audio files under root, and the folders that could not be listed.

    Hidden files and folders (".Trash", macOS "._song.mp3" resource forks) are left out.
    """
    paths: list[str] = []
    errors: list[dict[str, str]] = []

    def unreadable(error: OSError) -> None:
        errors.append({"path": str(error.filename), "reason": error.strerror or str(error)})

    for folder, subfolders, names in os.walk(root, onerror=unreadable):
        subfolders[:] = sorted(name for name in subfolders if not name.startswith("."))
        for name in names:
            if not name.startswith(".") and os.path.splitext(name)[1].lower() in AUDIO_EXTENSIONS:
                paths.append(os.path.join(folder, name))
    paths.sort()
    return paths, errors


def file_sha256(path: str) -> str:
    """Return the SHA-256 of a file, read in chunks."""
    with open(path, "rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def match_key(text: str) -> str:
    """Return name_key(text), or the case-folded text for names that are all punctuation ("!!!")."""
    return name_key(text) or " ".join(text.casefold().split())[:255]


def genre_slug(name: str) -> str:
    """Return the slug of a genre name; names without Latin letters get a stable hashed slug."""
    if slugify(name):
        return Genre.slug_for(name)
    return "genre-" + hashlib.sha256(name.casefold().encode()).hexdigest()[:12]


class LibraryImporter:
    """Import the audio files under one folder; run() returns an ImportSummary.

    Precondition: no other import writes to the catalog at the same time (services.library_import
    holds the import lock).
    """

    def __init__(
        self,
        root: Path,
        *,
        progress: ProgressCallback | None = None,
        on_batch: Callable[[ImportSummary], None] | None = None,
        batch_size: int = BATCH_SIZE,
    ):
        self.root = root
        self.progress = progress
        self.on_batch = on_batch
        self.batch_size = batch_size
        self.summary = ImportSummary()
        self._done = 0
        self._total = 0
        self._unlisted_folders: list[str] = []
        # Albums whose fields and cover were already taken from a file in this run.
        self._albums_refreshed: set[int] = set()
        self._albums_with_cover: set[int] = set()
        self._folder_covers: dict[str, Path | None] = {}

    def run(self) -> ImportSummary:
        paths, unlisted = walk_library(self.root)
        for error in unlisted:
            self._unlisted_folders.append(error["path"])
            self._fail(error["path"], error["reason"])
        self._total = self.summary.files_seen = len(paths)
        self._report_progress()
        for start in range(0, len(paths), self.batch_size):
            self._import_batch(paths[start : start + self.batch_size])
            if self.on_batch:
                self.on_batch(self.summary)
        self._mark_removed(set(paths))
        return self.summary

    # -- one batch ---------------------------------------------------------------------------------

    def _import_batch(self, paths: list[str]) -> None:
        now = timezone.now()
        stats: dict[str, tuple[int, float]] = {}
        for path in paths:
            try:
                _check_storable(path)
                stat = os.stat(path)
            except (ValueError, OSError) as error:
                self._fail(path, getattr(error, "strerror", None) or str(error))
                self._tick()
            else:
                stats[path] = (stat.st_size, stat.st_mtime)

        existing = {
            audio_file.path: audio_file for audio_file in AudioFile.objects.filter(path__in=list(stats))
        }
        unchanged_ids: list[int] = []
        items: list[_ReadFile] = []
        for path, (size, mtime) in stats.items():
            audio_file = existing.get(path)
            if (
                audio_file
                and audio_file.is_available
                and audio_file.size == size
                and audio_file.mtime == mtime
            ):
                unchanged_ids.append(audio_file.pk)
                self.summary.unchanged += 1
            else:
                item = self._read(path, size, mtime)
                if item:
                    item.audio_file = audio_file
                    items.append(item)
            self._tick()

        with transaction.atomic():
            if unchanged_ids:
                # QuerySet.update() leaves updated_at alone: seeing a file again is not a change.
                AudioFile.objects.filter(pk__in=unchanged_ids).update(last_seen_at=now)
            if items:
                self._write(items, now)
        for item in items:
            setattr(self.summary, item.outcome, getattr(self.summary, item.outcome) + 1)

    def _read(self, path: str, size: int, mtime: float) -> _ReadFile | None:
        try:
            tags = read_audio_file(Path(path))
            checksum = file_sha256(path)
        except TagReadError as error:
            self._fail(path, error.reason)
        except OSError as error:
            self._fail(path, error.strerror or str(error))
        else:
            return _ReadFile(path=path, size=size, mtime=mtime, checksum=checksum, tags=tags)
        return None

    def _write(self, items: list[_ReadFile], now) -> None:
        self._find_moved_files(items)
        tracks, track_genres = self._existing_tracks(items)
        self._resolve_artists(items, now)
        self._resolve_albums(items, now)
        self._resolve_genres(items)
        self._save_audio_files(items, now)
        self._save_tracks(items, tracks, track_genres, now)

    def _find_moved_files(self, items: list[_ReadFile]) -> None:
        """Point a new path at the row of an identical file whose old path is gone (a moved file).

        The track keeps its id, so listens, likes and playlists still point at it.
        """
        new_items = [item for item in items if item.audio_file is None]
        if not new_items:
            return
        candidates: dict[str, list[AudioFile]] = {}
        rows = AudioFile.objects.filter(checksum__in={item.checksum for item in new_items}).order_by("pk")
        for audio_file in rows:
            candidates.setdefault(audio_file.checksum, []).append(audio_file)
        for item in new_items:
            for audio_file in candidates.get(item.checksum, []):
                if not os.path.exists(audio_file.path):
                    item.audio_file = audio_file
                    candidates[item.checksum].remove(audio_file)
                    break

    def _existing_tracks(self, items: list[_ReadFile]) -> tuple[dict[int, Track], dict[int, set[int]]]:
        file_ids = [item.audio_file.pk for item in items if item.audio_file]
        if not file_ids:
            return {}, {}
        tracks: dict[int, Track] = {}
        for track in Track.objects.filter(audio_file_id__in=file_ids).order_by("pk"):
            tracks.setdefault(track.audio_file_id, track)  # benchmark data may share a file; take the first
        track_genres: dict[int, set[int]] = {track.pk: set() for track in tracks.values()}
        through = Track.genres.through.objects.filter(track_id__in=list(track_genres))
        for track_id, genre_id in through.values_list("track_id", "genre_id"):
            track_genres[track_id].add(genre_id)
        return tracks, track_genres

    # -- artists, albums, genres -------------------------------------------------------------------

    def _resolve_artists(self, items: list[_ReadFile], now) -> None:
        """Match artists by MusicBrainz id, else by name key; create the missing ones."""
        wanted = []  # (item, attribute, name, mbid, sort name)
        for item in items:
            tags = item.tags
            album_artist = tags.album_artist or tags.artist
            same_artist = match_key(album_artist) == match_key(tags.artist)
            album_artist_mbid = tags.album_artist_mbid or (tags.artist_mbid if same_artist else None)
            wanted.append((item, "artist", tags.artist, tags.artist_mbid, tags.artist_sort))
            wanted.append((item, "album_artist", album_artist, album_artist_mbid, ""))
        keys = {match_key(name) for _, _, name, _, _ in wanted}
        mbids = {mbid for *_, mbid, _ in wanted if mbid}
        by_mbid: dict = {}
        by_key: dict[str, list[Artist]] = {}
        for artist in Artist.objects.filter(Q(name_key__in=keys) | Q(mbid__in=mbids)).order_by("pk"):
            if artist.mbid:
                by_mbid[artist.mbid] = artist
            by_key.setdefault(artist.name_key, []).append(artist)

        created: list[Artist] = []
        adopted: list[Artist] = []
        for item, attribute, name, mbid, sort_name in wanted:
            key = match_key(name)
            artist = by_mbid.get(mbid) if mbid else None
            if artist is None:
                namesakes = by_key.get(key, [])
                if mbid:
                    # An artist imported before from files without ids takes the id.
                    artist = next((a for a in namesakes if a.mbid is None), None)
                    if artist is not None:
                        artist.mbid, artist.updated_at = mbid, now
                        by_mbid[mbid] = artist
                        adopted.append(artist)
                elif namesakes:
                    artist = namesakes[0]
            if artist is None:
                artist = Artist(name=name, name_key=key, mbid=mbid, sort_name=sort_name)
                created.append(artist)
                by_key.setdefault(key, []).append(artist)
                if mbid:
                    by_mbid[mbid] = artist
            setattr(item, attribute, artist)
        Artist.objects.bulk_create(created)
        if adopted:
            Artist.objects.bulk_update(adopted, ["mbid", "updated_at"])

    def _resolve_albums(self, items: list[_ReadFile], now) -> None:
        """Match albums by MusicBrainz release id, else by (album artist, title key); create the rest.

        An existing album takes its title, year and type from the first file of it read in the run.
        """
        by_mbid, by_pair = self._albums_existing(items)
        created: list[Album] = []
        changed: dict[int, Album] = {}
        for item in items:
            tags = item.tags
            album = self._album_match(item, by_mbid=by_mbid, by_pair=by_pair, changed=changed)
            if album is None:
                album = self._album_new(item, by_mbid=by_mbid, by_pair=by_pair)
                created.append(album)
            elif album.pk not in self._albums_refreshed:
                self._albums_refreshed.add(album.pk)
                if self._refresh_album(album, item):
                    changed[id(album)] = album
            if album.release_year is None and tags.year:
                album.release_year = tags.year
                changed[id(album)] = album
            item.album = album
        self._albums_write(items, created=created, changed=changed, now=now)

    @staticmethod
    def _albums_existing(
        items: list[_ReadFile],
    ) -> tuple[dict, dict[tuple[int, str], list[Album]]]:
        """Return the existing albums the files may be of, by MusicBrainz id and by (artist, title key)."""
        keys = {match_key(item.tags.album) for item in items}
        artist_ids = {item.album_artist.pk for item in items}
        mbids = {item.tags.album_mbid for item in items if item.tags.album_mbid}
        by_mbid: dict = {}
        by_pair: dict[tuple[int, str], list[Album]] = {}
        lookup = Q(artist_id__in=artist_ids, title_key__in=keys) | Q(mbid__in=mbids)
        for album in Album.objects.filter(lookup).order_by("pk"):
            if album.mbid:
                by_mbid[album.mbid] = album
            by_pair.setdefault((album.artist_id, album.title_key), []).append(album)
        return by_mbid, by_pair

    @staticmethod
    def _album_match(
        item: _ReadFile, *, by_mbid: dict, by_pair: dict, changed: dict[int, Album]
    ) -> Album | None:
        """Return the known album of a file, or None.

        By release id, else by (album artist, title key); a namesake without an id takes the file's id
        (and is marked changed).
        """
        key, mbid = match_key(item.tags.album), item.tags.album_mbid
        album = by_mbid.get(mbid) if mbid else None
        if album is None:
            namesakes = by_pair.get((item.album_artist.pk, key), [])
            if mbid:
                album = next((a for a in namesakes if a.mbid is None), None)
                if album is not None:
                    album.mbid = mbid
                    by_mbid[mbid] = album
                    changed[id(album)] = album
            elif namesakes:
                album = namesakes[0]
        return album

    @staticmethod
    def _album_new(item: _ReadFile, *, by_mbid: dict, by_pair: dict) -> Album:
        """Build a new album from a file's tags (unsaved) and make it known to the following files."""
        tags = item.tags
        key, mbid = match_key(tags.album), tags.album_mbid
        album = Album(
            title=tags.album,
            title_key=key,
            artist=item.album_artist,
            release_year=tags.year,
            album_type=tags.album_type or Album.AlbumType.ALBUM,
            mbid=mbid,
        )
        by_pair.setdefault((item.album_artist.pk, key), []).append(album)
        if mbid:
            by_mbid[mbid] = album
        return album

    def _albums_write(
        self, items: list[_ReadFile], *, created: list[Album], changed: dict[int, Album], now
    ) -> None:
        """Insert the new albums, set covers, and update the changed albums in bulk."""
        Album.objects.bulk_create(created)
        self._albums_refreshed.update(album.pk for album in created)
        for album in created:  # their covers are set below with one update
            changed.pop(id(album), None)
        for album in self._apply_covers(items):
            changed[id(album)] = album
        if changed:
            for album in changed.values():
                album.updated_at = now
            Album.objects.bulk_update(list(changed.values()), ALBUM_FIELDS)

    @staticmethod
    def _refresh_album(album: Album, item: _ReadFile) -> bool:
        tags = item.tags
        wanted = {
            "title": tags.album,
            "title_key": match_key(tags.album),
            "artist_id": item.album_artist.pk,
        }
        if tags.year:
            wanted["release_year"] = tags.year
        if tags.album_type:
            wanted["album_type"] = tags.album_type
        return _assign(album, wanted)

    def _apply_covers(self, items: list[_ReadFile]) -> list[Album]:
        """Set the cover of each album from an embedded picture, else from cover.jpg in its folder."""
        changed = []
        by_album: dict[int, list[_ReadFile]] = {}
        for item in items:
            if item.album.pk not in self._albums_with_cover:
                by_album.setdefault(item.album.pk, []).append(item)
        for album_items in by_album.values():
            album = album_items[0].album
            source = next((i.tags.cover_bytes for i in album_items if i.tags.cover_bytes), None)
            if source is None:
                source = self._folder_cover(os.path.dirname(album_items[0].path))
            if source is None:
                continue
            self._albums_with_cover.add(album.pk)
            checksum = hashlib.sha256(source).hexdigest()
            if album.cover_checksum == checksum:
                continue
            name = cover_store(source=source, checksum=checksum)
            if name:
                album.cover.name, album.cover_checksum = name, checksum
                changed.append(album)
        return changed

    def _folder_cover(self, folder: str) -> bytes | None:
        if folder not in self._folder_covers:
            self._folder_covers[folder] = cover_file_in(Path(folder))
        cover_path = self._folder_covers[folder]
        if cover_path is None:
            return None
        try:
            return cover_path.read_bytes()
        except OSError:
            return None

    def _resolve_genres(self, items: list[_ReadFile]) -> None:
        names = {name for item in items for name in item.tags.genres}
        if not names:
            return
        slugs = {genre_slug(name) for name in names}
        by_name: dict[str, Genre] = {}
        by_slug: dict[str, Genre] = {}
        for genre in Genre.objects.filter(Q(slug__in=slugs) | Q(name__in=names)):
            by_name[genre.name.casefold()] = genre
            by_slug[genre.slug] = genre
        created: list[Genre] = []
        for item in items:
            genres: dict[int, Genre] = {}
            for name in item.tags.genres:
                slug = genre_slug(name)
                genre = by_name.get(name.casefold()) or by_slug.get(slug)
                if genre is None:
                    genre = by_name[name.casefold()] = by_slug[slug] = Genre(name=name, slug=slug)
                    created.append(genre)
                genres.setdefault(id(genre), genre)
            item.genres = list(genres.values())
        Genre.objects.bulk_create(created)

    # -- audio files and tracks --------------------------------------------------------------------

    def _save_audio_files(self, items: list[_ReadFile], now) -> None:
        created: list[AudioFile] = []
        existing: list[AudioFile] = []
        changed_fields = {"mtime", "last_seen_at"}
        for item in items:
            tags = item.tags
            wanted = {
                "path": item.path,
                "format": tags.format,
                "mime_type": tags.mime_type,
                "bitrate": tags.bitrate,
                "sample_rate": tags.sample_rate,
                "channels": tags.channels,
                "duration_ms": tags.duration_ms,
                "size": item.size,
                "checksum": item.checksum,
                "is_available": True,
                **{name: getattr(tags, name) for name in REPLAYGAIN_FIELDS},
            }
            audio_file = item.audio_file
            if audio_file is not None and audio_file.checksum != item.checksum:
                wanted.update(LOUDNESS_UNMEASURED)  # new content: measure_loudness measures it again
            if audio_file is None:
                item.audio_file = AudioFile(**wanted, mtime=item.mtime, last_seen_at=now)
                item.outcome = "added"
                created.append(item.audio_file)
                continue
            changed = _assign(audio_file, wanted)
            if changed:
                audio_file.updated_at = now
                item.outcome = "updated"
                changed_fields |= changed | {"updated_at"}
            # A touched file with the same content and tags is unchanged, but its new mtime is kept
            # so that the next run skips it again.
            audio_file.mtime, audio_file.last_seen_at = item.mtime, now
            existing.append(audio_file)
        AudioFile.objects.bulk_create(created)
        if existing:
            # Only the columns that changed somewhere: bulk_update's CASE per column is costly.
            AudioFile.objects.bulk_update(existing, sorted(changed_fields))

    def _save_tracks(
        self, items: list[_ReadFile], tracks: dict[int, Track], track_genres: dict[int, set[int]], now
    ) -> None:
        created: list[Track] = []
        changed: list[Track] = []
        changed_fields: set[str] = set()
        relinked: list[Track] = []  # existing tracks whose genres change
        genres_of: list[tuple[Track, list[Genre]]] = []
        for item in items:
            tags = item.tags
            wanted = {
                "title": tags.title,
                "title_key": match_key(tags.title),
                "album_id": item.album.pk,
                "artist_id": item.artist.pk,
                "track_number": tags.track_number,
                "disc_number": tags.disc_number or 1,
                "duration_ms": tags.duration_ms,
                "mbid": tags.recording_mbid,
                "audio_file_id": item.audio_file.pk,
                "is_available": True,
            }
            track = tracks.get(item.audio_file.pk)
            if track is None:
                track = Track(**wanted)
                created.append(track)
                genres_of.append((track, item.genres))
                if item.outcome != "added":
                    item.outcome = "updated"
                continue
            fields_changed = _assign(track, wanted)
            changed_fields |= fields_changed
            genres_changed = {genre.pk for genre in item.genres} != track_genres.get(track.pk, set())
            if genres_changed:
                relinked.append(track)
                genres_of.append((track, item.genres))
            if fields_changed or genres_changed:
                track.updated_at = now
                changed.append(track)
                item.outcome = "updated"
        Track.objects.bulk_create(created)
        if changed:
            Track.objects.bulk_update(changed, sorted(changed_fields | {"updated_at"}))
        through = Track.genres.through
        if relinked:
            through.objects.filter(track_id__in=[track.pk for track in relinked]).delete()
        links = [
            through(track_id=track.pk, genre_id=genre.pk) for track, genres in genres_of for genre in genres
        ]
        if links:
            through.objects.bulk_create(links)

    # -- removed files -----------------------------------------------------------------------------

    def _mark_removed(self, seen: set[str]) -> None:
        """Mark files imported from under root before, and now gone, unavailable (their tracks too)."""
        prefix = os.path.join(str(self.root), "")
        unlisted = tuple(os.path.join(folder, "") for folder in self._unlisted_folders)
        rows = AudioFile.objects.filter(path__startswith=prefix, is_available=True).values_list("pk", "path")
        gone = [pk for pk, path in rows if path not in seen and not (unlisted and path.startswith(unlisted))]
        self.summary.removed = len(gone)
        if not gone:
            return
        now = timezone.now()
        with transaction.atomic():
            for start in range(0, len(gone), self.batch_size):
                chunk = gone[start : start + self.batch_size]
                AudioFile.objects.filter(pk__in=chunk).update(is_available=False, updated_at=now)
                Track.objects.filter(audio_file_id__in=chunk).update(is_available=False, updated_at=now)

    # -- bookkeeping -------------------------------------------------------------------------------

    def _fail(self, path: str, reason: str) -> None:
        self.summary.failed += 1
        self.summary.errors.append({"path": path, "reason": reason})

    def _tick(self) -> None:
        self._done += 1
        self._report_progress()

    def _report_progress(self) -> None:
        if self.progress:
            self.progress(self._done, self._total)


def _check_storable(path: str) -> None:
    """Raise ValueError if the path cannot be stored in AudioFile.path (too long, not UTF-8)."""
    if len(path) > PATH_MAX_LENGTH:
        raise ValueError(f"the path is longer than {PATH_MAX_LENGTH} characters")
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("the file name is not valid UTF-8") from None


def _assign(instance, values: dict) -> set[str]:
    """Set the attributes that differ; return their names."""
    changed = set()
    for attribute, value in values.items():
        if getattr(instance, attribute) != value:
            setattr(instance, attribute, value)
            changed.add(attribute)
    return changed
