"""Administrators cannot set anyone's password or remove anyone's second factor in the
admin (they could then sign in as them: a host's private notes, a colleague's alerts).
They send a link to the person's own address, and that is audited."""

import re

from django.contrib.auth import authenticate
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from renraku.accounts.models import User
from renraku.audit.models import AuditEntry
from renraku.testing import PASSWORD, sign_in

NEW = "a new and long passphrase 7"


def test_the_admin_cannot_set_a_colleagues_password(client, people):
    sign_in(client, people.dave)
    url = f"/admin/accounts/user/{people.alice.pk}/password/"
    assert client.get(url).status_code == 403
    response = client.post(url, {"password1": NEW, "password2": NEW, "usable_password": "true"})
    assert response.status_code == 403
    assert authenticate(username=people.alice.username, password=PASSWORD) == people.alice
    # nor their own there (the admin's own page asks for the old one)
    assert client.get(f"/admin/accounts/user/{people.dave.pk}/password/").status_code == 403


def test_the_change_page_has_no_password_and_keeps_the_address(client, people):
    sign_in(client, people.dave)
    url = f"/admin/accounts/user/{people.alice.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    assert "password/" not in page.text and 'name="email"' not in page.text
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {k: v for k, v in data.items() if v not in (None, False) and k != "date_joined"}
    joined = timezone.localtime(people.alice.date_joined)
    data |= {"date_joined_0": f"{joined:%Y-%m-%d}", "date_joined_1": f"{joined:%H:%M:%S}"}
    data |= {"email": "dave.private@example.com", "password": "x", "first_name": "愛子"}
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    alice = User.objects.get(pk=people.alice.pk)
    assert (alice.first_name, alice.email) == ("愛子", "alice@city.example")
    assert authenticate(username=alice.username, password=PASSWORD) == alice


def test_a_new_account_has_no_password_until_its_owner_sets_one(client, people):
    sign_in(client, people.dave)
    page = client.get("/admin/accounts/user/add/")
    assert page.status_code == 200 and "password1" not in page.text
    response = client.post(
        "/admin/accounts/user/add/",
        {"username": "700001", "email": "new@city.example", "password1": NEW, "password2": NEW},
    )
    assert response.status_code == 302
    assert not User.objects.get(username="700001").has_usable_password()


def test_administrators_see_and_remove_only_their_own_second_factor(client, people):
    sign_in(client, people.dave)
    listing = client.get("/admin/otp_totp/totpdevice/")
    assert listing.status_code == 200
    assert people.bob.username not in listing.text
    bobs = TOTPDevice.objects.get(user=people.bob)
    client.post(f"/admin/otp_totp/totpdevice/{bobs.pk}/delete/", {"post": "yes"})
    assert TOTPDevice.objects.filter(pk=bobs.pk).exists()


def send_links(client, *users):
    return client.post(
        "/admin/accounts/user/",
        {"action": "send_reset_link", "_selected_action": [u.pk for u in users]},
        follow=True,
    )


def test_a_reset_link_goes_to_the_persons_own_address_audited_and_works(client, people, mailoutbox):
    sign_in(client, people.dave)
    page = send_links(client, people.alice)
    assert "alice@city.example" in page.text
    [mail] = mailoutbox
    assert mail.to == ["alice@city.example"] and mail.subject == "renraku：パスワードの設定"
    [sent] = AuditEntry.objects.filter(action="accounts.password_reset_sent")
    assert sent.target == f"user:{people.alice.pk}" and sent.actor == people.dave.username
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", mail.body)[1]

    client.logout()
    form = client.get(link, follow=True)
    assert form.status_code == 200 and "new_password1" in form.text
    set_url = form.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": NEW, "new_password2": NEW})
    assert done.status_code == 302
    assert authenticate(username=people.alice.username, password=NEW) is not None
    assert AuditEntry.objects.filter(
        action="accounts.password_reset_done", target=f"user:{people.alice.pk}"
    ).exists()
    # used once
    assert "new_password1" not in client.get(link, follow=True).text


def test_no_link_for_an_auditor_or_someone_who_left(client, people, mailoutbox):
    sign_in(client, people.dave)
    send_links(client, people.erin, people.mallory)
    assert mailoutbox == []
    assert not AuditEntry.objects.filter(action="accounts.password_reset_sent").exists()
