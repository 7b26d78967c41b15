"""The end-to-end evaluation behind ``evaluate_recommender --end-to-end``: what listeners get.

Last.fm HetRec 2011 is split per user 80/10/10 at random (RecBole's protocol, seed 0). Only the 80%
training pairs reach the site, through its own doors, in a scratch database:

- the artists become tracks: a tagged MP3 per artist (title and artist = the artist's name, its
  three most given tags on training pairs as genres, a MusicBrainz recording id derived from the
  artist id) written to a temporary folder and read by the library import (``catalog.services``);
- each listener's play counts become listens submitted as ``POST /1/submit-listens`` does
  (``listening.listenbrainz.validation.parse_submission`` then ``listening.services.listens_submit``,
  1,000 listens a request). HetRec has no times and counts up to 352,698: a pair with ``c`` plays
  becomes ``1 + floor(log10(c))`` listens (1 to 6: bounded, and order-preserving), played one after
  the other at a moment drawn at random in the last 30 days, so each listener's order of artists is
  random and the nightly selection's split of the most recent plays is a random split;
- the real nightly workflow runs (``recommend.services.workflow.run_sync``), ``nights`` times on
  the same data: the first night chooses the model within a first run's budget, the next ones
  search around the previous choice (warm start) within 20% of the previous run;
- each listener's recommendations are read through the selector of the recommendations API
  (``recommend.selectors.recommended_tracks``) and scored on the 10% test pairs. The validation
  pairs are left out of the ranking for every model (the protocol's rule): the list read is the
  first 10 tracks that are not validation pairs; the raw top 10 is scored too.

Popularity, EASE and iALS are fitted on the same 80% (with the dataset's own weighting, log of the
play count), their settings tuned on the 10% validation pairs (the same search, from the dataset's
hand-tuned preset), and scored on the same test pairs; and EASE and iALS again on the information the
site received (each pair's listens, 1 to 6, instead of its exact play count; the same pairs).
"""

import io
import json
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import override_settings

from catalog import services as catalog_services
from listening.listenbrainz import validation
from listening.services import listens as listen_services

from . import selectors
from .services import workflow

LISTEN_BATCH = validation.MAX_LISTENS_PER_REQUEST
MAX_LISTENS_PER_PAIR = 6
SPREAD_DAYS = 30
TAGS_PER_ARTIST = 3
LIST_LENGTH = 10
MBID_NAMESPACE = uuid.UUID("3f1c1b9e-4e64-4b8b-9a55-2f6c1d5d7a10")

Progress = Callable[[str, int, int], None]


def listens_per_pair(counts) -> "object":
    """Return how many listens a (user, artist) pair with ``counts`` plays becomes (1 to 6)."""
    import numpy as np  # heavy, deferred

    counts = np.maximum(np.asarray(counts, dtype=np.float64), 1.0)
    return np.minimum(1 + np.floor(np.log10(counts)), MAX_LISTENS_PER_PAIR).astype(np.int64)


def artist_mbid(artist_id: int) -> uuid.UUID:
    return uuid.uuid5(MBID_NAMESPACE, f"lastfm-hetrec-artist-{int(artist_id)}")


@dataclass
class Scores:
    """One row of the table: a model's (or the site's) test figures."""

    model: str
    metrics: dict
    users: int
    coverage: float
    fit_seconds: float = 0.0
    params: dict | None = None


# -- the scratch database ------------------------------------------------------------------------


@contextmanager
def scratch_database(*, keep: bool = False) -> Iterator[str]:
    """Create and migrate a scratch database beside the configured one and point Django at it;
    drop it and point back on exit (``keep`` leaves it). A file on SQLite, ``<name>_e2e`` on PostgreSQL."""
    settings_dict = connection.settings_dict
    original = settings_dict["NAME"]
    test_settings = settings_dict.setdefault("TEST", {})
    previous_test_name = test_settings.get("NAME")
    folder = None
    if connection.vendor == "sqlite":
        folder = tempfile.mkdtemp(prefix="streamapp-e2e-")
        test_settings["NAME"] = str(Path(folder) / "e2e.sqlite3")
    else:
        test_settings["NAME"] = f"{Path(str(original)).name}_e2e"
    connection.close()
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        yield name
    finally:
        connection.close()
        if keep:
            settings_dict["NAME"] = original
        else:
            connection.creation.destroy_test_db(original, verbosity=0)
        test_settings["NAME"] = previous_test_name
        connection.close()
        if folder and not keep:
            shutil.rmtree(folder, ignore_errors=True)


# -- loading through the site's services ---------------------------------------------------------


