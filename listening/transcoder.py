"""ffmpeg runs for the stream endpoint, and the disk cache of their finished output (no database).

One transcode (a file's checksum, a format, a bitrate: its *key*) runs ffmpeg once, however many
requests want it, across threads and gunicorn workers (file locks, no Redis):

- `<key>.lock`: the **leader** holds an exclusive flock while ffmpeg runs. It streams ffmpeg's output
  to its client as it comes and appends it to `<key>.part`; once ffmpeg exits 0 it renames the part to
  the cache file `<key>.<ext>` (atomic: a cache file is always whole), else deletes it.
- `<key>.readers`: each **follower** (a request that found the lock taken) holds a shared flock on it
  while it tails the growing part file. When the leader's client leaves, the leader lets ffmpeg finish
  into the cache if a follower is reading, and kills it otherwise.
- The output is bit-exact (`-fflags +bitexact`): every run of a key writes the same bytes, so a part
  file always holds a prefix of the one right answer. A follower whose leader died (the lock free, no
  cache file) takes the lead itself and skips the bytes its client already has.

A run is bounded by STREAMAPP_TRANSCODE_TIMEOUT_SECONDS; ffmpeg is killed and reaped whenever its
stream ends early. See docs/streaming.md.
"""

import contextlib
import errno
import fcntl
import logging
import os
import select
import subprocess
import tempfile
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from .transcoding import OutputFormat

log = logging.getLogger(__name__)

READ_SIZE = 64 * 1024
# How often a follower looks for more bytes in the leader's part file.
FOLLOW_POLL_SECONDS = 0.02
# How much of ffmpeg's error output is kept (the start and the end of it).
STDERR_KEPT = 2000
# Once ffmpeg has sent its first bytes it runs at this niceness: it still encodes many times faster than
# real time, and the first bytes of the streams starting meanwhile (ffmpeg's start, at niceness 0)
# come first when many listeners press play at once.
ENCODE_NICENESS = 5


class TranscodeError(Exception):
    """ffmpeg could not transcode the file (it exited with an error, or ran out of time)."""

    def __init__(self, message: str, stderr: str = "") -> None:
        super().__init__(message)
        self.stderr = stderr


@dataclass(frozen=True)
class Job:
    source: Path
    checksum: str
    output: OutputFormat
    kbps: int
    offset: float = 0.0

    @property
    def key(self) -> str:
        return f"{self.checksum}-{self.output.name}-{self.kbps}"


@dataclass(frozen=True)
class Entry:
    """A key's files in the cache directory."""

    final: Path
    part: Path
    lock: Path
    readers: Path

    @classmethod
    def of(cls, job: Job) -> "Entry":
        folder = Path(settings.STREAMAPP_TRANSCODE_CACHE_DIR) / job.checksum[:2]
        base = folder / job.key
        return cls(
            final=folder / f"{job.key}.{job.output.extension}",
            part=base.with_name(base.name + ".part"),
            lock=base.with_name(base.name + ".lock"),
            readers=base.with_name(base.name + ".readers"),
        )


# What a finished stream reports: the bytes sent, and the error that ended it (None when it succeeded
# or the client left).
Finish = Callable[[int, TranscodeError | None], None]


def cached_file(job: Job) -> Path | None:
    """Return the key's cache file, marked as just used (LRU), or None when it is not cached."""
    final = Entry.of(job).final
    try:
        stat = os.stat(final)
    except FileNotFoundError:
        return None
    except OSError as error:
        log.warning("transcode cache unusable: %s", error)
        return None
    try:
        os.utime(final, ns=(time.time_ns(), stat.st_mtime_ns))
    except OSError as error:  # a read-only cache still serves what it has
        log.warning("transcode cache: could not mark %s as used: %s", final, error)
    return final


def command(job: Job) -> list[str]:
    """Return ffmpeg's command line for a job (its output on stdout)."""
    args = [settings.STREAMAPP_FFMPEG, "-nostdin", "-v", "error"]
    if job.offset:
        args += ["-ss", f"{job.offset:.3f}"]
    args += ["-i", f"file:{job.source}", "-map", "0:a:0", "-map_metadata", "-1", "-vn"]
    args += ["-fflags", "+bitexact", "-flags:a", "+bitexact", "-b:a", f"{job.kbps}k"]
    return [*args, *job.output.codec_args, "pipe:1"]


