"""seed_demo's recommend step: the demo's listeners get their mixes at once, not at 03:00."""

import datetime as dt
from types import SimpleNamespace

import pytest

from demo import listening as listening_demo
from demo import recommend as demo
from listening.models import Playlist
from recommend.models import RecommendationList, RecommendationRun
from tests.catalog.factories import make_album, make_artist, make_genre, make_track

pytestmark = pytest.mark.django_db


class _Bar:
    def __init__(self):
        self.n = 0

    def update(self, count):
        self.n += count

    def close(self):
        pass


def demo_run(scale=1):
    return SimpleNamespace(progress=lambda *args: _Bar(), notes=[], summary_parts=[], scale=scale)


@pytest.fixture
def catalog():
    for g, name in enumerate(("Jazz", "Metal", "Ambient")):
        genre = make_genre(name)
        for a in range(3):
            album = make_album(f"{name} Album {a}", artist=make_artist(f"{name} Artist {a}"))
            for n in range(1, 9):
                make_track(f"Song {g}{a}{n}", album=album, track_number=n, duration_ms=90_000, genres=[genre])


def test_the_demo_listeners_get_their_mixes_when_seeded(catalog):
    listening_demo.seed_listeners(seed=2, listeners=12, days=20, end=dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
    run = demo_run()
    demo.rebuild_step(run)
    finished = RecommendationRun.objects.get()
    assert finished.status == RecommendationRun.Status.SUCCEEDED
    assert run.summary_parts == [f"mixes for {finished.listeners:,} listeners"] and not run.notes
    assert Playlist.objects.filter(kind=Playlist.Kind.DISCOVER).count() == 12
    assert RecommendationList.objects.count() == 12


def test_nothing_is_built_without_listens(catalog):
    run = demo_run()
    demo.rebuild_step(run)
    assert not RecommendationRun.objects.exists() and run.summary_parts == [] and run.notes == []


def test_a_scaled_benchmark_catalog_is_left_to_its_benchmark(catalog):
    listening_demo.seed_listeners(seed=2, listeners=3, days=10, end=dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
    run = demo_run(scale=10)
    demo.rebuild_step(run)
    assert not RecommendationRun.objects.exists()
    assert run.notes == ["Recommendations: run rebuild_recommendations to build the mixes at this scale."]
