"""A burst of rows far beyond what PostgreSQL's planner knows of a table gets it analysed
before the batches that read it; small bursts, and SQLite, are left alone."""

from django.db import connection

from renraku.dbstats import analyze_if_outgrown
from renraku.notices.models import Delivery, Recipient


def planner_rows(model) -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [model._meta.db_table])
        return cursor.fetchone()[0]


def test_a_burst_bigger_than_the_table_is_analysed_at_once(db):
    if connection.vendor != "postgresql":
        assert analyze_if_outgrown(5_000, Recipient, Delivery) == []
        return
    # Bigger than whatever earlier tests left the statistics saying.
    burst = int(max(planner_rows(Recipient), planner_rows(Delivery))) + 5_000
    assert sorted(analyze_if_outgrown(burst, Recipient, Delivery)) == [
        "notices_delivery",
        "notices_recipient",
    ]
    assert planner_rows(Recipient) >= 0  # -1 meant "never analysed"


def test_a_small_burst_is_left_to_autovacuum(db):
    assert analyze_if_outgrown(999, Recipient, Delivery) == []
