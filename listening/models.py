"""Listening: plays reported by the player, listens (scrobbles), likes, playlists and the play queue."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from catalog.models import Album, Artist, AudioFile, Track


class Source(models.TextChoices):
    WEB = "web", "Web player"
    API = "api", "API"
    IMPORT = "import", "Import"


class ContextType(models.TextChoices):
    NONE = "", "None"
    ALBUM = "album", "Album"
    ARTIST = "artist", "Artist"
    PLAYLIST = "playlist", "Playlist"
    GENERATED = "generated", "Generated playlist"
    RADIO = "radio", "Radio"
    SEARCH = "search", "Search"
    LIKES = "likes", "Liked songs"
    TRACK = "track", "Track"
    QUEUE = "queue", "Queue"


class StreamQuality(models.TextChoices):
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"
    ORIGINAL = "original", "Original"


class Play(models.Model):
    """One playback of a track in the player, reported by the client with a play id it generates.

    Every play is kept (skips included), with the timings that streaming-quality analytics need.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="plays")
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="plays")
    play_id = models.UUIDField()
    started_at = models.DateTimeField()
    ms_played = models.PositiveIntegerField(default=0)
    ended_at = models.DateTimeField(null=True, blank=True)
    # None while playing; True when it ended before the listen rule was met, else False.
    skipped = models.BooleanField(null=True, blank=True)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.WEB)
    context_type = models.CharField(max_length=16, choices=ContextType.choices, blank=True, default="")
    context_id = models.CharField(max_length=64, blank=True, default="")
    time_to_first_audio_ms = models.PositiveIntegerField(null=True, blank=True)
    stall_count = models.PositiveIntegerField(default=0)
    stall_ms = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=255, blank=True, default="")
    # What the player asked for and what the stream endpoint served for it (listening.transcoding):
    # blank and None for plays reported without them.
    # Defaults in the database too: bulk writers that name only the older columns still insert.
    quality = models.CharField(
        max_length=8, choices=StreamQuality.choices, blank=True, default="", db_default=""
    )
    stream_format = models.CharField(max_length=8, blank=True, default="", db_default="")
    stream_bitrate_kbps = models.PositiveIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "play_id"], name="play_unique_user_play_id")]
        indexes = [
            models.Index(fields=["user", "-started_at"], name="play_user_started_idx"),
            models.Index(fields=["started_at"], name="play_started_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} played {self.track_id} at {self.started_at:%Y-%m-%d %H:%M}"


class Listen(models.Model):
    """A play that counts (the scrobble rule), from the web player, the API or an import.

    A listen whose track is not in the catalog keeps its submitted metadata and is linked later.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="listens")
    track = models.ForeignKey(Track, on_delete=models.SET_NULL, null=True, blank=True, related_name="listens")
    listened_at = models.DateTimeField()
    ms_played = models.PositiveIntegerField(null=True, blank=True)
    # True when playback ended before the track was finished (after the listen threshold).
    skipped = models.BooleanField(default=False)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.WEB)
    context_type = models.CharField(max_length=16, choices=ContextType.choices, blank=True, default="")
    context_id = models.CharField(max_length=64, blank=True, default="")
    play = models.OneToOneField(Play, on_delete=models.SET_NULL, null=True, blank=True, related_name="listen")
    # Submitted metadata, kept whether or not it matched the catalog.
    artist_name = models.CharField(max_length=512, blank=True, default="")
    track_name = models.CharField(max_length=512, blank=True, default="")
    release_name = models.CharField(max_length=512, blank=True, default="")
    recording_mbid = models.UUIDField(null=True, blank=True)
    additional_info = models.JSONField(default=dict, blank=True)
    # Identifies the same listen across retried submissions and re-imports (see services).
    dedupe_key = models.CharField(max_length=64)
    inserted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "listened_at", "dedupe_key"], name="listen_unique_user_time_key"
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-listened_at"], name="listen_user_time_idx"),
            models.Index(fields=["track", "listened_at"], name="listen_track_time_idx"),
            models.Index(fields=["listened_at"], name="listen_time_idx"),
            models.Index(
                fields=["recording_mbid"], condition=Q(track__isnull=True), name="listen_unmatched_mbid_idx"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.user} listened to {self.track_name or self.track_id} at {self.listened_at:%Y-%m-%d %H:%M}"
        )


class NowPlaying(models.Model):
    """What a user is playing right now (from the player or a playing_now submission)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="now_playing"
    )
    track = models.ForeignKey(Track, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    artist_name = models.CharField(max_length=512, blank=True, default="")
    track_name = models.CharField(max_length=512, blank=True, default="")
    release_name = models.CharField(max_length=512, blank=True, default="")
    additional_info = models.JSONField(default=dict, blank=True)
    started_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.user} is playing {self.track_name or self.track_id}"


class TrackLike(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="track_likes")
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="likes")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "track"], name="tracklike_unique")]
        indexes = [models.Index(fields=["user", "-created_at"], name="tracklike_user_time_idx")]

    def __str__(self) -> str:
        return f"{self.user} likes track {self.track_id}"


