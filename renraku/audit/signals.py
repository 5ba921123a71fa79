"""Audit entries for events Django raises itself: sign-ins and Django-admin changes."""

from django.contrib.admin.models import LogEntry
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save
from django.dispatch import receiver

from renraku.accounts.backends import sign_in_target

from .actions import record


@receiver(user_logged_in)
def _signed_in(sender, request, user, **kwargs):
    record("auth.sign_in", request=request, actor=user, target=f"user:{user.pk}")


@receiver(user_logged_out)
def _signed_out(sender, request, user, **kwargs):
    if user is not None:
        record("auth.sign_out", request=request, actor=user, target=f"user:{user.pk}")


@receiver(user_login_failed)
def _sign_in_failed(sender, credentials, request=None, **kwargs):
    # Counted per account (accounts.forms.SignInForm), whichever name was typed for it.
    record(
        "auth.sign_in_failed",
        request=request,
        actor="anonymous",
        target=sign_in_target(str(credentials.get("username") or "")),
    )


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
