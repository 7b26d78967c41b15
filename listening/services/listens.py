"""Writes for submitted listens (the ListenBrainz API, history imports): bulk, idempotent, all or nothing."""

import datetime as dt
import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from catalog.matching import MatchQuery, match_key, match_tracks
from streamapp import bulk

from .. import selectors
from ..models import Listen, NowPlaying, Source

LISTEN_TYPES = ("single", "playing_now", "import")
# How long a playing_now entry lasts when the client gives no duration (ListenBrainz's default).
PLAYING_NOW_DEFAULT_DURATION = dt.timedelta(minutes=10)
LINK_BATCH_SIZE = 2000
_NAME_LENGTH = Listen._meta.get_field("track_name").max_length


def listen_dedupe_key(*, artist_name: str, track_name: str) -> str:
    """Return the dedupe key of a submitted listen.

    The same song (normalised artist and title) at the same second is the same listen, however rich
    the metadata of each submission: a retry, or a second scrobbler on the same player, adds nothing.
    """
    text = f"listen:{match_key(artist_name)}\x1f{match_key(track_name)}"
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


@dataclass(frozen=True, slots=True)
class ListenRecord:
    """A listen to record: its start (unix seconds, UTC) and the metadata submitted or imported with it."""

    listened_at: int
    artist_name: str
    track_name: str
    release_name: str = ""
    recording_mbid: uuid.UUID | None = None
    # Every other submitted key (recording_mbid has its own column).
    additional_info: dict = field(default_factory=dict)
    ms_played: int | None = None
    skipped: bool = False


@dataclass(frozen=True, slots=True)
class ListensWritten:
    new: int
    unmatched: int  # of the new ones, how many matched no track


def _match_query(metadata: dict) -> MatchQuery:
    mbid = (metadata.get("additional_info") or {}).get("recording_mbid")
    return MatchQuery(
        artist_name=metadata["artist_name"],
        track_name=metadata["track_name"],
        release_name=metadata.get("release_name") or "",
        recording_mbid=uuid.UUID(mbid) if mbid else None,
    )


def _stored_info(metadata: dict) -> dict:
    # recording_mbid has its own column; every other key is kept as submitted.
    info = dict(metadata.get("additional_info") or {})
    info.pop("recording_mbid", None)
    return info


def _record_of(listen: dict) -> ListenRecord:
    metadata = listen["track_metadata"]
    query = _match_query(metadata)
    return ListenRecord(
        listened_at=listen["listened_at"],
        artist_name=query.artist_name,
        track_name=query.track_name,
        release_name=query.release_name,
        recording_mbid=query.recording_mbid,
        additional_info=_stored_info(metadata),
    )


def listens_submit(*, user, listen_type: str, listens: list[dict], source: str = Source.API) -> int:
    """Record listens checked by listening.listenbrainz.validation; return how many were new.

    A playing_now submission replaces the user's now-playing entry instead (and returns 0). All or
    nothing in one transaction (listens_write's); a listen already recorded (same user, second and
    dedupe key) is skipped, so retried submissions add nothing. A constant number of queries,
    whatever the count.
    """
    if listen_type not in LISTEN_TYPES:
        raise ValueError(f"Unknown listen type {listen_type!r}.")
    if listen_type == "playing_now":
        (listen,) = listens
        _now_playing_set(user=user, metadata=listen["track_metadata"])
        return 0
    return listens_write(user=user, listens=[_record_of(listen) for listen in listens], source=source).new


@transaction.atomic
def listens_write(*, user, listens: Sequence[ListenRecord], source: str) -> ListensWritten:
    """Record listens in bulk, matched to the catalog; return how many were new and how many unmatched.

    A listen already recorded (same user, second and dedupe key), or repeated in listens, is recorded
    once, so writing the same listens again adds nothing. One transaction and a constant number of
    queries (at most 4), whatever the count: callers pass batches of a few thousand.
    """
    keyed: dict[tuple[int, str], ListenRecord] = {}
    for listen in listens:
        key = listen_dedupe_key(artist_name=listen.artist_name, track_name=listen.track_name)
        keyed.setdefault((listen.listened_at, key), listen)
    postgresql = connection.vendor == "postgresql"
    if not postgresql:
        # PostgreSQL reports which rows an INSERT ... ON CONFLICT DO NOTHING wrote; elsewhere,
        # what is already recorded is left out first so that the count is known.
        recorded = _recorded(user=user, identities=keyed)
        keyed = {identity: listen for identity, listen in keyed.items() if identity not in recorded}
    if not keyed:
        return ListensWritten(new=0, unmatched=0)
    selectors.listener_changed(user_ids=[user.pk])  # their history and home page change
    track_ids = match_tracks(
        [
            MatchQuery(
                artist_name=listen.artist_name,
                track_name=listen.track_name,
                release_name=listen.release_name,
                recording_mbid=listen.recording_mbid,
            )
            for listen in keyed.values()
        ]
    )
    rows = [
        {
            "track_id": track_id,
            "listened_at": listened_at,
            "artist_name": listen.artist_name[:_NAME_LENGTH],
            "track_name": listen.track_name[:_NAME_LENGTH],
            "release_name": listen.release_name[:_NAME_LENGTH],
            "recording_mbid": listen.recording_mbid,
            "additional_info": listen.additional_info,
            "dedupe_key": key,
            "ms_played": listen.ms_played,
            "skipped": listen.skipped,
        }
        for ((listened_at, key), listen), track_id in zip(keyed.items(), track_ids, strict=True)
    ]
    # A listen recorded meanwhile (a concurrent retry) is skipped by the unique constraint.
    if postgresql:
        return _insert_postgresql(user=user, source=source, rows=rows)
    objects = [
        Listen(user=user, source=source, **{**row, "listened_at": _at(row["listened_at"])}) for row in rows
    ]
    Listen.objects.bulk_create(objects, ignore_conflicts=True)
    return ListensWritten(new=len(objects), unmatched=sum(1 for row in rows if row["track_id"] is None))


