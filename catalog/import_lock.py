"""The locks that let one library import, and one loudness measurement, run at a time, across processes
(web, workers, command line).

On PostgreSQL it is a session advisory lock; on SQLite (one machine by nature) an flock on a file
beside the database. Both are released by the operating system or the server when the process
holding them dies, so a crashed import never blocks the next one.
"""

import fcntl
import logging
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import DatabaseError, connection

logger = logging.getLogger(__name__)

# pg_advisory_lock takes a bigint; a fixed value derived from the lock's name.
ADVISORY_LOCK_KEY = zlib.crc32(b"streamapp.catalog.library_import")
LOUDNESS_LOCK_KEY = zlib.crc32(b"streamapp.catalog.measure_loudness")


class ImportAlreadyRunning(Exception):
    """Another library import holds the lock."""

    def __init__(self, message: str = "Another library import is running; try again when it has finished."):
        super().__init__(message)


class LoudnessAlreadyRunning(Exception):
    """Another loudness measurement holds the lock."""

    def __init__(self, message: str = "Another loudness measurement is running; it measures these files."):
        super().__init__(message)


@contextmanager
def library_import_lock() -> Iterator[None]:
    """Hold the library import lock for the block; raise ImportAlreadyRunning if it is taken."""
    with _lock(ADVISORY_LOCK_KEY, "import", ImportAlreadyRunning):
        yield


@contextmanager
def loudness_lock() -> Iterator[None]:
    """Hold the loudness measurement lock for the block; raise LoudnessAlreadyRunning if it is taken."""
    with _lock(LOUDNESS_LOCK_KEY, "loudness", LoudnessAlreadyRunning):
        yield


@contextmanager
def _lock(key: int, name: str, taken: type[Exception]) -> Iterator[None]:
    if connection.vendor == "postgresql":
        with _advisory_lock(key, taken):
            yield
    else:
        with _file_lock(_lock_file(name), taken):
            yield


@contextmanager
def _advisory_lock(key: int, taken: type[Exception]) -> Iterator[None]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        (acquired,) = cursor.fetchone()
    if not acquired:
        raise taken()
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
        except DatabaseError:  # the connection is gone, and the lock with it
            logger.warning("Could not release the catalog lock %s", key, exc_info=True)


@contextmanager
def _file_lock(path: Path, taken: type[Exception]) -> Iterator[None]:
    with open(path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise taken() from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _lock_file(name: str = "import") -> Path:
    database = str(connection.settings_dict.get("NAME") or "")
    if database and not database.startswith(("file:", ":memory:")):
        return Path(f"{database}.{name}-lock")
    return Path(tempfile.gettempdir()) / f"streamapp-library-{name}.lock"
