"""Write the demo catalog as a music library: tagged MP3 files and a cover.jpg per album folder.

Files are laid out as ``<artist>/<album>/NN - <title>.mp3`` and tagged the way MusicBrainz Picard
does (ID3v2.4 with MusicBrainz ids), so the library importer reads them like any other library. A
file whose bytes would not change is left alone (its modification time too), so the importer finds
it unchanged. Albums are written in parallel processes.
"""

import hashlib
import io
import json
import os
import re
import tempfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

from mutagen import id3

from . import audio, covers
from .names import AlbumPlan, CatalogPlan

COVER_NAME = "cover.jpg"
# Lists the files the demo wrote (a later run removes only its own stale files) and what made them.
MANIFEST_NAME = ".streamapp-demo.json"
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


@dataclass
class AlbumFiles:
    """What writing one album produced."""

    album_index: int
    folder: str  # relative to the library root
    track_paths: list[str] = field(default_factory=list)  # relative, in track order
    durations_ms: list[int] = field(default_factory=list)
    # Every file of the album (tracks and cover): relative path -> (size, SHA-256).
    files: dict[str, tuple[int, str]] = field(default_factory=dict)
    written: int = 0  # files created or changed (the others were already there, identical)


@dataclass
class LibraryFiles:
    root: Path
    files: dict[str, tuple[int, str]]  # relative path -> (size, SHA-256)
    written: int = 0
    removed: int = 0
    # True when an identical demo was already on disk, checked by checksum, and nothing was generated.
    reused: bool = False

    @property
    def audio_bytes(self) -> int:
        return sum(size for path, (size, _) in self.files.items() if path.endswith(".mp3"))

    @property
    def cover_bytes(self) -> int:
        return sum(size for path, (size, _) in self.files.items() if path.endswith(COVER_NAME))


def safe_name(text: str, limit: int = 80) -> str:
    """Return text usable as a file or folder name on any common file system."""
    cleaned = _UNSAFE.sub("_", text).strip()[:limit].rstrip(". ")
    return cleaned or "_"


def album_folders(plan: CatalogPlan) -> list[str]:
    """Return each album's folder, relative to the library root, unique even for namesake albums."""
    folders, taken = [], set()
    for album in plan.albums:
        folder = f"{safe_name(album.artist.name)}/{safe_name(album.title)}"
        candidate, number = folder, 2
        while candidate.casefold() in taken:
            candidate, number = f"{folder} ({number})", number + 1
        taken.add(candidate.casefold())
        folders.append(candidate)
    return folders


def track_file_name(album: AlbumPlan, position: int) -> str:
    track = album.tracks[position]
    number = f"{track.disc}-{track.number:02d}" if album.discs > 1 else f"{track.number:02d}"
    return f"{number} - {safe_name(track.title)}.mp3"


def write_library(
    plan: CatalogPlan,
    root: Path,
    *,
    progress: Callable[[int], None] | None = None,
    workers: int | None = None,
) -> LibraryFiles:
    """Write every album of the plan under root and remove the files an earlier demo left there.

    When the files of this very demo (same plan, same generator code) are already there, intact,
    nothing is generated. ``progress(tracks)`` is called as each album is done, with its tracks.
    """
    root.mkdir(parents=True, exist_ok=True)
    fingerprint = plan_fingerprint(plan)
    previous = _read_manifest(root)
    if previous.get("fingerprint") == fingerprint and _intact(root, previous["files"]):
        if progress:
            progress(len(plan.tracks))
        files = {path: (size, checksum) for path, (size, checksum) in previous["files"].items()}
        return LibraryFiles(root=root, files=files, reused=True)

    folders = album_folders(plan)
    jobs = [(album, root, folder) for album, folder in zip(plan.albums, folders)]
    workers = workers if workers is not None else _default_workers(len(jobs))
    results: list[AlbumFiles] = []
    if workers <= 1:
        for job in jobs:
            results.append(write_album(*job))
            if progress:
                progress(len(job[0].tracks))
    else:
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
            futures = {pool.submit(write_album, *job): job for job in jobs}
            for future in as_completed(futures):
                results.append(future.result())
                if progress:
                    progress(len(futures[future][0].tracks))
    files = LibraryFiles(root=root, files={}, written=sum(album.written for album in results))
    for album in sorted(results, key=lambda album: album.album_index):
        files.files.update(album.files)
    files.removed = _remove_stale(root, previous.get("files", {}), files.files)
    manifest = {"fingerprint": fingerprint, "files": files.files}
    _write_if_changed(root / MANIFEST_NAME, json.dumps(manifest, indent=0, sort_keys=True).encode())
    return files


def plan_fingerprint(plan: CatalogPlan) -> str:
    """Return a checksum of the plan and of the code that turns it into files."""
    digest = hashlib.sha256(repr(plan).encode())
    for module in sorted(Path(__file__).parent.glob("*.py")):
        if module.name != "seed.py":  # the database side does not shape the files
            digest.update(module.read_bytes())
    return digest.hexdigest()


