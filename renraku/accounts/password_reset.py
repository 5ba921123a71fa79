"""Passwords are set by their owner only. An administrator never sets or sees someone's
password (they could then sign in as that person and read, say, a host's private notes);
they send a reset link to the person's own work address, and that is audited.

The link is Django's (a token that dies once the password changes or after
PASSWORD_RESET_TIMEOUT), to /accounts/reset/<uid>/<token>/."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from renraku.audit.actions import record

from .models import Role, User


def send_password_reset(user: User, *, by, request=None) -> str:
    """Mail `user` a link to set their own password, at their own address; returns the
    address. ValidationError when there is none, or for an auditor's or a closed account."""
    if user.role == Role.AUDITOR:
        raise ValidationError(_("An auditor's account is managed from the command line."))
    if not user.is_active:
        raise ValidationError(_("This account is deactivated."))
    address = user.email.strip()
    if not address:
        raise ValidationError(_("This account has no e-mail address to send a link to."))
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    url = settings.BASE_URL + reverse("accounts:password_reset_confirm", args=[uid, token])
    with translation.override("ja"):  # the ward's language, whoever pressed the button
        send_mail(
            _("renraku: set your password"),
            render_to_string(
                "accounts/password_reset_email.txt",
                {"user": user, "url": url, "hours": settings.PASSWORD_RESET_TIMEOUT // 3600},
            ),
            None,
            [address],
        )
    record(
        "accounts.password_reset_sent",
        request=request,
        actor=by,
        target=f"user:{user.pk}",
        detail={"to": address},
    )
    return address


class ResetConfirmView(auth_views.PasswordResetConfirmView):
    """The person sets their new password from the link (audited when it is set)."""

    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        record(
            "accounts.password_reset_done",
            request=self.request,
            actor=form.user,
            target=f"user:{form.user.pk}",
        )
        return response


class ResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"
