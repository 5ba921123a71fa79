import io
import threading

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, connections, transaction

from renraku.audit import triggers
from renraku.audit.actions import record, verify_chain
from renraku.audit.models import AppendOnlyError, AuditEntry


def verify_command():
    out = io.StringIO()
    try:
        call_command("audit", "verify", stdout=out)
        return 0, out.getvalue()
    except SystemExit as exc:
        return exc.code, out.getvalue()


def write_entries(n):
    return [
        record("test.event", actor="tester", target=f"thing:{i}", detail={"i": i}) for i in range(n)
    ]


def tamper(sql, params):
    """Change the table under the triggers, as someone with the database's keys could."""
    with connection.cursor() as cursor:
        triggers.remove(connection)
        cursor.execute(sql, params)
        triggers.install(connection)


def test_an_untouched_chain_verifies(db):
    write_entries(5)
    assert verify_chain().ok
    status, out = verify_command()
    assert status == 0 and "5 entries" in out


def test_entries_link_to_the_one_before(db):
    first, second = write_entries(2)
    assert second.prev_hash == first.hash
    assert (first.seq, second.seq) == (1, 2)


def test_the_orm_refuses_to_change_or_delete_an_entry(db):
    [entry] = write_entries(1)
    entry.action = "test.rewritten"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="x")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()


def test_the_database_refuses_raw_updates_and_deletes(db):
    [entry] = write_entries(1)
    for sql in (
        "UPDATE audit_auditentry SET action = 'x' WHERE id = %s",
        "DELETE FROM audit_auditentry WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.event"


def test_a_tampered_entry_is_named(db):
    entries = write_entries(5)
    tamper("UPDATE audit_auditentry SET target = 'thing:forged' WHERE id = %s", [entries[2].pk])
    report = verify_chain()
    assert report.broken_seq == 3 and "content" in report.reason
    status, out = verify_command()
    assert status == 1 and "#3" in out


def test_a_deleted_entry_is_named(db):
    entries = write_entries(4)
    tamper("DELETE FROM audit_auditentry WHERE id = %s", [entries[1].pk])
    report = verify_chain()
    assert report.broken_seq == 2 and "missing" in report.reason


def test_a_rehashed_entry_still_breaks_the_link_to_the_next(db):
    entries = write_entries(3)
    forged = AuditEntry.objects.get(pk=entries[0].pk)
    forged.target = "thing:forged"
    tamper(
        "UPDATE audit_auditentry SET target = %s, hash = %s WHERE id = %s",
        [forged.target, forged.compute_hash(), forged.pk],
    )
    assert verify_chain().broken_seq == 2


def test_concurrent_writers_never_fork_the_chain(committed_db):
    errors = []

    def writer(n):
        try:
            for i in range(10):
                record("test.concurrent", actor=f"writer{n}", target=f"t:{i}")
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert AuditEntry.objects.count() == 80
    assert verify_chain().ok
