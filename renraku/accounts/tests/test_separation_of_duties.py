"""Administrators run the directory and accounts; they cannot raise themselves, make or
take over an auditor, or see anyone's two-factor secret."""

import base64
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation
from django_otp.plugins.otp_totp.models import TOTPDevice

from renraku.accounts.models import Role, User
from renraku.audit.models import AuditEntry
from renraku.testing import sign_in


def change_url(user):
    return reverse("admin:accounts_user_change", args=[user.pk])


def change_form(user, **changes):
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "role": user.role,
        "staff": user.staff_id or "",
        "scope_all": "on" if user.scope_all else "",
        "scope_departments": [d.pk for d in user.scope_departments.all()],
        "is_active": "on" if user.is_active else "",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        **changes,
    }
    return {k: v for k, v in data.items() if v not in ("", None)}


@pytest.fixture
def admin_client(client, people):
    return sign_in(client, people.dave)


def test_an_administrator_cannot_change_their_own_role_scope_or_status(admin_client, people, org):
    dave = people.dave
    page = admin_client.get(change_url(dave))
    assert 'name="role"' not in page.text and 'name="is_active"' not in page.text
    response = admin_client.post(
        change_url(dave),
        change_form(
            dave,
            role="auditor",
            scope_all="on",
            scope_departments=[org.som.pk],
            is_active="",
            first_name="誠一",
        ),
    )
    assert response.status_code == 302
    dave.refresh_from_db()
    assert dave.first_name == "誠一"  # the rest of the form still saves
    assert (dave.role, dave.scope_all, dave.is_active) == (Role.ADMINISTRATOR, False, True)
    assert not dave.scope_departments.exists()
    assert not AuditEntry.objects.filter(action="accounts.role_changed").exists()


def test_an_administrator_changes_someone_elses_role_and_it_is_audited(admin_client, people):
    response = admin_client.post(change_url(people.alice), change_form(people.alice, role="sender"))
    assert response.status_code == 302
    people.alice.refresh_from_db()
    assert people.alice.role == Role.SENDER
    entry = AuditEntry.objects.get(action="accounts.role_changed")
    assert entry.target == f"user:{people.alice.pk}" and entry.actor == people.dave.username
    assert entry.detail == {"old": "staff", "new": "sender"}


def test_the_admin_does_not_offer_or_accept_the_auditor_role(admin_client, people):
    page = admin_client.get(change_url(people.alice))
    assert 'value="administrator"' in page.text and 'value="auditor"' not in page.text
    response = admin_client.post(
        change_url(people.alice), change_form(people.alice, role="auditor")
    )
    assert response.status_code == 200 and "role" in response.context["adminform"].form.errors
    people.alice.refresh_from_db()
    assert people.alice.role == Role.STAFF


def test_an_auditors_account_cannot_be_changed_given_a_password_or_deleted(admin_client, people):
    erin = people.erin
    admin_client.post(change_url(erin), change_form(erin, role="staff", email="dave2@city.example"))
    password_url = reverse("admin:auth_user_password_change", args=[erin.pk])
    new_password = {"password1": "a new long password", "password2": "a new long password"}
    assert admin_client.post(password_url, new_password).status_code == 403
    delete_url = reverse("admin:accounts_user_delete", args=[erin.pk])
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 403
    admin_client.post(
        reverse("admin:accounts_user_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [erin.pk, people.alice.pk],
            "post": "yes",
        },
    )
    erin.refresh_from_db()
    assert (erin.role, erin.email) == (Role.AUDITOR, "erin@city.example")
    assert erin.check_password("correct horse battery")
    assert User.objects.filter(pk=people.alice.pk).exists()  # the batch was refused whole


def test_the_command_line_grants_any_role_and_it_is_audited(people):
    out = io.StringIO()
    call_command("account", "role", people.alice.username, "--role", "auditor", stdout=out)
    people.alice.refresh_from_db()
    assert people.alice.role == Role.AUDITOR
    assert out.getvalue().strip() == f"{people.alice.username}: staff -> auditor"
    entry = AuditEntry.objects.get(action="accounts.role_changed")
    assert entry.detail == {"old": "staff", "new": "auditor"} and entry.actor == "command line"
    with pytest.raises(CommandError):
        call_command("account", "role", "no-such-number", "--role", "staff")
    with pytest.raises(CommandError):
        call_command("account", "role", people.alice.username, "--role", "superuser")


