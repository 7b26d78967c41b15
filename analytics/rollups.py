"""Daily rollups of listens and plays: site-wide (site days) and per listener (their local days).

``rollup_run()`` recomputes only what changed since the last run and is idempotent: running it again
with nothing new changes no row. How it finds what changed:

* a watermark (``RollupState``): the last Listen and Play ids rolled up and a time ``watermark``.
  Rollup rows cover the days before the watermark's day and the listens with ``id <= last_listen_id``;
  pages add the rest (the day so far and anything inserted since) with a live query, so the two
  always add up to a direct count;
* new rows (id above the last run's) mark their days dirty, and so do the days completed since the
  last run; ``DirtyDay`` rows mark UTC dates changed in place (``rollup_mark_dirty``);
* a listener whose time zone changed since their rollups were computed is rebuilt entirely.

Every dirty day is recomputed from scratch with GROUP BY queries: delete its rows, bulk-insert the
aggregates. A run is many short transactions, one per step (a site day, or 14 on PostgreSQL; a batch
of listeners; a listener day; a month), so that a web request's write never waits long for one (on
SQLite, one writer at a time: see _compute_before_writing). Readers see each step's rows replaced at
once, never a half-written day or listener; the watermark moves in the last transaction, so until then
a day rewritten by the run may count the listens inserted since the last run twice (rolled up and
live), for the seconds the run lasts. Runs never overlap: a lock row (ROLLUP_LOCK) is held meanwhile.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
import zoneinfo
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Count, F, Max, Min, Q, Sum, Value
from django.db.models.functions import Coalesce, ExtractHour, NullIf, TruncDate, TruncMonth
from django.utils import timezone

from analytics import models
from listening.models import ContextType, Listen, Play, Playlist
from recommend.services import lock

UTC = dt.UTC
BATCH_SIZE = 2000
# Site days recomputed per group of queries and transaction (a full rebuild walks the history in such
# chunks); on SQLite one day, so that a transaction stays short (see _compute_before_writing).
SITE_CHUNK_DAYS = 14
SQLITE_SITE_CHUNK_DAYS = 1
# Listeners rebuilt together in one group of queries and transaction; on SQLite only as many as have
# this many listens together (a few tenths of a second of writing; see _compute_before_writing).
LISTENER_BATCH = 200
SQLITE_LISTENS_PER_TRANSACTION = 5_000
# A listener with more dirty days than this is rebuilt entirely (cheaper than day by day).
LISTENER_REBUILD_AFTER_DAYS = 14
# More listeners than this changed on one day (or month): recompute everyone's, without id lists.
WHOLE_ZONE_AFTER = 1000
# A run that rewrote more site days than this refreshes the tables' planner statistics (PostgreSQL).
ANALYZE_AFTER_DAYS = 31

Progress = Callable[[int, int], None]

SITE_MODELS = (
    models.DailyListenerActivity,
    models.DailyTrackStats,
    models.DailyArtistStats,
    models.DailyGenreStats,
    models.DailyContextStats,
    models.DailyQualityStats,
)
LISTENER_MODELS = (models.ListenerDayStats, models.ListenerHourStats, models.ListenerTrackDay)
LISTENER_MONTH_MODELS = (
    models.ListenerTrackMonth,
    models.ListenerArtistMonth,
    models.ListenerAlbumMonth,
    models.ListenerGenreMonth,
)


@dataclass
class RollupSummary:
    full: bool
    site_days: int
    listener_days: int
    listeners_rebuilt: int
    seconds: float

    @property
    def line(self) -> str:
        kind = "full rebuild" if self.full else "incremental"
        return (
            f"{kind}: {self.site_days:,} site days, {self.listener_days:,} listener days "
            f"({self.listeners_rebuilt:,} listeners rebuilt) in {self.seconds:.1f} s"
        )


# ------------------------------------------------------------------------------------------- helpers


def zone(name: str | None) -> zoneinfo.ZoneInfo:
    """Return the ZoneInfo for an IANA name, UTC when it is empty or unknown."""
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def site_zone() -> zoneinfo.ZoneInfo:
    return zone(settings.TIME_ZONE)


def day_start(day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    """Return the first instant of a local day, as an aware datetime."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=tz)


def local_day(moment: dt.datetime, tz: dt.tzinfo) -> dt.date:
    return moment.astimezone(tz).date()


def listen_ms():
    """The milliseconds a listen counts for: its own duration, else its track's, else 0."""
    return Coalesce(F("ms_played"), F("track__duration_ms"), Value(0))


def _local_days_of_utc_day(day: dt.date, tz: dt.tzinfo) -> set[dt.date]:
    start = dt.datetime.combine(day, dt.time.min, tzinfo=UTC)
    moments = (start, start + dt.timedelta(hours=12), start + dt.timedelta(hours=24, microseconds=-1))
    return {local_day(moment, tz) for moment in moments}


def _runs(days: Iterable[dt.date], max_length: int) -> list[tuple[dt.date, dt.date]]:
    """Group days into runs of consecutive days, each at most max_length long: [(first, last)]."""
    runs: list[tuple[dt.date, dt.date]] = []
    for day in sorted(set(days)):
        if runs and day - runs[-1][1] == dt.timedelta(days=1) and (day - runs[-1][0]).days < max_length:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def _state_for_update() -> models.RollupState:
    models.RollupState.objects.get_or_create(name="default")
    return models.RollupState.objects.select_for_update().get(name="default")


