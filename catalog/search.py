"""Search over artists, albums and tracks: ranked results and suggestions as you type.

Every match is made on the normalised keys (Artist.name_key, Album.title_key, Track.title_key; see
catalog.normalize), so case, accents and punctuation never matter. Both database backends rank alike,
best first:

6. the name is the query;
5. the name starts with it;
4. the query is a phrase of the name, starting at a word ("blue moon" in "true blue moonlight");
3. every word of the query is a word of the name, the last one as a prefix (it is being typed);
2. every word is a word of the name or of its artist or album ("radiohead creep");
1. loose matches, only to fill the room the others leave: names close to the query by trigram
   similarity, so typos ("horizn" finds "Horizon") and long enough parts of a name.

Within a tier shorter names come first. On PostgreSQL the rows to rank are gathered through the indexes
of migration 0002, each giving a bounded number: a prefix range in byte order, full-text search for the
words, the tracks of the few artists and albums the query names, and trigram similarity for typos. So a
two-letter query costs about the same on 200,000 tracks as on 1,000.

On SQLite the FTS5 trigram tables of migration 0004 (one per key, kept by triggers) play that part: a
prefix range on the key's index, then the rows holding the query's longest word (a trigram phrase:
" word") in their name or their artist's or album's, on which LIKE checks every word; for typos, the
rows holding enough of the query's trigrams to be close, counted per trigram, then kept by pg_trgm's own
measures (`word_similarity`, `similarity`: computed here, called from the SQL), so both databases find
the same typos. Each source is bounded like PostgreSQL's. Queries whose words are all one letter ("a b")
read every row with LIKE, and so does everything without the trigram tokenizer (SQLite before 3.34),
whose loose tier then finds substrings instead of typos.

The ranking is one SQL statement for the three kinds, written out rather than composed with the ORM:
composing that many ORM expressions cost more time than running the statement. The rows found are then
loaded by the ORM, one query per kind that has any.
"""

# ruff: noqa: S608 -- the SQL is assembled from table and column names of the models and constants;
# every value from the query is passed as a parameter.

import functools
import math
import sqlite3
from dataclasses import dataclass

from django.db import connection
from django.db.models import Model

from .models import Album, Artist, Track
from .normalize import fold

MAX_QUERY_LENGTH = 200
MAX_QUERY_WORDS = 8
MAX_LIMIT = 100
# Typo and substring matching mean nothing on one or two letters.
LOOSE_MIN_LENGTH = 3
# PostgreSQL: the rows each index may contribute before ranking, and how many artists or albums named
# by the query have their tracks (albums) tried against the rest of it.
CANDIDATES_PER_INDEX = 100
NAMED_PARENTS = 5

# Typos on SQLite: pg_trgm's default pg_trgm.word_similarity_threshold, which its `<%` operator uses
# on PostgreSQL; how many of the query's trigrams are looked up (the rest of a long query adds little).
WORD_SIMILARITY_THRESHOLD = 0.6
MAX_QUERY_TRIGRAMS = 12
SQLITE_HAS_TRIGRAMS = sqlite3.sqlite_version_info >= (3, 34, 0)  # the FTS5 trigram tokenizer

EXACT, PREFIX, PHRASE, WORDS, ACROSS, LOOSE = 6, 5, 4, 3, 2, 1
# A loose match through the artist or album weighs a little less than one on the row's own name.
PARENT_MATCH_WEIGHT = 0.9

# The expressions migration 0002 indexes: a query must repeat them exactly for its index to be used.
FULL_TEXT_DOCUMENT = "to_tsvector('simple'::regconfig, COALESCE({column}, ''))"
BYTE_ORDER_KEY = '({column} COLLATE "C")'


@dataclass(frozen=True)
class SearchResults:
    query: str
    artists: list[Artist]
    albums: list[Album]
    tracks: list[Track]

    @property
    def is_empty(self) -> bool:
        return not (self.artists or self.albums or self.tracks)


@dataclass(frozen=True)
class Suggestion:
    kind: str  # "artist" | "album" | "track"
    label: str
    sublabel: str
    url: str


