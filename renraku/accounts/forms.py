import datetime as dt

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from renraku.audit.actions import client_address, recent_count, record

from .backends import sign_in_target


class SignInForm(AuthenticationForm):
    """Employee number or e-mail, and password; refuses further tries after too many
    failures for the same account (however it was typed) or from the same address, counted
    from the audit log."""

    username = forms.CharField(
        label=_("Employee number or e-mail"),
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The employee number, e-mail or password is not right."),
        "throttled": _("Too many failed sign-ins. Wait 15 minutes and try again."),
    }

    def clean(self):
        target = sign_in_target(self.cleaned_data.get("username") or "")
        window = dt.timedelta(minutes=settings.SIGN_IN_FAILURE_WINDOW_MINUTES)
        limit = settings.SIGN_IN_FAILURE_LIMIT
        by_account = recent_count("auth.sign_in_failed", since=window, target=target)
        address = client_address(self.request)
        by_address = recent_count("auth.sign_in_failed", since=window, ip=address) if address else 0
        # An address may fail more often than an account: a whole office shares one NAT.
        if by_account >= limit or by_address >= limit * 5:
            # Refused tries are not failures (the lock does not grow while it holds), but
            # they are recorded: someone is still trying. The same answer for an unknown
            # name, so the lock does not tell anyone which names are accounts.
            record(
                "auth.sign_in_refused",
                request=self.request,
                actor="anonymous",
                target=target,
                detail={"limit": "account" if by_account >= limit else "address"},
            )
            raise forms.ValidationError(self.error_messages["throttled"], code="throttled")
        return super().clean()


class TotpForm(forms.Form):
    token = forms.CharField(
        label=_("6-digit code from your authenticator app"),
        min_length=6,
        max_length=6,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "autofocus": True,
                "pattern": "[0-9]{6}",
            }
        ),
    )

    def __init__(self, *args, device=None, **kwargs):
        self.device = device
        super().__init__(*args, **kwargs)

    def clean_token(self):
        token = self.cleaned_data["token"].strip()
        verified, _error = self.device.verify_is_allowed()
        if not verified:
            raise forms.ValidationError(_("Too many wrong codes. Wait a little and try again."))
        if not self.device.verify_token(token):
            raise forms.ValidationError(_("That code is not right. Check the time on your phone."))
        return token
