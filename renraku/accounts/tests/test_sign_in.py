from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from renraku.audit.models import AuditEntry
from renraku.testing import PASSWORD, sign_in

LOGIN = "/accounts/login/"


def test_staff_sign_in_with_employee_number(client, people):
    response = client.post(LOGIN, {"username": people.alice.username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert AuditEntry.objects.filter(action="auth.sign_in", actor=people.alice.username).exists()


def test_staff_sign_in_with_email_in_any_case(client, people):
    response = client.post(LOGIN, {"username": "ALICE@city.example", "password": PASSWORD})
    assert response.status_code == 302


def test_wrong_password_is_refused_and_audited(client, people):
    response = client.post(
        LOGIN, {"username": people.alice.username, "password": "nope"}, REMOTE_ADDR="192.0.2.5"
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    entry = AuditEntry.objects.get(action="auth.sign_in_failed")
    assert entry.target == f"user:{people.alice.pk}"
    assert entry.ip == "192.0.2.5"


def test_someone_who_left_cannot_sign_in(client, people):
    response = client.post(LOGIN, {"username": people.mallory.username, "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_too_many_failures_lock_the_account_even_with_the_right_password(client, people, settings):
    for _ in range(settings.SIGN_IN_FAILURE_LIMIT):
        client.post(LOGIN, {"username": people.alice.username, "password": "guess"})
    response = client.post(LOGIN, {"username": people.alice.username, "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert response.context["form"].errors["__all__"][0].startswith(("Too many", "サインイン"))


def test_pages_need_sign_in(client, people):
    response = client.get(reverse("directory:staff_list"))
    assert response.status_code == 302 and response.url.startswith(LOGIN)


def test_sender_is_sent_to_enrol_two_factor_when_they_have_none(client, people, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # throttling has its own test below
    TOTPDevice.objects.filter(user=people.bob).delete()
    client.post(LOGIN, {"username": people.bob.username, "password": PASSWORD})
    response = client.get(reverse("directory:staff_list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:two_factor_setup"))

    setup = client.get(response.url)
    assert "<svg" in setup.text  # the QR code
    device = TOTPDevice.objects.get(user=people.bob, confirmed=False)
    assert setup.context["secret"]
    wrong = client.post(reverse("accounts:two_factor_setup"), {"token": "000000"})
    assert wrong.status_code == 200 and not TOTPDevice.objects.get(pk=device.pk).confirmed
    code = TOTP(device.bin_key).token()
    ok = client.post(reverse("accounts:two_factor_setup"), {"token": f"{code:06d}"})
    assert ok.status_code == 302
    assert TOTPDevice.objects.get(pk=device.pk).confirmed
    assert client.get(reverse("directory:staff_list")).status_code == 200
    assert AuditEntry.objects.filter(action="auth.two_factor_enrolled").exists()


def test_administrator_must_enter_a_code_before_anything_else(client, people, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    client.post(LOGIN, {"username": people.dave.username, "password": PASSWORD})
    response = client.get(reverse("directory:import"))
    assert response.url.startswith(reverse("accounts:two_factor_verify"))
    device = people.dave.totpdevice_set.get()
    assert (
        client.post(reverse("accounts:two_factor_verify"), {"token": "123456"}).status_code == 200
    )
    code = TOTP(device.bin_key).token()
    client.post(reverse("accounts:two_factor_verify"), {"token": f"{code:06d}"})
    assert client.get(reverse("directory:import")).status_code == 200


def test_staff_do_not_need_two_factor(client, people):
    sign_in(client, people.alice, verified=False)
    assert client.get(reverse("directory:staff_list")).status_code == 200


def test_sign_out_is_a_post(client, people):
    sign_in(client, people.alice)
    client.post(reverse("accounts:logout"))
    assert client.get("/").status_code == 302


def test_a_right_code_straight_after_a_wrong_one_is_throttled(client, people):
    sign_in(client, people.dave, verified=False)
    device = people.dave.totpdevice_set.get()
    client.post(reverse("accounts:two_factor_verify"), {"token": "123456"})
    code = TOTP(device.bin_key).token()
    response = client.post(reverse("accounts:two_factor_verify"), {"token": f"{code:06d}"})
    assert response.status_code == 200
    assert client.get(reverse("directory:import")).status_code == 302
    assert AuditEntry.objects.filter(action="auth.two_factor_failed").count() == 2
