"""A wrong HR file must not switch the ward off: too many leavers need a confirmation, the
administrator applying it is never switched off, and accounts an import switched off come
back when the full file is imported again within 30 days."""

import datetime as dt
import html
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from renraku.accounts.models import User
from renraku.audit.models import AuditEntry
from renraku.directory import actions
from renraku.directory.importing import MassLeaveNotConfirmed, plan_import
from renraku.directory.models import Staff
from renraku.directory.tests.test_import import csv_bytes, run_import
from renraku.testing import sign_in

HEADER_ONLY = csv_bytes([])


@pytest.fixture(autouse=True)
def _english_messages():
    with translation.override("en"):
        yield


def active_staff():
    return set(Staff.objects.active().values_list("employee_number", flat=True))


def active_accounts():
    return set(User.objects.filter(is_active=True).values_list("username", flat=True))


def full_file(tmp_path):
    """The directory as it is now, as the export writes it."""
    path = tmp_path / "full.csv"
    call_command("org", "export", str(path), stderr=io.StringIO())
    return path.read_bytes()


def without(data: bytes, person) -> bytes:
    """The file with that person's row taken out."""
    number = person.staff.employee_number.encode()
    return b"\r\n".join(line for line in data.split(b"\r\n") if not line.startswith(number))


def upload(client, data):
    return client.post(
        reverse("directory:import"),
        {"file": SimpleUploadedFile("hr.csv", data, content_type="text/csv"), "encoding": "utf-8"},
        HTTP_ACCEPT_LANGUAGE="en",
    )


def apply(client, **typed):
    return client.post(reverse("directory:import_apply"), typed, HTTP_ACCEPT_LANGUAGE="en")


def test_a_header_only_file_is_refused_on_the_command_line_and_changes_nothing(people, tmp_path):
    staff, accounts = active_staff(), active_accounts()
    status, _out, err = run_import(tmp_path, HEADER_ONLY)
    assert status == 1
    assert "would deactivate 5 of 5 active staff" in err
    assert "limit of 10%" in err
    assert "--allow-mass-leave" in err
    assert "within 30 days" in err
    assert "nothing was changed" in err
    assert (active_staff(), active_accounts()) == (staff, accounts)
    assert not AuditEntry.objects.filter(action="directory.imported").exists()


def test_the_refusal_is_in_the_json_when_asked_for(people, tmp_path):
    status, out, _err = run_import(tmp_path, HEADER_ONLY, "--json")
    assert status == 1
    result = json.loads(out)
    assert result["left"] == 5 and "--allow-mass-leave" in result["refused"]
    assert len(active_staff()) == 5


def test_a_dry_run_warns_about_mass_leave_and_succeeds(people, tmp_path):
    status, _out, err = run_import(tmp_path, HEADER_ONLY, "--dry-run")
    assert status == 0 and "would deactivate 5 of 5" in err
    assert len(active_staff()) == 5


def test_allow_mass_leave_applies_and_a_full_import_brings_the_accounts_back(people, tmp_path):
    full = full_file(tmp_path)
    staff, accounts = active_staff(), active_accounts()
    assert people.mallory.username not in accounts  # left long ago: stays off throughout

    status, _out, _err = run_import(tmp_path, HEADER_ONLY, "--allow-mass-leave")
    assert status == 0
    # No actor on the CLI; the auditor's account is never an import's to switch off.
    assert active_staff() == set() and active_accounts() == {people.erin.username}

    status, out, _err = run_import(tmp_path, full)
    assert status == 0 and "rejoined 5" in out and "accounts switched back on 4" in out
    assert (active_staff(), active_accounts()) == (staff, accounts)


def test_the_limit_is_a_setting(people, tmp_path, settings):
    one_leaves = without(full_file(tmp_path), people.alice)
    status, _out, err = run_import(tmp_path, one_leaves)
    assert status == 1 and "would deactivate 1 of 5" in err  # 20% > 10%
    settings.IMPORT_MAX_LEAVERS_PERCENT = 20
    status, _out, _err = run_import(tmp_path, one_leaves)
    assert status == 0
    assert people.alice.staff.employee_number not in active_staff()


