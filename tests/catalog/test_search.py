"""Search: ranking, accents, multi-word queries, typos (PostgreSQL), junk input and query counts."""

import pytest
from django.db import connection

from catalog import search as search_module
from catalog import selectors
from catalog.models import Album, Artist, Track
from catalog.normalize import name_key

from .factories import make_album, make_artist, make_track

pytestmark = pytest.mark.django_db


@pytest.fixture
def library():
    radiohead = make_artist("Radiohead")
    pablo_honey = make_album("Pablo Honey", artist=radiohead, release_year=1993)
    ok_computer = make_album("OK Computer", artist=radiohead, release_year=1997)
    metallica = make_artist("Metallica")
    ride = make_album("Ride the Lightning", artist=metallica, release_year=1984)
    beyonce = make_artist("Beyoncé")
    lemonade = make_album("Lemonade", artist=beyonce, release_year=2016)
    creepers = make_artist("The Creepers")
    slow = make_album("Night Moves", artist=creepers)
    return {
        "radiohead": radiohead,
        "metallica": metallica,
        "beyonce": beyonce,
        "creepers": creepers,
        "pablo_honey": pablo_honey,
        "ok_computer": ok_computer,
        "lemonade": lemonade,
        "creep": make_track("Creep", album=pablo_honey),
        "you": make_track("You", album=pablo_honey),
        "paranoid": make_track("Paranoid Android", album=ok_computer),
        "karma": make_track("Karma Police", album=ok_computer),
        "creeping": make_track("Creeping Death", album=ride),
        "battery": make_track("Battery", album=ride),
        "formation": make_track("Formation", album=lemonade),
        "slow_creep": make_track("Slow Creep", album=slow),
        "discreet": make_track("Indiscreepable", album=slow),
    }


def titles(rows) -> list[str]:
    return [row.title for row in rows]


def test_exact_title_ranks_before_prefix_then_word_matches(library):
    results = selectors.search(query="creep")
    assert titles(results.tracks)[:3] == ["Creep", "Creeping Death", "Slow Creep"]
    assert [track.search_tier for track in results.tracks[:3]] == [
        search_module.EXACT, search_module.PREFIX, search_module.PHRASE,
    ]


def test_shorter_names_come_first_within_a_tier(library):
    make_track("Creep (Acoustic Version)", album=library["pablo_honey"])
    make_track("Creep (Live)", album=library["pablo_honey"])
    assert titles(selectors.search(query="creep").tracks)[:4] == [
        "Creep", "Creep (Live)", "Creeping Death", "Creep (Acoustic Version)",
    ]


def test_artists_match_on_prefix_and_on_any_word(library):
    assert selectors.search(query="radio").artists == [library["radiohead"]]
    assert library["creepers"] in selectors.search(query="creepers").artists
    # "The Creepers" has a word starting with "creep": found, after names that start with it (none here).
    assert selectors.search(query="creep").artists[0] == library["creepers"]


def test_accents_and_case_do_not_matter(library):
    for query in ("beyonce", "BEYONCÉ", "Beyoncé", "  beyoncé  "):
        assert selectors.search(query=query).artists[0] == library["beyonce"], query
    accented = make_artist("Sigur Rós")
    assert selectors.search(query="sigur ros").artists == [accented]


def test_words_spread_over_artist_and_title_find_the_track(library):
    for query in ("radiohead creep", "creep radiohead", "RADIOHEAD  Creep", "beyonce formation"):
        tracks = selectors.search(query=query).tracks
        assert tracks, query
        assert tracks[0].title in {"Creep", "Formation"}, query
        assert tracks[0].search_tier == search_module.ACROSS
    assert titles(selectors.search(query="pablo honey creep").tracks)[0] == "Creep"


def test_a_long_artist_name_given_in_part_still_finds_their_tracks(library):
    band = make_artist("Ada Stone & the Rhythms")
    make_track("Funky Funk", album=make_album("Soul Power", artist=band))
    for number in range(8):  # shorter names sharing a word come first among the artists named
        make_artist(f"Stone {number}")
        make_artist(f"Ada {number}")
    assert titles(selectors.search(query="ada stone funky").tracks) == ["Funky Funk"]
    assert titles(selectors.search(query="ada stone").tracks) == ["Funky Funk"]


def test_an_artist_name_finds_their_albums_and_tracks(library):
    results = selectors.search(query="radiohead")
    assert results.artists[0] == library["radiohead"]
    assert set(results.albums) == {library["pablo_honey"], library["ok_computer"]}
    assert {"Creep", "You", "Paranoid Android", "Karma Police"} <= set(titles(results.tracks))


def test_the_last_word_matches_as_a_prefix_as_it_is_typed(library):
    assert titles(selectors.search(query="paranoid andr").tracks)[0] == "Paranoid Android"
    assert titles(selectors.search(query="karma pol").tracks)[0] == "Karma Police"


def test_a_substring_is_a_loose_match_after_the_strict_ones(library):
    results = selectors.search(query="etallica")
    assert results.artists[0] == library["metallica"]
    assert results.artists[0].search_tier == search_module.LOOSE


@pytest.mark.postgres
def test_typos_find_the_name_on_postgres(library):
    results = selectors.search(query="metalica")
    assert results.artists[0] == library["metallica"]
    assert results.artists[0].search_tier == search_module.LOOSE
    # The tracks of the artist the typo names come along.
    assert {"Battery", "Creeping Death"} <= set(titles(results.tracks))
    assert titles(selectors.search(query="paranoid andriod").tracks)[0] == "Paranoid Android"
    assert selectors.search(query="beyonse").artists[0] == library["beyonce"]


