"""Walking the hash chain: verifying it (against checkpoints too) and re-keying it."""

from dataclasses import dataclass

from django.db import transaction

from . import triggers
from .models import GENESIS_HASH, entry_digest

_PAGE = 2000
# On PostgreSQL, appenders queue on this advisory lock (held to the end of their
# transaction); re-keying holds it too, so nothing is appended to a half-rewritten chain.
CHAIN_LOCK = 0x72656E72  # "renr"


@dataclass
class ChainReport:
    checked: int
    broken_seq: int | None = None
    reason: str = ""
    checkpoints: int = 0

    @property
    def ok(self) -> bool:
        return self.broken_seq is None


class ChainBroken(Exception):
    pass


def verify(entries, key: bytes | None, checkpoints=()) -> ChainReport:
    """Walk `entries` (the model) in order and return where the chain first breaks.

    Each checkpoint (an object with `seq`, `hash`, `at`) must name an entry that is still
    there with that hash: a chain that is whole but shorter than a checkpoint was
    truncated, and one whose hash differs was rewritten by someone holding the key.
    """
    wanted: dict[int, list] = {}
    for checkpoint in checkpoints:
        wanted.setdefault(checkpoint.seq, []).append(checkpoint)
    found = 0
    for checkpoint in wanted.pop(0, ()):  # taken when the log was empty
        if checkpoint.hash != GENESIS_HASH:
            return ChainReport(0, 0, f"the checkpoint of {checkpoint.at} was rewritten")
        found += 1
    expected_prev, expected_seq, checked = GENESIS_HASH, 1, 0
    for page in _pages(entries):
        for entry in page:
            if entry.seq != expected_seq:
                reason = f"entry #{expected_seq} is missing"
                return ChainReport(checked, expected_seq, reason, found)
            if entry.prev_hash != expected_prev:
                return ChainReport(checked, entry.seq, "its previous hash does not match", found)
            if entry_digest(entry, key) != entry.hash:
                reason = "its content does not match its hash"
                return ChainReport(checked, entry.seq, reason, found)
            for checkpoint in wanted.pop(entry.seq, ()):
                if checkpoint.hash != entry.hash:
                    reason = f"it differs from the checkpoint of {checkpoint.at}: rewritten"
                    return ChainReport(checked, entry.seq, reason, found)
                found += 1
            expected_prev = entry.hash
            expected_seq += 1
            checked += 1
    if wanted:
        last = max(wanted)
        at = wanted[last][0].at
        reason = f"the log ends at #{checked} but the checkpoint of {at} saw #{last}: truncated"
        return ChainReport(checked, expected_seq, reason, found)
    return ChainReport(checked, checkpoints=found)


def rechain(connection, entries, *, old_key: bytes | None, new_key: bytes | None) -> int:
    """Check the chain under `old_key`, then rewrite every hash under `new_key`.

    Refuses a broken chain: re-hashing it would make the break verify as whole. All or
    nothing, and the triggers are lifted only inside the transaction that rewrites.
    """
    with transaction.atomic(using=connection.alias):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK])
        report = verify(entries.objects.using(connection.alias), old_key)
        if not report.ok:
            raise ChainBroken(
                f"The audit log is broken at entry #{report.broken_seq} ({report.reason}) "
                "and was left as it is: re-keying a broken chain would hide the break. "
                "Keep a copy of the database for the auditor, and run `renraku audit "
                "verify` with the previous version to see the break."
            )
        triggers.remove(connection)
        prev = GENESIS_HASH
        for page in _pages(entries.objects.using(connection.alias)):
            rows = []
            for entry in page:
                entry.prev_hash = prev
                prev = entry_digest(entry, new_key)
                rows.append((entry.prev_hash, prev, entry.pk))
            with connection.cursor() as cursor:
                cursor.executemany(
                    "UPDATE audit_auditentry SET prev_hash = %s, hash = %s WHERE id = %s", rows
                )
        triggers.install(connection)
    return report.checked


def _pages(entries):
    """The entries in seq order, a page at a time: a million of them need not fit in memory,
    and no read cursor stays open across the rewrite."""
    manager_or_queryset = getattr(entries, "objects", entries)
    last = 0
    while page := list(manager_or_queryset.filter(seq__gt=last).order_by("seq")[:_PAGE]):
        yield page
        last = page[-1].seq
