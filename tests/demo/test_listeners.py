"""Synthetic demo listeners: distinct stable tastes, real structure, the listen rule, idempotency."""

import datetime as dt
from collections import Counter

import pytest
from django.contrib.auth import get_user_model

from demo import listening as demo
from listening.models import Listen, Play, Playlist, TrackLike
from listening.rules import is_listen
from listening.services import play_dedupe_key
from tests.catalog.factories import make_album, make_artist, make_genre, make_track

pytestmark = pytest.mark.django_db
END = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


@pytest.fixture
def catalog():
    genres = [make_genre(name) for name in ("Jazz", "Metal", "Ambient", "Hip-Hop")]
    for g, genre in enumerate(genres):
        for a in range(3):
            artist = make_artist(f"{genre.name} Artist {a}")
            for b in range(2):
                album = make_album(f"{genre.name} Album {a}.{b}", artist=artist)
                for n in range(1, 7):
                    make_track(
                        f"Song {g}{a}{b}{n}",
                        album=album,
                        track_number=n,
                        duration_ms=60_000 + 20_000 * n,
                        genres=[genre],
                    )


def test_listeners_get_history_likes_and_playlists(catalog):
    summary = demo.seed_listeners(seed=1, listeners=6, days=20, end=END)
    assert summary.listeners == 6
    assert Play.objects.count() == summary.plays > 0
    assert Listen.objects.count() == summary.listens > 0
    assert TrackLike.objects.exists()
    assert Playlist.objects.filter(owner__username__startswith="listener").exists()
    assert not Play.objects.filter(started_at__gte=END).exists()
    # Every listen follows the rule and points at its play; skipped plays have no listen.
    for listen in Listen.objects.select_related("play", "track")[:200]:
        assert is_listen(duration_ms=listen.track.duration_ms, ms_played=listen.ms_played)
        assert listen.play.started_at == listen.listened_at
        assert listen.dedupe_key == play_dedupe_key(listen.play.play_id)
    assert not Listen.objects.filter(play__skipped=True).exists()


def test_tastes_are_distinct_and_concentrated(catalog):
    demo.seed_listeners(seed=3, listeners=8, days=30, end=END)
    top_genres = {}
    for user in get_user_model().objects.filter(username__startswith="listener"):
        genres = Counter(Listen.objects.filter(user=user).values_list("track__genres__name", flat=True))
        if genres:
            ((name, count),) = genres.most_common(1)
            top_genres[user.username] = name
            assert count / sum(genres.values()) > 0.3  # a real favourite, not uniform noise
    assert len(set(top_genres.values())) >= 2


def test_same_seed_gives_the_same_history_and_rerun_adds_nothing(catalog):
    demo.seed_listeners(seed=5, listeners=3, days=10, end=END)
    first = list(
        Listen.objects.order_by("user__username", "listened_at").values_list(
            "user__username", "track__title", "listened_at"
        )
    )
    again = demo.seed_listeners(seed=5, listeners=3, days=10, end=END)
    assert again.listens == 0
    assert Listen.objects.count() == len(first)
    Listen.objects.all().delete()
    Play.objects.all().delete()
    demo.seed_listeners(seed=5, listeners=3, days=10, end=END)
    assert (
        list(
            Listen.objects.order_by("user__username", "listened_at").values_list(
                "user__username", "track__title", "listened_at"
            )
        )
        == first
    )


def test_more_listeners_only_adds_the_new_ones(catalog):
    demo.seed_listeners(seed=5, listeners=2, days=10, end=END)
    summary = demo.seed_listeners(seed=5, listeners=4, days=10, end=END)
    assert summary.listeners == 2


def test_extra_users_such_as_the_demo_account_get_a_history(catalog, user):
    demo.seed_listeners(seed=5, listeners=1, days=15, extra_users=[user], end=END)
    assert Listen.objects.filter(user=user).exists()
