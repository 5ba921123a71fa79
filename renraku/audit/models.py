"""An append-only log in which each entry carries the hash of the one before it.

Changing or deleting an entry breaks the chain at that point, and `renraku audit verify`
names it. The hash is an HMAC keyed with a secret outside the database (audit.keys), so
someone who owns the database cannot recompute the chain after a change. The database
refuses UPDATE and DELETE, and any INSERT but the next entry (triggers.py), so tampering
needs someone who can drop a trigger, and even then it shows.
"""

import hashlib
import hmac
import json

from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class AppendOnlyError(Exception):
    pass


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("the audit log is append-only")

    def delete(self):
        raise AppendOnlyError("the audit log is append-only")


class AuditEntry(models.Model):
    # `seq` is unique: two writers that read the same last entry cannot both append after
    # it, so the chain never forks (the loser retries, see audit.actions.record).
    seq = models.PositiveBigIntegerField(_("sequence"), unique=True)
    at = models.DateTimeField(_("time"), db_index=True)
    # No foreign key: removing an account must not change or orphan its history.
    actor_user_id = models.BigIntegerField(_("actor id"), null=True, blank=True)
    actor = models.CharField(_("actor"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    target = models.CharField(_("target"), max_length=200, blank=True, db_index=True)
    detail = models.JSONField(_("detail"), default=dict)
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self):
        return f"#{self.seq} {self.action} {self.target}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("the audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("the audit log is append-only")

    def compute_hash(self) -> str:
        from .keys import audit_key

        return entry_digest(self, audit_key())


def entry_digest(entry, key: bytes | None) -> str:
    """HMAC-SHA256 with `key` over the previous hash and every field, as canonical JSON.

    `key=None` is the plain SHA-256 of the chain before it was keyed (migration 0003).
    Takes any object with the fields, so migrations can pass their historical model.
    """
    content = {
        "seq": entry.seq,
        "at": entry.at.isoformat(timespec="microseconds"),
        "actor_user_id": entry.actor_user_id,
        "actor": entry.actor,
        "action": entry.action,
        "target": entry.target,
        "detail": entry.detail,
        "ip": entry.ip,
        "user_agent": entry.user_agent,
        "prev_hash": entry.prev_hash,
    }
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    if key is None:
        return hashlib.sha256(canonical.encode()).hexdigest()
    return hmac.new(key, canonical.encode(), hashlib.sha256).hexdigest()
