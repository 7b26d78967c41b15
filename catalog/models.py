"""The catalog: genres, artists, albums, tracks and the audio files behind them."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.text import slugify

from .loudness import track_loudness_values


class Genre(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=120, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:genre", kwargs={"slug": self.slug})

    @staticmethod
    def slug_for(name: str) -> str:
        return slugify(name, allow_unicode=False)[:120] or "genre"


class Artist(models.Model):
    name = models.CharField(max_length=255)
    sort_name = models.CharField(max_length=255, blank=True)
    # Case-, accent- and punctuation-folded name used to match tags and submitted listens.
    name_key = models.CharField(max_length=255, db_index=True, editable=False)
    mbid = models.UUIDField("MusicBrainz artist id", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["mbid"], condition=Q(mbid__isnull=False), name="artist_unique_mbid"
            ),
        ]
        indexes = [models.Index(fields=["name"], name="artist_name_idx")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:artist", kwargs={"pk": self.pk})


class Album(models.Model):
    class AlbumType(models.TextChoices):
        ALBUM = "album", "Album"
        SINGLE = "single", "Single"
        EP = "ep", "EP"
        COMPILATION = "compilation", "Compilation"

    title = models.CharField(max_length=255)
    title_key = models.CharField(max_length=255, editable=False)
    artist = models.ForeignKey(Artist, on_delete=models.PROTECT, related_name="albums")
    release_year = models.PositiveSmallIntegerField(null=True, blank=True)
    album_type = models.CharField(max_length=16, choices=AlbumType.choices, default=AlbumType.ALBUM)
    cover = models.ImageField(upload_to="covers/", blank=True)
    # sha256 of the source image, so a re-import does not rewrite an unchanged cover.
    cover_checksum = models.CharField(max_length=64, blank=True, editable=False)
    mbid = models.UUIDField("MusicBrainz release id", null=True, blank=True)
    # EBU R128 over the album, from its tracks' measurements (catalog.loudness.album_loudness).
    loudness_lufs = models.FloatField("loudness (LUFS)", null=True, blank=True, editable=False)
    true_peak_dbtp = models.FloatField("true peak (dBTP)", null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["artist__name", "release_year", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["mbid"], condition=Q(mbid__isnull=False), name="album_unique_mbid"
            ),
            models.CheckConstraint(
                condition=Q(release_year__isnull=True) | Q(release_year__gte=1000, release_year__lte=3000),
                name="album_release_year_range",
            ),
        ]
        indexes = [
            models.Index(fields=["artist", "title_key"], name="album_artist_title_idx"),
            models.Index(fields=["release_year"], name="album_release_year_idx"),
            models.Index(fields=["title"], name="album_title_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.artist})" if self.artist_id else self.title

    def get_absolute_url(self) -> str:
        return reverse("catalog:album", kwargs={"pk": self.pk})


class AudioFile(models.Model):
    """A file on disk. Benchmark catalogs may point several tracks at one file."""

    class Format(models.TextChoices):
        MP3 = "mp3", "MP3"
        FLAC = "flac", "FLAC"
        OGG = "ogg", "Ogg Vorbis"
        OPUS = "opus", "Opus"
        M4A = "m4a", "AAC / ALAC (M4A)"
        WAV = "wav", "WAV"

    path = models.CharField(max_length=1024, unique=True)
    format = models.CharField(max_length=8, choices=Format.choices)
    mime_type = models.CharField(max_length=64)
    bitrate = models.PositiveIntegerField("bitrate (bit/s)", null=True, blank=True)
    sample_rate = models.PositiveIntegerField("sample rate (Hz)", null=True, blank=True)
    channels = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    size = models.PositiveBigIntegerField(default=0)
    # Modification time as seen at the last import: an unchanged (size, mtime) skips re-reading tags.
    mtime = models.FloatField(default=0)
    checksum = models.CharField("SHA-256", max_length=64, db_index=True)
    is_available = models.BooleanField(default=True, db_index=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    # EBU R128, measured with ffmpeg (catalog.loudness); loudness_measured_at is None until it ran (and
    # again after the file's content changed). A file it could not measure keeps the reason in
    # loudness_error.
    loudness_lufs = models.FloatField("loudness (LUFS)", null=True, blank=True)
    true_peak_dbtp = models.FloatField("true peak (dBTP)", null=True, blank=True)
    loudness_measured_at = models.DateTimeField(null=True, blank=True)
    loudness_error = models.CharField(max_length=200, blank=True)
    # ReplayGain tags as read from the file (gain in dB toward -18 LUFS, peak linear, 1.0 = full scale).
    replaygain_track_gain_db = models.FloatField("ReplayGain track gain (dB)", null=True, blank=True)
    replaygain_track_peak = models.FloatField("ReplayGain track peak", null=True, blank=True)
    replaygain_album_gain_db = models.FloatField("ReplayGain album gain (dB)", null=True, blank=True)
    replaygain_album_peak = models.FloatField("ReplayGain album peak", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(condition=Q(duration_ms__gte=0), name="audiofile_duration_nonnegative"),
        ]
        indexes = [
            # The files measure_loudness has still to measure (few, once a library is measured).
            models.Index(
                fields=["id"],
                condition=Q(loudness_measured_at__isnull=True, is_available=True),
                name="audiofile_loudness_todo_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.path


class TrackQuerySet(models.QuerySet):
    def playable(self) -> "TrackQuerySet":
        return self.filter(is_available=True)

    def with_related(self) -> "TrackQuerySet":
        # audio_file: the serializers' loudness (catalog.loudness.track_loudness_values).
        related = self.select_related("album", "album__artist", "artist", "audio_file")
        return related.prefetch_related("genres")


class Track(models.Model):
    title = models.CharField(max_length=255)
    title_key = models.CharField(max_length=255, db_index=True, editable=False)
    album = models.ForeignKey(Album, on_delete=models.CASCADE, related_name="tracks")
    artist = models.ForeignKey(Artist, on_delete=models.PROTECT, related_name="tracks")
    track_number = models.PositiveSmallIntegerField(null=True, blank=True)
    disc_number = models.PositiveSmallIntegerField(default=1)
    duration_ms = models.PositiveIntegerField(default=0)
    genres = models.ManyToManyField(Genre, related_name="tracks", blank=True)
    mbid = models.UUIDField("MusicBrainz recording id", null=True, blank=True, db_index=True)
    audio_file = models.ForeignKey(
        AudioFile, on_delete=models.SET_NULL, null=True, blank=True, related_name="tracks"
    )
    # False when the file behind the track disappeared; kept so history and playlists still resolve.
    is_available = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TrackQuerySet.as_manager()

    class Meta:
        ordering = ["album", "disc_number", "track_number", "title"]
        constraints = [
            models.CheckConstraint(condition=Q(disc_number__gte=1), name="track_disc_number_positive"),
        ]
        indexes = [
            models.Index(fields=["album", "disc_number", "track_number"], name="track_album_order_idx"),
            models.Index(fields=["artist", "is_available"], name="track_artist_available_idx"),
            models.Index(fields=["title"], name="track_title_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("catalog:track", kwargs={"pk": self.pk})

    def get_stream_url(self) -> str:
        return f"/stream/{self.pk}/"

    @property
    def duration_seconds(self) -> int:
        return round(self.duration_ms / 1000)

    @property
    def loudness(self) -> dict[str, float | None]:
        """{"track_lufs", "track_peak_dbtp", "album_lufs", "album_peak_dbtp"} (catalog.loudness's rule).

        Reads audio_file and album: load them with the track (select_related) in lists.
        """
        return track_loudness_values(self.audio_file, self.album)


class LibraryImport(models.Model):
    """One run of the library importer, started from the admin or the command line."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    path = models.CharField(max_length=1024)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    files_seen = models.PositiveIntegerField(default=0)
    added = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    removed = models.PositiveIntegerField(default=0)
    # [{"path": ..., "reason": ...}] for each file that could not be read.
    errors = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Import of {self.path} ({self.get_status_display()})"

    @property
    def summary(self) -> str:
        return (
            f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.removed} removed, {self.failed} failed"
        )
