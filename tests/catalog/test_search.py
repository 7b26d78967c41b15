"""Search: ranking, accents, multi-word queries, typos, the typo index, junk input and query counts.

Typos are found on both databases: pg_trgm on PostgreSQL, the FTS5 trigram tables of migration 0004
and pg_trgm's measures computed in Python on SQLite.
"""

import os

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from catalog import search as search_module
from catalog import selectors
from catalog import services as catalog_services
from catalog.models import Album, Artist, Track
from catalog.normalize import name_key
from tests.catalog.audio_files import retag, write_audio

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


def test_typos_find_the_name(library):
    results = selectors.search(query="metalica")
    assert results.artists[0] == library["metallica"]
    assert results.artists[0].search_tier == search_module.LOOSE
    # The tracks of the artist the typo names come along.
    assert {"Battery", "Creeping Death"} <= set(titles(results.tracks))
    assert titles(selectors.search(query="paranoid andriod").tracks)[0] == "Paranoid Android"
    assert selectors.search(query="beyonse").artists[0] == library["beyonce"]


def test_horizn_finds_horizon(library, user_client):
    dawn = make_artist("Dawn Patrol")
    horizon = make_track("Horizon", album=make_album("Skylines", artist=dawn))
    neon = make_track("Neon Horizon", album=horizon.album)
    results = selectors.search(query="horizn")
    assert titles(results.tracks)[:2] == ["Horizon", "Neon Horizon"]  # the closer whole name first
    assert {track.search_tier for track in results.tracks} == {search_module.LOOSE}
    assert titles(selectors.search(query="neon horizn").tracks)[0] == neon.title
    assert selectors.search_suggestions(query="horizn")[0].label == "Horizon"
    # The search page itself, as the issue tried it.
    page = user_client.get("/search/?q=horizn")
    assert page.status_code == 200 and "Neon Horizon" in page.content.decode()


@pytest.mark.parametrize(
    "query, kind, name",
    [
        ("karma polcie", "tracks", "Karma Police"),  # two letters swapped
        ("radiohed", "artists", "Radiohead"),  # a letter missing from an artist's name
        ("metallca", "artists", "Metallica"),
        ("lemonnade", "albums", "Lemonade"),  # an album's name, a letter doubled
        ("ride the lightnin", "albums", "Ride the Lightning"),
        ("ok computr", "albums", "OK Computer"),
    ],
)
def test_a_misspelt_name_is_found(library, query, kind, name):
    found = getattr(selectors.search(query=query), kind)
    assert found, query
    assert (found[0].name if kind == "artists" else found[0].title) == name


def test_typos_count_the_trigrams_like_pg_trgm():
    """The measures computed for SQLite give pg_trgm's figures (checked against it on PostgreSQL below)."""
    assert search_module.word_similarity("word", "two words") == pytest.approx(0.8)
    assert search_module.similarity("word", "two words") == pytest.approx(4 / 11)
    assert search_module.word_similarity("etallica", "metallica") == pytest.approx(7 / 9)
    assert search_module.word_similarity("horizn", "neon horizon") >= search_module.WORD_SIMILARITY_THRESHOLD
    assert search_module.word_similarity("abc", "xyz") == search_module.similarity("abc", "") == 0.0


@pytest.mark.postgres
def test_python_trigram_measures_equal_pg_trgm():
    pairs = [
        ("word", "two words"), ("horizn", "neon horizon"), ("etallica", "metallica"),
        ("creep", "indiscreepable"), ("paranoid andriod", "paranoid android"),
        ("nocturen", "nocturne in c major"), ("ab ba", "abba ab ba"),
        ("the rolling", "rolling in the deep"), ("aaa", "aaaa aaa"), ("grooove", "deep groove"), ("x", "x"),
    ]
    with connection.cursor() as cursor:
        for first, second in pairs:
            cursor.execute("SELECT similarity(%s, %s), word_similarity(%s, %s)", [first, second] * 2)
            expected = cursor.fetchone()
            computed = (search_module.similarity(first, second), search_module.word_similarity(first, second))
            assert computed == pytest.approx(expected, abs=1e-6), (first, second)


def _typo_finds(query: str) -> list[str]:
    """Return the track titles found for a typo: only the typo index (or pg_trgm's) can find them."""
    return titles(selectors.search(query=query).tracks)


def test_the_typo_index_follows_inserts_renames_and_deletes(library):
    album = library["ok_computer"]
    track = make_track("Exit Music", album=album)
    assert _typo_finds("exit musik") == ["Exit Music"]
    track.title, track.title_key = "Lucky", name_key("Lucky")
    track.save()
    assert _typo_finds("exit musik") == []
    assert _typo_finds("lucki") == ["Lucky"]
    Track.objects.filter(pk=track.pk).update(title="Airbag", title_key="airbag")
    assert _typo_finds("airbg") == ["Airbag"]
    assert _typo_finds("lucki") == []
    track.delete()
    assert _typo_finds("airbg") == []
    Track.objects.bulk_create(
        [Track(title=title, title_key=name_key(title), album=album, artist=album.artist)
         for title in ("Subterranean Homesick Alien", "No Surprises")]
    )
    assert _typo_finds("subteranean") == ["Subterranean Homesick Alien"]
    created = list(Track.objects.filter(title__in=["Subterranean Homesick Alien", "No Surprises"]))
    for row in created:
        row.title_key = name_key(row.title + " remastered")
    Track.objects.bulk_update(created, ["title_key"])
    assert _typo_finds("no surprses remastred") == ["No Surprises"]
    Track.objects.filter(pk__in=[row.pk for row in created]).delete()
    assert _typo_finds("subteranean") == []
    artists = Artist.objects.bulk_create([Artist(name="Portishead", name_key="portishead")])
    assert selectors.search(query="portishaed").artists == artists


