"""The demo's column author can be signed in as: reviewers see the author's side."""

import io

from django.core.management import call_command
from django.urls import reverse

from renraku.accounts.models import User
from renraku.directory.demo import DEMO_PASSWORD
from renraku.directory.models import Rank, Staff


def check_the_first_deputy_mayor_signs_in_with_the_demo_password_and_code(client) -> None:
    """On the demo ward renraku/demo/tests/test_demo_ward.py seeds (two-factor throttling
    off there, and the production password hasher the seed used)."""
    deputy = (
        Staff.objects.filter(position__rank=Rank.DEPUTY_MAYOR).order_by("employee_number").first()
    )
    response = client.post(
        reverse("accounts:login"),
        {"username": deputy.employee_number, "password": DEMO_PASSWORD},
    )
    assert response.status_code == 302
    # He is a named author: his pages ask for the demo's second factor, and it is accepted.
    assert client.get(reverse("bulletin:mine")).url.startswith(
        reverse("accounts:two_factor_verify")
    )
    code = io.StringIO()
    call_command("demo_code", stdout=code)
    client.post(reverse("accounts:two_factor_verify"), {"token": code.getvalue().strip()})
    mine = client.get(reverse("bulletin:mine"))
    assert mine.status_code == 200
    assert User.objects.get(username=deputy.employee_number).email == deputy.work_email