class Stream:
    """The bytes of a transcode as they come; `close()` (Django calls it when the client leaves) stops it.

    Built with its first chunk already read, so that ffmpeg failing at once raises TranscodeError
    before any response is sent.
    """

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        try:
            self._first: bytes | None = next(chunks)
        except StopIteration:
            self._first = b""

    def __iter__(self) -> "Stream":
        return self

    def __next__(self) -> bytes:
        if self._first is not None:
            first, self._first = self._first, None
            return first
        return next(self._chunks)

    def close(self) -> None:
        self._chunks.close()


def open_stream(job: Job, *, on_finish: Finish) -> Stream:
    """Start (or join) the job's transcode and return its stream; raise TranscodeError when ffmpeg fails
    before its first byte. A job with an offset runs on its own and is not cached."""
    if job.offset:
        return Stream(_reporting(_direct(job), on_finish))
    return Stream(_reporting(_shared(job), on_finish))


def _reporting(chunks: Generator[bytes], on_finish: Finish) -> Iterator[bytes]:
    sent, error = 0, None
    try:
        for chunk in chunks:
            sent += len(chunk)
            yield chunk
    except TranscodeError as failure:
        if sent == 0:
            raise  # before the first byte: the view answers with an error instead
        error = failure  # mid-stream: the stream ends here
    finally:
        try:
            chunks.close()  # stops ffmpeg now, not whenever the generator is collected
        finally:
            if sent or error:
                on_finish(sent, error)


# ------------------------------------------------------------------------------ ffmpeg


class _Run:
    """One ffmpeg process: its stdout read with a deadline, its stderr kept in a temporary file."""

    def __init__(self, job: Job) -> None:
        self.job = job
        # The time spent waiting for ffmpeg's output: a slow client (ffmpeg blocked on a full pipe
        # meanwhile) does not use it up, a stuck ffmpeg does.
        self.budget = settings.STREAMAPP_TRANSCODE_TIMEOUT_SECONDS
        self._niced = False
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed by stop()); a pipe could block ffmpeg
        try:
            self.process = subprocess.Popen(
                command(job), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self._stderr
            )
        except OSError as error:
            self._stderr.close()
            raise TranscodeError(f"ffmpeg could not be started: {error}") from error

    def read(self) -> bytes:
        """Return ffmpeg's next output (b"" at its end); raise TranscodeError when it fails or times out."""
        stdout = self.process.stdout
        waited = time.monotonic()
        ready = self.budget > 0 and select.select([stdout], [], [], self.budget)[0]
        self.budget -= time.monotonic() - waited
        if not ready:
            self.process.kill()
            self.process.wait()
            raise TranscodeError(
                f"ffmpeg ran out of time ({settings.STREAMAPP_TRANSCODE_TIMEOUT_SECONDS} s)", self.stderr()
            )
        chunk = os.read(stdout.fileno(), READ_SIZE)
        if chunk:
            if not self._niced:
                self._niced = True
                with contextlib.suppress(OSError):  # it may have exited already
                    os.setpriority(os.PRIO_PROCESS, self.process.pid, ENCODE_NICENESS)
            return chunk
        try:
            returncode = self.process.wait(timeout=max(self.budget, 1))
        except subprocess.TimeoutExpired:  # its output closed, yet it runs on
            self.process.kill()
            returncode = self.process.wait()
        if returncode != 0:
            raise TranscodeError(f"ffmpeg exited with status {returncode}", self.stderr())
        return b""

    def stderr(self) -> str:
        self._stderr.seek(0)
        text = self._stderr.read(64 * 1024).decode("utf-8", "replace").strip()
        if len(text) > STDERR_KEPT:
            half = STDERR_KEPT // 2
            text = text[:half] + "\n[...]\n" + text[-half:]
        return text

    def stop(self) -> None:
        """Kill ffmpeg if it still runs, and reap it (no zombie)."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.process.stdout.close()
        self._stderr.close()


def _direct(job: Job) -> Iterator[bytes]:
    """ffmpeg's output straight to the client: seeking into a transcode (not cached)."""
    run = _Run(job)
    try:
        while chunk := run.read():
            yield chunk
    finally:
        run.stop()


# ------------------------------------------------------------------------------ shared runs and the cache