def search(*, query: str, limit: int = 20) -> SearchResults:
    """Return the artists, albums and tracks matching a query, each list best first (at most `limit`).

    Albums come with their artist; tracks with their album, its artist and their own artist. Each row
    carries its `search_tier` (6 to 1, see the module's docstring). At most four queries, whatever the
    size of the catalog; none when the query has nothing to search for.
    """
    found = _search(_Terms.parse(query), max(1, min(limit, MAX_LIMIT)))
    return SearchResults(
        query=query.strip()[:MAX_QUERY_LENGTH],
        artists=found[ARTISTS],
        albums=found[ALBUMS],
        tracks=found[TRACKS],
    )


def search_suggestions(*, query: str, limit: int = 8) -> list[Suggestion]:
    """Return artists, albums and tracks matching a partly typed query, mixed and best first.

    The kinds take turns within a tier, artists first: "radiohead" gives the artist, then their albums
    and tracks alternately. The same queries as `search`.
    """
    limit = max(1, min(limit, MAX_LIMIT))
    found = _search(_Terms.parse(query), limit)
    ranked = sorted(
        ((-row.search_tier, position, kind_order), kind, row)
        for kind_order, kind in enumerate(KINDS)
        for position, row in enumerate(found[kind])
    )
    return [_suggestion(kind, row) for _order, kind, row in ranked[:limit]]


@dataclass(frozen=True)
class _Kind:
    """One kind of result: its model, the key searched, and the rows whose names also describe it."""

    name: str
    model: type[Model]
    key: str
    parents: tuple[tuple[str, "_Kind"], ...] = ()  # (foreign key, kind): the artist, the album
    select_related: tuple[str, ...] = ()


ARTISTS = _Kind("artist", Artist, "name_key")
ALBUMS = _Kind("album", Album, "title_key", parents=(("artist", ARTISTS),), select_related=("artist",))
TRACKS = _Kind(
    "track",
    Track,
    "title_key",
    parents=(("artist", ARTISTS), ("album", ALBUMS)),
    select_related=("album", "album__artist", "artist"),
)
KINDS = (ARTISTS, ALBUMS, TRACKS)


@dataclass(frozen=True)
class _Terms:
    """A query folded like the keys it is matched against.

    fold() leaves only letters, digits and single spaces, so the words need no escaping in LIKE
    patterns or in tsquery lexemes.
    """

    text: str
    words: tuple[str, ...]

    @classmethod
    def parse(cls, query: str) -> "_Terms":
        words = tuple(fold(query[:MAX_QUERY_LENGTH]).split()[:MAX_QUERY_WORDS])
        return cls(text=" ".join(words), words=words)

    def trigrams_held(self) -> tuple[list[str], int]:
        """Return the query's trigrams that the FTS5 tables hold, and how many a close name has.

        These are pg_trgm's trigrams but those of a word's first letter ("  h"): the tables index
        " name ", with one space. A name whose word similarity to the query reaches the threshold has at
        least that share of the query's trigrams, and so at least the number returned of these.
        """
        every = set(trigrams(self.text))
        held = [trigram for trigram in dict.fromkeys(trigrams(self.text)) if not trigram.startswith("  ")]
        held = held[:MAX_QUERY_TRIGRAMS]
        needed = math.ceil(WORD_SIMILARITY_THRESHOLD * len(every) - 1e-9) - (len(every) - len(held))
        return held, max(1, needed)

    def trigram_driver(self) -> str:
        """Return the FTS5 phrase finding the names with the query's longest word, or "" on SQLite without
        the trigram tokenizer or when the word is one letter (a trigram needs three, with its space).

        The last word is being typed: the phrase finds a word starting with it, the others a whole word.
        """
        longest = max(self.words, key=len, default="")
        if not SQLITE_HAS_TRIGRAMS or len(longest) < 2:
            return ""
        return f'" {longest}"' if longest == self.words[-1] else f'" {longest} "'

    def params(self, limit: int) -> dict:
        *whole, last = self.words
        held, needed = self.trigrams_held()  # each quoted: the text has no double quote
        lexemes = [*(f"'{word}'" for word in whole), f"'{last}':*"]
        return {
            "text": self.text,
            "prefix": f"{self.text}%",
            "phrase": f"% {self.text}%",
            "contains": f"%{self.text}%",
            "padded": f" {self.text} ",
            "last_word": f"% {last}%",
            **{f"word{position}": f"% {word} %" for position, word in enumerate(whole)},
            "every_word": " & ".join(lexemes),
            "any_word": " | ".join(lexemes),
            **{f"trigram{position}": f'"{trigram}"' for position, trigram in enumerate(held)},
            "trigrams_needed": needed,
            "driver": self.trigram_driver(),
            "after": _following(self.text),
            "threshold": WORD_SIMILARITY_THRESHOLD,
            "limit": limit,
            "candidates": CANDIDATES_PER_INDEX,
            "parents": NAMED_PARENTS,
        }