def rollup_state() -> models.RollupState | None:
    """Return the rollups' state (watermark and last run), None before the first run."""
    return models.RollupState.objects.filter(name="default").first()


def _utc_days_q(field: str, days: Iterable[dt.date]) -> Q:
    """Match the rows whose ``field`` falls on one of these UTC dates (index-friendly ranges)."""
    condition = Q(pk__in=[])
    for first, last in _runs(days, 10_000):
        start = dt.datetime.combine(first, dt.time.min, tzinfo=UTC)
        end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=UTC)
        condition |= Q(**{f"{field}__gte": start, f"{field}__lt": end})
    return condition


def _changed_in_place(*, site_tz, before: dt.date, last_listen_id: int) -> set[dt.date]:
    """Return the UTC dates of site days whose matched listens no longer add up to their rollups."""
    counted = dict(
        Listen.objects.filter(
            id__lte=last_listen_id, track__isnull=False, listened_at__lt=day_start(before, site_tz)
        )
        .values(d=TruncDate("listened_at", tzinfo=site_tz))
        .annotate(n=Count("id"))
        .values_list("d", "n")
    )
    rolled = dict(
        models.DailyTrackStats.objects.filter(day__lt=before)
        .values("day")
        .annotate(n=Sum("listens"))
        .values_list("day", "n")
    )
    dates: set[dt.date] = set()
    for day in counted.keys() | rolled.keys():
        if counted.get(day, 0) != rolled.get(day, 0):
            start = day_start(day, site_tz).astimezone(UTC)
            end = day_start(day + dt.timedelta(days=1), site_tz).astimezone(UTC) - dt.timedelta(
                microseconds=1
            )
            dates |= {start.date(), end.date()}
    return dates


def rollup_mark_dirty(*, days: Iterable[dt.date]) -> int:
    """Mark UTC dates whose listens or plays changed in place, for the next run; return how many."""
    rows = [models.DirtyDay(day=day) for day in set(days)]
    models.DirtyDay.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


# ------------------------------------------------------------------------------------- site rollups


def _aggregate_select(
    keys: list[str], measures: list[str], parts, minimum: tuple[str, ...]
) -> tuple[str, list]:
    """Return the SQL (and parameters) of the GROUP BY of several aggregate querysets.

    Each part is a queryset of ``values(c_<key>=...).annotate(c_<measure>=...)`` giving some of the
    measures (the others count 0); rows with the same keys are summed (the ``minimum`` measures: their
    smallest value is kept). Its columns are the keys, then the measures.
    """
    selects, params = [], []
    for queryset in parts:
        sql, part_params = queryset.query.sql_with_params()
        provided = set(queryset.query.annotations) | set(queryset.query.values_select)
        columns = [f"c_{key}" for key in keys] + [
            f"c_{measure}" if f"c_{measure}" in provided else f"0 AS c_{measure}" for measure in measures
        ]
        # Only our own column names are formatted in; every value stays a query parameter.
        selects.append(f"SELECT {', '.join(columns)} FROM ({sql}) part")  # noqa: S608
        params.extend(part_params)
    outer_keys = ", ".join(f"c_{key}" for key in keys)
    outer_sums = ", ".join(f"{'MIN' if measure in minimum else 'SUM'}(c_{measure})" for measure in measures)
    union = " UNION ALL ".join(selects)
    return f"SELECT {outer_keys}, {outer_sums} FROM ({union}) parts GROUP BY {outer_keys}", params  # noqa: S608


def _target(model, columns: list[str]) -> str:
    quote = connection.ops.quote_name
    return f"{quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)})"


def _compute_before_writing() -> bool:
    """Whether aggregates are computed before the write transaction rather than inside it.

    SQLite has one writer for the whole file: while a transaction writes, a web request's like or
    log-in waits (up to the busy timeout). There the GROUP BYs run first, as plain reads beside the
    writers (WAL), and the transaction only deletes and inserts rows. PostgreSQL locks rows, not the
    database: it computes ``INSERT ... SELECT`` in the transaction, no row travelling through Python.
    """
    return connection.vendor == "sqlite"


