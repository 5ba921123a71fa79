"""Audit entries for Django-admin changes, which Django signals itself (sign-ins are
recorded by accounts.signals)."""

from django.contrib.admin.models import LogEntry
from django.db.models.signals import post_save
from django.dispatch import receiver

from .actions import record


@receiver(post_save, sender=LogEntry)
def _admin_changed(sender, instance, created, **kwargs):
    if not created:
        return
    kind = {1: "added", 2: "changed", 3: "deleted"}.get(instance.action_flag, "unknown")
    record(
        f"admin.{kind}",
        actor=instance.user,
        target=f"{instance.content_type.app_label}.{instance.content_type.model}:{instance.object_id}",
        detail={"object": instance.object_repr, "change": instance.get_change_message()},
    )
