"""What someone who owns the database (and can drop our triggers) cannot hide."""

import io
import json

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from renraku.audit import triggers
from renraku.audit.actions import record, verify_chain
from renraku.audit.checkpoints import read_checkpoints
from renraku.audit.keys import audit_key
from renraku.audit.models import AuditEntry, entry_digest


def write_entries(n):
    return [record("test.event", actor="tester", target=f"thing:{i}") for i in range(n)]


def verify_json(*args):
    out = io.StringIO()
    try:
        call_command("audit", "verify", "--json", *args, stdout=out)
        status = 0
    except SystemExit as exc:
        status = exc.code
    return status, json.loads(out.getvalue())


def checkpoint():
    out = io.StringIO()
    call_command("audit", "checkpoint", stdout=out)
    return json.loads(out.getvalue())


def rewrite_from(seq, target, key):
    """Change entry `seq` and recompute its hash and every later one, in raw SQL with the
    triggers dropped, as an owner of the database can; `key` is what they hash with."""
    triggers.remove(connection)
    prev = None
    with connection.cursor() as cursor:
        for entry in AuditEntry.objects.order_by("seq"):
            if entry.seq < seq:
                prev = entry.hash
                continue
            if entry.seq == seq:
                entry.target = target
            entry.prev_hash = prev
            entry.hash = entry_digest(entry, key)
            prev = entry.hash
            cursor.execute(
                "UPDATE audit_auditentry SET target = %s, prev_hash = %s, hash = %s WHERE id = %s",
                [entry.target, entry.prev_hash, entry.hash, entry.pk],
            )
    triggers.install(connection)


@pytest.mark.parametrize("their_key", [None, b"a key that is not ours"], ids=["sha256", "hmac"])
def test_a_rewritten_entry_with_every_later_hash_recomputed_is_named(db, their_key):
    write_entries(5)
    rewrite_from(2, "thing:forged", their_key)
    report = verify_chain()
    assert report.broken_seq == 2 and "content" in report.reason
    status, out = verify_json()
    assert status == 1
    assert out["ok"] is False and out["broken_seq"] == 2 and out["checked"] == 1


def test_a_deleted_tail_after_a_checkpoint_is_named(db, settings):
    write_entries(5)
    taken = checkpoint()
    assert taken["seq"] == 5
    triggers.remove(connection)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE seq >= 4")
    triggers.install(connection)

    report = verify_chain(read_checkpoints(settings.AUDIT_CHECKPOINT_FILE))
    assert report.broken_seq == 4 and "truncated" in report.reason
    status, out = verify_json()
    assert status == 1 and out["broken_seq"] == 4 and "truncated" in out["reason"]


def test_a_rewrite_by_someone_holding_the_key_is_named_by_a_checkpoint(db, tmp_path):
    write_entries(5)
    checkpoint()
    mailed = tmp_path / "from-the-e-mail.txt"  # what the auditor kept, pasted as quoted
    mailed.write_text("> " + (tmp_path / "audit-checkpoints.jsonl").read_text())
    rewrite_from(2, "thing:forged", audit_key())

    assert verify_chain().ok  # the chain alone cannot tell: they had the key
    report = verify_chain(read_checkpoints(mailed))
    assert report.broken_seq == 5 and "rewritten" in report.reason
    status, out = verify_json("--checkpoints", str(mailed))
    assert status == 1 and out["broken_seq"] == 5 and "rewritten" in out["reason"]


def test_checkpoints_that_agree_are_counted(db):
    checkpoint()  # of the empty log
    write_entries(3)
    checkpoint()
    write_entries(2)
    status, out = verify_json()
    assert status == 0
    assert out == {"ok": True, "checked": 5, "broken_seq": None, "reason": "", "checkpoints": 2}


def test_a_missing_checkpoint_file_is_an_error_not_a_pass(db, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("audit", "verify", "--checkpoints", str(tmp_path / "none.jsonl"))


_COLUMNS = "(id, seq, at, actor, action, target, detail, prev_hash, hash, user_agent)"
_VALUES = "VALUES (%s, %s, %s, %s, %s, %s, '{}', %s, %s, '')"


def _row(entry, **changes):
    """Entry `entry` as raw INSERT parameters (for _COLUMNS), with `changes`."""
    values = {
        "id": entry.pk,
        "seq": entry.seq,
        "at": entry.at,
        "actor": entry.actor,
        "action": entry.action,
        "target": entry.target,
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
        **changes,
    }
    return list(values.values())


@pytest.mark.skipif("connection.vendor != 'sqlite'")
@pytest.mark.parametrize("keep_id", [True, False], ids=["same-id", "same-seq"])
def test_insert_or_replace_of_an_entry_is_refused(db, keep_id):
    entries = write_entries(3)
    # Keeping the id and taking the next seq would otherwise delete #2 silently.
    changes = {"target": "thing:forged"} | ({"seq": 4} if keep_id else {"id": 999})
    values = _row(entries[1], **changes)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"INSERT OR REPLACE INTO audit_auditentry {_COLUMNS} {_VALUES}", values)
    assert AuditEntry.objects.get(seq=2).target == "thing:1"
    assert AuditEntry.objects.count() == 3 and verify_chain().ok


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_insert_on_conflict_update_of_an_entry_is_refused(db):
    entries = write_entries(3)
    values = _row(entries[1], id=999, target="thing:forged")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO audit_auditentry {_COLUMNS} {_VALUES} "
            "ON CONFLICT (seq) DO UPDATE SET target = EXCLUDED.target",
            values,
        )
    assert AuditEntry.objects.get(seq=2).target == "thing:1"


def test_the_database_refuses_an_entry_out_of_turn(db):
    entries = write_entries(2)
    values = _row(entries[1], id=999, seq=5)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO audit_auditentry {_COLUMNS} {_VALUES}", values)
    assert AuditEntry.objects.count() == 2
    assert record("test.event").seq == 3  # the next one is still taken