class _Writes:
    """One step's writes (deletes, aggregate inserts, bulk inserts), applied in order in one short
    transaction by ``commit()``: readers see the step's rows replaced all at once, never half-written.

    ``inserted`` counts the rows each model got.
    """

    def __init__(self) -> None:
        self._steps: list[tuple[str, tuple]] = []
        self.inserted: dict[type, int] = defaultdict(int)

    def delete(self, queryset) -> None:
        self._steps.append(("delete", (queryset,)))

    def insert_aggregate(
        self,
        model,
        keys: list[str],
        measures: list[str],
        parts,
        *,
        minimum: tuple[str, ...] = (),
        reads_this_step: bool = False,
    ) -> None:
        """INSERT INTO model's table the GROUP BY of parts (see _aggregate_select).

        ``reads_this_step``: the parts read rows this step writes first, so they are computed in the
        transaction on every database.
        """
        self._steps.append(("aggregate", (model, keys, measures, parts, minimum, reads_this_step)))

    def create(self, model, objects: list) -> None:
        self._steps.append(("create", (model, objects)))

    def commit(self) -> _Writes:
        steps = []
        for kind, args in self._steps:
            if kind == "aggregate" and _compute_before_writing() and not args[5]:
                model, keys, measures, parts, minimum, _ = args
                sql, params = _aggregate_select(keys, measures, parts, minimum)
                with connection.cursor() as cursor:
                    cursor.execute(sql, params)
                    steps.append(("rows", (model, keys + measures, cursor.fetchall())))
            else:
                steps.append((kind, args))
        with transaction.atomic(), connection.cursor() as cursor:
            for kind, args in steps:
                if kind == "delete":
                    args[0].delete()
                elif kind == "aggregate":
                    model, keys, measures, parts, minimum, _ = args
                    sql, params = _aggregate_select(keys, measures, parts, minimum)
                    cursor.execute(f"INSERT INTO {_target(model, keys + measures)} {sql}", params)  # noqa: S608
                    self.inserted[model] += max(cursor.rowcount, 0)
                elif kind == "rows":
                    model, columns, rows = args
                    values = ", ".join(["%s"] * len(columns))
                    statement = f"INSERT INTO {_target(model, columns)} VALUES ({values})"  # noqa: S608
                    for offset in range(0, len(rows), BATCH_SIZE):
                        cursor.executemany(statement, rows[offset : offset + BATCH_SIZE])
                    self.inserted[model] += len(rows)
                else:
                    model, objects = args
                    model.objects.bulk_create(objects, batch_size=BATCH_SIZE)
                    self.inserted[model] += len(objects)
        self._steps = []
        return self


def _site_chunk(first: dt.date, last: dt.date, *, tz: dt.tzinfo, last_listen_id: int) -> None:
    """Recompute the site rollups of the days first..last (site days), in one short transaction."""
    writes = _Writes()
    start, end = day_start(first, tz), day_start(last + dt.timedelta(days=1), tz)
    listens = Listen.objects.filter(listened_at__gte=start, listened_at__lt=end, id__lte=last_listen_id)
    plays = Play.objects.filter(started_at__gte=start, started_at__lt=end)
    listen_day = TruncDate("listened_at", tzinfo=tz)
    play_day = TruncDate("started_at", tzinfo=tz)
    window = {"day__gte": first, "day__lte": last}
    listen_counts = {"c_listens": Count("id"), "c_ms_played": Sum(listen_ms())}
    play_counts = {"c_plays": Count("id"), "c_skips": Count("id", filter=Q(skipped=True))}

    writes.delete(models.DailyListenerActivity.objects.filter(**window))
    writes.insert_aggregate(
        models.DailyListenerActivity,
        ["day", "user_id"],
        ["listens", "ms_played", "plays", "skips"],
        [
            listens.values(c_day=listen_day, c_user_id=F("user_id")).annotate(**listen_counts),
            plays.values(c_day=play_day, c_user_id=F("user_id")).annotate(**play_counts),
        ],
    )
    for model, field, path in (
        (models.DailyTrackStats, "track_id", "track_id"),
        (models.DailyArtistStats, "artist_id", "track__artist_id"),
        (models.DailyGenreStats, "genre_id", "track__genres"),
    ):
        writes.delete(model.objects.filter(**window))
        writes.insert_aggregate(
            model,
            ["day", field],
            ["listens", "listeners", "ms_played", "plays", "skips"],
            [
                listens.filter(**{f"{path}__isnull": False})
                .values(c_day=listen_day, **{f"c_{field}": F(path)})
                .annotate(**listen_counts, c_listeners=Count("user_id", distinct=True)),
                plays.filter(**{f"{path}__isnull": False})
                .values(c_day=play_day, **{f"c_{field}": F(path)})
                .annotate(**play_counts),
            ],
        )

    # Contexts; generated playlists split by their kind.
    contexts: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    play_counts = {
        "n": Count("id"),
        "c": Count("id", filter=Q(skipped=False)),
        "s": Count("id", filter=Q(skipped=True)),
        "ms": Sum("ms_played"),
    }
    generated = Q(context_type=ContextType.GENERATED)
    for row in plays.exclude(generated).values(d=play_day, t=F("context_type")).annotate(**play_counts):
        contexts[(row["d"], row["t"], "")] = [row["n"], row["c"], row["s"], row["ms"] or 0]
    by_playlist = list(
        plays.filter(generated).values(d=play_day, cid=F("context_id")).annotate(**play_counts)
    )
    kinds = _playlist_kinds({row["cid"] for row in by_playlist})
    for row in by_playlist:
        totals = contexts[(row["d"], ContextType.GENERATED.value, kinds.get(row["cid"], ""))]
        for index, key in enumerate(("n", "c", "s", "ms")):
            totals[index] += row[key] or 0
    writes.delete(models.DailyContextStats.objects.filter(**window))
    writes.create(
        models.DailyContextStats,
        [
            models.DailyContextStats(
                day=d, context_type=t, kind=kind, plays=n, completions=c, skips=s, ms_played=ms
            )
            for (d, t, kind), (n, c, s, ms) in contexts.items()
        ],
    )

    # Streaming quality by the quality asked for and the format served.
    served = Coalesce(NullIf(F("stream_format"), Value("")), F("track__audio_file__format"), Value(""))
    quality = plays.values(d=play_day, q=F("quality"), fmt=served).annotate(
        n=Count("id"),
        ttfa=Sum("time_to_first_audio_ms"),
        ttfa_n=Count("time_to_first_audio_ms"),
        stalls=Sum("stall_count"),
        stall_ms=Sum("stall_ms"),
        errors=Sum("error_count"),
    )
    writes.delete(models.DailyQualityStats.objects.filter(**window))
    writes.create(
        models.DailyQualityStats,
        [
            models.DailyQualityStats(
                day=row["d"],
                quality=row["q"],
                format=row["fmt"],
                plays=row["n"],
                ttfa_ms_sum=row["ttfa"] or 0,
                ttfa_count=row["ttfa_n"],
                stall_count=row["stalls"] or 0,
                stall_ms=row["stall_ms"] or 0,
                errors=row["errors"] or 0,
            )
            for row in quality
        ],
    )
    writes.commit()


