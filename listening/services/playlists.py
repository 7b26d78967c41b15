"""Playlists: create, edit, add, remove, reorder (atomically), duplicate, collaborate, import."""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max

from catalog.models import AudioFile, Track
from catalog.normalize import name_key

from .. import packed, playlist_formats, selectors
from ..models import Playlist, PlaylistCollaborator, PlaylistTrack

MAX_PLAYLIST_LENGTH = 10_000


def can_edit(playlist: Playlist, user) -> bool:
    """Return whether user may add, remove and reorder tracks (the owner or a collaborator)."""
    if playlist.kind != Playlist.Kind.USER:
        return False
    return playlist.owner_id == user.pk or playlist.collaborator_links.filter(user=user).exists()


def _check_edit(playlist: Playlist, user) -> None:
    if not can_edit(playlist, user):
        raise PermissionDenied("Only the owner and collaborators can change this playlist.")


def _check_owner(playlist: Playlist, user) -> None:
    if playlist.owner_id != user.pk or playlist.kind != Playlist.Kind.USER:
        raise PermissionDenied("Only the owner can do this.")


def _lock(playlist: Playlist) -> Playlist:
    # Every change to a playlist's items takes this row lock first (on SQLite the IMMEDIATE
    # transaction does the same), so concurrent edits are applied one after the other.
    return Playlist.objects.select_for_update().get(pk=playlist.pk)


def _library_changed(playlist: Playlist, *user_ids: int) -> None:
    """Refresh the sidebar library of everyone who sees this playlist in it (and of user_ids)."""
    collaborators = PlaylistCollaborator.objects.filter(playlist=playlist).values_list("user_id", flat=True)
    selectors.library_forget(user_ids=[playlist.owner_id, *collaborators, *user_ids])
    selectors.playlist_changed(uids=[playlist.uid])


def _validate_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "A playlist needs a name."})
    if len(name) > 200:
        raise ValidationError({"name": "A playlist name has at most 200 characters."})
    return name


@transaction.atomic
def playlist_create(
    *, owner, name: str, description: str = "", is_public: bool = False, tracks: list[Track] = ()
) -> Playlist:
    """Create a user playlist, optionally with tracks."""
    playlist = Playlist.objects.create(
        owner=owner, name=_validate_name(name), description=description.strip()[:2000], is_public=is_public
    )
    if tracks:
        playlist_add_tracks(playlist=playlist, actor=owner, tracks=list(tracks))
    selectors.library_forget(user_ids=[owner.pk])
    return playlist


@transaction.atomic
def playlist_update(
    *,
    playlist: Playlist,
    actor,
    name: str | None = None,
    description: str | None = None,
    is_public: bool | None = None,
) -> Playlist:
    """Rename, describe or change the visibility of a playlist (owner only)."""
    _check_owner(playlist, actor)
    if name is not None:
        playlist.name = _validate_name(name)
    if description is not None:
        playlist.description = description.strip()[:2000]
    if is_public is not None:
        playlist.is_public = is_public
    playlist.save()
    _library_changed(playlist)
    return playlist


@transaction.atomic
def playlist_delete(*, playlist: Playlist, actor) -> None:
    """Delete a playlist (owner only)."""
    _check_owner(playlist, actor)
    _library_changed(playlist)
    playlist.delete()


@transaction.atomic
def playlist_add_tracks(
    *, playlist: Playlist, actor, tracks: list[Track], position: int | None = None
) -> int:
    """Add tracks at the end (or at position); return how many were added."""
    _check_edit(playlist, actor)
    locked = _lock(playlist)
    count = locked.items.count()
    if count + len(tracks) > MAX_PLAYLIST_LENGTH:
        raise ValidationError({"tracks": f"A playlist holds at most {MAX_PLAYLIST_LENGTH:,} tracks."})
    if position is None or position >= count:
        start = (locked.items.aggregate(top=Max("position"))["top"] or 0) + 1 if count else 0
    else:
        start = max(position, 0)
        items = list(locked.items.order_by("position", "id"))
        for index, item in enumerate(items[start:], start=start + len(tracks)):
            item.position = index
        PlaylistTrack.objects.bulk_update(items[start:], ["position"])
    PlaylistTrack.objects.bulk_create(
        PlaylistTrack(playlist=locked, track=track, position=start + offset, added_by=actor)
        for offset, track in enumerate(tracks)
    )
    locked.save(update_fields=["updated_at"])
    _library_changed(locked)
    return len(tracks)


@transaction.atomic
def playlist_remove_item(*, playlist: Playlist, actor, item_id: int) -> None:
    """Remove one entry (by its item id, so duplicates of a track are told apart)."""
    _check_edit(playlist, actor)
    locked = _lock(playlist)
    deleted, _ = locked.items.filter(pk=item_id).delete()
    if not deleted:
        raise ValidationError({"item_id": "This entry is not in the playlist."})
    locked.save(update_fields=["updated_at"])
    _library_changed(locked)


