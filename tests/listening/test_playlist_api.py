"""The playlist API: CRUD, adding, reordering, collaborators, and who may see what."""

import pytest
from rest_framework.test import APIClient

from listening import services
from listening.models import Playlist, PlaylistTrack
from tests.catalog.factories import make_album, make_track

pytestmark = pytest.mark.django_db


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def tracks():
    album = make_album("Blue Train")
    return [make_track(f"Song {n}", album=album, track_number=n) for n in range(1, 6)]


def titles(answer):
    return [item["track"]["title"] for item in answer.json()["items"]]


def test_create_add_reorder_move_remove(user, tracks):
    api = client_for(user)
    created = api.post(
        "/api/v1/playlists/", {"name": "Road trip", "track_ids": [tracks[0].pk, tracks[1].pk]}, format="json"
    )
    assert created.status_code == 201
    uid = created.json()["uid"]
    assert titles(created) == ["Song 1", "Song 2"]
    added = api.post(f"/api/v1/playlists/{uid}/tracks/", {"track_ids": [tracks[2].pk]}, format="json")
    assert titles(added) == ["Song 1", "Song 2", "Song 3"]
    item_ids = [item["item_id"] for item in added.json()["items"]]
    reordered = api.put(f"/api/v1/playlists/{uid}/order/", {"item_ids": item_ids[::-1]}, format="json")
    assert titles(reordered) == ["Song 3", "Song 2", "Song 1"]
    moved = api.post(
        f"/api/v1/playlists/{uid}/order/", {"item_id": item_ids[2], "to_index": 2}, format="json"
    )
    assert titles(moved) == ["Song 2", "Song 1", "Song 3"]
    removed = api.delete(f"/api/v1/playlists/{uid}/items/{item_ids[0]}/")
    assert titles(removed) == ["Song 2", "Song 3"]
    renamed = api.patch(f"/api/v1/playlists/{uid}/", {"name": "Long road", "is_public": True}, format="json")
    assert (renamed.json()["name"], renamed.json()["is_public"]) == ("Long road", True)
    assert [p["name"] for p in api.get("/api/v1/playlists/").json()["results"]] == ["Long road"]
    assert api.delete(f"/api/v1/playlists/{uid}/").status_code == 204
    assert not Playlist.objects.exists()


def test_bad_input_is_400_naming_the_field(user, tracks):
    api = client_for(user)
    assert "name" in api.post("/api/v1/playlists/", {"name": ""}, format="json").json()
    answer = api.post("/api/v1/playlists/", {"name": "x", "track_ids": [999999]}, format="json")
    assert answer.status_code == 400
    assert "track_ids" in answer.json()
    uid = api.post("/api/v1/playlists/", {"name": "x"}, format="json").json()["uid"]
    assert "item_id" in api.delete(f"/api/v1/playlists/{uid}/items/424242/").json()
    assert (
        "username"
        in api.post(f"/api/v1/playlists/{uid}/collaborators/", {"username": "ghost"}, format="json").json()
    )


def test_private_playlist_is_404_for_other_users(user, other_user, tracks):
    playlist = services.playlist_create(owner=user, name="Secret", tracks=tracks[:1])
    other = client_for(other_user)
    assert other.get(f"/api/v1/playlists/{playlist.uid}/").status_code == 404
    assert (
        other.post(
            f"/api/v1/playlists/{playlist.uid}/tracks/", {"track_ids": [tracks[1].pk]}, format="json"
        ).status_code
        == 404
    )
    assert other.delete(f"/api/v1/playlists/{playlist.uid}/").status_code == 404
    assert playlist.items.count() == 1


def test_public_playlist_is_readable_but_not_editable_by_others(user, other_user, tracks):
    playlist = services.playlist_create(owner=user, name="Open", is_public=True, tracks=tracks[:1])
    other = client_for(other_user)
    answer = other.get(f"/api/v1/playlists/{playlist.uid}/")
    assert answer.status_code == 200
    assert answer.json()["can_edit"] is False
    assert (
        other.post(
            f"/api/v1/playlists/{playlist.uid}/tracks/", {"track_ids": [tracks[1].pk]}, format="json"
        ).status_code
        == 403
    )
    assert other.post(f"/api/v1/playlists/{playlist.uid}/duplicate/").status_code == 201


