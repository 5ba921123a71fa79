"""Writing to and checking the audit log."""

import datetime as dt
import ipaddress

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from .chain import CHAIN_LOCK, ChainReport, verify
from .keys import audit_key
from .models import GENESIS_HASH, AuditEntry

_APPEND_ATTEMPTS = 20


def client_address(request) -> str | None:
    """The caller's address: X-Real-IP when the connection comes from one of
    settings.TRUSTED_PROXIES (which overwrite it with the address they saw), else the
    connection's own address. Believed from anyone, the header would let a client forge
    its address into the audit log, dodge the per-address sign-in limit, or spend the
    limit of an office's shared address. X-Forwarded-For is never believed."""
    if request is None:
        return None
    remote = _parse(request.META.get("REMOTE_ADDR"))
    forwarded = _parse(request.META.get("HTTP_X_REAL_IP", "").strip())
    chosen = forwarded if forwarded and _is_trusted_proxy(remote) else remote
    # In the canonical form the database stores (2001:db8::1, never 2001:DB8:0:…:1):
    # the entry's hash is taken over what is stored, or the chain would read as broken.
    return str(chosen) if chosen else None


def _is_trusted_proxy(ip) -> bool:
    if ip is None:
        return False
    for proxy in settings.TRUSTED_PROXIES:
        # A mistyped entry must not stop every sign-in: it simply trusts nobody.
        try:
            if ip in ipaddress.ip_network(proxy, strict=False):
                return True
        except ValueError:
            continue
    return False


def _parse(address):
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return None
    # A zone ("fe80::1%eth0") is not an address the log can store or compare.
    return None if getattr(ip, "scope_id", None) else ip


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
                        # Writers queue here instead of racing for the next seq: with
                        # retries alone, four busy writers could exhaust them and an
                        # audited action would fail. SQLite's BEGIN IMMEDIATE serialises.
                        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK])
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


def verify_chain(checkpoints=()) -> ChainReport:
    """Walk the log in order and return where the chain first breaks, if it does, checking
    each of `checkpoints` (audit.checkpoints.read_checkpoints) on the way."""
    return verify(AuditEntry, audit_key(), checkpoints)


def recent_count(action: str, *, since: dt.timedelta, **filters) -> int:
    return AuditEntry.objects.filter(
        action=action, at__gte=timezone.now() - since, **filters
    ).count()