def test_apply_import_itself_refuses_an_unconfirmed_mass_leave(people):
    plan = plan_import(HEADER_ONLY)
    with pytest.raises(MassLeaveNotConfirmed):
        actions.apply_import(plan)
    assert len(active_staff()) == 5


def test_apply_import_never_switches_off_the_administrator_applying_it(people):
    plan = plan_import(HEADER_ONLY)  # planned without an actor: the action still spares one
    actions.apply_import(plan, actor=people.dave, allow_mass_leave=True)
    assert active_staff() == {people.dave.staff.employee_number}
    assert active_accounts() == {people.dave.username, people.erin.username}
    entry = AuditEntry.objects.get(action="directory.imported")
    assert entry.detail["left"] == 4 and entry.detail["kept"] == people.dave.username


def test_the_page_needs_the_number_of_leavers_typed_and_spares_the_administrator(
    client, people, tmp_path
):
    full = full_file(tmp_path)
    staff, accounts = active_staff(), active_accounts()
    sign_in(client, people.dave)
    preview = upload(client, HEADER_ONLY)
    assert preview.status_code == 200
    text = html.unescape(preview.text)
    assert "would deactivate 4 of 5 active staff" in text  # Dave is not among them
    assert "within 30 days" in text
    assert f"Your own record ({people.dave.staff.employee_number}" in text
    assert 'name="leavers"' in text

    for typed in ({}, {"leavers": "5"}, {"leavers": "all"}):
        refused = apply(client, **typed)
        assert refused.status_code == 400
        assert "Type 4" in html.unescape(refused.text)
        assert (active_staff(), active_accounts()) == (staff, accounts)

    applied = apply(client, leavers="4")
    assert applied.status_code == 302
    assert active_staff() == {people.dave.staff.employee_number}
    assert active_accounts() == {people.dave.username, people.erin.username}

    # The wrong file was applied: the full one, within 30 days, puts everyone back.
    assert upload(client, full).status_code == 200
    assert apply(client).status_code == 302
    assert (active_staff(), active_accounts()) == (staff, accounts)


def test_an_account_switched_off_by_an_import_over_30_days_ago_stays_off(
    people, tmp_path, monkeypatch
):
    full = full_file(tmp_path)
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() - dt.timedelta(days=31))
    actions.apply_import(plan_import(without(full, people.alice)), allow_mass_leave=True)
    monkeypatch.setattr(timezone, "now", real_now)
    assert people.alice.username not in active_accounts()

    status, out, _err = run_import(tmp_path, full)
    assert status == 0 and "rejoined 1" in out
    assert people.alice.staff.employee_number in active_staff()
    # She really left and came back: an administrator decides about her account.
    assert people.alice.username not in active_accounts()


def test_an_account_switched_on_again_is_not_restored_twice(people, tmp_path):
    """After an account came back, a later departure it was not switched off by (an
    administrator turned it off meanwhile) does not turn it on again."""
    full = full_file(tmp_path)
    actions.apply_import(plan_import(HEADER_ONLY), allow_mass_leave=True)
    actions.apply_import(plan_import(full))
    assert people.alice.username in active_accounts()
    User.objects.filter(pk=people.alice.pk).update(is_active=False)  # an administrator's call
    actions.apply_import(plan_import(without(full, people.alice)), allow_mass_leave=True)
    actions.apply_import(plan_import(full))
    assert people.alice.staff.employee_number in active_staff()
    assert people.alice.username not in active_accounts()


def test_an_import_never_switches_off_the_auditors_account(people, org):
    """An administrator must not silence the person who reads their traces with an HR
    file: the auditor's staff record leaves, their account stays (changed only with
    `renraku account role`)."""
    from renraku.directory.actions import apply_import
    from renraku.directory.exporting import export_csv
    from renraku.directory.importing import plan_import

    rows = [line for line in export_csv().splitlines() if people.erin.username not in line]
    plan = plan_import(("\r\n".join(rows) + "\r\n").encode(), actor=people.dave)
    apply_import(plan, actor=people.dave, allow_mass_leave=True)
    people.erin.refresh_from_db()
    assert people.erin.staff.is_active is False and people.erin.is_active is True