class AlbumLike(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="album_likes")
    album = models.ForeignKey(Album, on_delete=models.CASCADE, related_name="likes")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "album"], name="albumlike_unique")]

    def __str__(self) -> str:
        return f"{self.user} likes album {self.album_id}"


class ArtistLike(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="artist_likes")
    artist = models.ForeignKey(Artist, on_delete=models.CASCADE, related_name="likes")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "artist"], name="artistlike_unique")]

    def __str__(self) -> str:
        return f"{self.user} likes artist {self.artist_id}"


class PackedBytesField(models.BinaryField):
    """A BinaryField read as bytes (PostgreSQL's driver gives a memoryview, which pickle refuses: the
    playlists are kept in the cache)."""

    def from_db_value(self, value, expression, connection):
        return bytes(value) if value is not None else None


class Playlist(models.Model):
    """A listener's playlist, or one the recommender generates for them (Discover, Daily Mixes).

    A user playlist keeps one PlaylistTrack row per entry (edited entry by entry). A generated one,
    rewritten every night, keeps its entries packed on its own row (``entries`` and ``entry_notes``,
    see listening/packed.py): readers go through ``selectors.playlist_items`` whatever the storage.
    """

    class Kind(models.TextChoices):
        USER = "user", "Playlist"
        DISCOVER = "discover", "Discover"
        DAILY_MIX = "daily_mix", "Daily Mix"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="playlists")
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=2000)
    is_public = models.BooleanField(default=False)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.USER)
    collaborators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="PlaylistCollaborator", related_name="collaborative_playlists"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # A generated playlist's entries (listening/packed.py); None for user playlists.
    entries = PackedBytesField(null=True, blank=True, editable=False)
    entry_notes = models.TextField(blank=True, default="", editable=False)

    class Meta:
        ordering = ["-updated_at"]
        indexes = [models.Index(fields=["owner", "kind", "-updated_at"], name="playlist_owner_kind_idx")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("listening:playlist", kwargs={"uid": self.uid})

    @property
    def is_packed(self) -> bool:
        """Whether the entries are packed on the row (a generated playlist) rather than PlaylistTracks."""
        return self.kind != self.Kind.USER


class PlaylistTrack(models.Model):
    # An entry of a user playlist. Generated playlists (rewritten every night) keep theirs packed on
    # the Playlist row instead: 5.7 million rows a night at 50,000 listeners cost more database time
    # than the rest of the run. The playlist is served by the (playlist, position) index, which
    # leads with it, and added_by only where it is set (a user's deletion finds theirs through the
    # partial index).
    playlist = models.ForeignKey(Playlist, on_delete=models.CASCADE, related_name="items", db_index=False)
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="playlist_items")
    position = models.PositiveIntegerField()
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    added_at = models.DateTimeField(auto_now_add=True)
    # Why the entry is there, shown beside it: a generated playlist's reason ("Because you listened to ...").
    note = models.CharField(max_length=200, blank=True, default="", db_default="")

    class Meta:
        ordering = ["playlist", "position", "id"]
        indexes = [
            models.Index(fields=["playlist", "position"], name="playlisttrack_order_idx"),
            models.Index(
                fields=["added_by"],
                name="playlisttrack_added_by_idx",
                condition=models.Q(added_by__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.playlist_id}#{self.position}: {self.track_id}"


class PlaylistCollaborator(models.Model):
    playlist = models.ForeignKey(Playlist, on_delete=models.CASCADE, related_name="collaborator_links")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["playlist", "user"], name="playlistcollaborator_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} collaborates on {self.playlist_id}"


class PlayerState(models.Model):
    """The queue and position of a user's player, saved so any device resumes where it stopped."""

    class Repeat(models.TextChoices):
        OFF = "off", "Off"
        ALL = "all", "All"
        ONE = "one", "One"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="player_state"
    )
    # Track ids in play order (the shuffled order when shuffle is on), at most STREAMAPP_QUEUE_MAX_LENGTH.
    queue = models.JSONField(default=list, blank=True)
    current_index = models.IntegerField(default=0)
    position_ms = models.PositiveIntegerField(default=0)
    shuffle = models.BooleanField(default=False)
    repeat = models.CharField(max_length=3, choices=Repeat.choices, default=Repeat.OFF)
    volume = models.FloatField(default=1.0)
    context_type = models.CharField(max_length=16, choices=ContextType.choices, blank=True, default="")
    context_id = models.CharField(max_length=64, blank=True, default="")
    # Incremented on each save; a client sending an older version is told to reload (no lost updates).
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Player of {self.user}"


class HistoryImport(models.Model):
    """One import of a listening-history export (Spotify, ListenBrainz, Last.fm) for a user.

    Started from the profile page (run by Celery) or by ``manage.py import_history``. The counts are of
    records: imported (new listens, unmatched ones included), duplicates (already recorded), skipped
    (plays under 30 s, podcasts), unmatched (imported listens not in the catalog yet) and failed
    (records that could not be read, listed in errors).
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        RUNNING = "running", "Importing"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    class Format(models.TextChoices):
        SPOTIFY = "spotify", "Spotify streaming history"
        LISTENBRAINZ = "listenbrainz", "ListenBrainz export"
        LASTFM = "lastfm", "Last.fm scrobbles (CSV)"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="history_imports"
    )
    format = models.CharField(max_length=16, choices=Format.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    # The names of the files as the user gave them, comma-separated, for display.
    file_name = models.CharField(max_length=1024)
    # [{"path": ..., "name": ...}]: where each file is read from.
    files = models.JSONField(default=list, blank=True)
    # The folder holding the uploaded files until the import has run (empty for the command's imports).
    upload_dir = models.CharField(max_length=1024, blank=True, default="")
    imported = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    unmatched = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    # [{"position": "file:line", "reason": ...}] for the first records that could not be read.
    errors = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True, default="")
    # Records read so far, of all the records in the files.
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="historyimport_user_time_idx")]

    def __str__(self) -> str:
        return f"{self.get_format_display()} import for {self.user} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.PENDING, self.Status.RUNNING)

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.progress_total:
            return 0
        return min(100, self.progress_done * 100 // self.progress_total)

    @property
    def summary(self) -> str:
        return (
            f"{self.imported:,} imported, {self.duplicates:,} duplicates, {self.skipped:,} skipped, "
            f"{self.unmatched:,} unmatched, {self.failed:,} failed"
        )


class TranscodeDay(models.Model):
    """One day's transcoded streams (GET /stream/ for a transcode): answered from the cache or by ffmpeg.

    Each answer adds to its day's row with one UPDATE (listening.services.transcodes).
    """

    day = models.DateField(unique=True)
    requests = models.PositiveBigIntegerField(default=0)
    cache_hits = models.PositiveBigIntegerField(default=0)
    cache_misses = models.PositiveBigIntegerField(default=0)
    bytes_served = models.PositiveBigIntegerField(default=0)
    errors = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["day"]

    def __str__(self) -> str:
        return f"transcodes on {self.day}: {self.requests}"


class TranscodeFailure(models.Model):
    """The last time ffmpeg could not transcode an audio file (one row per file), for the staff page."""

    audio_file = models.OneToOneField(AudioFile, on_delete=models.CASCADE, related_name="transcode_failure")
    track = models.ForeignKey(Track, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    stream_format = models.CharField(max_length=8)
    bitrate_kbps = models.PositiveIntegerField(null=True, blank=True)
    message = models.CharField(max_length=255)
    # ffmpeg's error output, its start and end (listening.transcoder.STDERR_KEPT).
    stderr = models.TextField(blank=True, default="")
    count = models.PositiveIntegerField(default=1)
    first_at = models.DateTimeField(auto_now_add=True)
    last_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["-last_at"], name="transcodefailure_last_idx")]

    def __str__(self) -> str:
        return f"transcode of {self.audio_file_id} failed: {self.message}"
