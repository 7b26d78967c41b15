"""Radio: an endless queue started from a track, artist, album, genre or playlist.

``radio_start`` makes a session and its first tracks; the player asks ``radio_next`` for more as the
queue runs low. A session lives in the Django cache (local memory or Redis) for RADIO_TTL after its
last use: the seed, the tracks it handed out (never handed out twice) and what the listener did with
them. What they did comes from the player's own play reports for the session (context "radio", the
session id) and from the ids the player sends with each request, whichever arrives first.

Scoring a batch (a fixed number of indexed queries, whatever the catalog's size):
- neighbours (SimilarTrackList) of the seed tracks and of the tracks played to the end count for a
  candidate; neighbours of skipped tracks count against it;
- artists: the seed's artists, their SimilarArtistList neighbours and the artists played to the end
  are up-weighted, each skip of an artist down-weights it;
- the seed's genres bring in candidates when the nightly tables are empty (a new catalog);
- a small random jitter, then at most two tracks per artist a batch and never the same artist twice
  in a row.
"""

import random
import re
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Exists, F, OuterRef, Subquery, TextChoices, Window
from django.db.models.functions import Random, RowNumber
from django.http import Http404

from catalog.models import Album, Artist, Genre, Track
from listening import selectors as listening_selectors
from listening.models import ContextType, Play

from . import packed
from .models import SimilarArtistList, SimilarTrackList, TrackDislike

RADIO_TTL_SECONDS = 6 * 3600
SESSION_ID = re.compile(r"[0-9a-f]{32}")
TRACK_ID_MAX_TTL_SECONDS = 300
DEFAULT_BATCH = 10
MAX_BATCH = 50
MAX_ANCHORS = 60
MAX_SKIP_ANCHORS = 30
ARTIST_POOL = 15
PER_ARTIST_POOL = 8
GENRE_POOL = 60
PER_ARTIST_BATCH = 2

# Weights of the scoring (see the module docstring).
SEED_WEIGHT = {"track": 1.0, "artist": 0.6, "album": 0.6, "genre": 0.4, "playlist": 0.5}
PLAYED_WEIGHT = 1.0
SKIP_PENALTY = 1.2
ARTIST_SEED = 1.0
ARTIST_PLAYED = 0.5
ARTIST_SKIPPED = -1.5
ARTIST_NEIGHBOUR = 0.6
ARTIST_FACTOR = 0.35
GENRE_BONUS = 0.15
ANCHOR_BONUS = 0.3
JITTER = 0.04


class SeedType(TextChoices):
    TRACK = "track", "Track"
    ARTIST = "artist", "Artist"
    ALBUM = "album", "Album"
    GENRE = "genre", "Genre"
    PLAYLIST = "playlist", "Playlist"


@dataclass
class RadioSession:
    id: str
    user_id: int
    seed_type: str
    seed_id: str
    title: str
    # Seed tracks -> weight; their artists; the seed's genres.
    anchors: dict[int, float] = field(default_factory=dict)
    seed_artists: list[int] = field(default_factory=list)
    genre_ids: list[int] = field(default_factory=list)
    # Tracks handed out, in order, and each one's artist.
    served: list[int] = field(default_factory=list)
    artist_of: dict[int, int] = field(default_factory=dict)
    # Track id -> "play" (played to the end) or "skip".
    outcomes: dict[int, str] = field(default_factory=dict)
    # The highest track id when the session started: random samples start at a random id below it.
    track_id_max: int = 0

    @property
    def skipped(self) -> list[int]:
        return [pk for pk in self.served if self.outcomes.get(pk) == "skip"]

    @property
    def played(self) -> list[int]:
        return [pk for pk in self.served if self.outcomes.get(pk) == "play"]


@dataclass(frozen=True)
class RadioBatch:
    session: RadioSession
    tracks: list[Track]

    @property
    def exhausted(self) -> bool:
        return not self.tracks


def _key(session_id: str) -> str:
    return f"recommend:radio:{session_id}"


def _save(session: RadioSession) -> None:
    cache.set(_key(session.id), session.__dict__, RADIO_TTL_SECONDS)


def radio_get(*, user, session_id: str) -> RadioSession:
    """Return the user's radio session, or raise Http404 (unknown, expired, or someone else's)."""
    session_id = str(session_id)
    if not SESSION_ID.fullmatch(session_id):
        raise Http404("No such radio session.")
    data = cache.get(_key(session_id))
    if not data or data.get("user_id") != user.pk:
        raise Http404("No such radio session (it may have expired).")
    return RadioSession(**data)


def _output_tracks(ids: list[int]) -> list[Track]:
    by_id = Track.objects.select_related("album__artist", "artist", "audio_file").in_bulk(ids)
    return [by_id[pk] for pk in ids if pk in by_id]


