"""Analytics: daily rollups of listens and plays, site-wide and per listener.

Site-wide rollups (``Daily*``) use days in the site's ``TIME_ZONE``; they feed the staff dashboards.
Per-listener rollups (``Listener*``) use days in the listener's own time zone (``User.time_zone``) and
feed /stats/; ``ListenerRollupState`` records the zone they were computed in, so a change of zone
triggers a rebuild. Both are written only by ``analytics.rollups`` (delete and insert per day, in a
transaction), for days before the day of the last run's watermark (``RollupState``); pages add the
day so far (and anything inserted since the watermark) with a live query.

The foreign keys have no database constraint (``db_constraint=False``): the rows are derived data,
written in bulk, and the per-row constraint checks at commit doubled the insert time. Deleting a user or
a catalogue item still deletes their rows (Django's CASCADE); indexes on a key are left out where a
unique constraint or index already starts with it.

Conventions: ``listens`` and ``ms_played`` come from Listen (scrobbles; a listen without a duration
counts its track's duration), ``plays`` and ``skips`` from Play (every playback in the web player;
a skip is a play with ``skipped=True``), ``listeners`` is the number of distinct users with a listen.
"""

from django.conf import settings
from django.db import models

from catalog.models import Album, Artist, Genre, Track


class DailyItemStats(models.Model):
    """Listens and plays of one catalogue item (track, artist or genre) on one site day."""

    day = models.DateField()
    listens = models.PositiveIntegerField(default=0)
    listeners = models.PositiveIntegerField(default=0)
    ms_played = models.PositiveBigIntegerField(default=0)
    plays = models.PositiveIntegerField(default=0)
    skips = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class DailyListenerActivity(models.Model):
    """One row per listener per site day on which they listened or played anything."""

    day = models.DateField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    listens = models.PositiveIntegerField(default=0)
    ms_played = models.PositiveBigIntegerField(default=0)
    plays = models.PositiveIntegerField(default=0)
    skips = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "user"], name="dla_unique_day_user")]
        indexes = [models.Index(fields=["user", "day"], name="dla_user_day_idx")]
        verbose_name_plural = "daily listener activity"

    def __str__(self) -> str:
        return f"{self.user_id} on {self.day}: {self.listens} listens"


class DailyTrackStats(DailyItemStats):
    track = models.ForeignKey(
        Track, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "track"], name="dts_unique_day_track")]
        indexes = [models.Index(fields=["track", "day"], name="dts_track_day_idx")]
        verbose_name_plural = "daily track stats"

    def __str__(self) -> str:
        return f"track {self.track_id} on {self.day}: {self.listens} listens"


class DailyArtistStats(DailyItemStats):
    artist = models.ForeignKey(
        Artist, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "artist"], name="das_unique_day_artist")]
        indexes = [models.Index(fields=["artist", "day"], name="das_artist_day_idx")]
        verbose_name_plural = "daily artist stats"

    def __str__(self) -> str:
        return f"artist {self.artist_id} on {self.day}: {self.listens} listens"


class DailyGenreStats(DailyItemStats):
    genre = models.ForeignKey(
        Genre, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "genre"], name="dgs_unique_day_genre")]
        indexes = [models.Index(fields=["genre", "day"], name="dgs_genre_day_idx")]
        verbose_name_plural = "daily genre stats"

    def __str__(self) -> str:
        return f"genre {self.genre_id} on {self.day}: {self.listens} listens"


class DailyContextStats(models.Model):
    """Plays per site day by where they were started (Play.context_type).

    ``kind`` splits generated playlists by Playlist.kind ("discover", "daily_mix"); it is blank for
    every other context. A completion is a play that ended without a skip (``skipped=False``).
    """

    day = models.DateField()
    context_type = models.CharField(max_length=16, blank=True, default="")
    kind = models.CharField(max_length=16, blank=True, default="")
    plays = models.PositiveIntegerField(default=0)
    completions = models.PositiveIntegerField(default=0)
    skips = models.PositiveIntegerField(default=0)
    ms_played = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "context_type", "kind"], name="dcs_unique_day_context")
        ]
        verbose_name_plural = "daily context stats"

    def __str__(self) -> str:
        return f"{self.context_type or 'none'}/{self.kind} on {self.day}: {self.plays} plays"


class DailyQualityStats(models.Model):
    """Streaming quality per site day, quality asked for (Play.quality; blank when the player did not say)
    and format served (Play.stream_format, else the audio file's format; blank without a file).

    Average time to first audio = ``ttfa_ms_sum / ttfa_count`` (plays that reported it).
    """

    day = models.DateField()
    quality = models.CharField(max_length=8, blank=True, default="")
    format = models.CharField(max_length=8, blank=True, default="")
    plays = models.PositiveIntegerField(default=0)
    ttfa_ms_sum = models.PositiveBigIntegerField(default=0)
    ttfa_count = models.PositiveIntegerField(default=0)
    stall_count = models.PositiveIntegerField(default=0)
    stall_ms = models.PositiveBigIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "quality", "format"], name="dqs_unique_day_quality_format")
        ]
        verbose_name_plural = "daily quality stats"

    def __str__(self) -> str:
        return f"{self.quality or 'unknown'} {self.format or 'unknown'} on {self.day}: {self.plays} plays"