def _acquire(path: Path, operation: int) -> int | None:
    """Open `path` and flock it; return the descriptor, or None when LOCK_NB finds it taken.

    Checks the lock is on the file the path names now: eviction may have deleted it meanwhile.
    """
    while True:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(descriptor, operation)
        except BlockingIOError:
            os.close(descriptor)
            return None
        try:
            if os.stat(path).st_ino == os.fstat(descriptor).st_ino:
                return descriptor
        except FileNotFoundError:
            pass
        os.close(descriptor)


def _release(descriptor: int) -> None:
    fcntl.flock(descriptor, fcntl.LOCK_UN)
    os.close(descriptor)


def _shared(job: Job) -> Iterator[bytes]:
    """The job's output, from the cache, a run this request leads, or one it follows."""
    entry = Entry.of(job)
    try:
        entry.final.parent.mkdir(parents=True, exist_ok=True)
        lock = _acquire(entry.lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as error:  # no cache (full disk, permissions): still a stream, not cached
        log.warning("transcode cache unusable, %s not cached: %s", job.key, error)
        yield from _direct(job)
        return
    if lock is None:
        yield from _follow(job, entry)
    elif entry.final.exists():  # finished between the caller's look and the lock
        _release(lock)
        yield from _read_file(entry.final, skip=0)
    else:
        yield from _lead(job, entry, lock, skip=0)


def _read_file(path: Path, *, skip: int) -> Iterator[bytes]:
    with path.open("rb") as handle:
        handle.seek(skip)
        while chunk := handle.read(READ_SIZE):
            yield chunk


class _PartFile:
    """The part file a leader appends ffmpeg's output to. A failed write (a full disk) stops the caching,
    not the stream."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.descriptor: int | None = None
        try:
            self.descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        except OSError as error:
            log.warning("transcode cache: cannot write %s, not cached: %s", path, error)

    def write(self, data: bytes) -> None:
        if self.descriptor is None:
            return
        view = memoryview(data)
        try:
            while view:
                view = view[os.write(self.descriptor, view) :]
        except OSError as error:
            log.warning("transcode cache: writing %s failed, not cached: %s", self.path, error)
            self.discard()

    def keep(self, final: Path) -> bool:
        """Rename the part file to `final` (the cache file); return whether it was kept."""
        if self.descriptor is None:
            return False
        os.close(self.descriptor)
        self.descriptor = None
        os.rename(self.path, final)
        return True

    def discard(self) -> None:
        if self.descriptor is not None:
            os.close(self.descriptor)
            self.descriptor = None
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)


def _lead(job: Job, entry: Entry, lock: int, *, skip: int) -> Iterator[bytes]:
    """Run ffmpeg, send its output (after the first `skip` bytes) and write it to the part file; the
    part becomes the cache file when ffmpeg succeeds. Holds `lock` (released here)."""
    kept = False
    run = None
    part = _PartFile(entry.part)
    try:
        run = _Run(job)
        written = 0
        try:
            while chunk := run.read():
                part.write(chunk)
                written += len(chunk)
                if written > skip:
                    yield chunk[max(skip - (written - len(chunk)), 0) :]
        except GeneratorExit:
            # The client left: if another request is reading, finish into the cache for it.
            if not (_followed(entry) and _drain(run, part)):
                raise
        kept = part.keep(entry.final)
    finally:
        if run is not None:
            run.stop()
        if not kept:
            part.discard()
        _release(lock)
    if kept:
        try:
            evict()
        except OSError as error:
            log.warning("transcode cache: eviction failed: %s", error)


def _drain(run: _Run, part: _PartFile) -> bool:
    """Write the rest of ffmpeg's output to the part file; return whether ffmpeg succeeded."""
    try:
        while chunk := run.read():
            part.write(chunk)
    except TranscodeError as error:
        log.warning("transcode %s failed after its client left: %s\n%s", run.job.key, error, error.stderr)
        return False
    return True


def _followed(entry: Entry) -> bool:
    """Whether a follower is reading the part file (it holds the readers lock shared)."""
    probe = _acquire(entry.readers, fcntl.LOCK_EX | fcntl.LOCK_NB)
    if probe is None:
        return True
    _release(probe)
    return False


def _follow(job: Job, entry: Entry) -> Iterator[bytes]:
    """Send the leader's output as its part file grows; take the lead if the leader dies."""
    readers = _acquire(entry.readers, fcntl.LOCK_SH)
    sent, lock = 0, None
    try:
        idle_since = time.monotonic()
        while True:
            chunk = _read_part(entry, sent)
            if chunk:
                sent += len(chunk)
                idle_since = time.monotonic()
                yield chunk
                continue
            # At the end of what the part file holds: finished, still running, or dead?
            if entry.final.exists():
                yield from _read_file(entry.final, skip=sent)
                return
            lock = _acquire(entry.lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if lock is not None:
                break
            if time.monotonic() - idle_since > settings.STREAMAPP_TRANSCODE_TIMEOUT_SECONDS:
                raise TranscodeError("the transcode this request followed stopped sending")
            time.sleep(FOLLOW_POLL_SECONDS)
    finally:
        _release(readers)
    if entry.final.exists():  # finished between our look and the lock
        _release(lock)
        yield from _read_file(entry.final, skip=sent)
        return
    log.info("transcode %s: its leader is gone, this request takes over at byte %d", job.key, sent)
    yield from _lead(job, entry, lock, skip=sent)


def _read_part(entry: Entry, position: int) -> bytes:
    """Return what the part file holds from `position` on (up to READ_SIZE), b"" when nothing (yet).

    Opened afresh each time: a new leader may have started a new part file.
    """
    try:
        with entry.part.open("rb") as handle:
            handle.seek(position)
            return handle.read(READ_SIZE)
    except FileNotFoundError:
        return b""


# ------------------------------------------------------------------------------ eviction


@dataclass(frozen=True)
class CacheSize:
    bytes: int
    files: int


def _cache_files() -> list[os.DirEntry]:
    root = Path(settings.STREAMAPP_TRANSCODE_CACHE_DIR)
    found = []
    with contextlib.suppress(FileNotFoundError), os.scandir(root) as folders:
        for folder in folders:
            if not folder.is_dir(follow_symlinks=False):
                continue
            with os.scandir(folder.path) as files:
                found += [item for item in files if not item.name.endswith((".lock", ".readers"))]
    return found


def cache_size() -> CacheSize:
    """Return the bytes and number of finished transcodes in the cache."""
    files = [item for item in _cache_files() if not item.name.endswith(".part")]
    return CacheSize(bytes=sum(item.stat().st_size for item in files), files=len(files))


def evict() -> int:
    """Delete the least recently used transcodes until the cache fits STREAMAPP_TRANSCODE_CACHE_MAX_BYTES,
    and part files no run holds; return how many files were deleted. One evictor at a time."""
    root = Path(settings.STREAMAPP_TRANSCODE_CACHE_DIR)
    root.mkdir(parents=True, exist_ok=True)
    guard = _acquire(root / ".evict.lock", fcntl.LOCK_EX | fcntl.LOCK_NB)
    if guard is None:
        return 0  # another request is evicting
    try:
        return _evict_unlocked()
    finally:
        _release(guard)


def _evict_unlocked() -> int:
    files, deleted = [], 0
    for item in _cache_files():
        try:
            stat = item.stat()
        except FileNotFoundError:
            continue
        files.append((stat.st_atime, stat.st_size, Path(item.path)))
    total = sum(size for _, size, path in files if path.suffix != ".part")
    limit = settings.STREAMAPP_TRANSCODE_CACHE_MAX_BYTES
    for _, size, path in sorted(files):
        is_part = path.suffix == ".part"
        if not is_part and total <= limit:
            continue
        if _delete_entry(path):
            deleted += 1
            total -= 0 if is_part else size
    return deleted


def _delete_entry(path: Path) -> bool:
    """Delete a cache or part file and its lock files, unless a run holds its lock."""
    base = path.with_suffix("")
    lock_path = base.with_name(base.name + ".lock")
    lock = _acquire(lock_path, fcntl.LOCK_EX | fcntl.LOCK_NB)
    if lock is None:
        return False  # a run is writing it
    try:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        readers_path = base.with_name(base.name + ".readers")
        readers = _acquire(readers_path, fcntl.LOCK_EX | fcntl.LOCK_NB)
        if readers is not None:
            os.unlink(readers_path)
            _release(readers)
        os.unlink(lock_path)
    except OSError as error:
        if error.errno != errno.ENOENT:
            log.warning("transcode cache: could not delete %s: %s", path, error)
    finally:
        _release(lock)
    return True
