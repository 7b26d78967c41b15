"""The /stats/ pages and the year-in-review image: the owner's own data, bad input, query counts."""

import io

import pytest
from PIL import Image

from analytics import rollups
from tests.analytics.rollup_data import at, listen, no_rollup_lag  # noqa: F401
from tests.catalog.factories import make_album, make_artist, make_genre, make_track

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(user):
    rock = make_genre("Rock")
    artist = make_artist("Alpha Band")
    track = make_track("Opening Song", album=make_album("First Light", artist=artist), genres=[rock])
    for day in range(1, 6):
        listen(user, track, f"2026-03-0{day} 12:00")
    other = make_track("Closer", album=make_album("Second", artist=make_artist("Beta")))
    listen(user, other, "2026-03-04 13:00")
    rollups.rollup_run(now=at("2026-03-05 00:00"))
    return track


def test_stats_page_requires_log_in(client):
    response = client.get("/stats/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_stats_page_shows_the_listener_own_tops(
    user_client, history, other_user, django_assert_max_num_queries
):
    listen(other_user, history, "2026-03-03 10:00")  # someone else's listens never show
    with django_assert_max_num_queries(40):
        response = user_client.get("/stats/?range=all")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Alpha Band" in page and "Opening Song" in page and "First Light" in page and "Rock" in page
    assert response.context["stats"].listens == 6
    assert "Listening clock" in page and "Minutes per day" in page
    assert 'aria-current="page">All time' in page


def test_stats_page_with_an_unknown_range_is_400(user_client, history):
    response = user_client.get("/stats/?range=forever")
    assert response.status_code == 400
    assert "Unknown range" in response.content.decode()


def test_stats_page_without_listens_says_so(user_client):
    response = user_client.get("/stats/")
    assert response.status_code == 200
    assert "No listens in this period yet" in response.content.decode()


def test_year_in_review_page(user_client, history, django_assert_max_num_queries):
    with django_assert_max_num_queries(45):
        response = user_client.get("/stats/2026/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Your 2026 in music" in page and "Alpha Band" in page and "/stats/2026/image.png" in page
    review = response.context["review"]
    assert review.genre_story.genre.name == "Rock"
    assert review.most_played_day[0].isoformat() == "2026-03-04"


def test_year_out_of_bounds_is_404(user_client):
    assert user_client.get("/stats/99999/").status_code == 404


def test_year_image_is_a_png_for_its_owner(user_client, history):
    response = user_client.get("/stats/2026/image.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    body = response.content
    assert body[:8] == b"\x89PNG\r\n\x1a\n"
    assert Image.open(io.BytesIO(body)).size == (1080, 1350)
    assert response["Cache-Control"].startswith("private")
    again = user_client.get("/stats/2026/image.png", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_year_image_of_an_empty_year_renders(user_client):
    response = user_client.get("/stats/2019/image.png")
    assert response.status_code == 200 and response.content[:4] == b"\x89PNG"


def test_year_image_needs_log_in(client, history):
    assert client.get("/stats/2026/image.png").status_code == 302