def artist_genres(tags, held_out) -> dict[int, list[str]]:
    """Return each artist's most given tags (at most TAGS_PER_ARTIST), leaving out tags given on a
    held-out pair (they would leak it), as the engine-only evaluation does."""
    marked = held_out[["user_id", "item_id"]].assign(_held=True)
    tags = tags.merge(marked, on=["user_id", "item_id"], how="left")
    tags = tags[tags["_held"].isna()]
    counts = tags.groupby(["item_id", "tag"]).size().rename("n").reset_index()
    counts = counts.sort_values(["item_id", "n", "tag"], ascending=[True, False, True])
    top = counts.groupby("item_id").head(TAGS_PER_ARTIST)
    return {int(k): [str(t)[:100] for t in v] for k, v in top.groupby("item_id")["tag"].agg(list).items()}


def _silent_mp3() -> bytes:
    import lameenc  # heavy, deferred
    import numpy as np  # heavy, deferred

    encoder = lameenc.Encoder()
    encoder.set_bit_rate(32)
    encoder.set_in_sample_rate(22050)
    encoder.set_channels(1)
    encoder.set_quality(7)
    samples = np.zeros(22050 // 5, dtype=np.int16)
    return bytes(encoder.encode(samples.tobytes()) + encoder.flush())


def write_library(artists, genres: dict[int, list[str]], folder: Path) -> int:
    """Write one tagged MP3 per artist under ``folder``; return how many."""
    from mutagen import id3  # heavy, deferred

    audio = _silent_mp3()
    for artist_id, name in zip(artists["item_id"].tolist(), artists["name"].tolist(), strict=True):
        name = str(name).strip() or f"Artist {artist_id}"
        tags = id3.ID3()
        tags.add(id3.TIT2(encoding=3, text=name))
        tags.add(id3.TPE1(encoding=3, text=name))
        tags.add(id3.TPE2(encoding=3, text=name))
        tags.add(id3.TALB(encoding=3, text=f"{name} (Last.fm HetRec)"))
        tags.add(id3.TRCK(encoding=3, text="1/1"))
        if genres.get(artist_id):
            tags.add(id3.TCON(encoding=3, text=genres[artist_id]))
        tags.add(id3.UFID(owner="http://musicbrainz.org", data=str(artist_mbid(artist_id)).encode("ascii")))
        buffer = io.BytesIO()
        tags.save(buffer, v2_version=4, padding=lambda info: 0)
        path = folder / f"{artist_id // 1000:03d}" / f"{artist_id}.mp3"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(buffer.getvalue() + audio)
    return len(artists)


def load_catalog(artists, genres, *, progress: Progress) -> dict[int, int]:
    """Import the artists as tracks through the library import; return HetRec artist id -> track id."""
    from catalog.models import Track

    with tempfile.TemporaryDirectory(prefix="streamapp-e2e-library-") as folder:
        write_library(artists, genres, Path(folder))
        with override_settings(STREAMAPP_LOUDNESS_ON_IMPORT=False):
            summary = catalog_services.library_import(
                root=Path(folder), progress=lambda done, total: progress("import", done, total)
            )
    if summary.errors:
        raise RuntimeError(f"the library import failed for {len(summary.errors)} files: {summary.errors[:3]}")
    wanted = {artist_mbid(a): int(a) for a in artists["item_id"].tolist()}
    return {wanted[mbid]: pk for pk, mbid in Track.objects.values_list("pk", "mbid") if mbid in wanted}


def load_listens(train_pairs, artists, *, now: float, seed: int, progress: Progress) -> dict[int, object]:
    """Create one account per listener and submit their listens; return HetRec user id -> user."""
    import numpy as np  # heavy, deferred

    names = dict(zip(artists["item_id"].tolist(), artists["name"].tolist(), strict=True))
    rng = np.random.default_rng(seed)
    users = {}
    total = int(listens_per_pair(train_pairs["weight"]).sum())
    done = 0
    progress("listens", 0, total)
    for user_id, pairs in train_pairs.groupby("user_id", sort=True):
        user = get_user_model().objects.create_user(username=f"hetrec{int(user_id)}", password=None)
        users[int(user_id)] = user
        listens = _listens_of(pairs, names, rng=rng, now=now)
        for start in range(0, len(listens), LISTEN_BATCH):
            body = json.dumps({"listen_type": "import", "payload": listens[start : start + LISTEN_BATCH]})
            submission = validation.parse_submission(body.encode(), now=now)
            listen_services.listens_submit(
                user=user, listen_type=submission.listen_type, listens=submission.listens
            )
        done += len(listens)
        progress("listens", done, total)
    return users


def _listens_of(pairs, names: dict, *, rng, now: float) -> list[dict]:
    """Return the listens of one listener's pairs: each pair's listens in a row (3 minutes apart)
    at a random moment of the last SPREAD_DAYS days."""
    counts = listens_per_pair(pairs["weight"].to_numpy())
    span = SPREAD_DAYS * 86_400
    starts = now - span + rng.permutation(len(pairs)) * (span // max(len(pairs), 1)) - 3600
    out = []
    for artist_id, count, start in zip(
        pairs["item_id"].tolist(), counts.tolist(), starts.tolist(), strict=True
    ):
        name = str(names.get(artist_id, "")).strip() or f"Artist {artist_id}"
        metadata = {
            "artist_name": name,
            "track_name": name,
            "additional_info": {"recording_mbid": str(artist_mbid(artist_id))},
        }
        out += [{"listened_at": int(start) + 180 * k, "track_metadata": metadata} for k in range(count)]
    return out


# -- reading and scoring -------------------------------------------------------------------------


def production_lists(users: dict, track_artist: dict[int, int], exclude: dict[int, set]) -> dict:
    """Return per HetRec user (raw top 10, top 10 without their validation pairs) as artist ids,
    read through the recommendations API's selector."""
    lists = {}
    for user_id, user in users.items():
        skip = exclude.get(user_id, set())
        limit = min(200, LIST_LENGTH + len(skip))
        tracks = selectors.recommended_tracks(user=user, limit=limit)
        artists = [track_artist[track.pk] for track in tracks if track.pk in track_artist]
        lists[user_id] = (artists[:LIST_LENGTH], [a for a in artists if a not in skip][:LIST_LENGTH])
    return lists


def score_lists(name: str, lists: dict, split) -> Scores:
    """Score lists of artist ids (per HetRec user) on the split's test targets."""
    import numpy as np  # heavy, deferred

    from recommend.engine.evaluation import catalog_coverage, ranking_metrics  # heavy, deferred

    interactions = split.train
    targets = split.test_targets
    users = np.flatnonzero(np.diff(targets.indptr) > 0)
    top = np.full((len(users), 50), -1, dtype=np.int64)
    for row, index in enumerate(users):
        artists = lists.get(int(interactions.user_ids[index]), [])
        columns = interactions.item_index(np.asarray(artists, dtype=np.int64)) if artists else []
        columns = [c for c in columns if c >= 0][:LIST_LENGTH]
        top[row, : len(columns)] = columns
    per_user = ranking_metrics(top, targets[users], cutoffs=(10,))
    metrics = {key: float(values.mean()) for key, values in per_user.items()}
    return Scores(name, metrics, len(users), catalog_coverage(top[:, :LIST_LENGTH], interactions.n_items))


def baselines(split, *, step: Callable[[str], None], label: str = "") -> list[Scores]:
    """Popularity, and EASE and iALS tuned on the validation pairs, scored on the test pairs
    (``label`` follows the tuned models' names, e.g. "on the site's listens")."""
    from recommend.engine import benchmark, selection  # heavy, deferred
    from recommend.engine.evaluation import evaluate  # heavy, deferred
    from recommend.engine.models import Popularity  # heavy, deferred

    def scored(name, model, seconds, params=None) -> Scores:
        result = evaluate(model, split.test_targets, exclude=split.test_exclude, cutoffs=(10, 50))
        metrics = {k: v for k, v in result.metrics.items() if k.endswith("@10")}
        return Scores(name, metrics, result.users, result.coverage, seconds, params)

    valid = selection.ValidationSplit(split.train, split.valid_targets, None, split.train.n_users)
    out = [scored("popularity", Popularity().fit(split.train), 0.0)]
    for name in ("ease", "als"):
        step(f"tune {name}")
        started = time.perf_counter()
        # from the dataset's hand-tuned preset (benchmark.PRESETS), the search's neighbourhood of it
        start = benchmark.PRESETS["lastfm-hetrec"].params[name]
        trial, model = selection.search_model(valid, name, start=start)
        tuned = f"{name} (tuned{', ' + label if label else ''})"
        out.append(scored(tuned, model, time.perf_counter() - started, trial.params))
    return out


def site_information(data):
    """Return the dataset as the site receives it: each pair's play count replaced by the listens it
    became (``listens_per_pair``, 1 to 6), the same pairs, so the same random split."""
    import dataclasses

    plays = data.plays.assign(weight=listens_per_pair(data.plays["weight"].to_numpy()).astype("float64"))
    return dataclasses.replace(data, plays=plays)


def run_nightly(progress: Progress):
    """Run the real nightly workflow in this database; return the finished run."""
    return workflow.run_sync(progress)