def _search(terms: _Terms, limit: int) -> dict[_Kind, list[Model]]:
    """Return up to `limit` rows of each kind, best first, each with its `search_tier`."""
    if not terms.text:
        return {kind: [] for kind in KINDS}
    sql = _ranking_sql(terms, postgres=connection.vendor == "postgresql")
    with connection.cursor() as cursor:
        cursor.execute(sql, terms.params(limit))
        ranked = cursor.fetchall()
    by_kind: dict[str, list[tuple[int, int]]] = {kind.name: [] for kind in KINDS}
    for name, pk, tier in ranked:
        if len(by_kind[name]) < limit:  # loose matches fill what the strict ones leave
            by_kind[name].append((pk, tier))
    return {kind: _load(kind, by_kind[kind.name]) for kind in KINDS}


def _load(kind: _Kind, ranked: list[tuple[int, int]]) -> list[Model]:
    if not ranked:
        return []
    rows = kind.model.objects.select_related(*kind.select_related).order_by()
    rows = rows.in_bulk([pk for pk, _tier in ranked])
    loaded = []
    for pk, tier in ranked:
        if (row := rows.get(pk)) is not None:  # None: deleted since it was ranked
            row.search_tier = tier
            loaded.append(row)
    return loaded


def _suggestion(kind: _Kind, row: Model) -> Suggestion:
    if kind is ARTISTS:
        label, sublabel = row.name, ""
    elif kind is ALBUMS:
        label = row.title
        sublabel = f"{row.artist.name} · {row.release_year}" if row.release_year else row.artist.name
    else:
        label, sublabel = row.title, f"{row.artist.name} · {row.album.title}"
    return Suggestion(kind=kind.name, label=label, sublabel=sublabel, url=row.get_absolute_url())


# ------------------------------------------------------------------------------
# The ranking statement: common table expressions, then their rows. For each kind, strict_<kind> holds
# the strict matches ranked by tier and, when the query is long enough, loose_<kind> the loose ones that
# fill the room left. On PostgreSQL the candidates of strict_<kind> come from prefix_<kind>, then
# words_<kind> and across_<kind>, each read only while the ones before leave room: a tier can only add
# rows below those of the tiers before it. The artists and albums named by the query (named_<kind>) and
# those close to it (similar_<kind>) are looked up once, for their own results and for their albums' and
# tracks'. Parameters are named (see _Terms.params); a literal percent sign is written %%. Inside a CTE
# `r` is the row, `p0` and `p1` its artist and album.
# ------------------------------------------------------------------------------
def _ranking_sql(terms: _Terms, *, postgres: bool) -> str:
    materialized = "MATERIALIZED " if postgres else ""  # else PostgreSQL may inline a CTE used once
    full_text = postgres and len(terms.text) > 1  # a lone letter starts too many words to be worth it
    ctes, selects = {}, []
    if full_text:
        for kind in (ARTISTS, ALBUMS):
            ctes[f"named_{kind.name}"] = _postgres_named(kind, terms)
    for kind in KINDS:
        if postgres:
            candidate_ctes = _postgres_candidates(kind, terms, full_text=full_text)
            ctes.update(candidate_ctes)
            candidates = " UNION ".join(f"SELECT id FROM {name}" for name in candidate_ctes)
            matching = f"r.id = ANY(ARRAY({candidates}))"  # ids looked up in the primary key index
        elif SQLITE_HAS_TRIGRAMS and (terms.trigram_driver() or len(terms.text) == 1):
            candidate_ctes = _sqlite_candidates(kind, terms)
            ctes.update(candidate_ctes)
            matching = "r.id IN (" + " UNION ".join(f"SELECT id FROM {name}" for name in candidate_ctes) + ")"
        else:  # words of one letter on SQLite, or no trigram tokenizer: every row is read
            matching = f"r.id IN ({_portable_candidates(kind, terms)})"
        ctes[f"strict_{kind.name}"] = _strict(kind, terms, matching)
        selects.append(f"SELECT '{kind.name}' AS kind, id, tier, score, len, name FROM strict_{kind.name}")
    if len(terms.text) >= LOOSE_MIN_LENGTH:
        for kind in KINDS:
            if postgres:
                ctes[f"similar_{kind.name}"] = _postgres_similar(kind)
            elif SQLITE_HAS_TRIGRAMS:
                ctes[f"similar_{kind.name}"] = _sqlite_similar(kind, terms)
            else:
                ctes[f"similar_{kind.name}"] = _portable_similar(kind)
        for kind in KINDS:
            ctes[f"loose_{kind.name}"] = _loose(kind)
            selects.append(f"SELECT '{kind.name}', id, tier, score, len, name FROM loose_{kind.name}")
    return (
        "WITH " + ", ".join(f"{name} AS {materialized}({sql})" for name, sql in ctes.items())
        + f" SELECT kind, id, tier FROM ({' UNION ALL '.join(selects)}) AS ranked"
        + " ORDER BY kind, tier DESC, score DESC, len, name, id"
    )


