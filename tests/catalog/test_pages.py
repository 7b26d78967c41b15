"""The catalog pages' shared parts (catalog/pages.py): rendered once for every listener, kept until the
catalog changes, and never carrying anything of the listener who happened to render them first."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog import pages, selectors
from catalog.models import Album
from listening import services as listening_services

from .factories import make_album, make_artist, make_genre, make_track

pytestmark = pytest.mark.django_db


@pytest.fixture
def album():
    artist = make_artist("Miles Davis")
    album = make_album("Kind of Blue", artist=artist, release_year=1959)
    make_track("So What", album=album, track_number=1, genres=[make_genre("Jazz")])
    make_track("Blue in Green", album=album, track_number=2)
    return album


def queries_of(client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response.content.decode()


def test_a_warm_album_page_runs_no_catalog_query_and_shows_a_change_at_once(client, user, album):
    client.force_login(user)
    queries_of(client, album.get_absolute_url())
    count, html = queries_of(client, album.get_absolute_url())
    assert count <= 2  # the session and its user: the rest comes from the cache
    assert "Kind of Blue" in html and "So What" in html
    Album.objects.filter(pk=album.pk).update(title="Kind of Blue (Legacy Edition)")
    assert "Legacy Edition" not in queries_of(client, album.get_absolute_url())[1]  # kept until...
    selectors.catalog_changed()  # ...an import, seed_demo or a staff edit says the catalog changed
    html = queries_of(client, album.get_absolute_url())[1]
    assert "<title>Kind of Blue (Legacy Edition) by Miles Davis · streamapp</title>" in html


def test_parts_hold_nothing_of_the_listener_who_rendered_them_first(
    client, user, other_user, album, django_user_model
):
    listening_services.album_like_set(user=user, album=album, liked=True)
    client.force_login(user)
    first = client.get(album.get_absolute_url()).content.decode()
    assert 'aria-pressed="true" aria-label="Like Kind of Blue"' in first
    part = pages.album_part(pk=album.pk)
    assert "listener" not in part.html and "csrfmiddlewaretoken" not in part.html
    assert 'aria-pressed="true"' not in part.html
    client.force_login(other_user)
    second = client.get(album.get_absolute_url()).content.decode()
    assert 'aria-pressed="false" aria-label="Like Kind of Blue"' in second
    assert '<p class="account-name">someone</p>' in second and "listener" not in second


def test_an_unknown_album_or_artist_is_a_404_every_time(client, user):
    client.force_login(user)
    for _ in range(2):
        assert client.get("/albums/999999/").status_code == 404
        assert client.get("/artists/999999/").status_code == 404
    assert pages.album_part(pk=999999) is None


def test_search_results_are_kept_per_query_until_the_catalog_changes(client, user, album):
    client.force_login(user)
    html = client.get("/search/?q=blue").content.decode()
    assert "Results for “blue”" in html and "Kind of Blue" in html
    assert "Results for “miles”" in client.get("/search/?q=miles").content.decode()
    with CaptureQueriesContext(connection) as captured:
        again = client.get("/search/?q=blue").content.decode()
    assert len(captured) <= 2 and "Kind of Blue" in again  # the session and its user
    make_track("Blue Seven", album=make_album("Saxophone Colossus"))  # the factory says it changed
    assert "Blue Seven" in client.get("/search/?q=blue").content.decode()


def test_the_home_pages_catalog_part_tells_staff_where_to_import(client, user, staff_user):
    client.force_login(user)
    assert "Start an import" not in client.get("/").content.decode()
    client.force_login(staff_user)
    assert "Start an import from the" in client.get("/").content.decode()
