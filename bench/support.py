"""What the bench/ scripts share: their own PostgreSQL database, and a free loopback port."""

import os
import socket
import sys
from urllib.parse import urlsplit, urlunsplit

POSTGRES_SCHEMES = ("postgres", "postgresql", "pgsql")


def bench_database_url(database: str, *, script: str) -> str:
    """Return DATABASE_URL pointed at the benchmark's own database, or exit if it is not PostgreSQL."""
    parts = urlsplit(os.environ.get("DATABASE_URL", ""))
    if parts.scheme not in POSTGRES_SCHEMES:
        sys.exit(
            f"bench/{script} measures PostgreSQL: set DATABASE_URL=postgres://USER@HOST:PORT/NAME "
            "(the run uses its own database on that server). SQLite is not supported."
        )
    return urlunsplit(parts._replace(path=f"/{database}"))


def create_database(url: str) -> None:
    """Create the PostgreSQL database of `url` if it does not exist."""
    import psycopg2

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = psycopg2.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username,
        password=parts.password,
        dbname="postgres",
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
