"""Insert many rows as plain tuples, without building a model instance per row.

Django's bulk_create spends about 50 µs per row constructing and preparing model objects;
an alert to 10,000 people inserts 20,000 rows (recipients and deliveries) before anyone
is sent anything. Here the rows go straight to executemany, on SQLite and PostgreSQL alike.
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
    # Identifiers come from the model and are quoted; values are parameters.
    sql = "INSERT INTO {} ({}) VALUES ({}){}".format(  # noqa: S608
        quote(meta.db_table),
        ", ".join(map(quote, columns)),
        ", ".join(["%s"] * len(columns)),
        " ON CONFLICT DO NOTHING" if ignore_conflicts else "",
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(*row, *extra) for row in rows])