def _playlist_kinds(context_ids: set[str]) -> dict[str, str]:
    """Map generated-playlist context ids (playlist uids) to Playlist.kind; unknown ids are left out."""
    uids = {}
    for context_id in context_ids:
        try:
            uids[str(context_id)] = uuid.UUID(str(context_id))
        except ValueError:
            continue
    found = dict(Playlist.objects.filter(uid__in=list(uids.values())).values_list("uid", "kind"))
    return {context_id: found[uid] for context_id, uid in uids.items() if uid in found}


# --------------------------------------------------------------------------------- listener rollups


def _listener_insert(writes: _Writes, listens, tz: dt.tzinfo) -> None:
    """Add the inserts of the day, hour and track rows of these listens (local days of tz) to writes."""
    day = TruncDate("listened_at", tzinfo=tz)
    counts = {"c_listens": Count("id"), "c_ms_played": Sum(listen_ms())}
    writes.insert_aggregate(
        models.ListenerDayStats,
        ["user_id", "day"],
        ["listens", "ms_played"],
        [listens.values(c_user_id=F("user_id"), c_day=day).annotate(**counts)],
    )
    writes.insert_aggregate(
        models.ListenerHourStats,
        ["user_id", "day", "hour"],
        ["listens", "ms_played"],
        [
            listens.values(
                c_user_id=F("user_id"), c_day=day, c_hour=ExtractHour("listened_at", tzinfo=tz)
            ).annotate(**counts)
        ],
    )
    writes.insert_aggregate(
        models.ListenerTrackDay,
        ["user_id", "day", "track_id"],
        ["listens", "ms_played"],
        [
            listens.filter(track__isnull=False)
            .values(c_user_id=F("user_id"), c_day=day, c_track_id=F("track_id"))
            .annotate(**counts)
        ],
    )


def _listener_delete(writes: _Writes, **lookup) -> None:
    for model in LISTENER_MODELS:
        writes.delete(model.objects.filter(**lookup))
    if "day" not in lookup:  # a whole listener: their months too (a day's months are redone after)
        for model in LISTENER_MONTH_MODELS:
            writes.delete(model.objects.filter(**lookup))


def _listener_batches(user_ids: list[int], listens) -> list[list[int]]:
    """Split listeners into batches rebuilt together: LISTENER_BATCH at a time, and on SQLite (where a
    batch's rows are written in one transaction that every other writer waits for) as many as have
    about SQLITE_LISTENS_PER_TRANSACTION listens together (a listener with more is a batch alone)."""
    if not _compute_before_writing():
        return [
            user_ids[offset : offset + LISTENER_BATCH] for offset in range(0, len(user_ids), LISTENER_BATCH)
        ]
    counts: dict[int, int] = {}
    for offset in range(0, len(user_ids), LISTENER_BATCH):
        part = user_ids[offset : offset + LISTENER_BATCH]
        counts.update(
            listens.filter(user_id__in=part)
            .values("user_id")
            .annotate(n=Count("id"))
            .values_list("user_id", "n")
        )
    batches: list[list[int]] = []
    size = 0
    for user_id in user_ids:
        listened = counts.get(user_id, 0)
        if (
            not batches
            or size + listened > SQLITE_LISTENS_PER_TRANSACTION
            or len(batches[-1]) >= LISTENER_BATCH
        ):
            batches.append([])
            size = 0
        batches[-1].append(user_id)
        size += listened
    return batches


def _listeners_rebuild(user_ids: list[int], *, tz: dt.tzinfo, cutoff: dt.date, last_listen_id: int) -> int:
    """Rebuild every rollup day of these listeners (all in time zone tz); return the days written.

    One transaction per batch of listeners: each listener's rows are replaced at once.
    """
    written = 0
    history = Listen.objects.filter(listened_at__lt=day_start(cutoff, tz), id__lte=last_listen_id)
    for batch in _listener_batches(user_ids, history):
        writes = _Writes()
        _listener_delete(writes, user_id__in=batch)
        _listener_insert(writes, history.filter(user_id__in=batch), tz)
        _listener_months(batch, months=None, before=cutoff.replace(day=1), writes=writes)
        written += writes.commit().inserted[models.ListenerDayStats]
    return written