def test_an_artist_renamed_in_the_admin_is_found_by_its_new_name(staff_client):
    artist = make_artist("Boards of Canada")
    assert selectors.search(query="bords of canada").artists == [artist]
    response = staff_client.post(
        f"/admin/catalog/artist/{artist.pk}/change/",
        {"name": "Aphex Twin", "sort_name": "", "mbid": "",
         "albums-TOTAL_FORMS": "0", "albums-INITIAL_FORMS": "0"},
    )
    assert response.status_code == 302, response.content.decode()
    assert selectors.search(query="aphex twn").artists == [artist]
    assert selectors.search(query="bords of canada").artists == []


def test_the_library_importer_writes_reach_the_typo_index(tmp_path):
    song = write_audio(
        tmp_path / "music" / "01.mp3", title="Teardrop", artist="Massive Attack", album="Mezzanine"
    )
    catalog_services.library_import(root=tmp_path / "music")
    assert _typo_finds("teardrp") == ["Teardrop"]
    assert [album.title for album in selectors.search(query="mezanine").albums] == ["Mezzanine"]
    retag(song, title="Risingson", artist="Massive Attack", album="Mezzanine")
    stat = song.stat()
    os.utime(song, (stat.st_atime, stat.st_mtime + 10))
    catalog_services.library_import(root=tmp_path / "music")  # the track renamed by bulk_update
    assert _typo_finds("teardrp") == []
    assert _typo_finds("risingsn") == ["Risingson"]


@pytest.mark.django_db(transaction=True)
def test_migrating_the_typo_index_back_and_forth_rebuilds_it():
    """Migration 0004 indexes the rows already there, and migrating back to 0003 then forward again works."""
    call_command("migrate", "catalog", "0003", verbosity=0)
    # Written while there is no index (nor triggers), with the models as they were at 0003.
    old = MigrationExecutor(connection).loader.project_state(("catalog", "0003_album_newest_idx")).apps
    artist = old.get_model("catalog", "Artist").objects.create(name="Massive", name_key="massive")
    album = old.get_model("catalog", "Album").objects.create(title="Mezz", title_key="mezz", artist=artist)
    unindexed = old.get_model("catalog", "Track").objects.create(
        title="Teardrop", title_key=name_key("Teardrop"), album=album, artist=artist
    )
    # Every app forward again: going back to catalog 0003 also unapplied the later migrations of the
    # apps that depend on catalog's (listening's, analytics'...).
    call_command("migrate", verbosity=0)
    assert _typo_finds("teardrp") == [unindexed.title]
    make_track("Risingson", album=Album.objects.get(pk=album.pk))
    assert _typo_finds("risingsn") == ["Risingson"]


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
        # FTS5 query syntax, which must never reach MATCH as syntax.
        '"', '""', '"creep', "creep*", "*", "NEAR(creep paranoid)", "NEAR", "creep AND", "AND OR NOT",
        "creep NOT you", "(creep", "creep)", "()", "^creep", "title_key:creep", "{title_key}: creep",
        "-creep",
        "+", "c\x00reep\x00", "\x00\x00\x00", "'\"*^:()", "x" * 199 + "é", "abc " * 60,
    ],
)
def test_junk_queries_do_not_error(library, query):
    tracks_before = Track.objects.count()
    results = selectors.search(query=query)
    assert isinstance(results, selectors.SearchResults)
    assert isinstance(selectors.search_suggestions(query=query), list)
    assert Track.objects.count() == tracks_before


@pytest.mark.parametrize("query", ['"creeep"', "creeep*", "(creeep)", "^creeep", "creeep:", "-creeep-"])
def test_fts_syntax_around_a_typo_is_read_as_words(library, query):
    assert "Creep" in titles(selectors.search(query=query).tracks)


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
    for query in ("echo", "echo song", "ech", "e", "radiohead creep", "metalica", "ecoh sng", "zzzz"):
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


# Not a lone letter: like PostgreSQL, the trigram tables find only the names starting with it.
STRICT_QUERIES = [
    "creep", "cree", "radio", "radiohead creep", "creep radiohead", "pablo honey creep", "paranoid andr",
    "karma pol", "beyonce formation", "the creepers", "night", "slow creep", "ok", "lightning", "you",
]


def _strict_results(query: str) -> dict[str, list[tuple[str, int]]]:
    results = selectors.search(query=query)
    return {
        kind: [(str(row), row.search_tier) for row in getattr(results, kind)
               if row.search_tier > search_module.LOOSE]
        for kind in ("artists", "albums", "tracks")
    }


@pytest.mark.parametrize("query", STRICT_QUERIES)
def test_sqlite_trigram_tables_rank_the_strict_tiers_as_reading_every_row_does(library, query, monkeypatch):
    """The candidates gathered from the trigram tables are those that reading every row with LIKE finds."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's two ways to gather candidates")
    through_trigrams = _strict_results(query)
    monkeypatch.setattr(search_module, "SQLITE_HAS_TRIGRAMS", False)
    assert through_trigrams == _strict_results(query)
    assert any(through_trigrams.values()), query


def test_without_the_trigram_tokenizer_sqlite_search_still_ranks_and_finds_substrings(library, monkeypatch):
    if connection.vendor != "sqlite":
        pytest.skip("the fallback of SQLite before 3.34")
    monkeypatch.setattr(search_module, "SQLITE_HAS_TRIGRAMS", False)
    assert titles(selectors.search(query="creep").tracks)[:3] == ["Creep", "Creeping Death", "Slow Creep"]
    assert selectors.search(query="etallica").artists == [library["metallica"]]
    assert selectors.search(query="metalica").is_empty  # typos need the trigram tables
