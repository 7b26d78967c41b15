"""Trigram full-text indexes behind catalog search on SQLite (FTS5); nothing on other databases.

One contentless FTS5 table per searched key, with the trigram tokenizer (SQLite >= 3.34): it holds
the trigrams of " key " (a space before and after, so that word starts and ends have their own
trigrams, as in pg_trgm) under the row's id. catalog/search.py asks it for the rows holding a word of
the query (a phrase of trigrams, " word") and for those holding enough of the query's trigrams to be
close to it (its typo tier). Triggers keep it in step with every write, whatever makes it (the ORM,
bulk_create, bulk_update, QuerySet.update, the library importer, the admin, raw SQL); the migration
fills it from the rows already there, and migrating back to 0003 then forward again rebuilds it.

Django's SQLite schema editor alters a table by copying it into a new one and dropping the old, which
drops its triggers: a later migration that alters catalog_artist, catalog_album or catalog_track must
call create_trigram_tables() again after its operations (tests/catalog/test_search.py checks that the
index follows writes, after all the migrations).
"""

import sqlite3

from django.db import migrations

# (FTS5 table, table, key column): catalog.search.TRIGRAM_TABLES names the same tables.
SEARCHED_KEYS = [
    ("catalog_artist_trigrams", "catalog_artist", "name_key"),
    ("catalog_album_trigrams", "catalog_album", "title_key"),
    ("catalog_track_trigrams", "catalog_track", "title_key"),
]

# A contentless table forgets the text it indexed: to remove a row, FTS5 must be told the very values
# it was given, which the triggers repeat from OLD.
TRIGGERS = """
CREATE TRIGGER {index}_insert AFTER INSERT ON {table} BEGIN
    INSERT INTO {index} (rowid, {column}) VALUES (NEW.id, ' ' || NEW.{column} || ' ');
END;
CREATE TRIGGER {index}_delete AFTER DELETE ON {table} BEGIN
    INSERT INTO {index} ({index}, rowid, {column}) VALUES ('delete', OLD.id, ' ' || OLD.{column} || ' ');
END;
CREATE TRIGGER {index}_update AFTER UPDATE OF id, {column} ON {table}
WHEN OLD.id IS NOT NEW.id OR OLD.{column} IS NOT NEW.{column} BEGIN
    INSERT INTO {index} ({index}, rowid, {column}) VALUES ('delete', OLD.id, ' ' || OLD.{column} || ' ');
    INSERT INTO {index} (rowid, {column}) VALUES (NEW.id, ' ' || NEW.{column} || ' ');
END;
"""


def has_trigram_tokenizer() -> bool:
    return sqlite3.sqlite_version_info >= (3, 34, 0)


def create_trigram_tables(apps, schema_editor):
    """Create (again) the trigram tables and their triggers, and index every row."""
    if schema_editor.connection.vendor != "sqlite" or not has_trigram_tokenizer():
        return  # catalog.search then falls back to LIKE on SQLite
    drop_trigram_tables(apps, schema_editor)
    for index, table, column in SEARCHED_KEYS:
        schema_editor.execute(
            f"CREATE VIRTUAL TABLE {index} USING fts5({column}, content='', tokenize='trigram')"
        )
        for trigger in TRIGGERS.format(index=index, table=table, column=column).split("END;")[:-1]:
            schema_editor.execute(trigger + "END;")
        schema_editor.execute(
            f"INSERT INTO {index} (rowid, {column}) SELECT id, ' ' || {column} || ' ' FROM {table}"
        )


def drop_trigram_tables(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for index, _table, _column in SEARCHED_KEYS:
        for event in ("insert", "delete", "update"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {index}_{event}")
        schema_editor.execute(f"DROP TABLE IF EXISTS {index}")


class Migration(migrations.Migration):

    dependencies = [
        ("catalog", "0003_album_newest_idx"),
    ]

    operations = [
        migrations.RunPython(create_trigram_tables, drop_trigram_tables, elidable=False),
    ]
