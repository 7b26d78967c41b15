"""Radio sessions: no repeats within a session, adapting to skips and plays, every kind of seed."""

import uuid

import pytest
from django.core.cache import cache
from django.http import Http404
from django.utils import timezone

from listening import services as listening_services
from listening.models import ContextType, Play, Playlist
from recommend import radio
from recommend.models import SimilarTrackList, TrackDislike
from tests.catalog.factories import make_album, make_artist, make_genre, make_track
from tests.listening.factories import make_generated_playlist
from tests.recommend.reco_data import save_similar_artists, save_similar_tracks

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def catalog():
    """A seed track by Ada; neighbours by Yann (slightly closer) and Zoe; one neighbour of Zoe's by Walt."""
    genre = make_genre("Synthwave")
    artists = {name: make_artist(name) for name in ("Ada", "Yann", "Zoe", "Walt", "Other")}
    albums = {name: make_album(f"{name} LP", artist=artist) for name, artist in artists.items()}
    tracks = {}
    for name in ("Ada", "Yann", "Zoe", "Walt", "Other"):
        for n in range(1, 5):
            tracks[f"{name[0].lower()}{n}"] = make_track(
                f"{name} {n}", album=albums[name], track_number=n, genres=[genre]
            )
    seed = tracks["a1"]
    links = [("y1", 0.90), ("z1", 0.84), ("y2", 0.78), ("z2", 0.72), ("y3", 0.66), ("z3", 0.60)]
    save_similar_tracks(seed, [(tracks[k], s) for k, s in links])
    # What is like Yann 1 and Zoe 1: their own artists' other tracks, and Walt for Zoe.
    save_similar_tracks(tracks["y1"], [(tracks["y4"], 0.9)])
    save_similar_tracks(tracks["z1"], [(tracks["w1"], 0.95), (tracks["w2"], 0.9)])
    return {"genre": genre, "artists": artists, "albums": albums, "tracks": tracks}


def titles(batch):
    return [track.title for track in batch.tracks]


def test_a_track_radio_plays_the_seed_then_its_nearest_neighbours(user, catalog):
    batch = radio.radio_start(user=user, seed_type="track", seed_id=str(catalog["tracks"]["a1"].pk), size=3)
    assert titles(batch) == ["Ada 1", "Yann 1", "Zoe 1"]
    assert batch.session.title == "Ada 1 Radio"


def test_a_session_never_repeats_a_track(user, catalog):
    batch = radio.radio_start(user=user, seed_type="track", seed_id=str(catalog["tracks"]["a1"].pk), size=4)
    seen = [track.pk for track in batch.tracks]
    while True:
        batch = radio.radio_next(user=user, session_id=batch.session.id, size=4)
        if batch.exhausted:
            break
        seen += [track.pk for track in batch.tracks]
    assert len(seen) == len(set(seen)) == 20  # the whole catalog, each track once


def test_a_skip_down_weights_the_artist_and_its_neighbours(user, catalog):
    tracks = catalog["tracks"]
    batch = radio.radio_start(user=user, seed_type="track", seed_id=str(tracks["a1"].pk), size=2)
    assert titles(batch) == ["Ada 1", "Yann 1"]
    batch = radio.radio_next(user=user, session_id=batch.session.id, size=2, skipped=[tracks["y1"].pk])
    # Zoe's tracks now come before Yann's, though Yann's were closer to the seed.
    assert titles(batch)[0] == "Zoe 1"
    assert not any(title.startswith("Yann") for title in titles(batch))


def test_a_track_played_to_the_end_brings_its_neighbours(user, catalog):
    tracks = catalog["tracks"]
    batch = radio.radio_start(user=user, seed_type="track", seed_id=str(tracks["a1"].pk), size=3)
    assert titles(batch) == ["Ada 1", "Yann 1", "Zoe 1"]
    without = radio.radio_next(user=user, session_id=batch.session.id, size=3)
    assert not {"Walt 1", "Walt 2"} & set(titles(without))

    batch = radio.radio_start(user=user, seed_type="track", seed_id=str(tracks["a1"].pk), size=3)
    after_play = radio.radio_next(user=user, session_id=batch.session.id, size=3, played=[tracks["z1"].pk])
    assert titles(after_play)[0] == "Walt 1"


def test_the_players_own_skip_reports_count(user, catalog):
    tracks = catalog["tracks"]
    batch = radio.radio_start(user=user, seed_type="track", seed_id=str(tracks["a1"].pk), size=2)
    Play.objects.create(
        user=user, track=tracks["y1"], play_id=uuid.uuid4(), started_at=timezone.now(), ms_played=4000,
        skipped=True, context_type=ContextType.RADIO, context_id=batch.session.id,
    )
    batch = radio.radio_next(user=user, session_id=batch.session.id, size=1)
    assert titles(batch) == ["Zoe 1"]
    assert batch.session.outcomes == {tracks["y1"].pk: "skip"}