def _at(timestamp: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(timestamp, tz=dt.UTC)


def _recorded(*, user, identities) -> set[tuple[int, str]]:
    times = {_at(listened_at) for listened_at, _ in identities}
    rows = Listen.objects.filter(user=user, listened_at__in=times).values_list("listened_at", "dedupe_key")
    return {(int(listened_at.timestamp()), key) for listened_at, key in rows}


def _insert_postgresql(*, user, source: str, rows: list[dict]) -> ListensWritten:
    """Insert listen rows in one statement (streamapp.bulk.insert_json_rows), skipping those already
    recorded; return the counts."""
    column = {field.name: field.column for field in Listen._meta.concrete_fields}
    submitted = {
        "track": "r.track_id",
        "listened_at": "to_timestamp(r.listened_at)",
        "artist_name": "r.artist_name",
        "track_name": "r.track_name",
        "release_name": "r.release_name",
        "recording_mbid": "r.recording_mbid",
        "additional_info": "r.additional_info",
        "dedupe_key": "r.dedupe_key",
        "ms_played": "r.ms_played",
        "skipped": "r.skipped",
    }
    constant = {
        "user": "%(user_id)s",
        "source": "%(source)s",
        "inserted_at": "%(now)s",
        "context_type": "''",
        "context_id": "''",
    }
    written = bulk.insert_json_rows(
        Listen._meta.db_table,
        record={
            "track_id": "bigint",
            "listened_at": "bigint",
            "artist_name": "text",
            "track_name": "text",
            "release_name": "text",
            "recording_mbid": "uuid",
            "additional_info": "jsonb",
            "dedupe_key": "text",
            "ms_played": "integer",
            "skipped": "boolean",
        },
        values={column[name]: sql for name, sql in {**submitted, **constant}.items()},
        rows=rows,
        params={"user_id": user.pk, "source": source, "now": timezone.now()},
        returning=f"{connection.ops.quote_name(column['track'])} IS NULL",
    )
    return ListensWritten(new=len(written), unmatched=sum(1 for (unmatched,) in written if unmatched))


def _now_playing_set(*, user, metadata: dict) -> NowPlaying:
    query = _match_query(metadata)
    (track_id,) = match_tracks([query])
    info = dict(metadata.get("additional_info") or {})
    if info.get("duration"):
        duration = dt.timedelta(seconds=info["duration"])
    elif info.get("duration_ms"):
        duration = dt.timedelta(milliseconds=info["duration_ms"])
    else:
        duration = PLAYING_NOW_DEFAULT_DURATION
    now = timezone.now()
    now_playing, _ = NowPlaying.objects.update_or_create(
        user=user,
        defaults={
            "track_id": track_id,
            "artist_name": query.artist_name[:_NAME_LENGTH],
            "track_name": query.track_name[:_NAME_LENGTH],
            "release_name": query.release_name[:_NAME_LENGTH],
            "additional_info": info,
            "started_at": now,
            "expires_at": now + duration,
        },
    )
    selectors.listener_changed(user_ids=[user.pk])
    return now_playing


def listens_link_unmatched(*, user=None, batch_size: int = LINK_BATCH_SIZE) -> int:
    """Link listens that matched no track to the tracks the catalog has gained since; return how many.

    Call it after a library import. Works in batches of batch_size listens (a read, at most two
    matching queries, an UPDATE per 500 linked), each linked in its own transaction, so it can run
    beside submissions; a listen that still matches nothing is left as it is.
    """
    unmatched = Listen.objects.filter(track__isnull=True)
    if user is not None:
        unmatched = unmatched.filter(user=user)
    linked, last_pk = 0, 0
    while True:
        rows = list(
            unmatched.filter(pk__gt=last_pk)
            .order_by("pk")
            .values_list("pk", "artist_name", "track_name", "release_name", "recording_mbid", "user_id")[
                :batch_size
            ]
        )
        if not rows:
            return linked
        last_pk = rows[-1][0]
        queries = [
            MatchQuery(artist_name=artist, track_name=title, release_name=release, recording_mbid=mbid)
            for _, artist, title, release, mbid, _user in rows
        ]
        found = [
            (Listen(pk=row[0], track_id=track_id), row[5])
            for row, track_id in zip(rows, match_tracks(queries), strict=True)
            if track_id is not None
        ]
        if found:
            with transaction.atomic():
                Listen.objects.bulk_update([listen for listen, _user in found], ["track"], batch_size=500)
                selectors.listener_changed(user_ids={user_id for _listen, user_id in found})
            linked += len(found)
