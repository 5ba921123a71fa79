"""Failed sign-ins are counted per account, however it is typed, and per true address."""

import pytest

from renraku.audit.models import AuditEntry
from renraku.testing import PASSWORD

LOGIN = "/accounts/login/"
WRONG = "guess"


@pytest.fixture
def limit(settings):
    settings.SIGN_IN_FAILURE_LIMIT = 4  # per account; per address it is five times that
    return 4


def attempt(client, identifier, password=WRONG, **meta):
    return client.post(LOGIN, {"username": identifier, "password": password}, **meta)


def refused(response):
    return (
        response.status_code == 200
        and "__all__" in response.context["form"].errors
        and (response.context["form"].errors.as_data()["__all__"][0].code == "throttled")
    )


def test_every_way_of_naming_an_account_shares_its_failures(client, people, limit):
    for identifier in ["  " + people.alice.username, "ALICE@CITY.EXAMPLE", "Alice@City.Example"]:
        attempt(client, identifier)
    attempt(client, "alice@city.example")
    response = attempt(client, people.alice.username, PASSWORD)
    assert refused(response) and "_auth_user_id" not in client.session
    failures = AuditEntry.objects.filter(action="auth.sign_in_failed")
    assert set(failures.values_list("target", flat=True)) == {f"user:{people.alice.pk}"}


def test_a_refused_attempt_is_audited_against_the_account(client, people, limit):
    for _ in range(limit):
        attempt(client, "alice@city.example")
    attempt(client, people.alice.username, PASSWORD, REMOTE_ADDR="192.0.2.8")
    entry = AuditEntry.objects.get(action="auth.sign_in_refused")
    assert entry.target == f"user:{people.alice.pk}" and entry.ip == "192.0.2.8"
    assert entry.detail == {"limit": "account"}


def test_an_unknown_name_is_refused_alike_so_the_lock_reveals_no_account(client, people, limit):
    for identifier in ["Nobody@City.Example", "NOBODY@city.example", " nobody@city.example"]:
        attempt(client, identifier)
    attempt(client, "nobody@CITY.example")
    for _ in range(limit):
        attempt(client, "bob@city.example")
    unknown = attempt(client, "nobody@city.example")
    known = attempt(client, "bob@city.example")
    assert refused(unknown) and refused(known)
    assert unknown.context["form"].errors == known.context["form"].errors
    targets = AuditEntry.objects.filter(action="auth.sign_in_refused").values_list(
        "target", flat=True
    )
    assert list(targets.order_by("seq")) == [
        "identifier:nobody@city.example",
        f"user:{people.bob.pk}",
    ]


def test_one_address_is_refused_after_five_times_the_account_limit(client, people, limit):
    for i in range(limit * 5):
        attempt(client, f"guess{i}@city.example", REMOTE_ADDR="198.51.100.7")
    assert refused(attempt(client, people.alice.username, PASSWORD, REMOTE_ADDR="198.51.100.7"))
    response = attempt(client, people.alice.username, PASSWORD, REMOTE_ADDR="198.51.100.8")
    assert response.status_code == 302


def test_a_forged_x_real_ip_neither_enters_the_log_nor_dodges_the_address_limit(
    client, people, limit
):
    for i in range(limit * 5):
        attempt(
            client,
            f"guess{i}@city.example",
            REMOTE_ADDR="198.51.100.7",
            HTTP_X_REAL_IP=f"203.0.113.{i}",
        )
    failed = AuditEntry.objects.filter(action="auth.sign_in_failed")
    assert set(failed.values_list("ip", flat=True)) == {"198.51.100.7"}
    response = attempt(
        client,
        people.alice.username,
        PASSWORD,
        REMOTE_ADDR="198.51.100.7",
        HTTP_X_REAL_IP="203.0.113.200",
    )
    assert refused(response)


def test_a_trusted_proxy_passes_on_the_clients_address(client, people, settings):
    settings.TRUSTED_PROXIES = ["192.0.2.1", "10.0.0.0/8"]
    attempt(client, people.alice.username, REMOTE_ADDR="10.1.2.3", HTTP_X_REAL_IP="203.0.113.9")
    attempt(client, people.alice.username, REMOTE_ADDR="192.0.2.1", HTTP_X_REAL_IP="2001:db8::5")
    # A proxy that sends no address, or garbage, is recorded as itself.
    attempt(client, people.alice.username, REMOTE_ADDR="10.1.2.3", HTTP_X_REAL_IP="not an ip")
    attempt(client, people.alice.username, REMOTE_ADDR="10.1.2.3")
    ips = AuditEntry.objects.filter(action="auth.sign_in_failed").order_by("seq")
    assert list(ips.values_list("ip", flat=True)) == [
        "203.0.113.9",
        "2001:db8::5",
        "10.1.2.3",
        "10.1.2.3",
    ]


def test_an_office_behind_a_proxy_is_limited_per_client_not_per_proxy(client, people, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    settings.SIGN_IN_FAILURE_LIMIT = 2
    for i in range(10):
        attempt(
            client, f"guess{i}@city.example", REMOTE_ADDR="10.0.0.1", HTTP_X_REAL_IP="203.0.113.66"
        )
    assert refused(
        attempt(client, "x@city.example", REMOTE_ADDR="10.0.0.1", HTTP_X_REAL_IP="203.0.113.66")
    )
    ok = attempt(
        client,
        people.alice.username,
        PASSWORD,
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_REAL_IP="203.0.113.67",
    )
    assert ok.status_code == 302


def test_an_address_is_stored_as_the_log_hashes_it(client, people, settings):
    """A trusted proxy passing an IPv6 address in another spelling must not break the
    chain: the address is kept in its canonical form."""
    from renraku.audit.actions import verify_chain
    from renraku.audit.models import AuditEntry

    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    client.post(
        "/accounts/login/",
        {"username": "nobody", "password": "x"},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_REAL_IP="2001:DB8:0:0:0:0:0:1",
    )
    assert AuditEntry.objects.filter(ip="2001:db8::1").exists()
    assert verify_chain().ok
