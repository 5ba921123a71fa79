"""A sender who lost their phone: whoever runs the server removes the authenticator on the
command line (audited); the person, with their own password, enrols a new one."""

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from renraku.audit.models import AuditEntry
from renraku.testing import PASSWORD, sign_in

LOGIN = reverse("accounts:login")


def test_a_lost_phone_is_reset_on_the_command_line_and_a_new_one_enrolled(client, people):
    bob = people.bob
    sign_in(client, bob)  # a session verified with the lost phone
    assert client.get(reverse("directory:staff_list")).status_code == 200

    call_command("account", "reset-second-factor", bob.username)

    assert not TOTPDevice.objects.filter(user=bob).exists()
    entry = AuditEntry.objects.get(action="accounts.second_factor_reset")
    assert entry.target == f"user:{bob.pk}" and entry.detail == {"devices": 1}
    # The session that the lost phone verified no longer passes two-factor.
    response = client.get(reverse("directory:staff_list"))
    assert response.status_code == 302
    # Signing in again with the password leads to enrolling a new authenticator.
    client.post(LOGIN, {"username": bob.username, "password": PASSWORD})
    response = client.get(reverse("directory:staff_list"))
    assert response.url.startswith(reverse("accounts:two_factor_setup"))


def test_an_unknown_account_is_refused(people):
    with pytest.raises(CommandError, match="no account"):
        call_command("account", "reset-second-factor", "999999")
    assert not AuditEntry.objects.filter(action="accounts.second_factor_reset").exists()