def _strict(kind: _Kind, terms: _Terms, matching: str) -> str:
    key = "r." + _column(kind.model, kind.key)
    padded = _padded(key)
    tier = (
        f"CASE WHEN {key} = %(text)s THEN {EXACT} WHEN {key} LIKE %(prefix)s THEN {PREFIX} "
        f"WHEN {padded} LIKE %(phrase)s THEN {PHRASE} WHEN {_has_words(padded, terms)} THEN {WORDS} "
        f"ELSE {ACROSS} END"
    )
    return (
        f"SELECT r.id, {tier} AS tier, 0.0 AS score, length({key}) AS len, {key} AS name "
        f"FROM {_table(kind.model)} r WHERE {matching} ORDER BY tier DESC, len, name, r.id LIMIT %(limit)s"
    )


def _room_left(ctes: list[str]) -> str:
    """Return SQL that is true while the CTEs hold fewer distinct rows than the results to show."""
    found = " UNION ".join(f"SELECT id FROM {name}" for name in ctes)
    return f"(SELECT COUNT(*) FROM ({found}) AS found) < %(limit)s"


def _loose(kind: _Kind) -> str:
    """Return rows close to the query, or whose artist or album is, that are not strict matches.

    A gate skips the work when the strict matches already fill the list.
    """
    table, key = _table(kind.model), "r." + _column(kind.model, kind.key)
    close = [f"SELECT id, score, len, name FROM similar_{kind.name}"]
    for relation, parent in kind.parents:
        best_parents = f"SELECT id, score FROM similar_{parent.name} ORDER BY score DESC LIMIT %(parents)s"
        close.append(
            f"SELECT r.id, p.score * {PARENT_MATCH_WEIGHT}, length({key}), {key} FROM ({best_parents}) AS p "
            f"JOIN {table} r ON r.{_column(kind.model, relation)} = p.id"
        )
    return (
        f"SELECT id, {LOOSE} AS tier, MAX(score) AS score, len, name FROM ({' UNION ALL '.join(close)}) AS c "
        f"WHERE (SELECT COUNT(*) FROM strict_{kind.name}) < %(limit)s "
        f"AND id NOT IN (SELECT id FROM strict_{kind.name}) "
        "GROUP BY id, len, name ORDER BY score DESC, len, name, id LIMIT %(limit)s"
    )


def _padded(*names: str) -> str:
    """Return SQL joining names with single spaces, with a space before and after: " a b "."""
    return "(' ' || " + " || ' ' || ".join(names) + " || ' ')"


