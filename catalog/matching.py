"""Match submitted listen metadata (scrobbles, imported histories) to catalog tracks, in bulk.

A listen matches by MusicBrainz recording id first (Track.mbid), else by the normalised artist and
title (Track.artist or the album's artist; Track.title_key), with the album title breaking ties.
match_key() is the catalog's one matching key (the library importer and the admin use it too):
catalog.normalize.name_key, falling back to the case-folded text for names made only of punctuation ("!!!").
"""

import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from .models import Track
from .normalize import name_key


@dataclass(frozen=True, slots=True)
class MatchQuery:
    artist_name: str
    track_name: str
    release_name: str = ""
    recording_mbid: uuid.UUID | None = None


@functools.lru_cache(maxsize=65_536)
def match_key(text: str) -> str:
    """Return the matching key of a name: name_key(text), or its case-folded text if that is empty."""
    return name_key(text) or " ".join((text or "").casefold().split())[:255]


@dataclass(frozen=True, slots=True)
class _Candidate:
    track_id: int
    album_key: str
    by_track_artist: bool
    is_available: bool

    def rank(self, album_key: str) -> tuple:
        # Lower is better: same album, then the track's own artist, then a playable file, then oldest.
        return (
            not (album_key and self.album_key == album_key),
            not self.by_track_artist,
            not self.is_available,
            self.track_id,
        )


def _best(candidates: list[_Candidate], album_key: str) -> int | None:
    if not candidates:
        return None
    if len(candidates) == 1:
        return candidates[0].track_id
    return min(candidates, key=lambda candidate: candidate.rank(album_key)).track_id


def match_tracks(items: Sequence[MatchQuery]) -> list[int | None]:
    """Return the matching track id (or None) of each query, in order (at most 2 queries in all)."""
    album_keys = [match_key(item.release_name) if item.release_name else "" for item in items]
    by_mbid: dict[uuid.UUID, list[_Candidate]] = {}
    mbids = {item.recording_mbid for item in items if item.recording_mbid is not None}
    if mbids:
        rows = Track.objects.filter(mbid__in=mbids).order_by().values_list(
            "pk", "mbid", "album__title_key", "is_available"
        )
        for pk, mbid, album_key, is_available in rows:
            by_mbid.setdefault(mbid, []).append(_Candidate(pk, album_key, True, is_available))

    results: list[int | None] = [None] * len(items)
    pending: list[int] = []
    for index, item in enumerate(items):
        if item.recording_mbid is not None:
            results[index] = _best(by_mbid.get(item.recording_mbid, []), album_keys[index])
        if results[index] is None:
            pending.append(index)
    if not pending:
        return results

    pairs = {
        index: (match_key(items[index].artist_name), match_key(items[index].track_name)) for index in pending
    }
    artist_keys = {artist for artist, title in pairs.values() if artist and title}
    title_keys = {title for artist, title in pairs.values() if artist and title}
    by_pair: dict[tuple[str, str], list[_Candidate]] = {}
    if title_keys:
        # Titles alone select few enough rows; the artists are checked here, which keeps the
        # query plan simple (planning a join on two 1,000-item arrays costs more than running it).
        rows = (
            Track.objects.filter(title_key__in=title_keys)
            .order_by()
            .values_list(
                "pk",
                "title_key",
                "artist__name_key",
                "album__artist__name_key",
                "album__title_key",
                "is_available",
            )
        )
        for pk, title_key, artist_key, album_artist_key, album_key, is_available in rows:
            if artist_key in artist_keys:
                by_pair.setdefault((artist_key, title_key), []).append(
                    _Candidate(pk, album_key, True, is_available)
                )
            if album_artist_key in artist_keys and album_artist_key != artist_key:
                by_pair.setdefault((album_artist_key, title_key), []).append(
                    _Candidate(pk, album_key, False, is_available)
                )
    for index in pending:
        results[index] = _best(by_pair.get(pairs[index], []), album_keys[index])
    return results
