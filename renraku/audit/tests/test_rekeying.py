"""Migration 0003: the chain written before the key existed is checked, then keyed."""

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from renraku.audit import triggers
from renraku.audit.actions import record, verify_chain
from renraku.audit.chain import ChainBroken, rechain, verify
from renraku.audit.keys import audit_key
from renraku.audit.models import AuditEntry


def write_entries(n):
    return [record("test.event", actor="tester", target=f"thing:{i}") for i in range(n)]


def test_migrating_keys_a_plain_chain_and_then_only_keyed_hashes_verify(committed_db):
    write_entries(4)
    call_command("migrate", "audit", "0002", verbosity=0)  # back to plain SHA-256
    assert verify(AuditEntry, None).ok
    assert verify_chain().broken_seq == 1

    call_command("migrate", "audit", verbosity=0)
    assert verify_chain().ok and verify_chain().checked == 4
    assert verify(AuditEntry, None).broken_seq == 1
    assert record("test.event").seq == 5 and verify_chain().ok  # triggers are back, too


def test_a_broken_chain_is_not_rekeyed(db):
    write_entries(4)
    rechain(connection, AuditEntry, old_key=audit_key(), new_key=None)
    triggers.remove(connection)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET target = 'thing:forged' WHERE seq = 2")
    triggers.install(connection)
    before = list(AuditEntry.objects.order_by("seq").values_list("hash", flat=True))

    with pytest.raises(ChainBroken, match="#2"):
        rechain(connection, AuditEntry, old_key=None, new_key=audit_key())

    assert list(AuditEntry.objects.order_by("seq").values_list("hash", flat=True)) == before
    # and the triggers were not left lifted
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE seq = 4")