def _track_id_max() -> int:
    """Return the highest track id, as of at most a few minutes ago (it only bounds random pivots)."""
    return cache.get_or_set(
        "recommend:radio:track-id-max",
        lambda: Track.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
        TRACK_ID_MAX_TTL_SECONDS,
    )


def _genre_sample(*, genre_ids: list[int], size: int, pivot: int) -> list[tuple[int, int]]:
    """Return up to `size` playable (track id, artist id) in the genres, from track id `pivot` on.

    A random pivot stands in for ORDER BY random(), which sorts the whole genre: this reads about
    size x (share of the catalog outside the genres) index entries, whatever the catalog's size.
    """
    through = Track.genres.through

    def from_id(start: int) -> list[tuple[int, int]]:
        ids = (
            through.objects.filter(genre_id__in=genre_ids, track_id__gte=start)
            .order_by("track_id")
            .values("track_id")[:size]
        )
        tracks = Track.objects.playable().filter(pk__in=Subquery(ids)).order_by()
        return list(tracks.values_list("pk", "artist_id"))

    found = from_id(pivot)
    if len(found) < size and pivot > 0:  # the pivot fell near the end: go round
        seen = {pk for pk, _ in found}
        found += [row for row in from_id(0) if row[0] not in seen][: size - len(found)]
    return found


def _resolve_seed(*, user, seed_type: str, seed_id: str) -> RadioSession:
    """Build a session's seed: its anchor tracks, artists and genres (≤ 3 queries); Http404 if unknown."""
    session = RadioSession(
        id=uuid.uuid4().hex, user_id=user.pk, seed_type=seed_type, seed_id=str(seed_id), title=""
    )
    weight = SEED_WEIGHT[seed_type]
    through = Track.genres.through
    if seed_type == SeedType.GENRE:
        genre = Genre.objects.filter(slug=str(seed_id)).first()
        if genre is None:
            raise Http404("No such genre.")
        session.title = f"{genre.name} Radio"
        session.genre_ids = [genre.pk]
        session.track_id_max = _track_id_max()
        pivot = random.Random(session.id).randint(0, session.track_id_max)
        anchors = _genre_sample(genre_ids=[genre.pk], size=20, pivot=pivot)
    else:
        try:
            number = int(seed_id) if seed_type != SeedType.PLAYLIST else None
        except (TypeError, ValueError):
            raise Http404("Not found.") from None
        if seed_type == SeedType.TRACK:
            track = Track.objects.select_related("artist").filter(pk=number).first()
            if track is None:
                raise Http404("No such track.")
            session.title = f"{track.title} Radio"
            session.seed_artists = [track.artist_id]
            anchors = [(track.pk, track.artist_id)]
        elif seed_type == SeedType.ARTIST:
            artist = Artist.objects.filter(pk=number).first()
            if artist is None:
                raise Http404("No such artist.")
            session.title = f"{artist.name} Radio"
            session.seed_artists = [artist.pk]
            anchors = [
                (track.pk, track.artist_id)
                for track in Track.objects.playable().filter(artist=artist)
                .order_by(F("track_number").asc(nulls_last=True), "pk")[:10]
            ]
        elif seed_type == SeedType.ALBUM:
            album = Album.objects.filter(pk=number).first()
            if album is None:
                raise Http404("No such album.")
            session.title = f"{album.title} Radio"
            session.seed_artists = [album.artist_id]
            in_album = Track.objects.playable().filter(album=album).order_by("disc_number", "pk")
            anchors = list(in_album.values_list("pk", "artist_id")[:30])
        else:
            playlist = listening_selectors.playlist_get_visible(
                user=user, uid=listening_selectors._uuid_or_404(seed_id)
            )
            session.title = f"{playlist.name} Radio"
            tracks = listening_selectors.playlist_items(playlist=playlist).tracks(
                queryset=Track.objects.playable().only("pk", "artist_id"), limit=100
            )
            anchors = [(track.pk, track.artist_id) for track in tracks]
        if anchors:
            session.genre_ids = sorted(
                set(
                    through.objects.filter(track_id__in=[pk for pk, _ in anchors])
                    .values_list("genre_id", flat=True)
                    .distinct()[:10]
                )
            )
    if not session.track_id_max:
        session.track_id_max = _track_id_max()
    session.anchors = {pk: weight for pk, _ in anchors}
    session.artist_of = dict(anchors)
    return session


def radio_start(*, user, seed_type: str, seed_id: str, size: int = DEFAULT_BATCH) -> RadioBatch:
    """Start a radio session from a seed and return it with its first `size` tracks.

    A track seed plays first itself. Raise Http404 when the seed does not exist or the user may not
    see it (a private playlist).
    """
    if seed_type not in SeedType.values:
        raise Http404("Radio starts from a track, artist, album, genre or playlist.")
    session = _resolve_seed(user=user, seed_type=seed_type, seed_id=seed_id)
    first = next(iter(session.anchors), None) if seed_type == SeedType.TRACK else None
    ids = _pick(session=session, user=user, size=size, first=first)
    _save(session)
    return RadioBatch(session=session, tracks=_output_tracks(ids))


