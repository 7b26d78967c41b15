"""A listener's own pages kept as HTML (catalog.pages.home_shelves_part, listening/pages.py): each
change through the services shows at once, and nothing of one listener reaches another."""

import datetime as dt
import re
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from listening import selectors, services
from recommend import feedback
from tests.catalog.factories import make_album, make_track
from tests.listening.factories import make_generated_playlist
from tests.recommend.reco_data import save_recommendations

pytestmark = pytest.mark.django_db


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    return html[html.index('<main id="main"') : html.index("</main>")]


def play(user, track, *, played_ms: int = 0, event: str = "start"):
    return services.play_report(
        user=user, play_id=uuid.uuid4(), track=track, event=event, played_ms=played_ms
    )


def test_a_play_shows_on_the_home_page_at_once(client, user, tracks):
    client.force_login(user)
    assert 'data-shelf="recently-played"' not in page(client, "/")
    play(user, tracks[0])
    html = page(client, "/")
    assert 'data-shelf="recently-played"' in html and "Kind of Blue" in html


def test_a_warm_home_page_runs_a_constant_number_of_queries(client, user, tracks):
    client.force_login(user)
    play(user, tracks[0])
    page(client, "/")
    with CaptureQueriesContext(connection) as captured:
        page(client, "/")
    assert len(captured) <= 2  # the session and its user: shelves, catalog and library are kept


def test_the_home_page_and_history_are_each_listeners_own(client, user, other_user, tracks):
    play(user, tracks[0], played_ms=200_000, event="end")  # a play and its listen
    client.force_login(user)
    assert "Kind of Blue" in page(client, "/") and "So What" in page(client, "/history/")
    client.force_login(other_user)
    assert 'data-shelf="recently-played"' not in page(client, "/")
    assert "So What" not in page(client, "/history/")


def test_history_shows_a_new_listen_from_the_player_or_the_api_at_once(client, user, tracks):
    client.force_login(user)
    assert "Nothing played yet" in page(client, "/history/")
    play(user, tracks[0], played_ms=200_000, event="end")
    assert "So What" in page(client, "/history/")
    services.listens_write(
        user=user,
        listens=[
            services.ListenRecord(
                listened_at=int((timezone.now() - dt.timedelta(minutes=30)).timestamp()),
                artist_name="Miles Davis",
                track_name="Blue in Green",
                release_name="Kind of Blue",
            )
        ],
        source="api",
    )
    html = page(client, "/history/")
    assert "So What" in html and "Blue in Green" in html


def test_history_follows_the_day_and_the_listeners_time_zone(client, user, tracks):
    play(user, tracks[0], played_ms=200_000, event="end")
    client.force_login(user)
    # The listen began 200 s ago: just after midnight (UTC, the listener's zone) that was yesterday.
    started = user.listens.get().listened_at
    day = "Today" if started.date() == timezone.now().date() else "Yesterday"
    assert day in page(client, "/history/")
    user.time_zone = "Pacific/Kiritimati"  # UTC+14: the same listen may fall on another day there
    user.save(update_fields=["time_zone"])
    assert "(Pacific/Kiritimati)" in page(client, "/history/")


def test_a_thumbs_down_takes_a_track_off_the_home_shelves_and_the_mix(client, user, tracks):
    seed, *others = tracks
    extra = [make_track(f"Extra {n}", album=make_album(f"Album {n}")) for n in range(3)]
    save_recommendations(
        user,
        [(track, 1.0 / rank, f"Because you listened to {seed.title}", seed)
         for rank, track in enumerate(others + extra, start=1)],
    )  # fmt: skip
    mix = make_generated_playlist(user, [extra[0], extra[1]])
    client.force_login(user)
    assert "Because you listened to So What" in page(client, "/") and "Extra 0" in page(client, "/")
    assert "Extra 0" in page(client, mix.get_absolute_url())
    feedback.track_dislike(user=user, track=extra[0])
    assert "Extra 0" not in page(client, "/")
    mix_page = page(client, mix.get_absolute_url())
    assert "Extra 0" not in mix_page and "Extra 1" in mix_page


