"""A burst of rows far beyond what PostgreSQL's planner knows of a table gets it analysed
before the batches that read it; small bursts, and SQLite, are left alone."""

from django.db import connection

from renraku.broadcast.models import Delivery, Recipient
from renraku.dbstats import analyze_if_outgrown


def planner_rows(model) -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [model._meta.db_table])
        return cursor.fetchone()[0]


def test_a_burst_bigger_than_the_table_is_analysed_at_once(db):
    analysed = analyze_if_outgrown(5_000, Recipient, Delivery)
    if connection.vendor != "postgresql":
        assert analysed == []
        return
    assert sorted(analysed) == ["broadcast_delivery", "broadcast_recipient"]
    assert planner_rows(Recipient) >= 0  # -1 meant "never analysed"


def test_a_small_burst_is_left_to_autovacuum(db):
    assert analyze_if_outgrown(999, Recipient, Delivery) == []
