"""Cold start: a new listener picks genres and artists on the picker page and gets mixes at once."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from catalog.models import Artist, Genre
from listening.models import Playlist
from recommend.models import RecommendationList, TastePick
from recommend.services import generation, workflow
from tests.recommend.pipeline_data import build_catalog, build_history

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache(monkeypatch):
    cache.clear()
    # Before any nightly run, generation keeps a model trained in this process for an hour: each
    # test has its own catalog, so each must train its own.
    monkeypatch.setattr(generation, "_adhoc", {})


@pytest.fixture
def history():
    by_genre = build_catalog()
    return by_genre, build_history(by_genre, listeners=12)


def test_the_picker_shows_genre_and_artist_cards(user_client, history, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        page = user_client.get(reverse("recommend:taste-picker"))
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('name="genres"') == 4
    assert html.count('name="artists"') == 24
    assert "Make my mixes" in html


@pytest.mark.parametrize("before_any_run", [True, False])
def test_picks_are_saved_and_give_mixes_with_no_history(user_client, user, history, before_any_run):
    by_genre, _ = history
    if not before_any_run:
        workflow.run_sync()
    jazz = Genre.objects.get(name="Jazz")
    metal_artist = by_genre["Metal"][0].artist
    answer = user_client.post(
        reverse("recommend:taste-picker"), {"genres": [jazz.pk], "artists": [metal_artist.pk]}
    )
    assert answer.status_code == 302 and answer["Location"] == reverse("recommend:made-for-you")
    pick = TastePick.objects.get(user=user)
    assert list(pick.genres.all()) == [jazz] and list(pick.artists.all()) == [metal_artist]
    assert Playlist.objects.filter(owner=user, kind=Playlist.Kind.DISCOVER).exists()
    assert Playlist.objects.filter(owner=user, kind=Playlist.Kind.DAILY_MIX).exists()
    assert RecommendationList.objects.filter(user=user).exists()

    page = user_client.get(answer["Location"]).content.decode()
    assert "Your first mixes are ready" in page
    assert "Daily Mix" in page and 'class="track-reason"' in page
    assert "Tell us what you like" not in page
    home = user_client.get(reverse("catalog:home")).content.decode()
    assert 'data-shelf="made-for-you"' in home and "Tell us what you like" not in home


def test_picking_again_replaces_the_picks_and_shows_them_checked(user_client, user, history):
    jazz, folk = Genre.objects.get(name="Jazz"), Genre.objects.get(name="Folk")
    user_client.post(reverse("recommend:taste-picker"), {"genres": [jazz.pk]})
    html = user_client.get(reverse("recommend:taste-picker")).content.decode()
    assert f'value="{jazz.pk}" checked' in html and "Update my mixes" in html
    user_client.post(reverse("recommend:taste-picker"), {"genres": [folk.pk]})
    assert list(TastePick.objects.get(user=user).genres.all()) == [folk]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Pick at least one genre or artist."),
        ({"genres": ["999999"]}, "Select a valid choice."),
        ({"genres": ["x"]}, "is not a valid value"),
        ({"artists": "many"}, "Pick at most 20 artists."),
    ],
)
def test_bad_picks_are_a_form_error(user_client, user, history, data, message):
    if data.get("artists") == "many":
        data = {"artists": list(Artist.objects.values_list("pk", flat=True)[:21])}
    answer = user_client.post(reverse("recommend:taste-picker"), data)
    assert answer.status_code == 200
    assert message in answer.content.decode()
    assert not TastePick.objects.filter(user=user).exists()
