"""Matching submitted listen metadata to catalog tracks: MBID first, then folded names, in bulk."""

import uuid

import pytest

from catalog.matching import MatchQuery, match_key, match_tracks
from tests.catalog.factories import make_album, make_artist, make_track

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("submitted", "stored"),
    [
        ("BEYONCÉ", "Beyonce"),
        ("Sigur Rós", "sigur ros"),
        ("Don’t Stop Me Now", "don't stop me now"),
        ("Get Lucky (feat. Pharrell Williams)", "Get Lucky"),
        ("Daft Punk ft. Pharrell", "Daft Punk"),
        ("Simon & Garfunkel", "Simon and Garfunkel"),
        ("  Spaced   Out  ", "spaced out"),
        ("!!!", "!!!"),
    ],
)
def test_keys_fold_case_accents_punctuation_and_featuring(submitted, stored):
    assert match_key(submitted) == match_key(stored)


def test_matches_by_recording_mbid_before_names():
    mbid = uuid.uuid4()
    by_mbid = make_track("Real Title", mbid=mbid)
    make_track("Submitted Title", album=make_album(artist=make_artist("Submitted Artist")))
    query = MatchQuery(artist_name="Submitted Artist", track_name="Submitted Title", recording_mbid=mbid)
    assert match_tracks([query]) == [by_mbid.pk]


def test_an_unknown_mbid_falls_back_to_names():
    track = make_track("Hyperballad", album=make_album("Post", artist=make_artist("Björk")))
    query = MatchQuery(artist_name="bjork", track_name="HYPERBALLAD", recording_mbid=uuid.uuid4())
    assert match_tracks([query]) == [track.pk]


def test_matches_folded_names_with_featuring_dropped():
    track = make_track("Get Lucky", album=make_album("RAM", artist=make_artist("Daft Punk")))
    query = MatchQuery(
        artist_name="DAFT PUNK feat. Pharrell Williams", track_name="Get Lucky (feat. Pharrell)"
    )
    assert match_tracks([query]) == [track.pk]


def test_the_album_breaks_ties_between_same_named_tracks():
    artist = make_artist("Queen")
    studio = make_track("Bohemian Rhapsody", album=make_album("A Night at the Opera", artist=artist))
    live = make_track("Bohemian Rhapsody", album=make_album("Live Killers", artist=artist))
    queries = [
        MatchQuery(artist_name="Queen", track_name="Bohemian Rhapsody", release_name="LIVE KILLERS"),
        MatchQuery(artist_name="Queen", track_name="Bohemian Rhapsody", release_name="A Night at the Opera"),
        MatchQuery(artist_name="Queen", track_name="Bohemian Rhapsody", release_name="Greatest Hits"),
        MatchQuery(artist_name="Queen", track_name="Bohemian Rhapsody"),
    ]
    assert match_tracks(queries) == [live.pk, studio.pk, studio.pk, studio.pk]


def test_an_available_track_is_preferred():
    artist = make_artist("Nirvana")
    gone = make_track("Lithium", album=make_album("Nevermind", artist=artist), is_available=False)
    present = make_track("Lithium", album=make_album("Best Of", artist=artist))
    assert gone.pk < present.pk
    assert match_tracks([MatchQuery(artist_name="Nirvana", track_name="Lithium")]) == [present.pk]


def test_the_album_artist_matches_when_the_track_artist_differs():
    compilation = make_album("Pulp Fiction OST", artist=make_artist("Various Artists"))
    track = make_track("Misirlou", album=compilation, artist=make_artist("Dick Dale"))
    queries = [
        MatchQuery(artist_name="Dick Dale", track_name="Misirlou"),
        MatchQuery(artist_name="Various Artists", track_name="Misirlou"),
    ]
    assert match_tracks(queries) == [track.pk, track.pk]


def test_no_match_gives_none_and_order_is_kept(django_assert_max_num_queries):
    first = make_track("One", album=make_album(artist=make_artist("U2")))
    second = make_track("Two", mbid=uuid.uuid4())
    queries = [
        MatchQuery(artist_name="Nobody", track_name="Nothing"),
        MatchQuery(artist_name="x", track_name="y", recording_mbid=second.mbid),
        MatchQuery(artist_name="U2", track_name="One"),
        MatchQuery(artist_name="U2", track_name="Two"),  # right title, wrong artist
        MatchQuery(artist_name="...", track_name="One"),
    ]
    with django_assert_max_num_queries(2):
        assert match_tracks(queries) == [None, second.pk, first.pk, None, None]


def test_a_thousand_queries_take_two_queries(django_assert_num_queries):
    tracks = [make_track(f"Song {i}", mbid=uuid.uuid4() if i % 2 else None) for i in range(20)]
    queries = [
        MatchQuery(
            artist_name=track.artist.name,
            track_name=track.title,
            recording_mbid=track.mbid if index % 3 else None,
        )
        for index in range(1000)
        for track in [tracks[index % 20]]
    ]
    with django_assert_num_queries(2):
        assert match_tracks(queries) == [tracks[index % 20].pk for index in range(1000)]


def test_no_queries_for_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert match_tracks([]) == []
