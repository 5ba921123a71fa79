"""Writing to and checking the audit log."""

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from .models import GENESIS_HASH, AuditEntry

_APPEND_ATTEMPTS = 20
# On PostgreSQL, appenders queue on this advisory lock (held to the end of their
# transaction) instead of racing for the next seq: with retries alone, four busy writers
# could exhaust them and an audited action would fail. SQLite's writers are already
# serialised by BEGIN IMMEDIATE.
_CHAIN_LOCK = 0x72656E72  # "renr"


def client_address(request) -> str | None:
    """The caller's address. Behind a proxy, set the proxy to overwrite X-Real-IP; a
    client-supplied X-Forwarded-For is not trusted (it would let anyone forge the log)."""
    if request is None:
        return None
    return request.META.get("HTTP_X_REAL_IP") or request.META.get("REMOTE_ADDR") or None


def record(action: str, *, request=None, actor=None, target: str = "", detail=None) -> AuditEntry:
    """Append one entry and return it. `actor` defaults to the request's user.

    Runs inside the caller's transaction when there is one, so an action that rolls back
    leaves no entry claiming it happened.
    """
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    entry = AuditEntry(
        at=timezone.now(),
        actor_user_id=getattr(actor, "pk", None),
        actor=_actor_label(actor),
        action=action,
        target=target,
        detail=detail or {},
        ip=client_address(request),
        user_agent=(request.META.get("HTTP_USER_AGENT", "")[:300] if request else ""),
    )
    for _attempt in range(_APPEND_ATTEMPTS):
        try:
            with transaction.atomic():
                if connection.vendor == "postgresql":
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK])
                last = AuditEntry.objects.order_by("-seq").values("seq", "hash").first()
                entry.seq = last["seq"] + 1 if last else 1
                entry.prev_hash = last["hash"] if last else GENESIS_HASH
                entry.hash = entry.compute_hash()
                entry.save(force_insert=True)
            return entry
        except IntegrityError:
            entry._state.adding = True  # another writer took this seq; read the tail again
    raise RuntimeError("could not append to the audit log: too many concurrent writers")


def _actor_label(actor) -> str:
    if actor is None:
        return "system"
    if isinstance(actor, str):
        return actor
    return actor.get_username()


@dataclass
class ChainReport:
    checked: int
    broken_seq: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_seq is None


def verify_chain() -> ChainReport:
    """Walk the log in order and return where the chain first breaks, if it does."""
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=2000):
        if entry.seq != expected_seq:
            return ChainReport(checked, expected_seq, f"entry #{expected_seq} is missing")
        if entry.prev_hash != expected_prev:
            return ChainReport(checked, entry.seq, "its previous hash does not match")
        if entry.compute_hash() != entry.hash:
            return ChainReport(checked, entry.seq, "its content does not match its hash")
        expected_prev = entry.hash
        expected_seq += 1
        checked += 1
    return ChainReport(checked)


def recent_count(action: str, *, since: dt.timedelta, **filters) -> int:
    return AuditEntry.objects.filter(
        action=action, at__gte=timezone.now() - since, **filters
    ).count()