def test_collaborators_add_and_reorder_but_only_the_owner_invites(user, other_user, staff_user, tracks):
    owner = client_for(user)
    uid = owner.post("/api/v1/playlists/", {"name": "Together"}, format="json").json()["uid"]
    invited = owner.post(
        f"/api/v1/playlists/{uid}/collaborators/", {"username": other_user.username}, format="json"
    )
    assert invited.json()["collaborators"] == [other_user.username]
    collaborator = client_for(other_user)
    assert titles(
        collaborator.post(f"/api/v1/playlists/{uid}/tracks/", {"track_ids": [tracks[0].pk]}, format="json")
    ) == ["Song 1"]
    assert (
        collaborator.post(
            f"/api/v1/playlists/{uid}/collaborators/", {"username": staff_user.username}, format="json"
        ).status_code
        == 403
    )
    assert (
        collaborator.patch(f"/api/v1/playlists/{uid}/", {"name": "Mine now"}, format="json").status_code
        == 403
    )
    assert (
        collaborator.delete(f"/api/v1/playlists/{uid}/collaborators/{other_user.username}/").status_code
        == 204
    )
    assert collaborator.get(f"/api/v1/playlists/{uid}/").status_code == 404


def test_staff_can_see_private_playlists(user, staff_user, tracks):
    playlist = services.playlist_create(owner=user, name="Secret", tracks=tracks[:1])
    assert client_for(staff_user).get(f"/api/v1/playlists/{playlist.uid}/").status_code == 200


def test_playlist_detail_runs_a_constant_number_of_queries(user, tracks, django_assert_max_num_queries):
    small = services.playlist_create(owner=user, name="Small", tracks=tracks[:1])
    big = services.playlist_create(owner=user, name="Big", tracks=tracks * 10)
    api = client_for(user)
    for playlist in (small, big):
        with django_assert_max_num_queries(8):
            assert api.get(f"/api/v1/playlists/{playlist.uid}/").status_code == 200


def make_long_playlist(owner, tracks, entries: int) -> Playlist:
    """Return a private playlist of owner's holding entries entries (the tracks over and over)."""
    playlist = services.playlist_create(owner=owner, name=f"{entries} entries", tracks=[])
    PlaylistTrack.objects.bulk_create(
        PlaylistTrack(playlist=playlist, track=tracks[n % len(tracks)], position=n, added_by=owner)
        for n in range(entries)
    )
    return playlist


def test_playlist_detail_of_10000_entries_carries_the_first_page_and_a_link_to_the_rest(user, tracks):
    playlist = make_long_playlist(user, tracks, 10_000)
    answer = client_for(user).get(f"/api/v1/playlists/{playlist.uid}/")
    assert answer.status_code == 200
    body = answer.json()
    assert body["track_count"] == 10_000
    assert [item["position"] for item in body["items"]] == list(range(50))
    assert body["items_next"] == f"http://testserver/api/v1/playlists/{playlist.uid}/tracks/?page=2"


def test_playlist_detail_of_one_page_has_no_next_link(user, tracks):
    playlist = make_long_playlist(user, tracks, 50)
    body = client_for(user).get(f"/api/v1/playlists/{playlist.uid}/").json()
    assert (body["track_count"], len(body["items"]), body["items_next"]) == (50, 50, None)


def test_playlist_tracks_pages_hold_every_entry_once_in_order(user, tracks):
    playlist = make_long_playlist(user, tracks, 450)
    api, url, positions = client_for(user), f"/api/v1/playlists/{playlist.uid}/tracks/?page_size=200", []
    while url:
        page = api.get(url).json()
        assert page["count"] == 450
        assert len(page["results"]) <= 200
        positions += [item["position"] for item in page["results"]]
        url = page["next"]
    assert positions == list(range(450))


