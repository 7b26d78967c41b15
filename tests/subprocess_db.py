"""The DATABASE_URL of the test database, for a manage.py subprocess run with other settings."""

from urllib.parse import quote

from django.db import connection


def database_url() -> str:
    """Return a DATABASE_URL naming the database this test uses (its rows must be committed)."""
    options = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{options['NAME']}"
    password = f":{quote(options['PASSWORD'], safe='')}" if options.get("PASSWORD") else ""
    return (
        f"postgres://{quote(options['USER'] or '', safe='')}{password}@{options['HOST'] or '127.0.0.1'}:"
        f"{options['PORT'] or 5432}/{options['NAME']}"
    )
