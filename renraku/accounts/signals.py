"""Audit entries for sign-ins, which Django signals itself: recorded here, beside the
accounts they are about (the audit log below imports nothing of accounts)."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from renraku.audit.actions import record

from .backends import sign_in_target


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
