"""Made for you, the home page's recommendation shelves, and the sections on artist and track pages."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from catalog import shelves
from tests.catalog.factories import make_album, make_artist, make_genre, make_track
from tests.recommend import reco_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def test_made_for_you_lists_mixes_and_recommendations_with_reasons(user_client, user):
    data = reco_data.build(user)
    page = user_client.get(reverse("recommend:made-for-you"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Discover" in html and "Daily Mix 1" in html
    assert 'data-context="generated"' in html
    assert html.count('class="track-reason"') == len(data["tracks"])
    assert "Because you listened to Seed Artist A hit by Seed Artist A" in html
    assert 'data-recommended="true"' in html


def test_made_for_you_hides_what_was_listened_to_since_the_run(user_client, user):
    data = reco_data.build(user)
    reco_data.listen(user, data["tracks"][0])
    html = user_client.get(reverse("recommend:made-for-you")).content.decode()
    assert "Recommended 1<" not in html
    assert "Recommended 2<" in html


def test_made_for_you_runs_a_constant_number_of_queries(
    client, django_user_model, django_assert_max_num_queries
):
    small, big = (django_user_model.objects.create_user(username=n, password="x") for n in ("small", "big"))
    reco_data.build(small, recommendations=2, mixes=1)
    reco_data.build(big, recommendations=40, mixes=6)
    counts = []
    for listener in (small, big):
        client.force_login(listener)
        with django_assert_max_num_queries(12) as captured:
            assert client.get(reverse("recommend:made-for-you")).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_a_new_listener_is_invited_to_pick_on_made_for_you_and_home(user_client):
    html = user_client.get(reverse("recommend:made-for-you")).content.decode()
    assert reverse("recommend:taste-picker") in html and "Tell us what you like" in html
    home = user_client.get(reverse("catalog:home")).content.decode()
    assert "Tell us what you like" in home and reverse("recommend:taste-picker") in home


def test_a_listener_with_history_but_no_mixes_yet_is_not_asked_to_pick(user_client, user):
    reco_data.listen(user, make_track())
    html = user_client.get(reverse("recommend:made-for-you")).content.decode()
    assert "Your mixes are on their way" in html
    assert "Tell us what you like" not in user_client.get(reverse("catalog:home")).content.decode()


def test_home_shows_mixes_and_because_you_listened_shelves(user_client, user):
    reco_data.build(user)
    html = user_client.get(reverse("catalog:home")).content.decode()
    assert 'data-shelf="made-for-you"' in html
    assert "Because you listened to Seed Artist A hit" in html
    assert "Because you listened to Seed Artist B hit" in html
    assert 'class="track-reason"' in html


def test_home_shelves_run_a_constant_number_of_queries(
    user, django_user_model, django_assert_max_num_queries
):
    other = django_user_model.objects.create_user(username="other", password="x")
    reco_data.build(user, recommendations=4, mixes=1)
    reco_data.build(other, recommendations=40, mixes=6)
    counts = []
    for listener in (user, other):
        with django_assert_max_num_queries(7) as captured:
            found = shelves.shelves_for(listener)
        assert found
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_the_artist_page_shows_similar_artists(user_client):
    genre = make_genre()
    artist, similar = make_artist("Ada"), make_artist("Bea")
    make_track(album=make_album(artist=artist), genres=[genre])
    make_track(album=make_album(artist=similar), genres=[genre])
    reco_data.save_similar_artists(artist, [(similar, 0.9)])
    html = user_client.get(artist.get_absolute_url()).content.decode()
    assert "Fans also like" in html and similar.get_absolute_url() in html
    assert 'data-radio-type="artist"' in html


def test_the_track_page_shows_similar_tracks(user_client):
    track, similar = make_track("One"), make_track("Two")
    reco_data.save_similar_tracks(track, [(similar, 0.9)])
    html = user_client.get(track.get_absolute_url()).content.decode()
    assert "Similar tracks" in html and similar.get_absolute_url() in html
    assert 'data-radio-type="track"' in html


@pytest.mark.parametrize("page", ["made-for-you", "taste-picker"])
def test_pages_need_a_login(client, page):
    answer = client.get(reverse(f"recommend:{page}"))
    assert answer.status_code == 302 and reverse("accounts:login") in answer["Location"]
