"""Keep PostgreSQL's planner statistics in step with tables that grow in bursts.

One alert adds as many recipients and deliveries as the ward has staff. On a young
database the first such burst finds tables whose statistics say "nearly empty", and the
planner answers each batch's `id IN (…500 ids…)` with a scan of the whole table: in a
100,000-person alert that was hundreds of full scans. Autovacuum catches up, but only after
the alert has gone out. So when a burst is large beside what the planner believes a table
holds, the table is analysed at once (a sample: a fraction of a second). On a mature
database, where one alert is a small part of each table, nothing is done.
"""

from django.db import connection


def analyze_if_outgrown(added: int, *models) -> list[str]:
    """ANALYZE those of these models' tables that `added` rows would more than double,
    as far as their statistics know; returns their names. Nothing on SQLite, whose
    planner needs no statistics for these lookups."""
    if connection.vendor != "postgresql" or added < 1000:
        return []
    tables = [m._meta.db_table for m in models]
    with connection.cursor() as cursor:
        # reltuples is what the planner believes: -1 if never analysed.
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relname = ANY(%s) AND reltuples < %s",
            [tables, added],
        )
        outgrown = [name for (name,) in cursor.fetchall()]
        for name in outgrown:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(name)}")
    return outgrown


def analyze_everything() -> None:
    """ANALYZE the whole database (PostgreSQL): after a load that wrote most of what it
    holds in one go, such as the demo ward, so the first pages read it with a plan made
    for its size, not one made when it was empty (the readiness count went from 20 ms to
    seconds on such a plan). Nothing on SQLite."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