def _word_patterns(terms: _Terms) -> list[str]:
    """Return the LIKE pattern parameters that match each query word in padded names."""
    return [f"%(word{position})s" for position in range(len(terms.words) - 1)] + ["%(last_word)s"]


def _has_words(padded: str, terms: _Terms) -> str:
    """Return SQL that is true when every query word is a word of `padded`, the last a word prefix."""
    return " AND ".join(f"{padded} LIKE {pattern}" for pattern in _word_patterns(terms))


def _with_parents(kind: _Kind) -> tuple[str, str]:
    """Return the row `r` joined to its artist and album (`p0`, `p1`), and all their names padded."""
    source, names = f"{_table(kind.model)} r", ["r." + _column(kind.model, kind.key)]
    for position, (relation, parent) in enumerate(kind.parents):
        alias = f"p{position}"
        source += f" JOIN {_table(parent.model)} {alias} ON {alias}.id = r.{_column(kind.model, relation)}"
        names.append(f"{alias}.{_column(parent.model, parent.key)}")
    return source, _padded(*names)


def _portable_candidates(kind: _Kind, terms: _Terms) -> str:
    source, padded = _with_parents(kind)
    return f"SELECT r.id FROM {source} WHERE {_has_words(padded, terms)}"


def _sqlite_candidates(kind: _Kind, terms: _Terms) -> dict[str, str]:
    """Return the CTEs gathering the candidates of a kind on SQLite, each bounded, as on PostgreSQL.

    First the names starting with the query, in key order (the key's index); then, while they leave
    room, the rows with every word in their own name, and those with every word in their name or
    their artist's or album's. Those two start from the rows holding the query's longest word in
    the FTS5 trigram tables (see _Terms.trigram_driver); LIKE checks every word on those rows only.
    A lone letter has only the first.
    """
    table, column = _table(kind.model), _column(kind.model, kind.key)
    ctes = {
        f"prefix_{kind.name}": f"SELECT id FROM {table} WHERE {column} >= %(text)s AND {column} < %(after)s "
        f"ORDER BY {column} LIMIT %(candidates)s"
    }
    if not terms.trigram_driver():
        return ctes
    own_padded = _padded("r." + column)
    ctes[f"words_{kind.name}"] = (
        f"SELECT r.id FROM {table} r WHERE {_room_left(list(ctes))} "
        f"AND r.id IN ({_trigram_rows(kind, '%(driver)s')}) AND {_has_words(own_padded, terms)} "
        "LIMIT %(candidates)s"
    )
    if kind.parents:
        source, padded = _with_parents(kind)
        having_word = [f"r.id IN ({_trigram_rows(kind, '%(driver)s')})"]
        for relation, parent in kind.parents:
            having_word.append(
                f"r.{_column(kind.model, relation)} IN ({_trigram_rows(parent, '%(driver)s')})"
            )
        ctes[f"across_{kind.name}"] = (
            f"SELECT r.id FROM {source} WHERE {_room_left(list(ctes))} AND ({' OR '.join(having_word)}) "
            f"AND {_has_words(padded, terms)} LIMIT %(candidates)s"
        )
    return ctes


def _trigram_rows(kind: _Kind, match: str) -> str:
    """Return SQL selecting the ids of the rows whose padded key matches the FTS5 query `match`."""
    trigrams = connection.ops.quote_name(f"{kind.model._meta.db_table}_trigrams")
    return f"SELECT rowid FROM {trigrams} WHERE {trigrams} MATCH {match}"


def _portable_similar(kind: _Kind) -> str:
    """Return the rows whose name contains the query, shortest first, all scoring 1."""
    column = _column(kind.model, kind.key)
    return (
        f"SELECT id, 1.0 AS score, length({column}) AS len, {column} AS name FROM {_table(kind.model)} "
        f"WHERE {column} LIKE %(contains)s ORDER BY len, id LIMIT %(candidates)s"
    )


