"""Insert many rows as plain tuples, without building a model instance per row.

Django's bulk_create spends about 50 µs per row constructing and preparing model objects;
an alert to 10,000 people inserts 20,000 rows (recipients and deliveries) before anyone
is sent anything. Here the rows go straight to multi-row INSERTs, on SQLite and PostgreSQL alike.
Columns not given take their field's default, as bulk_create would give them.
"""

from collections.abc import Iterable, Sequence

from django.db import connection


def insert_rows(
    model, fields: Sequence[str], rows: Iterable[Sequence], *, ignore_conflicts: bool = False
) -> None:
    """INSERT rows whose values are for `fields` (attribute names, e.g. "alert_id")."""
    meta = model._meta
    by_attname = {f.attname: f for f in meta.concrete_fields}
    given = [by_attname[name] for name in fields]
    defaults = [
        f
        for f in meta.concrete_fields
        if not f.primary_key and f not in given and (f.has_default() or not f.null)
    ]
    columns = [f.column for f in given + defaults]
    extra = tuple(f.get_db_prep_save(f.get_default(), connection) for f in defaults)
    quote = connection.ops.quote_name
    table, names = quote(meta.db_table), ", ".join(map(quote, columns))
    conflict = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    rows = list(rows)
    if not rows:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement whatever the count: a column of values per array, unnested
            # by the server (psycopg spent longer rewriting a many-row VALUES list than
            # the server spent inserting it).
            arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in given)
            constants = "".join(", %s" for _f in defaults)
            sql = f"INSERT INTO {table} ({names}) SELECT u.*{constants} FROM unnest({arrays}) AS u{conflict}"  # noqa: S608, E501
            cursor.execute(sql, [*extra, *(list(column) for column in zip(*rows, strict=True))])
            return
        one_row = "(" + ", ".join(["%s"] * len(columns)) + ")"
        # SQLite: many rows per statement, within its limit of 32,766 parameters.
        per_statement = max(1, min(500, 30_000 // len(columns)))
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            # Identifiers come from the model and are quoted; values are parameters.
            sql = f"INSERT INTO {table} ({names}) VALUES {', '.join([one_row] * len(chunk))}{conflict}"  # noqa: S608, E501
            cursor.execute(sql, [value for row in chunk for value in (*row, *extra)])
