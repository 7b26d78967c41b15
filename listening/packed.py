"""A generated playlist's entries packed on its row (``Playlist.entries`` and ``Playlist.entry_notes``).

The nightly recommendation run rewrites every listener's Discover and Daily Mixes: a row per entry
(``PlaylistTrack``) cost 5.7 million rows a night at 50,000 listeners, with their index entries and
foreign-key checks. Packed, it is one column of the playlist rows the run updates anyway:

- ``entries``: 8 bytes per entry, in order: track id (int32), note (int32, an index into the
  distinct notes);
- ``entry_notes``: the playlist's distinct notes, one per line, with backslashes, line feeds and
  NULs escaped (``\\\\``, ``\\n``, ``\\0``) so that any text round-trips.

Little-endian whatever the machine. Readers decode with ``struct`` (web processes import no numpy);
the nightly writer may encode whole chunks with numpy (``ENTRY_DTYPE``, ``escape_note``). User
playlists keep their ``PlaylistTrack`` rows: they are edited entry by entry.
"""

import re
import struct
from collections.abc import Iterable

ENTRY = struct.Struct("<ii")
# numpy's spelling of the same records (for the nightly writer).
ENTRY_DTYPE = [("track", "<i4"), ("note", "<i4")]

_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\x00": "\\0"}
_UNESCAPES = {"\\": "\\", "n": "\n", "0": "\x00"}
_ESCAPED = re.compile(r"\\(.)", re.DOTALL)


def escape_note(note: str) -> str:
    """Return a note as one line of ``entry_notes`` (see the module's docstring)."""
    if "\\" in note or "\n" in note or "\x00" in note:
        return "".join(_ESCAPES.get(char, char) for char in note)
    return note


def _unescape(line: str) -> str:
    if "\\" not in line:
        return line
    return _ESCAPED.sub(lambda found: _UNESCAPES.get(found.group(1), found.group(1)), line)


def notes_text(notes: Iterable[str]) -> str:
    """Return the ``entry_notes`` text of these distinct notes, in the order the entries index them."""
    return "\n".join(escape_note(note) for note in notes)


def pack_entries(entries: Iterable[tuple[int, str]]) -> tuple[bytes, str]:
    """Pack (track id, note) entries, in order: return (entries, entry_notes)."""
    index_of: dict[str, int] = {}
    pack = ENTRY.pack
    parts = []
    for track_id, note in entries:
        note = note or ""
        index = index_of.get(note)
        if index is None:
            index = index_of[note] = len(index_of)
        parts.append(pack(int(track_id), index))
    return b"".join(parts), notes_text(index_of)


def unpack_entries(blob, notes: str) -> list[tuple[int, str]]:
    """Decode packed entries: (track id, note), in order (an empty list for None)."""
    if not blob:
        return []
    lines = [_unescape(line) for line in notes.split("\n")] if notes else []
    count = len(lines)
    return [
        (track_id, lines[index] if 0 <= index < count else "")
        for track_id, index in ENTRY.iter_unpack(bytes(blob))
    ]