def _sqlite_similar(kind: _Kind, terms: _Terms) -> str:
    """Return the rows with a name close to the query, with their similarity to it, as on PostgreSQL.

    The candidates are the rows of the kind's FTS5 trigram table holding enough of the query's
    trigrams to be close (each trigram looked up on its own, the rows counted), the most first, at
    most CANDIDATES_PER_INDEX of them. A candidate qualifies when some part of its name is close to
    the query (word similarity) and scores the similarity of its whole name, closest first.
    """
    table, column = _table(kind.model), _column(kind.model, kind.key)
    trigrams = connection.ops.quote_name(f"{kind.model._meta.db_table}_trigrams")
    # SQLite tests a condition that reads no row of the query once, before anything else: no trigram
    # is looked up when the strict matches of every kind reading these rows already fill their lists.
    readers = [other for other in KINDS if other is kind or kind in dict(other.parents).values()]
    room_left = " OR ".join(f"(SELECT COUNT(*) FROM strict_{other.name}) < %(limit)s" for other in readers)
    held, _needed = terms.trigrams_held()
    having_trigram = " UNION ALL ".join(
        f"SELECT rowid FROM {trigrams} WHERE ({room_left}) AND {trigrams} MATCH %(trigram{position})s"
        for position in range(len(held))
    )
    candidates = (
        f"SELECT rowid, COUNT(*) AS shared FROM ({having_trigram}) AS h GROUP BY rowid "
        "HAVING COUNT(*) >= %(trigrams_needed)s ORDER BY shared DESC LIMIT %(candidates)s"
    )
    return (
        f"SELECT r.id, {SQLITE_SIMILARITY}(%(text)s, r.{column}) AS score, length(r.{column}) AS len, "
        f"r.{column} AS name FROM ({candidates}) AS t JOIN {table} r ON r.id = t.rowid "
        f"WHERE {SQLITE_WORD_SIMILARITY}(%(text)s, r.{column}) >= %(threshold)s "
        "ORDER BY score DESC, len, r.id LIMIT %(candidates)s"
    )


def _postgres_candidates(kind: _Kind, terms: _Terms, full_text: bool) -> dict[str, str]:
    """Return the CTEs gathering the candidates of a kind, each from an index and bounded."""
    table, column = _table(kind.model), _column(kind.model, kind.key)
    in_byte_order = BYTE_ORDER_KEY.format(column=column)
    # In byte order the name equal to the query comes first, then the names going on from it.
    ctes = {
        f"prefix_{kind.name}": f"SELECT id FROM {table} WHERE {in_byte_order} LIKE %(prefix)s "
        f"ORDER BY {in_byte_order} LIMIT %(candidates)s"
    }
    if not full_text:
        return ctes
    document = FULL_TEXT_DOCUMENT.format(column=column)
    ctes[f"words_{kind.name}"] = (
        f"SELECT id FROM {table} WHERE {_room_left(list(ctes))} "
        f"AND {document} @@ to_tsquery('simple', %(every_word)s) LIMIT %(candidates)s"
    )
    if kind.parents:
        of_named_parents = " UNION ALL ".join(
            f"SELECT id FROM {table} WHERE {_column(kind.model, relation)} IN "
            f"(SELECT id FROM named_{parent.name})"
            for relation, parent in kind.parents
        )
        if len(terms.words) == 1:  # the parent's name has the word: nothing more to check
            across = f"SELECT id FROM ({of_named_parents}) AS p WHERE {_room_left(list(ctes))}"
        else:
            source, padded = _with_parents(kind)
            across = (
                f"SELECT r.id FROM {source} WHERE {_room_left(list(ctes))} AND r.id IN ({of_named_parents}) "
                f"AND {_has_words(padded, terms)}"
            )
        ctes[f"across_{kind.name}"] = f"{across} LIMIT %(candidates)s"
    return ctes


def _postgres_named(kind: _Kind, terms: _Terms) -> str:
    """Return the few artists (albums) the query names, at least in part.

    First those whose whole name is in the query ("radiohead creep"), then those with the most words of
    the query ("ada stone funky" for "Ada Stone & the Rhythms"), then the shortest names.
    """
    column = _column(kind.model, kind.key)
    padded = _padded(column)
    words_named = " + ".join(
        f"CASE WHEN {padded} LIKE {pattern} THEN 1 ELSE 0 END" for pattern in _word_patterns(terms)
    )
    return (
        f"SELECT id FROM {_table(kind.model)} WHERE {FULL_TEXT_DOCUMENT.format(column=column)} "
        "@@ to_tsquery('simple', %(any_word)s) "
        f"ORDER BY strpos(%(padded)s, {padded}) > 0 DESC, {words_named} DESC, length({column}), id "
        "LIMIT %(parents)s"
    )