def _listener_months(
    user_ids: list[int] | None,
    *,
    months: list[dt.date] | None,
    zone_name: str | None = None,
    before: dt.date | None = None,
    writes: _Writes | None = None,
) -> None:
    """Recompute listeners' month rows (all of them, or the given months) from their day rows.

    Month rows are kept for complete months only (before the month of the listener's cutoff day);
    ``before`` bounds them for a rebuild. ``user_ids=None`` recomputes every listener of the time zone
    ``zone_name``. With ``writes`` (which replaces the day rows first) they are added to its step,
    else committed at once.
    """
    step = writes if writes is not None else _Writes()
    if user_ids is not None:
        lookup: dict = {"user_id__in": user_ids}
    else:
        lookup = {"user__time_zone": zone_name}
    if months is not None:
        lookup["month__in"] = months
    for model in LISTENER_MONTH_MODELS:
        step.delete(model.objects.filter(**lookup))
    days = models.ListenerTrackDay.objects.filter(
        **({"user_id__in": user_ids} if user_ids is not None else {"user__time_zone": zone_name})
    )
    if before is not None:
        days = days.filter(day__lt=before)
    if months is not None:
        condition = Q(pk__in=[])
        for month in months:
            condition |= Q(day__gte=month, day__lt=_next_month(month))
        days = days.filter(condition)
    counts = {"c_listens": Sum("listens"), "c_ms_played": Sum("ms_played")}
    keys = {"c_user_id": F("user_id"), "c_month": TruncMonth("day")}
    after_days = writes is not None
    for model, field, path in (
        (models.ListenerTrackMonth, "track_id", "track_id"),
        (models.ListenerAlbumMonth, "album_id", "track__album_id"),
        (models.ListenerGenreMonth, "genre_id", "track__genres"),
    ):
        step.insert_aggregate(
            model,
            ["user_id", "month", field],
            ["listens", "ms_played"],
            [
                days.filter(**{f"{path}__isnull": False})
                .values(**keys, **{f"c_{field}": F(path)})
                .annotate(**counts)
            ],
            reads_this_step=after_days,
        )
    step.insert_aggregate(
        models.ListenerArtistMonth,
        ["user_id", "month", "artist_id"],
        ["listens", "ms_played", "first_day"],
        [days.values(**keys, c_artist_id=F("track__artist_id")).annotate(**counts, c_first_day=Min("day"))],
        minimum=("first_day",),
        reads_this_step=after_days,
    )
    if writes is None:
        step.commit()