class ListenerDayStats(models.Model):
    """A listener's listens on one day of their own time zone (unmatched listens included)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    day = models.DateField()
    listens = models.PositiveIntegerField(default=0)
    ms_played = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="lds_unique_user_day")]
        verbose_name_plural = "listener day stats"

    def __str__(self) -> str:
        return f"{self.user_id} on {self.day}: {self.listens} listens"


class ListenerHourStats(models.Model):
    """A listener's listens in one local hour (0-23) of one local day: the listening clock."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    day = models.DateField()
    hour = models.PositiveSmallIntegerField()
    listens = models.PositiveIntegerField(default=0)
    ms_played = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "day", "hour"], name="lhs_unique_user_day_hour")
        ]
        verbose_name_plural = "listener hour stats"

    def __str__(self) -> str:
        return f"{self.user_id} on {self.day} {self.hour:02d}h: {self.listens} listens"


class ListenerTrackDay(models.Model):
    """A listener's listens of one catalogue track on one local day (the source of their top lists)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    day = models.DateField()
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    listens = models.PositiveIntegerField(default=0)
    ms_played = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "day", "track"], name="ltd_unique_user_day_track")
        ]
        verbose_name_plural = "listener track days"

    def __str__(self) -> str:
        return f"{self.user_id} on {self.day}: track {self.track_id} x{self.listens}"


class ListenerMonthItem(models.Model):
    """A listener's listens of one item in one local month (the month's first day), from ListenerTrackDay.

    Long periods read these (a few thousand rows for years of listening) and the day rows only for the
    partial months at their edges.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    month = models.DateField()
    listens = models.PositiveIntegerField(default=0)
    ms_played = models.PositiveBigIntegerField(default=0)

    class Meta:
        abstract = True


class ListenerTrackMonth(ListenerMonthItem):
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="+", db_constraint=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "month", "track"], name="ltm_unique_user_month_track")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.month:%Y-%m}: track {self.track_id} x{self.listens}"


class ListenerArtistMonth(ListenerMonthItem):
    artist = models.ForeignKey(Artist, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    # The first local day of the month with a listen of the artist (for the discovery rate).
    first_day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "month", "artist"], name="lam_unique_user_month_artist")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.month:%Y-%m}: artist {self.artist_id} x{self.listens}"


class ListenerAlbumMonth(ListenerMonthItem):
    album = models.ForeignKey(Album, on_delete=models.CASCADE, related_name="+", db_constraint=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "month", "album"], name="lalm_unique_user_month_album")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.month:%Y-%m}: album {self.album_id} x{self.listens}"


class ListenerGenreMonth(ListenerMonthItem):
    genre = models.ForeignKey(Genre, on_delete=models.CASCADE, related_name="+", db_constraint=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "month", "genre"], name="lgm_unique_user_month_genre")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.month:%Y-%m}: genre {self.genre_id} x{self.listens}"


class ListenerRollupState(models.Model):
    """The time zone a listener's rollups were computed in; a different User.time_zone means rebuild."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="analytics_rollup_state"
    )
    time_zone = models.CharField(max_length=64)
    rebuilt_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"rollups of {self.user_id} in {self.time_zone}"


class RollupState(models.Model):
    """Progress of the rollups: everything inserted up to ``watermark`` is in them.

    Precisely: rollup rows cover the days before the watermark's day (site day for Daily*, the
    listener's local day for Listener*) and the listens with ``inserted_at <= watermark``. One row,
    ``name="default"``.
    """

    name = models.CharField(max_length=32, unique=True, default="default")
    watermark = models.DateTimeField(null=True, blank=True)
    last_listen_id = models.PositiveBigIntegerField(default=0)
    last_play_id = models.PositiveBigIntegerField(default=0)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_duration_ms = models.PositiveIntegerField(default=0)
    last_site_days = models.PositiveIntegerField(default=0)
    last_listener_days = models.PositiveIntegerField(default=0)
    last_full = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"rollups {self.name} up to {self.watermark}"


class DirtyDay(models.Model):
    """A UTC date whose listens and plays changed in place (not by insertion) and must be rolled up again.

    New rows are found from the watermark; this table is for changes the watermark cannot see (listens
    linked to the catalogue after the fact, found by the rollups' own reconciliation, or marked by
    ``rollups.rollup_mark_dirty``).
    """

    day = models.DateField(unique=True)
    marked_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"dirty {self.day}"
