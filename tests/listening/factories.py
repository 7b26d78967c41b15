"""Playlists as the nightly run leaves them: a generated playlist's entries packed on its row."""

from listening import packed
from listening.models import Playlist


def pack_tracks(tracks, notes=None) -> dict:
    """Return the packed fields of a playlist holding these tracks (each with its note, or none)."""
    notes = notes if notes is not None else [""] * len(tracks)
    ids = [track if isinstance(track, int) else track.pk for track in tracks]
    entries, entry_notes = packed.pack_entries(zip(ids, notes, strict=True))
    return {"entries": entries, "entry_notes": entry_notes}


def make_generated_playlist(
    owner, tracks=(), *, kind=Playlist.Kind.DISCOVER, name="Discover", notes=None, **fields
) -> Playlist:
    """Create a generated playlist (Discover by default) holding these tracks (or track ids), in order."""
    packed_fields = pack_tracks(list(tracks), notes)
    return Playlist.objects.create(owner=owner, kind=kind, name=name, **packed_fields, **fields)


def generated_track_ids(playlist) -> list[int]:
    """Return the track ids a generated playlist's row holds, in order (as stored)."""
    playlist.refresh_from_db(fields=["entries", "entry_notes"])
    return [track_id for track_id, _ in packed.unpack_entries(playlist.entries, playlist.entry_notes)]


def generated_entries(playlist) -> list[tuple[int, str]]:
    """Return a generated playlist's stored (track id, note) entries, in order."""
    playlist.refresh_from_db(fields=["entries", "entry_notes"])
    return packed.unpack_entries(playlist.entries, playlist.entry_notes)