def radio_next(
    *, user, session_id: str, size: int = DEFAULT_BATCH, skipped=(), played=()
) -> RadioBatch:
    """Return the next `size` tracks of a session, after taking in what the listener skipped or played.

    `skipped` and `played` are track ids the player reports; the player's play reports in the session
    (Play rows with context "radio" and the session's id) count too. Ids the session never handed out
    are ignored. An empty batch means the catalog has nothing left that the session has not played.
    """
    session = radio_get(user=user, session_id=session_id)
    served = set(session.served)
    for pk in played:
        if pk in served:
            session.outcomes[pk] = "play"
    for pk in skipped:
        if pk in served:
            session.outcomes[pk] = "skip"
    reports = Play.objects.filter(
        user=user, context_type=ContextType.RADIO, context_id=session.id, skipped__isnull=False
    ).values_list("track_id", "skipped")
    for pk, was_skipped in reports:
        if pk in served:
            session.outcomes[pk] = "skip" if was_skipped else "play"
    ids = _pick(session=session, user=user, size=size)
    _save(session)
    return RadioBatch(session=session, tracks=_output_tracks(ids))


def _pick(*, session: RadioSession, user, size: int, first: int | None = None) -> list[int]:
    """Choose the next `size` tracks of a session and record them as served (5 or 6 queries).

    `first` (a track seed) comes first when it is playable and not thumbed down.
    """
    if size <= 0:
        return []
    skipped = session.skipped[-MAX_SKIP_ANCHORS:]
    neighbour_score = _neighbour_scores(session=session, skipped=skipped)
    artist_weight = _artist_weights(session=session, skipped=skipped)
    candidates, genre_candidates = _candidates(
        session=session, neighbour_score=neighbour_score, artist_weight=artist_weight, size=size
    )
    scored = _scored(
        session=session,
        user=user,
        candidates=candidates,
        neighbour_score=neighbour_score,
        artist_weight=artist_weight,
        genre_candidates=genre_candidates,
    )
    if first is not None:
        scored.sort(key=lambda item: item[1] != first)  # stable: the rest keep their order
    chosen = _choose_diverse(session=session, scored=scored, size=size)
    session.served.extend(chosen)
    return chosen


def _unpacked(rows):
    """Yield (owner id, neighbour id, score) from (owner id, packed neighbours) rows."""
    for owner, items in rows:
        for similar, score in packed.neighbours(items):
            yield owner, similar, score


def _neighbour_scores(*, session: RadioSession, skipped: list[int]) -> dict[int, float]:
    """Score the track neighbours of the session's strongest positives, against the skipped (1 query)."""
    positives: dict[int, float] = dict(session.anchors)
    for pk in session.played:
        positives[pk] = positives.get(pk, 0.0) + PLAYED_WEIGHT
    strongest = sorted(positives, key=lambda pk: -positives[pk])[:MAX_ANCHORS]
    neighbour_score: dict[int, float] = defaultdict(float)
    links = SimilarTrackList.objects.filter(track_id__in=strongest + skipped).values_list("track_id", "items")
    skipped_set = set(skipped)
    for anchor, similar, score in _unpacked(links):
        if anchor in skipped_set:
            neighbour_score[similar] -= SKIP_PENALTY * score
        if anchor in positives:
            neighbour_score[similar] += positives[anchor] * score
    return neighbour_score


def _artist_weights(*, session: RadioSession, skipped: list[int]) -> dict[int, float]:
    """Weigh artists: the seed's, those played to the end, their neighbours; skips count against (1 query)."""
    artist_weight: dict[int, float] = defaultdict(float)
    for artist_id in session.seed_artists:
        artist_weight[artist_id] += ARTIST_SEED
    for pk in session.played:
        artist_weight[session.artist_of.get(pk)] += ARTIST_PLAYED
    liked_artists = sorted(
        (artist for artist, weight in artist_weight.items() if artist is not None and weight > 0),
        key=lambda artist: -artist_weight[artist],
    )[:10]
    base = {artist: artist_weight[artist] for artist in liked_artists}
    links = SimilarArtistList.objects.filter(artist_id__in=liked_artists).values_list("artist_id", "items")
    for artist, similar, score in _unpacked(links):
        artist_weight[similar] += ARTIST_NEIGHBOUR * score * min(base[artist], 1.0)
    for pk in skipped:
        artist_weight[session.artist_of.get(pk)] += ARTIST_SKIPPED
    artist_weight.pop(None, None)
    return artist_weight


