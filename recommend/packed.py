"""The compact lists the nightly run writes: one row per listener, track or artist, its ranked list
packed in a binary column.

- a listener's recommendations (``RecommendationList.items``): 16 bytes per entry, best first:
  track id (int32), score (float32), seed track id (int32, 0: none), reason (int32, an index into
  the row's ``reasons`` text, one distinct reason per line);
- a track's or an artist's neighbours (``SimilarTrackList.items``, ``SimilarArtistList.items``):
  8 bytes per neighbour, most similar first: id (int32), score (float32).

Little-endian whatever the machine. Readers decode with ``struct`` (web processes import no numpy);
the nightly run encodes whole chunks with numpy. Writing 50,000 rows of 1.6 KB is a small part of
what 5 million rows of a row-per-entry layout cost (their per-row overhead and index entries).
"""

import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection

from streamapp import bulk

RECOMMENDATION = struct.Struct("<ifii")
NEIGHBOUR = struct.Struct("<if")
# numpy's spelling of the same records (used by the writers only).
RECOMMENDATION_DTYPE = [("track", "<i4"), ("score", "<f4"), ("seed", "<i4"), ("reason", "<i4")]
NEIGHBOUR_DTYPE = [("id", "<i4"), ("score", "<f4")]


@dataclass(frozen=True)
class Entry:
    """One of a listener's recommendations, ``rank`` from 1."""

    rank: int
    track_id: int
    score: float
    reason: str
    seed_track_id: int | None


def _raw(blob) -> bytes:
    return bytes(blob) if blob is not None else b""


def recommendation_entries(blob, reasons: str) -> list[Entry]:
    """Decode a listener's packed recommendations, best first."""
    lines = reasons.split("\n") if reasons else []
    out = []
    for rank, (track, score, seed, reason) in enumerate(RECOMMENDATION.iter_unpack(_raw(blob)), 1):
        text = lines[reason] if 0 <= reason < len(lines) else ""
        out.append(Entry(rank, track, score, text, seed or None))
    return out


def neighbours(blob) -> list[tuple[int, float]]:
    """Decode a packed neighbour list: (id, score), most similar first."""
    return list(NEIGHBOUR.iter_unpack(_raw(blob)))


def pack_recommendations(entries: Iterable[tuple[int, float, str, int | None]]) -> tuple[bytes, str]:
    """Pack (track id, score, reason, seed track id or None) entries, best first: return (items, reasons)."""
    lines: dict[str, int] = {}
    pack = RECOMMENDATION.pack
    parts = []
    for track, score, reason, seed in entries:
        index = lines.get(reason)
        if index is None:
            index = lines[reason] = len(lines)
        parts.append(pack(track, score, seed or 0, index))
    return b"".join(parts), "\n".join(" ".join(str(reason).split()) for reason in lines)  # one line each


def pack_neighbours(pairs: Iterable[tuple[int, float]]) -> bytes:
    return b"".join(NEIGHBOUR.pack(int(i), float(s)) for i, s in pairs)


def binary_value(blob: bytes):
    """Return ``blob`` as ``bulk.insert_rows`` (adapt=False) takes it: bytea's hex text for PostgreSQL's
    COPY, the bytes themselves for SQLite."""
    if connection.vendor == "postgresql":
        return "\\x" + blob.hex()
    return blob


def insert_lists(table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Insert rows of plain values whose binary columns went through ``binary_value``; return the count
    (COPY on PostgreSQL; call it inside the caller's transaction)."""
    return bulk.insert_rows(table, columns, rows, adapt=False)