def _next_month(month: dt.date) -> dt.date:
    return (month.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def _listener_days(pairs: dict[int, set[dt.date]], *, zone_name: str, last_listen_id: int) -> int:
    """Recompute the given local days of these listeners (all with User.time_zone == zone_name).

    Not their months. When many listeners of the zone changed on a day, the whole zone's day is
    recomputed with a join on the time zone rather than long id lists (the others' rows come out the
    same).
    """
    tz = zone(zone_name)
    by_day: dict[dt.date, list[int]] = defaultdict(list)
    for user_id, days in pairs.items():
        for day in days:
            by_day[day].append(user_id)
    written = 0
    for day, user_ids in sorted(by_day.items()):
        window = {
            "listened_at__gte": day_start(day, tz),
            "listened_at__lt": day_start(day + dt.timedelta(days=1), tz),
            "id__lte": last_listen_id,
        }
        if len(user_ids) > WHOLE_ZONE_AFTER:
            writes = _Writes()
            _listener_delete(writes, user__time_zone=zone_name, day=day)
            _listener_insert(writes, Listen.objects.filter(user__time_zone=zone_name, **window), tz)
            written += writes.commit().inserted[models.ListenerDayStats]
            continue
        for offset in range(0, len(user_ids), WHOLE_ZONE_AFTER):
            batch = user_ids[offset : offset + WHOLE_ZONE_AFTER]
            writes = _Writes()
            _listener_delete(writes, user_id__in=batch, day=day)
            _listener_insert(writes, Listen.objects.filter(user_id__in=batch, **window), tz)
            written += writes.commit().inserted[models.ListenerDayStats]
    return written


def _states_save(user_zones: dict[int, str], now: dt.datetime) -> None:
    models.ListenerRollupState.objects.filter(user_id__in=list(user_zones)).delete()
    models.ListenerRollupState.objects.bulk_create(
        [
            models.ListenerRollupState(user_id=u, time_zone=name, rebuilt_at=now)
            for u, name in user_zones.items()
        ],
        batch_size=BATCH_SIZE,
    )


# ------------------------------------------------------------------------------------------ the run

ROLLUP_LOCK = "analytics.rollup"
# A run refreshes its lock at every step; a killed run's lock expires after this.
ROLLUP_LOCK_TTL = dt.timedelta(minutes=15)
# How long a run waits for another one to finish (then raises lock.LockHeld).
ROLLUP_LOCK_WAIT_SECONDS = 30 * 60


def _lock_take() -> lock.Lease:
    """Take the rollups' run lock, waiting while another run holds it.

    A lock row (recommend's run lock), not a transaction holding the RollupState row: a run is many
    short transactions, so that the web's writes never wait long for one (SQLite has a single writer).
    """
    deadline = time.monotonic() + ROLLUP_LOCK_WAIT_SECONDS
    while True:
        try:
            return lock.lock_acquire(run=None, name=ROLLUP_LOCK, ttl=ROLLUP_LOCK_TTL)
        except lock.LockHeld:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def _advance(lease: lock.Lease, progress: Progress | None, done: int, steps: int) -> None:
    lock.lock_refresh(lease, ttl=ROLLUP_LOCK_TTL)
    if progress:
        progress(done, steps)


def _full_leftovers_delete(site_days: set[dt.date], *, last_listen_id: int) -> None:
    """Delete the rows a full rebuild did not rewrite: days outside its site days, listeners without
    listens (the rest was replaced day by day and listener by listener)."""
    for model in SITE_MODELS:
        rows = model.objects.all()
        if site_days:
            rows = rows.exclude(day__gte=min(site_days), day__lte=max(site_days))
        rows.delete()
    with_listens = Listen.objects.filter(id__lte=last_listen_id).values("user_id")
    for model in LISTENER_MODELS + LISTENER_MONTH_MODELS:
        model.objects.exclude(user_id__in=with_listens).delete()


@dataclass
class _Plan:
    """What a run recomputes: site days, and listeners' UTC dates (changed, or completed since the last
    run) or whole listeners (rebuilt)."""

    site_days: set[dt.date]
    listener_pairs: dict[int, set[dt.date]]
    completed_pairs: dict[int, set[dt.date]]
    rebuild_users: set[int]


@dataclass
class _ListenerSteps:
    """The listener steps of a run, by time zone name: local days to recompute, listeners to rebuild."""

    zones: dict[int, str]
    by_zone_days: dict[str, dict[int, set[dt.date]]]
    by_zone_rebuild: dict[str, list[int]]


def _days_between(first: dt.date, end: dt.date) -> set[dt.date]:
    """Return the days from ``first`` up to, not including, ``end``."""
    days = set()
    day = first
    while day < end:
        days.add(day)
        day += dt.timedelta(days=1)
    return days


def _last_ids(state: models.RollupState, *, full: bool, inserted_before: dt.datetime) -> tuple[int, int]:
    """Return the last Listen id inserted before ``inserted_before`` and the last Play id.

    Listen ids grow with time; the lag before ``inserted_before`` covers transactions still open.
    """
    last_listen_id = Listen.objects.filter(
        id__gt=0 if full else state.last_listen_id, inserted_at__lte=inserted_before
    ).aggregate(m=Max("id"))["m"] or (0 if full else state.last_listen_id)
    last_play_id = Play.objects.aggregate(m=Max("id"))["m"] or 0
    return last_listen_id, last_play_id


def _dirty_utc_days(state: models.RollupState, *, full: bool, reconcile: bool, site_tz) -> set[dt.date]:
    """Return the UTC dates marked dirty, and with ``reconcile`` those whose listens changed in place."""
    dirty_utc = set(models.DirtyDay.objects.values_list("day", flat=True))
    if reconcile and not full and state.watermark is not None:
        dirty_utc |= _changed_in_place(
            site_tz=site_tz,
            before=local_day(state.watermark, site_tz),
            last_listen_id=state.last_listen_id,
        )
    return dirty_utc


def _full_plan(*, last_listen_id: int, site_tz, site_cutoff: dt.date) -> _Plan:
    """Plan a full rebuild: every site day since the first listen or play, every listener with listens.

    Every day and listener is replaced step by step, and what no step rewrites (days before the first
    listen, listeners without listens) is deleted when the run ends.
    """
    bounds = Listen.objects.filter(id__lte=last_listen_id).aggregate(
        first=Min("listened_at"), last=Max("listened_at")
    )
    play_bounds = Play.objects.aggregate(first=Min("started_at"))
    firsts = [m for m in (bounds["first"], play_bounds["first"]) if m is not None]
    site_days: set[dt.date] = set()
    if firsts:
        site_days = _days_between(local_day(min(firsts), site_tz), site_cutoff)
    rebuild_users = set(
        Listen.objects.filter(id__lte=last_listen_id).values_list("user_id", flat=True).distinct()
    )
    return _Plan(
        site_days=site_days, listener_pairs={}, completed_pairs=defaultdict(set), rebuild_users=rebuild_users
    )


def _incremental_plan(
    state: models.RollupState,
    *,
    dirty_utc: set[dt.date],
    last_listen_id: int,
    now: dt.datetime,
    site_tz,
    site_cutoff: dt.date,
) -> _Plan:
    """Plan an incremental run: the days of the rows inserted since the last run, of the dates marked
    dirty and of the days completed since, and the listeners whose time zone changed."""
    changed = list(
        Listen.objects.filter(
            Q(id__gt=state.last_listen_id, id__lte=last_listen_id)
            | (_utc_days_q("listened_at", dirty_utc) & Q(id__lte=last_listen_id))
        )
        .values_list("user_id", TruncDate("listened_at", tzinfo=UTC))
        .distinct()
    )
    new_plays = (
        Play.objects.filter(id__gt=state.last_play_id)
        .values_list(TruncDate("started_at", tzinfo=UTC), flat=True)
        .distinct()
    )
    # The days completed since the last run (plays are updated while they play, so they are rolled up
    # once their day is over, like the listens).
    completed: list[tuple[int, dt.date]] = []
    if now > state.watermark:
        completed = list(
            Listen.objects.filter(
                listened_at__gte=state.watermark - dt.timedelta(days=2),
                listened_at__lt=now + dt.timedelta(days=1),
                id__lte=last_listen_id,
            )
            .values_list("user_id", TruncDate("listened_at", tzinfo=UTC))
            .distinct()
        )
    site_days = set()
    for day in {day for _, day in changed} | set(new_plays) | dirty_utc:
        site_days |= _local_days_of_utc_day(day, site_tz)
    site_days |= _days_between(local_day(state.watermark, site_tz), site_cutoff)
    site_days = {day for day in site_days if day < site_cutoff}
    listener_pairs: dict[int, set[dt.date]] = defaultdict(set)
    for user_id, day in changed:
        listener_pairs[user_id].add(day)
    completed_pairs: dict[int, set[dt.date]] = defaultdict(set)
    for user_id, day in completed:
        completed_pairs[user_id].add(day)
    # Listeners whose time zone changed since their rollups were computed.
    rebuild_users = set(
        get_user_model()
        .objects.filter(analytics_rollup_state__isnull=False)
        .exclude(analytics_rollup_state__time_zone=F("time_zone"))
        .values_list("id", flat=True)
    )
    return _Plan(
        site_days=site_days,
        listener_pairs=listener_pairs,
        completed_pairs=completed_pairs,
        rebuild_users=rebuild_users,
    )


def _listener_local_days(
    plan: _Plan, user_id: int, *, tz: dt.tzinfo, watermark: dt.datetime | None, now: dt.datetime
) -> set[dt.date]:
    """Return a listener's local days to recompute: those of their changed UTC dates, and of the dates
    completed since the last run that are on or after its cutoff, all before today's."""
    local = set()
    for day in plan.listener_pairs.get(user_id, ()):
        local |= _local_days_of_utc_day(day, tz)
    if user_id in plan.completed_pairs:
        previous_cutoff = local_day(watermark, tz)
        for day in plan.completed_pairs[user_id]:
            local |= {d for d in _local_days_of_utc_day(day, tz) if d >= previous_cutoff}
    cutoff = local_day(now, tz)
    return {day for day in local if day < cutoff}


def _listener_steps(plan: _Plan, *, watermark: dt.datetime | None, now: dt.datetime) -> _ListenerSteps:
    """Group the plan's listeners by time zone, converting UTC dates to their local days.

    Listeners with many days become rebuilds (added to ``plan.rebuild_users``).
    """
    rebuild_users = plan.rebuild_users
    zones = dict(
        get_user_model()
        .objects.filter(id__in=list(rebuild_users | set(plan.listener_pairs) | set(plan.completed_pairs)))
        .values_list("id", "time_zone")
    )
    by_zone_days: dict[str, dict[int, set[dt.date]]] = defaultdict(dict)
    for user_id in set(plan.listener_pairs) | set(plan.completed_pairs):
        if user_id in rebuild_users:
            continue
        local = _listener_local_days(plan, user_id, tz=zone(zones.get(user_id)), watermark=watermark, now=now)
        if len(local) > LISTENER_REBUILD_AFTER_DAYS:
            rebuild_users.add(user_id)
        elif local:
            by_zone_days[zones.get(user_id, "UTC")][user_id] = local
    by_zone_rebuild: dict[str, list[int]] = defaultdict(list)
    for user_id in rebuild_users:
        by_zone_rebuild[zones.get(user_id, "UTC")].append(user_id)
    return _ListenerSteps(zones=zones, by_zone_days=by_zone_days, by_zone_rebuild=by_zone_rebuild)


def _steps_run(
    plan: _Plan,
    listeners: _ListenerSteps,
    *,
    site_tz,
    last_listen_id: int,
    now: dt.datetime,
    lease: lock.Lease,
    progress: Progress | None,
) -> tuple[int, dict[tuple[str, dt.date], set[int]]]:
    """Run the steps, each its own transaction: site chunks, listener rebuilds, listener days.

    Return the listener days written and the (zone name, month) pairs touched, with their listeners
    (complete months only).
    """
    site_runs = _runs(
        plan.site_days, SQLITE_SITE_CHUNK_DAYS if _compute_before_writing() else SITE_CHUNK_DAYS
    )
    steps = len(site_runs) + len(listeners.by_zone_days) + len(listeners.by_zone_rebuild)
    done = 0
    if progress:
        progress(0, steps)
    for first, last in site_runs:
        _site_chunk(first, last, tz=site_tz, last_listen_id=last_listen_id)
        done += 1
        _advance(lease, progress, done, steps)

    listener_days = 0
    for name, user_ids in listeners.by_zone_rebuild.items():
        tz = zone(name)
        listener_days += _listeners_rebuild(
            sorted(user_ids), tz=tz, cutoff=local_day(now, tz), last_listen_id=last_listen_id
        )
        done += 1
        _advance(lease, progress, done, steps)
    # Month rows (complete months only) of the changed days.
    touched_months: dict[tuple[str, dt.date], set[int]] = defaultdict(set)
    for name, pairs in listeners.by_zone_days.items():
        listener_days += _listener_days(pairs, zone_name=name, last_listen_id=last_listen_id)
        current = local_day(now, zone(name)).replace(day=1)
        for user_id, days in pairs.items():
            for day in days:
                if day.replace(day=1) < current:
                    touched_months[(name, day.replace(day=1))].add(user_id)
        done += 1
        _advance(lease, progress, done, steps)
    return listener_days, touched_months


def _completed_months_touch(
    touched_months: dict[tuple[str, dt.date], set[int]], *, watermark: dt.datetime, now: dt.datetime
) -> None:
    """Mark the months completed since the last run touched, for every listener of each time zone."""
    for name in get_user_model().objects.values_list("time_zone", flat=True).distinct():
        month = local_day(watermark, zone(name)).replace(day=1)
        current = local_day(now, zone(name)).replace(day=1)
        while month < current:
            touched_months[(name, month)] = set()  # the whole zone
            month = _next_month(month)


def _touched_months_rollup(touched_months: dict[tuple[str, dt.date], set[int]]) -> None:
    """Recompute the month rows of the touched months: of their listeners, or of the whole zone."""
    for (name, month), user_ids in sorted(touched_months.items()):
        if not user_ids or len(user_ids) > WHOLE_ZONE_AFTER:
            _listener_months(None, months=[month], zone_name=name)
        else:
            _listener_months(sorted(user_ids), months=[month])


def _run_finish(
    plan: _Plan,
    listeners: _ListenerSteps,
    *,
    full: bool,
    dirty_utc: set[dt.date],
    now: dt.datetime,
    last_listen_id: int,
    last_play_id: int,
    listener_days: int,
    began: float,
) -> float:
    """Record the run in one transaction: leftovers deleted (full), listeners' zones, dirty days
    cleared, the watermark moved. Return the run's duration in seconds."""
    touched = set(plan.rebuild_users) | {u for pairs in listeners.by_zone_days.values() for u in pairs}
    with transaction.atomic():
        if full:
            _full_leftovers_delete(plan.site_days, last_listen_id=last_listen_id)
        _states_save({u: listeners.zones.get(u, "UTC") for u in touched}, now)
        models.DirtyDay.objects.filter(day__in=dirty_utc).delete()
        seconds = time.monotonic() - began
        state = _state_for_update()
        state.watermark = now
        state.last_listen_id = last_listen_id
        state.last_play_id = last_play_id
        state.last_started_at = timezone.now() - dt.timedelta(seconds=seconds)
        state.last_finished_at = timezone.now()
        state.last_duration_ms = int(seconds * 1000)
        state.last_site_days = len(plan.site_days)
        state.last_listener_days = listener_days
        state.last_full = full
        state.save()
    return seconds


def _statistics_refresh(*, full: bool, site_days: int) -> None:
    """Refresh the rollup tables' planner statistics after a bulk rewrite (PostgreSQL).

    Stale ones made page queries 10x slower.
    """
    if connection.vendor == "postgresql" and (full or site_days > ANALYZE_AFTER_DAYS):
        with connection.cursor() as cursor:
            for model in SITE_MODELS + LISTENER_MODELS + LISTENER_MONTH_MODELS:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def rollup_run(
    *,
    full: bool = False,
    reconcile: bool = False,
    now: dt.datetime | None = None,
    progress: Progress | None = None,
    lag_seconds: int | None = None,
) -> RollupSummary:
    """Bring every rollup up to date: the dirty days only, or everything when ``full``.

    ``now`` is the moment whose day the rollups stop before (default: the current time minus
    STREAMAPP_ANALYTICS_ROLLUP_LAG_SECONDS). Listens inserted in that last lag are left for the next
    run, so rows of transactions still open are not skipped by the id watermark (``lag_seconds``
    replaces that lag when the caller knows no insert is still open). ``reconcile`` also
    compares each site day's matched listens with the rollups (one GROUP BY over the listens) and
    recomputes the days that differ: listens linked to the catalogue after they were rolled up.
    """
    began = time.monotonic()
    if lag_seconds is None:
        lag_seconds = settings.STREAMAPP_ANALYTICS_ROLLUP_LAG_SECONDS
    lag = dt.timedelta(seconds=lag_seconds)
    inserted_before = timezone.now() - lag
    if now is None:
        now = inserted_before
    site_tz = site_zone()
    lease = _lock_take()
    try:
        state = models.RollupState.objects.get_or_create(name="default")[0]
        full = full or state.watermark is None
        last_listen_id, last_play_id = _last_ids(state, full=full, inserted_before=inserted_before)
        site_cutoff = local_day(now, site_tz)
        dirty_utc = _dirty_utc_days(state, full=full, reconcile=reconcile, site_tz=site_tz)
        if full:
            plan = _full_plan(last_listen_id=last_listen_id, site_tz=site_tz, site_cutoff=site_cutoff)
        else:
            plan = _incremental_plan(
                state,
                dirty_utc=dirty_utc,
                last_listen_id=last_listen_id,
                now=now,
                site_tz=site_tz,
                site_cutoff=site_cutoff,
            )
        listeners = _listener_steps(plan, watermark=state.watermark, now=now)
        listener_days, touched_months = _steps_run(
            plan,
            listeners,
            site_tz=site_tz,
            last_listen_id=last_listen_id,
            now=now,
            lease=lease,
            progress=progress,
        )
        if not full:
            _completed_months_touch(touched_months, watermark=state.watermark, now=now)
        _touched_months_rollup(touched_months)
        seconds = _run_finish(
            plan,
            listeners,
            full=full,
            dirty_utc=dirty_utc,
            now=now,
            last_listen_id=last_listen_id,
            last_play_id=last_play_id,
            listener_days=listener_days,
            began=began,
        )
    finally:
        lock.lock_release(lease)
    _statistics_refresh(full=full, site_days=len(plan.site_days))
    return RollupSummary(
        full=full,
        site_days=len(plan.site_days),
        listener_days=listener_days,
        listeners_rebuilt=len(plan.rebuild_users),
        seconds=seconds,
    )


def listener_rollup_rebuild(*, user) -> int:
    """Rebuild one listener's rollups in their current time zone, up to the current watermark.

    Used when their time zone changed since the last run; returns the days written.
    """
    with transaction.atomic():
        state = _state_for_update()
        if state.watermark is None:
            return 0
        tz = zone(user.time_zone)
        written = _listeners_rebuild(
            [user.pk], tz=tz, cutoff=local_day(state.watermark, tz), last_listen_id=state.last_listen_id
        )
        _states_save({user.pk: user.time_zone}, timezone.now())
    return written