@transaction.atomic
def playlist_remove_items(*, playlist: Playlist, actor, item_ids: list[int]) -> int:
    """Remove these entries (by item id) in one statement; return how many were removed.

    Ids no longer in the playlist are skipped (a client replacing a whole playlist sends what it saw).
    """
    _check_edit(playlist, actor)
    locked = _lock(playlist)
    deleted, _ = locked.items.filter(pk__in=list(item_ids)).delete()
    locked.save(update_fields=["updated_at"])
    _library_changed(locked)
    return deleted


@transaction.atomic
def playlist_reorder(*, playlist: Playlist, actor, item_ids: list[int]) -> list[int]:
    """Store a new order of the playlist's entries; return the stored order of item ids.

    Entries the client did not know about (added by someone else meanwhile) keep their relative
    order after the ones it sent, and ids that no longer exist are ignored: no edit loses a track.
    """
    _check_edit(playlist, actor)
    if len(set(item_ids)) != len(item_ids):
        raise ValidationError({"item_ids": "Each entry may appear once."})
    locked = _lock(playlist)
    items = {item.pk: item for item in locked.items.order_by("position", "id")}
    ordered = [items[item_id] for item_id in item_ids if item_id in items]
    sent = set(item_ids)
    ordered += [item for item_id, item in items.items() if item_id not in sent]
    for position, item in enumerate(ordered):
        item.position = position
    PlaylistTrack.objects.bulk_update(ordered, ["position"], batch_size=500)
    locked.save(update_fields=["updated_at"])
    _library_changed(locked)
    return [item.pk for item in ordered]


@transaction.atomic
def playlist_move_item(*, playlist: Playlist, actor, item_id: int, to_index: int) -> list[int]:
    """Move one entry to a new index (what a drag and drop does); return the stored order."""
    _check_edit(playlist, actor)
    locked = _lock(playlist)
    order = list(locked.items.order_by("position", "id").values_list("pk", flat=True))
    if item_id not in order:
        raise ValidationError({"item_id": "This entry is not in the playlist."})
    order.remove(item_id)
    order.insert(min(max(to_index, 0), len(order)), item_id)
    return playlist_reorder(playlist=locked, actor=actor, item_ids=order)


@transaction.atomic
def playlist_duplicate(*, playlist: Playlist, actor) -> Playlist:
    """Copy a playlist the actor can see into a new private playlist of theirs."""
    copy = Playlist.objects.create(
        owner=actor, name=f"{playlist.name} (copy)"[:200], description=playlist.description, is_public=False
    )
    PlaylistTrack.objects.bulk_create(
        PlaylistTrack(playlist=copy, track_id=track_id, position=position, added_by=actor)
        for position, track_id in enumerate(selectors.playlist_items(playlist=playlist).track_ids())
    )
    selectors.library_forget(user_ids=[actor.pk])
    return copy


@transaction.atomic
def playlist_collaborator_add(*, playlist: Playlist, actor, user) -> PlaylistCollaborator:
    """Invite a user to add and reorder tracks (owner only)."""
    _check_owner(playlist, actor)
    if user.pk == playlist.owner_id:
        raise ValidationError({"username": "The owner is already part of the playlist."})
    link, _ = PlaylistCollaborator.objects.get_or_create(playlist=playlist, user=user)
    selectors.library_forget(user_ids=[user.pk])
    selectors.playlist_changed(uids=[playlist.uid])
    return link


@transaction.atomic
def playlist_collaborator_remove(*, playlist: Playlist, actor, user) -> None:
    """Remove a collaborator (the owner, or collaborators removing themselves)."""
    if actor.pk != user.pk:
        _check_owner(playlist, actor)
    PlaylistCollaborator.objects.filter(playlist=playlist, user=user).delete()
    selectors.library_forget(user_ids=[user.pk])
    selectors.playlist_changed(uids=[playlist.uid])


# ------------------------------------------------------------------------------ generated playlists
def _generated_locked(*, owner, playlist_ids: Iterable[int] | None = None) -> list[Playlist]:
    # The nightly swap takes the listener's row lock first, then writes these rows: lock the same
    # way round, so that a thumbs-down and the swap of the same listener apply one after the other.
    get_user_model().objects.select_for_update().filter(pk=owner.pk).values_list("pk").first()
    playlists = Playlist.objects.select_for_update().filter(owner=owner).exclude(kind=Playlist.Kind.USER)
    if playlist_ids is not None:
        playlists = playlists.filter(pk__in=list(playlist_ids))
    return list(playlists.order_by("pk"))


def _generated_write(playlists: list[Playlist]) -> None:
    # bulk_update leaves updated_at alone: the entries keep the time the nightly run wrote them.
    Playlist.objects.bulk_update(playlists, ["entries", "entry_notes"])
    selectors.playlist_changed(uids=[playlist.uid for playlist in playlists])


