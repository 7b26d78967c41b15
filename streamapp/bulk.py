"""Fast bulk inserts for generated data: COPY on PostgreSQL, executemany on SQLite."""

import csv
import datetime
import io
import uuid
from collections.abc import Iterable, Sequence

from django.db import connection, transaction

COPY_CHUNK_ROWS = 50_000


def _csv_value(value):
    if value is None:
        return r"\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    return value


def _sqlite_row(row: Sequence) -> tuple:
    adapted = []
    for value in row:
        if isinstance(value, uuid.UUID):
            value = value.hex
        elif isinstance(value, datetime.datetime):
            value = connection.ops.adapt_datetimefield_value(value)
        adapted.append(value)
    return tuple(adapted)


@transaction.atomic
def insert_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence], *, adapt: bool = True) -> int:
    """Insert rows into table in one transaction; return how many were written.

    With adapt=False the rows already hold the database's own text for timestamps and UUIDs (no
    per-value type checks: the fast path for generated data). Ids are passed as they are, so
    callers that give explicit primary keys must call reset_sequence() afterwards on PostgreSQL.
    """
    written = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            column_list = ", ".join(connection.ops.quote_name(c) for c in columns)
            quoted_table = connection.ops.quote_name(table)
            sql = f"COPY {quoted_table} ({column_list}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
            buffer, pending = io.StringIO(), 0
            writer = csv.writer(buffer, lineterminator="\n")
            for row in rows:
                writer.writerow([_csv_value(value) for value in row])
                pending += 1
                if pending == COPY_CHUNK_ROWS:
                    buffer.seek(0)
                    cursor.cursor.copy_expert(sql, buffer)
                    written += pending
                    buffer, pending = io.StringIO(), 0
                    writer = csv.writer(buffer, lineterminator="\n")
            if pending:
                buffer.seek(0)
                cursor.cursor.copy_expert(sql, buffer)
                written += pending
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            column_list = ", ".join(connection.ops.quote_name(c) for c in columns)
            # Table and column names come from our own models, never from input.
            sql = f"INSERT INTO {connection.ops.quote_name(table)} ({column_list}) VALUES ({placeholders})"  # noqa: S608
            batch: list[Sequence] = []
            for row in rows:
                batch.append(_sqlite_row(row) if adapt else row)
                if len(batch) == COPY_CHUNK_ROWS:
                    cursor.executemany(sql, batch)
                    written += len(batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)
                written += len(batch)
    return written


def next_id(table: str) -> int:
    """Return one more than the table's highest id."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {connection.ops.quote_name(table)}")  # noqa: S608
        return int(cursor.fetchone()[0])


def reset_sequence(table: str) -> None:
    """Move PostgreSQL's id sequence past rows inserted with explicit ids (no-op on SQLite)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'), COALESCE((SELECT MAX(id) FROM "  # noqa: S608
            f"{connection.ops.quote_name(table)}), 1))",
            [table],
        )