def test_playlist_tracks_page_size_is_capped_at_200(user, tracks):
    playlist = make_long_playlist(user, tracks, 300)
    page = client_for(user).get(f"/api/v1/playlists/{playlist.uid}/tracks/?page_size=100000").json()
    assert len(page["results"]) == 200


@pytest.mark.parametrize("path", ["", "tracks/", "tracks/?page=2"])
def test_playlist_reads_run_the_same_queries_for_10_and_10000_entries(
    user, tracks, path, django_assert_max_num_queries
):
    api = client_for(user)
    for entries in (10, 10_000):
        playlist = make_long_playlist(user, tracks, entries)
        with django_assert_max_num_queries(6):
            assert api.get(f"/api/v1/playlists/{playlist.uid}/{path}").status_code in (200, 404)


def test_the_playlist_list_is_paged_in_a_constant_number_of_queries(
    user, tracks, django_assert_max_num_queries
):
    for n in range(60):
        services.playlist_create(owner=user, name=f"Mix {n}", tracks=tracks[: n % 3])
    api = client_for(user)
    with django_assert_max_num_queries(4):
        first = api.get("/api/v1/playlists/").json()
    assert (first["count"], len(first["results"])) == (60, 50)
    assert first["results"][0] == {**first["results"][0], "name": "Mix 59", "track_count": 2}
    rest = api.get(first["next"]).json()
    assert [p["name"] for p in rest["results"]] == [f"Mix {n}" for n in range(9, -1, -1)]


def test_playlist_tracks_of_a_private_playlist_are_404_for_other_users(user, other_user, tracks):
    playlist = make_long_playlist(user, tracks, 3)
    assert client_for(other_user).get(f"/api/v1/playlists/{playlist.uid}/tracks/").status_code == 404


def test_playlist_tracks_past_the_last_page_is_404(user, tracks):
    playlist = make_long_playlist(user, tracks, 3)
    assert client_for(user).get(f"/api/v1/playlists/{playlist.uid}/tracks/?page=2").status_code == 404


def test_expensive_reads_over_the_rate_are_429_with_retry_after(user, other_user, tracks, settings):
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "reads-expensive": "3/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    playlist = make_long_playlist(user, tracks, 3)
    api = client_for(user)
    reads = [
        api.get(f"/api/v1/playlists/{playlist.uid}/"),
        api.get(f"/api/v1/playlists/{playlist.uid}/tracks/"),
        api.get(f"/api/v1/playlists/{playlist.uid}/"),
    ]
    assert [answer.status_code for answer in reads] == [200, 200, 200]
    throttled = api.get(f"/api/v1/playlists/{playlist.uid}/tracks/")
    assert throttled.status_code == 429
    assert int(throttled["Retry-After"]) > 0
    assert "throttled" in throttled.json()["detail"]
    # Writes are not counted as expensive reads, and another user has their own budget.
    added = api.post(f"/api/v1/playlists/{playlist.uid}/tracks/", {"track_ids": [tracks[0].pk]})
    assert added.status_code == 200
    theirs = make_long_playlist(other_user, tracks, 3)
    assert client_for(other_user).get(f"/api/v1/playlists/{theirs.uid}/tracks/").status_code == 200


@pytest.mark.parametrize("fmt", ["m3u8", "xspf"])
def test_export_downloads_and_reimports_to_the_same_tracks(user, client, tracks, fmt):
    playlist = services.playlist_create(owner=user, name="Round trip", tracks=tracks)
    client.force_login(user)
    response = client.get(f"/playlists/{playlist.uid}/export.{fmt}")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="round-trip.{fmt}"'
    result = services.playlist_import(owner=user, name="Back", content=response.content, filename=f"x.{fmt}")
    assert result.unmatched == []
    assert [item.track_id for item in result.playlist.items.order_by("position")] == [t.pk for t in tracks]


def test_export_of_a_private_playlist_is_404_for_others(user, other_user, client, tracks):
    playlist = services.playlist_create(owner=user, name="Secret", tracks=tracks)
    client.force_login(other_user)
    assert client.get(f"/playlists/{playlist.uid}/export.m3u8").status_code == 404
