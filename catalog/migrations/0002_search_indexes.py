"""Indexes behind catalog search on PostgreSQL (pg_trgm, full-text, prefix); nothing on other databases.

catalog/search.py queries the normalised keys (Artist.name_key, Album.title_key, Track.title_key),
already case- and accent-folded, so no unaccent() is needed. Each indexed expression below is repeated
verbatim by the queries there (FULL_TEXT_DOCUMENT, BYTE_ORDER_KEY), or the planner will not use it:
- full text: to_tsvector('simple'::regconfig, COALESCE(key, '')), 'simple' so any language works;
- prefix ranges in byte order, whatever the database's collation: (key COLLATE "C");
- typos: key gin_trgm_ops, for pg_trgm's word similarity operator <%.
"""

from django.db import migrations

SEARCHED_COLUMNS = [
    ("catalog_artist", "name_key"),
    ("catalog_album", "title_key"),
    ("catalog_track", "title_key"),
]

# pg_trgm declares the functions behind its operators as costing no more than an addition, so on a table
# of a few thousand rows the planner prefers computing the similarity of every row to reading the trigram
# index, which is tens of times slower. Their real cost is closer to to_tsvector's (100). Only the owner
# of the extension may change it; elsewhere search still works, a little slower on small tables.
TRIGRAM_OPERATOR_FUNCTIONS = ["similarity_op", "word_similarity_op", "word_similarity_commutator_op"]
SET_COST = """
DO $$
BEGIN
    ALTER FUNCTION {function}(text, text) COST {cost};
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE '{function} keeps its cost: %%', SQLERRM;  -- %% for schema_editor.execute()
END
$$
"""


def _indexes(table: str, column: str) -> dict[str, str]:
    return {
        f"{table}_{column}_fts": f"USING gin (to_tsvector('simple'::regconfig, COALESCE({column}, '')))",
        f"{table}_{column}_trgm": f"USING gin ({column} gin_trgm_ops)",
        f"{table}_{column}_c": f'(({column} COLLATE "C"))',
    }


def create_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for function in TRIGRAM_OPERATOR_FUNCTIONS:
        schema_editor.execute(SET_COST.format(function=function, cost=100))
    for table, column in SEARCHED_COLUMNS:
        for name, definition in _indexes(table, column).items():
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} {definition}")


def drop_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column in SEARCHED_COLUMNS:
        for name in _indexes(table, column):
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    # The extension stays: other database objects may use it by now.
    for function in TRIGRAM_OPERATOR_FUNCTIONS:
        schema_editor.execute(SET_COST.format(function=function, cost=1))


class Migration(migrations.Migration):

    dependencies = [
        ("catalog", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_search_indexes, drop_search_indexes, elidable=False),
    ]
