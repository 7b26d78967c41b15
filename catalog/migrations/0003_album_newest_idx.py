"""An index in newest-release-first order on PostgreSQL (SQLite can't index NULLS LAST; nothing there).

catalog.selectors._newest_first() orders albums by release_year DESC NULLS LAST, created_at DESC,
id DESC: the home page's new releases and each genre's cover (genre_overview) read the first rows of
this index and stop, instead of sorting every album of the catalog on each visit.
"""

from django.db import migrations

INDEX = "album_newest_idx"
DEFINITION = "catalog_album (release_year DESC NULLS LAST, created_at DESC, id DESC)"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON {DEFINITION}")


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):

    dependencies = [
        ("catalog", "0002_search_indexes"),
    ]

    operations = [
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