def test_a_playlist_page_shows_each_edit_at_once_and_editing_tools_to_editors_only(
    client, user, other_user, tracks
):
    playlist = services.playlist_create(owner=user, name="Mine", is_public=True)
    client.force_login(user)
    assert "This playlist is empty" in page(client, playlist.get_absolute_url())
    services.playlist_add_tracks(playlist=playlist, actor=user, tracks=[tracks[0], tracks[1]])
    html = page(client, playlist.get_absolute_url())
    assert "So What" in html and "Freddie Freeloader" in html and 'draggable="true"' in html
    items = list(playlist.items.order_by("position"))
    services.playlist_reorder(playlist=playlist, actor=user, item_ids=[items[1].pk, items[0].pk])
    html = page(client, playlist.get_absolute_url())
    assert html.index("Freddie Freeloader") < html.index("So What")
    services.playlist_remove_item(playlist=playlist, actor=user, item_id=items[1].pk)
    assert "Freddie Freeloader" not in page(client, playlist.get_absolute_url())
    client.force_login(other_user)  # a public playlist: readable, not editable
    html = page(client, playlist.get_absolute_url())
    assert "So What" in html and 'draggable="true"' not in html
    services.playlist_collaborator_add(playlist=playlist, actor=user, user=other_user)
    assert 'draggable="true"' in page(client, playlist.get_absolute_url())


def test_listener_changed_replaces_only_the_listeners_named(user, other_user):
    mine, theirs = (selectors.listener_version(user_id=u.pk) for u in (user, other_user))
    selectors.listener_changed(user_ids=[user.pk])
    assert selectors.listener_version(user_id=user.pk) != mine
    assert selectors.listener_version(user_id=other_user.pk) == theirs


def test_the_kept_playlist_pages_forms_carry_a_working_csrf_token(user, tracks):
    from django.test import Client

    playlist = services.playlist_create(owner=user, name="Mine", tracks=[tracks[0]])
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    for _ in range(2):  # rendered, then kept
        html = client.get(playlist.get_absolute_url()).content.decode()
        assert "csrf-hole" not in html
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]
    response = client.post(
        f"/playlists/{playlist.uid}/edit/",
        {"name": "Renamed", "description": "", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    assert "Renamed" in page(client, playlist.get_absolute_url())


def test_each_collaborator_sees_their_own_tools_on_a_kept_playlist_page(
    client, user, other_user, django_user_model, tracks
):
    third = django_user_model.objects.create_user(username="third", password="third-pass-1")
    playlist = services.playlist_create(owner=user, name="Shared", tracks=[tracks[0]])
    for member in (other_user, third):
        services.playlist_collaborator_add(playlist=playlist, actor=user, user=member)
    client.force_login(other_user)
    html = page(client, playlist.get_absolute_url())
    assert "/collaborators/someone/remove/" in html and "Leave this playlist" in html
    client.force_login(third)
    html = page(client, playlist.get_absolute_url())
    assert "/collaborators/third/remove/" in html and "/collaborators/someone/remove/" not in html
    assert "Edit details" not in html
    client.force_login(user)
    assert "Edit details" in page(client, playlist.get_absolute_url())


def test_history_shows_what_plays_now_from_start_to_end(client, user, tracks):
    client.force_login(user)
    assert "Listening now" not in page(client, "/history/")
    play_id = uuid.uuid4()
    services.play_report(user=user, play_id=play_id, track=tracks[1], event="start")
    html = page(client, "/history/")
    assert "Listening now" in html and "Freddie Freeloader" in html
    services.play_report(user=user, play_id=play_id, track=tracks[1], event="end", played_ms=300_000)
    html = page(client, "/history/")
    assert "Listening now" not in html and "Freddie Freeloader" in html  # now a listen
