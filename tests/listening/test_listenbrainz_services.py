"""The services behind the ListenBrainz API: idempotent bulk submission and later linking."""

import pytest

from listening import services
from listening.models import Listen
from tests.catalog.factories import make_album, make_artist, make_track

pytestmark = pytest.mark.django_db


def listens(*rows):
    return [
        {"listened_at": at, "track_metadata": {"artist_name": artist, "track_name": title}}
        for at, artist, title in rows
    ]


def test_submit_returns_how_many_listens_were_new(user):
    batch = listens((1_600_000_000, "A", "One"), (1_600_000_100, "A", "Two"))
    assert services.listens_submit(user=user, listen_type="import", listens=batch) == 2
    assert services.listens_submit(user=user, listen_type="import", listens=batch) == 0
    more = listens((1_600_000_100, "a", "TWO!"), (1_600_000_200, "A", "Three"))
    assert services.listens_submit(user=user, listen_type="import", listens=more) == 1
    assert Listen.objects.count() == 3


def test_the_same_listen_for_two_users_is_two_listens(user, other_user):
    batch = listens((1_600_000_000, "A", "One"))
    services.listens_submit(user=user, listen_type="single", listens=batch)
    services.listens_submit(user=other_user, listen_type="single", listens=batch)
    assert Listen.objects.count() == 2


def test_long_names_are_cut_to_the_column_length(user):
    batch = listens((1_600_000_000, "A" * 600, "T" * 700))
    services.listens_submit(user=user, listen_type="single", listens=batch)
    stored = Listen.objects.get()
    assert (len(stored.artist_name), len(stored.track_name)) == (512, 512)


def test_link_unmatched_links_in_batches_and_leaves_the_rest(user, other_user):
    rows = [(1_600_000_000 + i, "Late Band", f"Song {i}") for i in range(5)]
    services.listens_submit(
        user=user, listen_type="import", listens=listens(*rows, (1_600_001_000, "X", "Y"))
    )
    services.listens_submit(user=other_user, listen_type="import", listens=listens(*rows))
    assert services.listens_link_unmatched() == 0
    album = make_album("Debut", artist=make_artist("Late Band"))
    tracks = {make_track(f"Song {i}", album=album).title: i for i in range(4)}
    assert services.listens_link_unmatched(user=user, batch_size=2) == 4
    assert Listen.objects.filter(user=user, track__isnull=False).count() == 4
    assert Listen.objects.filter(user=other_user, track__isnull=False).count() == 0
    for listen in Listen.objects.filter(user=user, track__isnull=False).select_related("track"):
        assert listen.track.title == listen.track_name and listen.track_name in tracks
    assert services.listens_link_unmatched() == 4
    assert Listen.objects.filter(track__isnull=True).count() == 3  # "Song 4" twice and "X - Y"


def test_link_unmatched_runs_few_queries_per_batch(user, django_assert_max_num_queries):
    rows = [(1_600_000_000 + i, "Band", f"Song {i % 10}") for i in range(100)]
    services.listens_submit(user=user, listen_type="import", listens=listens(*rows))
    album = make_album("Album", artist=make_artist("Band"))
    for i in range(10):
        make_track(f"Song {i}", album=album)
    # Per batch of 50: read, match by name, one UPDATE; then a last empty read.
    with django_assert_max_num_queries(2 * 3 + 2 * 2 + 1):
        assert services.listens_link_unmatched(batch_size=50) == 100
