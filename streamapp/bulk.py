"""The one bulk writer: fast inserts and keyed updates, COPY on PostgreSQL, executemany on SQLite.

- insert_rows: rows of Python values (generated data: the demo, the benchmarks);
- insert_frame / update_frame: pandas DataFrames (the nightly recommendation rebuild's hot path);
- insert_json_rows: rows sent as one jsonb parameter, skipping conflicts (PostgreSQL; submitted listens).

pandas is imported by the frame functions only, so web processes importing this module stay light.
"""

import csv
import datetime
import io
import json
import uuid
from collections.abc import Iterable, Sequence

from django.db import connection, transaction

COPY_CHUNK_ROWS = 50_000
UPDATE_BATCH_ROWS = 2_000


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


def insert_frame(table: str, frame) -> int:
    """Insert a DataFrame's rows into ``table`` (columns named as the frame's); return the count.

    PostgreSQL: one ``COPY FROM STDIN`` of the frame's CSV, written by pandas (no per-value Python
    work); nullable columns use pandas' nullable dtypes and go out as NULL. SQLite: executemany.
    Call it inside the caller's transaction.
    """
    if not len(frame):
        return 0
    columns = ", ".join(connection.ops.quote_name(c) for c in frame.columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            buffer = io.StringIO()
            frame.to_csv(buffer, header=False, index=False, na_rep="\\N")
            buffer.seek(0)
            table_name = connection.ops.quote_name(table)
            sql = f"COPY {table_name} ({columns}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
            cursor.cursor.copy_expert(sql, buffer)
        else:
            placeholders = ", ".join(["%s"] * len(frame.columns))
            import pandas as pd  # heavy, deferred: only frames written on SQLite need it

            rows = [
                tuple(None if pd.isna(value) else value for value in row)
                for row in frame.astype(object).itertuples(index=False, name=None)
            ]
            sql = f"INSERT INTO {connection.ops.quote_name(table)} ({columns}) VALUES ({placeholders})"  # noqa: S608
            cursor.executemany(sql, rows)
    return len(frame)


def update_frame(table: str, key: str, frame) -> int:
    """Set the frame's columns on the rows whose ``key`` column matches, in one statement.

    PostgreSQL: ``UPDATE ... FROM (VALUES ...)``; SQLite: ``executemany`` of a keyed UPDATE.
    """
    if not len(frame):
        return 0
    quote = connection.ops.quote_name
    values = [c for c in frame.columns if c != key]
    rows = list(frame.astype(object).itertuples(index=False, name=None))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # psycopg2 sends typed literals (numbers, text, timestamptz), so VALUES needs no casts.
            names = ", ".join(quote(c) for c in frame.columns)
            assignments = ", ".join(f"{quote(c)} = v.{quote(c)}" for c in values)
            row_sql = "(" + ", ".join(["%s"] * len(frame.columns)) + ")"
            for start in range(0, len(rows), UPDATE_BATCH_ROWS):
                batch = rows[start : start + UPDATE_BATCH_ROWS]
                sql = (
                    f"UPDATE {quote(table)} AS t SET {assignments} FROM (VALUES "  # noqa: S608
                    + ", ".join([row_sql] * len(batch))
                    + f") AS v ({names}) WHERE t.{quote(key)} = v.{quote(key)}"
                )
                cursor.execute(sql, [value for row in batch for value in row])
        else:
            assignments = ", ".join(f"{quote(c)} = %s" for c in values)
            sql = f"UPDATE {quote(table)} SET {assignments} WHERE {quote(key)} = %s"  # noqa: S608
            order = [frame.columns.get_loc(c) for c in values] + [frame.columns.get_loc(key)]
            cursor.executemany(sql, [tuple(row[i] for i in order) for row in rows])
    return len(rows)


def insert_json_rows(
    table: str,
    *,
    record: dict[str, str],
    values: dict[str, str],
    rows: list[dict],
    params: dict,
    returning: str,
) -> list[tuple]:
    """Insert rows passed as one jsonb document, skipping those that conflict; return the RETURNING rows.

    ``record`` declares the document's fields and their SQL types (``jsonb_to_recordset``), ``values``
    maps each column to its SQL over them (``r.<field>``) or over ``params`` (``%(name)s``). PostgreSQL
    only. bulk_create spends several times longer turning 16 fields x 1,000 rows into parameters than
    PostgreSQL spends writing them; one jsonb parameter keeps a batch of 1,000 at a few milliseconds.
    Table, column and type names come from the caller's models, never from input.
    """
    quote = connection.ops.quote_name
    fields = ", ".join(f"{name} {sql_type}" for name, sql_type in record.items())
    sql = (
        f"INSERT INTO {quote(table)} ({', '.join(quote(column) for column in values)}) "  # noqa: S608
        f"SELECT {', '.join(values.values())} FROM jsonb_to_recordset(%(rows)s::jsonb) AS r({fields}) "
        f"ON CONFLICT DO NOTHING RETURNING {returning}"
    )
    document = json.dumps(rows, ensure_ascii=False, default=str)  # default: UUIDs
    with connection.cursor() as cursor:
        cursor.execute(sql, {**params, "rows": document})
        return cursor.fetchall()
