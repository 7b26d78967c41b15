"""Recommend: nightly runs, per-listener recommendations, item neighbours, thumbs-down and taste picks.

Generated playlists (Discover, Daily Mixes) are ``listening.Playlist`` rows of those kinds owned by
the listener; this app writes them but does not define them.
"""

from django.conf import settings
from django.db import models

from catalog.models import Artist, Genre, Track


class RecommendationRun(models.Model):
    """One rebuild of the recommendations: train, generate per chunk of listeners, finish."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", "Schedule"
        MANUAL = "manual", "Manual (admin)"
        COMMAND = "command", "Command line"

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    trigger = models.CharField(max_length=16, choices=Trigger.choices, default=Trigger.SCHEDULE)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Stage name -> seconds, e.g. {"load": 1.2, "train": 8.4, "neighbours": 2.0, "generate": 40.1}.
    stage_timings = models.JSONField(default=dict, blank=True)
    listeners = models.PositiveIntegerField(default=0)
    tracks = models.PositiveIntegerField(default=0)
    playlists = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True, default="")
    # Offline evaluation figures of the trained model (e.g. {"ndcg@10": 0.21, "hr@10": 0.4}).
    metrics = models.JSONField(default=dict, blank=True)
    model_name = models.CharField(max_length=100, blank=True, default="")
    # The model selection (recommend.services.selection): the chosen model and its settings, the
    # validation figures of every setting tried and of popularity, the budget and the seconds spent,
    # whether it started from the previous run's choice, or why it kept the previous choice.
    selection = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Run {self.pk} ({self.status})"

    STAGE_ORDER = ("load", "select", "interactions", "fit", "embeddings", "neighbours", "save", "generate")

    def timings_in_order(self) -> list[tuple[str, float]]:
        """Return the stage timings in pipeline order (the database may not keep the keys' order)."""
        timings = self.stage_timings or {}
        known = [(stage, timings[stage]) for stage in self.STAGE_ORDER if stage in timings]
        return known + sorted((stage, s) for stage, s in timings.items() if stage not in self.STAGE_ORDER)

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class RecommendationList(models.Model):
    """A listener's top-N recommended tracks they have not played, with their reasons: one row.

    The ranked entries are packed in ``items`` (see ``recommend.packed``: track, score, seed track,
    reason per entry) and the distinct reasons, e.g. "Because you listened to Song by Artist" or
    "Popular in Rock", in ``reasons``, one per line. The nightly run rewrites one row per listener
    instead of a hundred (fifty times fewer rows and index entries). No database constraint on the
    foreign keys (derived rows); deleting a user through Django still cascades.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="recommendation_list",
        db_constraint=False,
    )
    run = models.ForeignKey(
        RecommendationRun,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="recommendation_lists",
        db_constraint=False,
        db_index=False,
    )
    items = models.BinaryField(default=b"")
    reasons = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["user"]

    def __str__(self) -> str:
        return f"Recommendations of {self.user_id}"

    @property
    def size(self) -> int:
        return len(self.items or b"") // 16


class SimilarTrackList(models.Model):
    """A track's nearest neighbours, most similar first, packed in ``items`` (``recommend.packed``:
    track id and score each), written by the nightly run: one row per track."""

    track = models.OneToOneField(
        Track, on_delete=models.CASCADE, primary_key=True, related_name="similar_list", db_constraint=False
    )
    items = models.BinaryField(default=b"")

    class Meta:
        ordering = ["track"]

    def __str__(self) -> str:
        return f"Neighbours of track {self.track_id}"


class SimilarArtistList(models.Model):
    """An artist's nearest neighbours, most similar first, packed in ``items`` (artist id and score
    each), written by the nightly run: one row per artist."""

    artist = models.OneToOneField(
        Artist, on_delete=models.CASCADE, primary_key=True, related_name="similar_list", db_constraint=False
    )
    items = models.BinaryField(default=b"")

    class Meta:
        ordering = ["artist"]

    def __str__(self) -> str:
        return f"Neighbours of artist {self.artist_id}"


class TrackDislike(models.Model):
    """A thumbs-down: negative evidence in training, excluded from everything generated."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="track_dislikes"
    )
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="dislikes")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "track"], name="trackdislike_unique_user_track")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} dislikes {self.track_id}"


class TastePick(models.Model):
    """The genres and artists a new listener picked on first log-in (cold start)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="taste_pick")
    genres = models.ManyToManyField(Genre, related_name="+", blank=True)
    artists = models.ManyToManyField(Artist, related_name="+", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Taste picks of {self.user_id}"


class RunLock(models.Model):
    """A named lock held by one recommendation run; a lock past ``expires_at`` may be taken over.

    The primary key makes taking it atomic on every database (SQLite included). The run's
    heartbeat moves ``heartbeat_at`` and ``expires_at`` on; a killed run stops beating, so its
    lock expires a couple of minutes later (STREAMAPP_RECOMMEND_STALE_SECONDS).
    """

    name = models.CharField(max_length=100, primary_key=True)
    run = models.ForeignKey(
        RecommendationRun, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    token = models.CharField(max_length=64)
    acquired_at = models.DateTimeField()
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} (until {self.expires_at:%Y-%m-%d %H:%M})"