def test_strict_matches_fill_the_list_before_loose_ones(library):
    results = selectors.search(query="creep", limit=2)
    assert titles(results.tracks) == ["Creep", "Creeping Death"]
    assert all(track.search_tier > search_module.LOOSE for track in results.tracks)


def test_no_match_finds_nothing(library):
    results = selectors.search(query="zzzz qqqq")
    assert results.is_empty
    assert selectors.search_suggestions(query="zzzz qqqq") == []


@pytest.mark.parametrize(
    "query",
    [
        "", "   ", "\t\n", "x" * 10_000, "':*&|!(", "%_\\", "a:* & !b", "\x00", "🎵🎶",
        "'; DROP TABLE catalog_track; --", " ".join(["word"] * 50), "ー", "ǅ", "けちゃっふmania", "Ω≈ç√∫",
    ],
)
def test_junk_queries_do_not_error(library, query):
    tracks_before = Track.objects.count()
    results = selectors.search(query=query)
    assert isinstance(results, selectors.SearchResults)
    assert isinstance(selectors.search_suggestions(query=query), list)
    assert Track.objects.count() == tracks_before


def test_empty_query_runs_no_query(library, django_assert_num_queries):
    with django_assert_num_queries(0):
        results = selectors.search(query="  ")
        assert selectors.search_suggestions(query="") == []
    assert results.is_empty
    assert results.query == ""


def test_results_are_capped_at_the_limit(library):
    echo = make_artist("Echo")
    album = make_album("Echoes", artist=echo)
    for number in range(30):
        make_track(f"Echo {number}", album=album)
    results = selectors.search(query="echo", limit=5)
    assert len(results.tracks) == 5
    assert len(selectors.search_suggestions(query="echo", limit=3)) == 3
    assert len(selectors.search(query="echo", limit=10_000).tracks) == 30


def _grow(size: int) -> None:
    """Add `size` artists, each with an album of three tracks, every name containing "echo"."""
    artists = Artist.objects.bulk_create(
        [Artist(name=f"Echo {n}", name_key=name_key(f"Echo {n}")) for n in range(size)]
    )
    albums = Album.objects.bulk_create(
        [Album(title=f"Echoes {n}", title_key=name_key(f"Echoes {n}"), artist=artist) for n, artist in
         enumerate(artists)]
    )
    Track.objects.bulk_create(
        [Track(title=f"Echo Song {n}", title_key=f"echo song {n}", album=album, artist=album.artist)
         for album in albums for n in range(3)]
    )


@pytest.mark.parametrize("size", [2, 60])
def test_search_runs_a_constant_number_of_queries(library, size, django_assert_max_num_queries):
    _grow(size)
    for query in ("echo", "echo song", "ech", "e", "radiohead creep", "metalica", "zzzz"):
        with django_assert_max_num_queries(4):
            results = selectors.search(query=query)
            # Everything a result page shows is loaded.
            for track in results.tracks:
                assert track.album.artist.name and track.artist.name
            for album in results.albums:
                assert album.artist.name
        with django_assert_max_num_queries(4):
            for suggestion in selectors.search_suggestions(query=query):
                assert suggestion.url


def test_suggestions_mix_kinds_best_first(library):
    suggestions = selectors.search_suggestions(query="radiohead")
    assert suggestions[0] == selectors.Suggestion(
        kind="artist", label="Radiohead", sublabel="", url=library["radiohead"].get_absolute_url()
    )
    assert [suggestion.kind for suggestion in suggestions[1:5]] == ["album", "track", "album", "track"]
    albums = {s.label: s for s in suggestions if s.kind == "album"}
    assert albums["Pablo Honey"].sublabel == "Radiohead · 1993"
    assert albums["Pablo Honey"].url == library["pablo_honey"].get_absolute_url()
    tracks = {s.label: s for s in suggestions if s.kind == "track"}
    assert tracks["Creep"].sublabel == "Radiohead · Pablo Honey"
    assert tracks["Creep"].url == library["creep"].get_absolute_url()
    assert len(suggestions) == 7  # all there is: the artist, two albums, four tracks


def test_suggestions_as_you_type(library):
    assert selectors.search_suggestions(query="r")[0].label == "Radiohead"
    assert selectors.search_suggestions(query="cree")[0].label == "Creep"
    assert selectors.search_suggestions(query="beyonce f")[0].label == "Formation"


def test_search_returns_the_query_it_was_given(library):
    assert selectors.search(query="  Radiohead ").query == "Radiohead"


@pytest.mark.postgres
@pytest.mark.parametrize(
    "query, indexes",
    [
        ("creep", {"catalog_track_title_key_c", "catalog_track_title_key_fts", "catalog_artist_name_key_fts",
                   "catalog_album_title_key_fts", "catalog_artist_name_key_c", "catalog_album_title_key_c"}),
        ("zqxj", {"catalog_track_title_key_trgm", "catalog_artist_name_key_trgm",
                  "catalog_album_title_key_trgm"}),
    ],
)
def test_postgres_search_reads_the_indexes(library, query, indexes):
    """The queries repeat the indexed expressions of migration 0002 exactly, so the planner can use them."""
    terms = search_module._Terms.parse(query)
    sql = search_module._ranking_sql(terms, postgres=True)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # the test tables are too small to need an index
        cursor.execute("EXPLAIN " + sql, terms.params(20))
        plan = "\n".join(row[0] for row in cursor.fetchall())
    # Which of a table's indexes the planner prefers varies with its statistics; what must hold is
    # that every table is read through one of the indexes built for these expressions, never scanned.
    for table in ("catalog_track", "catalog_artist", "catalog_album"):
        assert any(index in plan for index in indexes if index.startswith(table)), (table, plan)
    assert "Seq Scan on catalog_" not in plan, plan