def device_urls(device):
    return [
        reverse("admin:otp_totp_totpdevice_changelist"),
        reverse("admin:otp_totp_totpdevice_change", args=[device.pk]),
        reverse("admin:otp_totp_totpdevice_delete", args=[device.pk]),
        reverse("admin:otp_totp_totpdevice_history", args=[device.pk]),
    ]


def test_no_admin_page_shows_a_two_factor_secret(admin_client, people):
    device = people.dave.totpdevice_set.get()  # their own: the only ones they see
    # The key as stored, as the authenticator app reads it, and django_otp's QR code link.
    secrets = [device.key, base64.b32encode(device.bin_key).decode(), "otpauth://", "qrcode"]
    for url in device_urls(device):
        page = admin_client.get(url)
        assert page.status_code == 200, url
        assert people.dave.username in page.text, url
        assert not [s for s in secrets if s.lower() in page.text.lower()], url
    assert admin_client.get(reverse("admin:otp_totp_totpdevice_add")).status_code == 403


def test_an_administrator_deletes_an_old_device_of_their_own_and_it_is_audited(
    admin_client, people
):
    old = TOTPDevice.objects.create(user=people.dave, name="old phone", confirmed=True)
    url = reverse("admin:otp_totp_totpdevice_delete", args=[old.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert not TOTPDevice.objects.filter(pk=old.pk).exists()
    assert AuditEntry.objects.filter(
        action="admin.deleted", target=f"otp_totp.totpdevice:{old.pk}"
    ).exists()


def test_a_colleagues_second_factor_is_out_of_administrators_reach(admin_client, people):
    """With it removed, whoever knew the password could enrol a phone of their own."""
    device = people.bob.totpdevice_set.get()
    listing = admin_client.get(reverse("admin:otp_totp_totpdevice_changelist"))
    assert people.bob.username not in listing.text
    url = reverse("admin:otp_totp_totpdevice_delete", args=[device.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 302  # "does not exist"
    assert people.bob.totpdevice_set.exists()


def test_an_auditors_devices_are_out_of_administrators_reach(admin_client, people):
    device = people.erin.totpdevice_set.get()
    listing = admin_client.get(reverse("admin:otp_totp_totpdevice_changelist"))
    assert people.erin.username not in listing.text and people.dave.username in listing.text
    for url in device_urls(device)[1:]:
        assert admin_client.get(url).status_code == 302  # "does not exist", back to the index
    admin_client.post(
        reverse("admin:otp_totp_totpdevice_delete", args=[device.pk]), {"post": "yes"}
    )
    admin_client.post(
        reverse("admin:otp_totp_totpdevice_changelist"),
        {"action": "delete_selected", "_selected_action": [device.pk], "post": "yes"},
    )
    assert people.erin.totpdevice_set.exists()


def test_two_factor_devices_have_names_in_the_admin_index(admin_client):
    apps = {app["app_label"]: app for app in admin_client.get("/admin/").context["app_list"]}
    with translation.override("en"):
        assert str(apps["otp_totp"]["name"]) == "Two-factor sign-in"
        assert [str(m["name"]) for m in apps["otp_totp"]["models"]] == ["Authenticator apps"]


def test_a_revoked_token_cannot_be_revived_nor_an_auditors_token_reached(client, people):
    from django.utils import timezone

    from renraku.accounts.models import ApiToken

    token, _raw = ApiToken.issue(people.bob, "防災システム")
    token.revoked_at = timezone.now()
    token.save()
    auditors, _raw = ApiToken.issue(people.erin, "監査")
    sign_in(client, people.dave)
    url = f"/admin/accounts/apitoken/{token.pk}/change/"
    client.post(url, {"name": "防災システム", "revoked_at_0": "", "revoked_at_1": ""})
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert client.get(f"/admin/accounts/apitoken/{auditors.pk}/change/").status_code in (302, 404)


def test_an_administrator_cannot_link_their_account_to_a_colleague(client, people):
    sign_in(client, people.dave)
    page = client.get(f"/admin/accounts/user/{people.dave.pk}/change/")
    form = page.context["adminform"].form
    assert "staff" not in form.fields  # read-only for oneself: a forged post is ignored