def _default_workers(albums: int) -> int:
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        cpus = os.cpu_count() or 1
    # Starting a process costs about as much as writing two albums.
    return max(1, min(cpus, 8, albums // 6))


def write_album(album: AlbumPlan, root: Path, folder: str) -> AlbumFiles:
    """Synthesise, encode, tag and write one album's tracks and its cover (pure: no database)."""
    result = AlbumFiles(album_index=album.index, folder=folder)
    directory = root / folder
    directory.mkdir(parents=True, exist_ok=True)
    cover = covers.render_cover(
        title=album.title, artist=album.artist.name, genre=album.artist.genre, seed=album.seed
    )
    result.files[f"{folder}/{COVER_NAME}"] = (len(cover), hashlib.sha256(cover).hexdigest())
    result.written += _write_if_changed(directory / COVER_NAME, cover)

    music = audio.AlbumMusic(genre=album.artist.genre, seed=album.seed, artist_seed=album.artist.mbid.int)
    arrangements = music.arrangements([track.seed for track in album.tracks])
    for position, parts in enumerate(arrangements):
        name = track_file_name(album, position)
        data = _id3_tag(album, position) + music.mp3(parts)
        result.written += _write_if_changed(directory / name, data)
        result.track_paths.append(f"{folder}/{name}")
        result.durations_ms.append(music.duration_ms(parts))
        result.files[f"{folder}/{name}"] = (len(data), hashlib.sha256(data).hexdigest())
    return result


def _id3_tag(album: AlbumPlan, position: int) -> bytes:
    """Return the ID3v2.4 tag of a track, as MusicBrainz Picard writes it."""
    track = album.tracks[position]
    artist = album.artist
    release_type = ["album", "compilation"] if album.album_type == "compilation" else [album.album_type]
    tags = id3.ID3()
    tags.add(id3.TIT2(encoding=3, text=track.title))
    tags.add(id3.TPE1(encoding=3, text=artist.name))
    tags.add(id3.TPE2(encoding=3, text=artist.name))
    tags.add(id3.TALB(encoding=3, text=album.title))
    tags.add(id3.TRCK(encoding=3, text=f"{track.number}/{album.tracks_on_disc(track.disc)}"))
    tags.add(id3.TPOS(encoding=3, text=f"{track.disc}/{album.discs}"))
    tags.add(id3.TDRC(encoding=3, text=str(album.year)))
    tags.add(id3.TCON(encoding=3, text=list(album.genres)))
    if artist.sort_name != artist.name:
        tags.add(id3.TSOP(encoding=3, text=artist.sort_name))
        tags.add(id3.TSO2(encoding=3, text=artist.sort_name))
    tags.add(id3.TXXX(encoding=3, desc="MusicBrainz Album Id", text=str(album.mbid)))
    tags.add(id3.TXXX(encoding=3, desc="MusicBrainz Artist Id", text=str(artist.mbid)))
    tags.add(id3.TXXX(encoding=3, desc="MusicBrainz Album Artist Id", text=str(artist.mbid)))
    tags.add(id3.TXXX(encoding=3, desc="MusicBrainz Album Type", text=release_type))
    tags.add(id3.UFID(owner="http://musicbrainz.org", data=str(track.mbid).encode("ascii")))
    out = io.BytesIO()
    tags.save(out, v2_version=4, padding=lambda info: 0)
    return out.getvalue()


def _write_if_changed(path: Path, data: bytes) -> int:
    """Write data to path unless the file already holds exactly it; return 1 if written."""
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return 0
    except FileNotFoundError:
        pass
    # Write then rename: a reader (the importer, a stream) never sees half a file.
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return 1


def _read_manifest(root: Path) -> dict:
    try:
        manifest = json.loads((root / MANIFEST_NAME).read_text())
    except (FileNotFoundError, ValueError):
        return {}
    return manifest if isinstance(manifest, dict) and isinstance(manifest.get("files"), dict) else {}


def _intact(root: Path, files: dict) -> bool:
    """Return True if every file is there with its recorded size and checksum."""
    for relative, (size, checksum) in files.items():
        path = root / relative
        try:
            if path.stat().st_size != size or hashlib.sha256(path.read_bytes()).hexdigest() != checksum:
                return False
        except OSError:
            return False
    return bool(files)


def _remove_stale(root: Path, previous: dict, current: dict) -> int:
    """Delete the files an earlier demo wrote that this one did not; return how many."""
    removed, top = 0, root.resolve()
    for relative in sorted(set(previous) - set(current)):
        path = (root / relative).resolve()
        if top in path.parents and path.is_file():
            path.unlink()
            removed += 1
            for parent in path.parents:  # drop folders the removal emptied, up to the root
                if parent == top or any(parent.iterdir()):
                    break
                parent.rmdir()
    return removed
