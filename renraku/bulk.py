"""INSERT … SELECT from a queryset: many rows made inside the database.

An alert to 100,000 people inserts 200,000 rows (recipients and deliveries) before anyone
is sent anything. Reading the audience into Python and writing it back (even without
model objects, as plain tuples) was most of that time; here the database copies the rows
itself, on SQLite and PostgreSQL alike. Columns not given take their field's default, as
bulk_create would give them.
"""

from collections.abc import Sequence

from django.db import connection
from django.db.models import QuerySet


def insert_select(model, fields: Sequence[str], rows: QuerySet) -> int:
    """INSERT … SELECT: `rows` is a values_list queryset whose columns are for `fields`
    (attribute names, e.g. "alert_id"); the model's other fields that need a value get
    their defaults. The rows never leave the database; returns how many were inserted."""
    meta = model._meta
    by_attname = {f.attname: f for f in meta.concrete_fields}
    given = [by_attname[name] for name in fields]
    defaults = [
        f
        for f in meta.concrete_fields
        if not f.primary_key and f not in given and (f.has_default() or not f.null)
    ]
    quote = connection.ops.quote_name
    names = ", ".join(quote(f.column) for f in given + defaults)
    constants = "".join(", %s" for _f in defaults)
    select, params = rows.order_by().query.sql_with_params()
    # Identifiers come from the model and are quoted; values are parameters.
    sql = f"INSERT INTO {quote(meta.db_table)} ({names}) SELECT q.*{constants} FROM ({select}) AS q"  # noqa: S608
    extra = [f.get_db_prep_save(f.get_default(), connection) for f in defaults]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*extra, *params])
        return cursor.rowcount
