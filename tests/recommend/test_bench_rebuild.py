"""bench/rebuild.py's synthetic data at a tiny scale: the rows it writes, and the taste structure in them."""

import numpy as np
import pandas as pd
import pytest
from django.contrib.auth import get_user_model
from django.db.models import Count, F

from bench import rebuild
from catalog.models import Genre, Track
from listening.models import Listen, Play, TrackLike
from recommend.engine.data import build_interactions, target_matrix
from recommend.engine.evaluation import evaluate, time_split
from recommend.engine.models import ItemKNN, Popularity


def simulated(users=300, tracks=3_000, listens=30_000, seed=1):
    rng = np.random.default_rng(seed)
    catalog = rebuild.make_catalog(tracks, rng)
    tastes = rebuild.draw_tastes(users, catalog, rng)
    per_user = rebuild.split_listens(listens, tastes.activity, rng)
    events = rebuild.simulate_events(np.arange(users), per_user, catalog, tastes, rng, end=1.8e9)
    return catalog, tastes, per_user, events


@pytest.mark.django_db
def test_generate_writes_the_requested_listens_with_their_plays_and_likes():
    data = rebuild.generate(users=40, tracks=400, listens=2_000, seed=3, chunk=16)

    assert (data.users, data.tracks, data.listens) == (40, 400, 2_000)
    assert get_user_model().objects.filter(username__startswith=rebuild.USERNAME_PREFIX).count() == 40
    assert Track.objects.count() == 400 and Genre.objects.count() == 42
    assert Listen.objects.count() == 2_000
    assert Play.objects.count() == data.plays > 2_000  # the skipped plays come on top
    assert Play.objects.filter(skipped=True).count() == data.plays - 2_000
    # Every listen is the counted play of the same listener and track.
    matching = Listen.objects.filter(play__user=F("user"), play__track=F("track"), play__skipped=False)
    assert matching.count() == 2_000
    listens_per_user = Listen.objects.values("user").annotate(n=Count("id")).values_list("n", flat=True)
    assert len(listens_per_user) == 40 and min(listens_per_user) >= 1
    assert TrackLike.objects.count() == data.likes >= 40  # at least one like each


def test_split_listens_gives_everyone_a_listen_and_adds_up():
    rng = np.random.default_rng(0)
    per_user = rebuild.split_listens(1_000, np.array([0.7, 0.2, 0.1, 0.0]), rng)
    assert per_user.sum() == 1_000 and per_user.min() >= 1
    with pytest.raises(ValueError, match="at least --users"):
        rebuild.split_listens(3, np.full(4, 0.25), rng)


def test_listens_come_from_the_listeners_taste_clusters_and_skips_mostly_do_not():
    catalog, tastes, per_user, events = simulated()
    track_genre = catalog.artist_genre[catalog.track_artist[events.track]]
    in_taste = np.zeros(len(events.user), bool)
    for user, genre in zip(tastes.cluster_user, tastes.cluster_genre):
        in_taste |= (events.user == user) & (track_genre == genre)
    listened = ~events.skipped
    assert np.bincount(events.user[listened], minlength=300).tolist() == per_user.tolist()
    assert in_taste[listened].mean() > 0.85
    assert in_taste[events.skipped].mean() < 0.5
    # Histories are in time order per listener.
    same_user = events.user[1:] == events.user[:-1]
    assert (np.diff(events.started)[same_user] >= 0).all()


def test_the_taste_structure_is_learnable_item_knn_beats_popularity_by_far():
    _, _, _, events = simulated()
    frame = pd.DataFrame({
        "user_id": events.user,
        "item_id": events.track,
        "timestamp": events.started,
        "skipped": events.skipped,
    })  # fmt: skip
    train, test = time_split(frame)
    interactions = build_interactions(train, user_ids=np.arange(300), item_ids=np.arange(3_000))
    targets = target_matrix(test[~test["skipped"]], interactions, exclude=interactions.seen())
    popularity = evaluate(Popularity().fit(interactions), targets).metrics["ndcg@10"]
    item_knn = evaluate(ItemKNN(neighbours=100).fit(interactions), targets).metrics["ndcg@10"]
    assert item_knn > 2 * popularity > 0