def _candidates(
    *, session: RadioSession, neighbour_score: dict[int, float], artist_weight: dict[int, float], size: int
) -> tuple[dict[int, int | None], set[int]]:
    """Gather unserved candidates (track id to artist id) and which came from the seed's genres.

    Neighbours, tracks of the best artists, tracks of the seed's genres, the anchors; the whole catalog
    when these are fewer than `size` (1 to 3 queries).
    """
    served = set(session.served)
    pool_artists = [a for a in sorted(artist_weight, key=lambda a: -artist_weight[a]) if artist_weight[a] > 0]
    candidates: dict[int, int | None] = dict.fromkeys(neighbour_score)
    if pool_artists:
        by_artist = (
            Track.objects.playable()
            .filter(artist_id__in=pool_artists[:ARTIST_POOL])
            .annotate(
                pick=Window(RowNumber(), partition_by=[F("artist_id")], order_by=[Random().asc()])
            )
            .filter(pick__lte=PER_ARTIST_POOL)
            .order_by()
            .values_list("pk", "artist_id")
        )
        candidates.update(dict(by_artist))
    genre_candidates: set[int] = set()
    pivots = random.Random(f"{session.id}:pivot:{len(session.served)}")
    if session.genre_ids:
        pivot = pivots.randint(0, session.track_id_max)
        for pk, artist_id in _genre_sample(genre_ids=session.genre_ids, size=GENRE_POOL, pivot=pivot):
            candidates[pk] = artist_id
            genre_candidates.add(pk)
    for pk in session.anchors:
        candidates.setdefault(pk, session.artist_of.get(pk))
    for pk in served:
        candidates.pop(pk, None)
    if len(candidates) < size:
        # Nothing more that is like the seed: widen to the whole catalog rather than stop.
        unplayed = Track.objects.playable().exclude(pk__in=list(served)).order_by("pk")
        pivot = pivots.randint(0, session.track_id_max)
        wanted = size * 3
        extra = list(unplayed.filter(pk__gte=pivot).values_list("pk", "artist_id")[:wanted])
        if len(extra) < wanted:
            extra += list(unplayed.filter(pk__lt=pivot).values_list("pk", "artist_id")[: wanted - len(extra)])
        candidates.update({pk: artist_id for pk, artist_id in extra if pk not in candidates})
    return candidates, genre_candidates


def _scored(
    *,
    session: RadioSession,
    user,
    candidates: dict[int, int | None],
    neighbour_score: dict[int, float],
    artist_weight: dict[int, float],
    genre_candidates: set[int],
) -> list[tuple[float, int, int]]:
    """Score the playable candidates the user has not thumbed down, best first (1 query).

    Each item is (score, track id, artist id).
    """
    rows = (
        Track.objects.playable()
        .filter(pk__in=list(candidates))
        .exclude(Exists(TrackDislike.objects.filter(user=user, track_id=OuterRef("pk"))))
        .order_by()
        .values_list("pk", "artist_id")
    )
    jitter = random.Random(f"{session.id}:{len(session.served)}")
    recent = session.served[-10:]
    recent_artists: dict[int, int] = defaultdict(int)
    for pk in recent:
        recent_artists[session.artist_of.get(pk)] += 1
    scored = []
    for pk, artist_id in rows:
        score = (
            neighbour_score.get(pk, 0.0)
            + ARTIST_FACTOR * artist_weight.get(artist_id, 0.0)
            + (GENRE_BONUS if pk in genre_candidates else 0.0)
            + (ANCHOR_BONUS * session.anchors[pk] if pk in session.anchors else 0.0)
            - 0.1 * recent_artists.get(artist_id, 0)
            + jitter.random() * JITTER
        )
        scored.append((score, pk, artist_id))
    scored.sort(key=lambda item: (-item[0], item[1]))
    return scored


def _choose_diverse(*, session: RadioSession, scored: list[tuple[float, int, int]], size: int) -> list[int]:
    """Take up to `size` tracks from the scored list, best first, spreading artists out.

    Records each chosen track's artist in the session; `scored` is consumed.
    """
    chosen: list[int] = []
    per_artist: dict[int, int] = defaultdict(int)
    previous_artist = session.artist_of.get(session.served[-1]) if session.served else None
    remaining = scored
    while remaining and len(chosen) < size:
        # The best candidate that keeps the batch diverse; in a small catalog, the best one left.
        at = next(
            (
                i for i, (_score, _pk, artist_id) in enumerate(remaining)
                if per_artist[artist_id] < PER_ARTIST_BATCH and artist_id != previous_artist
            ),
            0,
        )
        _score, pk, artist_id = remaining.pop(at)
        chosen.append(pk)
        per_artist[artist_id] += 1
        previous_artist = artist_id
        session.artist_of[pk] = artist_id
    return chosen
