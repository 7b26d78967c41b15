"""Similar tracks and artists: the nightly neighbours, else a content answer; two to four queries each."""

import datetime as dt

import pytest

from recommend import selectors
from tests.catalog.factories import make_album, make_artist, make_genre, make_track
from tests.recommend import reco_data

pytestmark = pytest.mark.django_db


def test_similar_tracks_come_from_the_nightly_neighbours_in_rank_order(django_assert_num_queries):
    track = make_track("Seed")
    others = [make_track(f"Near {n}") for n in range(3)]
    reco_data.save_similar_tracks(track, [(o, 0.5 + n / 10) for n, o in reversed(list(enumerate(others)))])
    with django_assert_num_queries(2):  # the packed list, its tracks
        similar = selectors.similar_tracks(track=track)
        titles = [t.title for t in similar.items]
        artists = [t.artist.name for t in similar.items] + [t.album.artist.name for t in similar.items]
    assert similar.source == "neighbours"
    assert titles == ["Near 2", "Near 1", "Near 0"]
    assert len(artists) == 6


def test_similar_tracks_leave_out_unavailable_neighbours():
    track, gone, kept = make_track(), make_track(is_available=False), make_track()
    reco_data.save_similar_tracks(track, [(gone, 0.9), (kept, 0.8)])
    assert selectors.similar_tracks(track=track).items == [kept]


def test_a_new_catalog_falls_back_to_the_same_genres_most_listened_first(user, django_assert_max_num_queries):
    jazz, metal = make_genre("Jazz"), make_genre("Metal")
    seed = make_track("Seed", genres=[jazz])
    make_track("Quiet", genres=[jazz])
    loud = make_track("Loud", genres=[jazz])
    make_track("Other genre", genres=[metal])
    make_track("Unavailable", genres=[jazz], is_available=False)
    for minute in range(3):
        reco_data.listen(user, loud, when=dt.datetime(2026, 3, 1, 0, minute, tzinfo=dt.UTC))
    with django_assert_max_num_queries(4):
        similar = selectors.similar_tracks(track=seed)
    assert similar.source == "content"
    assert [t.title for t in similar.items] == ["Loud", "Quiet"]


def test_the_fallback_keeps_at_most_two_tracks_per_artist():
    genre = make_genre()
    seed = make_track(genres=[genre])
    busy = make_album(artist=make_artist("Busy"))
    for n in range(5):
        make_track(f"Busy {n}", album=busy, genres=[genre])
    make_track("Someone else", genres=[genre])
    names = [t.artist.name for t in selectors.similar_tracks(track=seed).items]
    assert names.count("Busy") == 2 and len(names) == 3


def test_a_track_without_genres_falls_back_to_its_artist():
    album = make_album()
    seed, sibling = make_track(album=album), make_track(album=album)
    make_track()
    assert selectors.similar_tracks(track=seed).items == [sibling]


def test_similar_artists_come_from_the_nightly_neighbours(django_assert_num_queries):
    artist, near, far = make_artist("A"), make_artist("Near"), make_artist("Far")
    make_album(artist=near, cover="covers/near.jpg")
    reco_data.save_similar_artists(artist, [(near, 0.9), (far, 0.5)])
    with django_assert_num_queries(2):  # the packed list, its artists
        similar = selectors.similar_artists(artist=artist)
    assert similar.source == "neighbours"
    assert [a.name for a in similar.items] == ["Near", "Far"]
    assert similar.items[0].picture_name == "covers/near.jpg" and similar.items[1].picture_name is None


def test_similar_artists_fall_back_to_shared_genres(django_assert_max_num_queries):
    jazz, metal = make_genre("Jazz"), make_genre("Metal")
    artist = make_artist("Seed")
    make_track(album=make_album(artist=artist), genres=[jazz])
    big, small, other = make_artist("Big"), make_artist("Small"), make_artist("Metalhead")
    for _ in range(3):
        make_track(album=make_album(artist=big), genres=[jazz])
    make_track(album=make_album(artist=small), genres=[jazz])
    make_track(album=make_album(artist=other), genres=[metal])
    with django_assert_max_num_queries(3):
        similar = selectors.similar_artists(artist=artist)
    assert similar.source == "content"
    assert [a.name for a in similar.items] == ["Big", "Small"]


def test_an_artist_with_no_genres_has_no_similar_artists():
    artist = make_artist()
    make_track(album=make_album(artist=artist))
    assert selectors.similar_artists(artist=artist).items == []


def test_neighbours_hold_three_by_one_artist_while_others_are_left():
    seed = make_track("Seed")
    busy, other = make_album(artist=make_artist("Busy")), make_album(artist=make_artist("Other"))
    near = [make_track(f"Busy {n}", album=busy) for n in range(5)] + [make_track(f"Other {n}", album=other)
                                                                     for n in range(2)]
    reco_data.save_similar_tracks(seed, [(t, 1 - r / 10) for r, t in enumerate(near, 1)])
    short = selectors.similar_tracks(track=seed, limit=5).items
    assert [t.title for t in short] == ["Busy 0", "Busy 1", "Busy 2", "Other 0", "Other 1"]
    assert [t.title for t in selectors.similar_tracks(track=seed, limit=10).items] == [t.title for t in near]
