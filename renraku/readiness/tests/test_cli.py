"""`renraku readiness --json --by department|site`: who each channel reaches today, counted
only where it is configured; the e-mail channel keeps the addresses the server refused."""

import io
import json

from django.core.management import call_command
from django.db import transaction

from renraku.directory.models import EmailRefusal, PersonalContact
from renraku.notices import pipeline
from renraku.notices.models import Letter, Urgency
from renraku.testing import make_staff

from .conftest import device


def readiness(*args) -> list[dict]:
    out = io.StringIO()
    call_command("readiness", "--json", *args, stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_push_counts_a_device_that_showed_a_notice_within_30_days(people, org):
    device(people.alice.staff, shown_days_ago=3)
    device(people.carol.staff, shown_days_ago=45)  # silent: stored, but proves nothing
    device(people.bob.staff)  # never showed anything
    rows = {r["code"]: r for r in readiness("--by", "department")}
    som = rows["SOM"]  # Alice, Carol (Mallory has left)
    assert som == {
        "code": "SOM",
        "name": "総務部",
        "staff": 2,
        "push": 1,
        "email": 2,
        "sms": 0,
        "voice": 0,
        "line_works": 0,
        "none": 0,
        "push_share": 0.5,
        "reachable_share": 1.0,
    }
    assert rows["KIK"]["push"] == 0 and rows["KIK"]["staff"] == 3


def test_none_counts_only_configured_channels(people, org, settings):
    nobody = make_staff(org, family="無", department=org.gak, mobile="090-0000-1111")
    nobody.line_works_id = "nobody@works"
    nobody.save(update_fields=["line_works_id"])
    [gak] = [r for r in readiness("--by", "department") if r["code"] == "GAK"]
    # No e-mail, no device; a mobile and a LINE WORKS id, but neither channel is set up.
    assert (gak["staff"], gak["sms"], gak["line_works"], gak["none"]) == (1, 0, 0, 1)
    assert gak["reachable_share"] == 0.0
    settings.TWILIO_URL, settings.TWILIO_SID, settings.TWILIO_TOKEN = "http://x", "AC1", "t"
    [gak] = [r for r in readiness("--by", "department") if r["code"] == "GAK"]
    assert (gak["sms"], gak["voice"], gak["none"], gak["reachable_share"]) == (1, 1, 0, 1.0)


def test_by_site_adds_up_to_the_same_office(people, org):
    device(people.alice.staff, shown_days_ago=1)
    make_staff(org, site=org.school, department=org.gak, work_email="t@city.example")
    by_site = readiness("--by", "site")
    by_department = readiness("--by", "department")
    assert [r["code"] for r in by_site] == ["S001", "S003"]
    for key in ("staff", "push", "email", "none"):
        assert sum(r[key] for r in by_site) == sum(r[key] for r in by_department)
    assert sum(r["staff"] for r in by_site) == 6  # active staff only


def _letter(staff, django_capture_on_commit_callbacks):
    letter = Letter(
        owner="letter",
        urgency=Urgency.HIGH,
        channel_order=["email"],
        title="t",
        body="b",
        link="http://x/",
        tag="t",
    )
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        pipeline.issue(letter, type(staff).objects.filter(pk=staff.pk))


def test_an_address_the_server_refuses_stops_counting_until_a_message_gets_through(
    people, smtp, tasks_run_at_once, django_capture_on_commit_callbacks
):
    alice = people.alice.staff
    smtp.refuse.add("alice@city.example")
    _letter(alice, django_capture_on_commit_callbacks)
    refusal = EmailRefusal.objects.get()
    assert refusal.address == "alice@city.example" and "550" in refusal.reason
    [som] = [r for r in readiness() if r["code"] == "SOM"]
    assert (som["email"], som["none"]) == (1, 1)  # only Carol; Alice has nothing left

    smtp.refuse.clear()
    _letter(alice, django_capture_on_commit_callbacks)
    assert not EmailRefusal.objects.exists()
    [som] = [r for r in readiness() if r["code"] == "SOM"]
    assert (som["email"], som["none"]) == (2, 0)


def test_a_personal_address_counts_for_someone_without_a_work_address(people, org):
    staff = make_staff(org, department=org.gak)
    PersonalContact.objects.create(staff=staff, email="own@mail.example")
    [gak] = [r for r in readiness() if r["code"] == "GAK"]
    assert (gak["email"], gak["none"]) == (1, 0)
    EmailRefusal.objects.create(address="own@mail.example", refused_at=staff.updated_at)
    [gak] = [r for r in readiness() if r["code"] == "GAK"]
    assert (gak["email"], gak["none"]) == (0, 1)


def test_the_table_without_json_ends_with_the_office(people):
    out = io.StringIO()
    call_command("readiness", "--by", "site", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].split("\t")[:3] == ["code", "name", "staff"]
    assert lines[-1].split("\t")[:3] == ["*", "total", "5"]