def test_thumbed_down_tracks_never_play(user, catalog):
    tracks = catalog["tracks"]
    TrackDislike.objects.create(user=user, track=tracks["y1"])
    batch = radio.radio_start(user=user, seed_type="track", seed_id=str(tracks["a1"].pk), size=3)
    assert titles(batch) == ["Ada 1", "Zoe 1", "Yann 2"]


def test_artist_neighbours_fill_an_artist_radio(user, catalog):
    artists = catalog["artists"]
    save_similar_artists(artists["Walt"], [(artists["Other"], 1.0)])
    batch = radio.radio_start(user=user, seed_type="artist", seed_id=str(artists["Walt"].pk), size=4)
    by_artist = [track.artist.name for track in batch.tracks]
    assert set(by_artist) == {"Walt", "Other"}
    assert all(a != b for a, b in zip(by_artist, by_artist[1:], strict=False))  # never twice in a row


def test_a_new_catalog_radio_uses_the_genre(user, catalog):
    SimilarTrackList.objects.all().delete()
    tracks = catalog["tracks"]
    batch = radio.radio_start(user=user, seed_type="track", seed_id=str(tracks["a1"].pk), size=6)
    assert len(batch.tracks) == 6
    assert batch.tracks[0] == tracks["a1"]
    assert len({track.pk for track in batch.tracks}) == 6


@pytest.mark.parametrize("seed_type", ["album", "genre", "playlist"])
def test_every_seed_type_starts_a_radio(user, catalog, seed_type):
    tracks = catalog["tracks"]
    seed_id = {
        "album": lambda: str(catalog["albums"]["Zoe"].pk),
        "genre": lambda: catalog["genre"].slug,
        "playlist": lambda: str(
            listening_services.playlist_create(owner=user, name="M", tracks=[tracks["a1"], tracks["z1"]]).uid
        ),
    }[seed_type]()
    batch = radio.radio_start(user=user, seed_type=seed_type, seed_id=seed_id, size=5)
    assert len(batch.tracks) == 5
    assert len({track.pk for track in batch.tracks}) == 5


def test_unknown_or_private_seeds_are_404(user, other_user, catalog):
    private = Playlist.objects.create(owner=other_user, name="Secret")
    for seed_type, seed_id in [("track", "999999"), ("artist", "x"), ("genre", "nope"), ("album", "0"),
                               ("playlist", str(private.uid)), ("playlist", "not-a-uuid"), ("mood", "1")]:
        with pytest.raises(Http404):
            radio.radio_start(user=user, seed_type=seed_type, seed_id=seed_id)


def test_a_session_belongs_to_its_listener(user, other_user, catalog):
    batch = radio.radio_start(user=user, seed_type="track", seed_id=str(catalog["tracks"]["a1"].pk), size=2)
    with pytest.raises(Http404):
        radio.radio_next(user=other_user, session_id=batch.session.id)
    with pytest.raises(Http404):
        radio.radio_next(user=user, session_id=uuid.uuid4().hex)


def test_a_batch_runs_a_fixed_number_of_queries(user, catalog, django_assert_max_num_queries):
    batch = radio.radio_start(user=user, seed_type="track", seed_id=str(catalog["tracks"]["a1"].pk), size=2)
    with django_assert_max_num_queries(8):
        radio.radio_next(user=user, session_id=batch.session.id, size=9, skipped=[catalog["tracks"]["y1"].pk])


def test_a_thumbed_down_or_missing_seed_track_is_not_played(user, catalog):
    tracks = catalog["tracks"]
    TrackDislike.objects.create(user=user, track=tracks["a1"])
    batch = radio.radio_start(user=user, seed_type="track", seed_id=str(tracks["a1"].pk), size=3)
    assert tracks["a1"] not in batch.tracks and titles(batch)[0] == "Yann 1"
    tracks["z1"].is_available = False
    tracks["z1"].save()
    batch = radio.radio_start(user=user, seed_type="track", seed_id=str(tracks["z1"].pk), size=3)
    assert tracks["z1"] not in batch.tracks and len(batch.tracks) == 3


def test_a_generated_playlist_seeds_a_radio_with_its_available_tracks(user, catalog):
    tracks = catalog["tracks"]
    tracks["y2"].is_available = False
    tracks["y2"].save(update_fields=["is_available"])
    mix = make_generated_playlist(user, [tracks["y2"], tracks["a1"], tracks["z1"]], name="Discover")
    session = radio._resolve_seed(user=user, seed_type="playlist", seed_id=str(mix.uid))
    assert session.title == "Discover Radio"
    assert list(session.anchors) == [tracks["a1"].pk, tracks["z1"].pk]
    assert session.artist_of == {track.pk: track.artist_id for track in (tracks["a1"], tracks["z1"])}
    assert len(radio.radio_start(user=user, seed_type="playlist", seed_id=str(mix.uid), size=5).tracks) == 5