@transaction.atomic
def generated_entries_remove(*, owner, track_id: int) -> list[dict]:
    """Take a track out of the owner's generated playlists (their packed entries); return what was
    removed, for generated_entries_restore: [{"playlist_id", "position", "note"}], positions in
    each playlist's list as it was.

    Holds the listener's and the playlists' row locks while it rewrites them (2 queries, a third
    when the track was in one).
    """
    removed, changed = [], []
    for playlist in _generated_locked(owner=owner):
        entries = packed.unpack_entries(playlist.entries, playlist.entry_notes)
        kept = [entry for entry in entries if entry[0] != track_id]
        if len(kept) == len(entries):
            continue
        removed += [
            {"playlist_id": playlist.pk, "position": position, "note": note}
            for position, (entry_track, note) in enumerate(entries)
            if entry_track == track_id
        ]
        playlist.entries, playlist.entry_notes = packed.pack_entries(kept)
        changed.append(playlist)
    if changed:
        _generated_write(changed)
    return removed


@transaction.atomic
def generated_entries_restore(*, owner, track_id: int, removed: list[dict]) -> int:
    """Put back entries that generated_entries_remove took out, at their positions, in those of the
    owner's generated playlists that are still there; return how many were put back."""
    by_playlist: dict[int, list[dict]] = {}
    for row in removed:
        by_playlist.setdefault(row["playlist_id"], []).append(row)
    changed, restored = [], 0
    for playlist in _generated_locked(owner=owner, playlist_ids=by_playlist):
        entries = packed.unpack_entries(playlist.entries, playlist.entry_notes)
        for row in sorted(by_playlist[playlist.pk], key=lambda row: row["position"]):
            entries.insert(min(max(row["position"], 0), len(entries)), (track_id, row.get("note", "")))
            restored += 1
        playlist.entries, playlist.entry_notes = packed.pack_entries(entries)
        changed.append(playlist)
    if changed:
        _generated_write(changed)
    return restored


@dataclass
class PlaylistImportResult:
    playlist: Playlist
    matched: int = 0
    unmatched: list[dict] = field(default_factory=list)  # [{"line": n, "entry": "..."}]


_STREAM_URL = re.compile(r"/stream/(\d+)/?$")


def _match_entries(entries: list[playlist_formats.ImportEntry]) -> list[Track | None]:
    """Match entries to tracks by stream URL, file path, then artist + title (+ album): 3 queries."""
    paths, ids, keys = set(), set(), set()
    for entry in entries:
        location = playlist_formats.location_path(entry.location)
        if found := _STREAM_URL.search(location):
            ids.add(int(found.group(1)))
        elif location:
            paths.add(location)
        if entry.title:
            keys.add(name_key(entry.title))
    by_id = Track.objects.in_bulk(ids)
    by_path = dict(
        AudioFile.objects.filter(path__in=paths, tracks__isnull=False).values_list("path", "tracks")
    )
    by_path_tracks = Track.objects.in_bulk(set(by_path.values()))
    candidates: dict[tuple[str, str], list[Track]] = {}
    for track in Track.objects.filter(title_key__in=keys).select_related("artist", "album"):
        candidates.setdefault((track.artist.name_key, track.title_key), []).append(track)
    matched: list[Track | None] = []
    for entry in entries:
        location = playlist_formats.location_path(entry.location)
        track = None
        if found := _STREAM_URL.search(location):
            track = by_id.get(int(found.group(1)))
        if track is None and location in by_path:
            track = by_path_tracks.get(by_path[location])
        if track is None and entry.title:
            options = candidates.get((name_key(entry.artist), name_key(entry.title)), [])
            if entry.album:
                options = sorted(options, key=lambda t: t.album.title_key != name_key(entry.album))
            track = options[0] if options else None
        matched.append(track)
    return matched


@transaction.atomic
def playlist_import(*, owner, name: str, content: bytes, filename: str = "") -> PlaylistImportResult:
    """Create a playlist from an M3U8 or XSPF file, reporting the entries that matched nothing."""
    try:
        entries = playlist_formats.parse_playlist(content, filename=filename)
    except playlist_formats.PlaylistFormatError as error:
        raise ValidationError({"file": str(error)}) from error
    if not entries:
        raise ValidationError({"file": "The playlist has no entries."})
    if len(entries) > MAX_PLAYLIST_LENGTH:
        raise ValidationError({"file": f"A playlist holds at most {MAX_PLAYLIST_LENGTH:,} tracks."})
    matches = _match_entries(entries)
    tracks = [track for track in matches if track is not None]
    playlist = playlist_create(owner=owner, name=name, tracks=tracks)
    unmatched = [
        {"line": entry.line, "entry": entry.raw} for entry, track in zip(entries, matches) if track is None
    ]
    return PlaylistImportResult(playlist=playlist, matched=len(tracks), unmatched=unmatched)