def _postgres_similar(kind: _Kind) -> str:
    """Return the rows with a name close to the query (pg_trgm), with their similarity to it.

    A row qualifies when some part of its name is close to the query (word similarity, `<%`: the typo
    "horizn" finds "Neon Horizon"); the score is the similarity of the whole name, so the closest
    names rank first. Tracks are too many to score all those close to a common word: any of them will
    do, the index stops after the first ones.
    """
    column = _column(kind.model, kind.key)
    closest_first = "" if kind is TRACKS else "ORDER BY score DESC, len, id "
    # The query as a subquery, not a constant: the index is used all the same, and the planner skips
    # estimating `<%` by scoring the column's statistics against the query (a costly part of planning).
    return (
        f"SELECT id, similarity(%(text)s, {column}) AS score, length({column}) AS len, {column} AS name "
        f"FROM {_table(kind.model)} WHERE (SELECT %(text)s::text) <%% {column} {closest_first}"
        "LIMIT %(candidates)s"
    )


def _following(text: str) -> str:
    """Return the least string greater than every string starting with text (in code point order)."""
    following = ord(text[-1]) + 1 if text else 0
    if 0xD800 <= following <= 0xDFFF:  # surrogates cannot be encoded: the next character is U+E000
        following = 0xE000
    return text[:-1] + chr(min(following, 0x10FFFF))


def _table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _column(model: type[Model], field: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(field).column)


# ------------------------------------------------------------------------------
# pg_trgm's measures for SQLite, called from its SQL (registered on each connection by
# register_sqlite_functions). Names are folded keys: words of letters and digits, single spaces.
# ------------------------------------------------------------------------------
SQLITE_SIMILARITY = "streamapp_similarity"
SQLITE_WORD_SIMILARITY = "streamapp_word_similarity"


def trigrams(text: str) -> list[str]:
    """Return the trigrams of each word of text in order, as pg_trgm extracts them ("  w", " wo", ...)."""
    found = []
    for word in text.split():
        padded = f"  {word} "
        found.extend(padded[start : start + 3] for start in range(len(padded) - 2))
    return found


@functools.lru_cache(maxsize=64)  # the query's, computed once for all the candidates
def _trigram_set(text: str) -> frozenset[str]:
    return frozenset(trigrams(text))


def similarity(first: str | None, second: str | None) -> float:
    """Return pg_trgm's similarity(): the trigrams shared over the trigrams of either (0 to 1)."""
    first_set, second_set = _trigram_set(first or ""), frozenset(trigrams(second or ""))
    shared = len(first_set & second_set)
    return shared / (len(first_set) + len(second_set) - shared) if shared else 0.0


def word_similarity(query: str | None, text: str | None) -> float:
    """Return pg_trgm's word_similarity(): the best similarity of the query to a run of text's trigrams.

    The best run starts and ends on a trigram of the query, so only those bounds are tried.
    """
    wanted = _trigram_set(query or "")
    ordered = trigrams(text or "")
    hits = [position for position, trigram in enumerate(ordered) if trigram in wanted]
    size, best = len(wanted), 0.0
    for first, start in enumerate(hits):
        run, shared, end = set(), 0, start
        for stop in hits[first:]:
            for trigram in ordered[end : stop + 1]:
                if trigram not in run:
                    run.add(trigram)
                    shared += trigram in wanted
            end = stop + 1
            best = max(best, shared / (size + len(run) - shared))
        if best == 1.0:
            break
    return best


def register_sqlite_functions(sender, connection, **kwargs) -> None:
    """Give a new SQLite connection the similarity functions the typo tier calls (connection_created)."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_SIMILARITY, 2, similarity, deterministic=True)
        connection.connection.create_function(SQLITE_WORD_SIMILARITY, 2, word_similarity, deterministic=True)
