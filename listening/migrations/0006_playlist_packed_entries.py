"""Generated playlists keep their entries packed on the playlist row: convert their PlaylistTrack rows.

The packing is spelled out here (as listening/packed.py had it when this was written), so that the
migration keeps meaning the same whatever that module becomes. Reversible: the reverse writes the
rows back (positions from 0, added at the playlist's update time) and clears the packed columns.
"""

import struct

from django.db import migrations, models

import listening.models

ENTRY = struct.Struct("<ii")
ESCAPES = {"\\": "\\\\", "\n": "\\n", "\x00": "\\0"}
UNESCAPES = {"\\": "\\", "n": "\n", "0": "\x00"}
GENERATED = ("discover", "daily_mix")
BATCH = 500  # playlists per round trip


def _escape(note: str) -> str:
    return "".join(ESCAPES.get(char, char) for char in note)


def _unescape(line: str) -> str:
    out, chars = [], iter(line)
    for char in chars:
        if char == "\\":
            char = next(chars, "")
            char = UNESCAPES.get(char, char)
        out.append(char)
    return "".join(out)


def _pack(rows) -> tuple[bytes, str]:
    index_of: dict[str, int] = {}
    parts = []
    for track_id, note in rows:
        index = index_of.setdefault(note or "", len(index_of))
        parts.append(ENTRY.pack(track_id, index))
    return b"".join(parts), "\n".join(_escape(note) for note in index_of)


def _batches(queryset):
    ids = list(queryset.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


def pack_generated(apps, schema_editor):
    Playlist = apps.get_model("listening", "Playlist")
    PlaylistTrack = apps.get_model("listening", "PlaylistTrack")
    for ids in _batches(Playlist.objects.filter(kind__in=GENERATED)):
        rows: dict[int, list] = {pk: [] for pk in ids}
        for playlist_id, track_id, note in (
            PlaylistTrack.objects.filter(playlist_id__in=ids)
            .order_by("playlist_id", "position", "id")
            .values_list("playlist_id", "track_id", "note")
        ):
            rows[playlist_id].append((track_id, note))
        playlists = []
        for pk, entries in rows.items():
            packed, notes = _pack(entries)
            playlists.append(Playlist(pk=pk, entries=packed, entry_notes=notes))
        Playlist.objects.bulk_update(playlists, ["entries", "entry_notes"])
        PlaylistTrack.objects.filter(playlist_id__in=ids).delete()


def unpack_generated(apps, schema_editor):
    Playlist = apps.get_model("listening", "Playlist")
    PlaylistTrack = apps.get_model("listening", "PlaylistTrack")
    for ids in _batches(Playlist.objects.filter(kind__in=GENERATED)):
        rows = []
        for pk, packed, notes in Playlist.objects.filter(pk__in=ids).values_list("pk", "entries", "entry_notes"):
            lines = [_unescape(line) for line in notes.split("\n")] if notes else []
            for position, (track_id, index) in enumerate(ENTRY.iter_unpack(bytes(packed or b""))):
                note = lines[index] if 0 <= index < len(lines) else ""
                rows.append(PlaylistTrack(playlist_id=pk, track_id=track_id, position=position, note=note[:200]))
        # Tracks deleted from the catalog since: their rows would break the foreign key.
        Track = apps.get_model("catalog", "Track")
        present = set(Track.objects.filter(pk__in={row.track_id for row in rows}).values_list("pk", flat=True))
        PlaylistTrack.objects.bulk_create([row for row in rows if row.track_id in present], batch_size=1000)
        # added_at is auto_now_add: bulk_create stamped now; put the playlist's time back.
        stamp = Playlist.objects.filter(pk=models.OuterRef("playlist_id")).values("updated_at")[:1]
        PlaylistTrack.objects.filter(playlist_id__in=ids).update(added_at=models.Subquery(stamp))
        Playlist.objects.filter(pk__in=ids).update(entries=None, entry_notes="")


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0005_audiofile_album_loudness'),
        ('listening', '0005_playlisttrack_fewer_indexes'),
    ]

    operations = [
        migrations.AddField(
            model_name='playlist',
            name='entries',
            field=listening.models.PackedBytesField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='playlist',
            name='entry_notes',
            field=models.TextField(blank=True, default='', editable=False),
        ),
        migrations.RunPython(pack_generated, unpack_generated, elidable=True),
    ]
