"""Writes for listening, by subdomain: plays and listens, likes, playlists, the player, history imports."""

from .history_import import (
    HistoryImportSummary,
    history_import_check_file,
    history_import_create,
    history_import_discard_files,
    history_import_refusal,
    history_import_run,
    history_import_start,
)
from .likes import album_like_set, artist_like_set, track_like_set
from .listens import (
    ListenRecord,
    ListensWritten,
    listen_dedupe_key,
    listens_link_unmatched,
    listens_submit,
    listens_write,
)
from .player import player_state_save
from .playlists import (
    generated_entries_remove,
    generated_entries_restore,
    playlist_add_tracks,
    playlist_collaborator_add,
    playlist_collaborator_remove,
    playlist_create,
    playlist_delete,
    playlist_duplicate,
    playlist_import,
    playlist_move_item,
    playlist_remove_item,
    playlist_remove_items,
    playlist_reorder,
    playlist_update,
)
from .plays import PLAY_EVENTS, now_playing_track_set, play_dedupe_key, play_report
from .transcodes import transcode_count, transcode_failure_record

__all__ = [
    "PLAY_EVENTS",
    "HistoryImportSummary",
    "ListenRecord",
    "ListensWritten",
    "album_like_set",
    "artist_like_set",
    "generated_entries_remove",
    "generated_entries_restore",
    "history_import_check_file",
    "history_import_create",
    "history_import_discard_files",
    "history_import_refusal",
    "history_import_run",
    "history_import_start",
    "listen_dedupe_key",
    "listens_link_unmatched",
    "listens_submit",
    "listens_write",
    "now_playing_track_set",
    "play_dedupe_key",
    "play_report",
    "player_state_save",
    "playlist_add_tracks",
    "playlist_collaborator_add",
    "playlist_collaborator_remove",
    "playlist_create",
    "playlist_delete",
    "playlist_duplicate",
    "playlist_import",
    "playlist_move_item",
    "playlist_remove_item",
    "playlist_remove_items",
    "playlist_reorder",
    "playlist_update",
    "track_like_set",
    "transcode_count",
    "transcode_failure_record",
]
