"""The HR file's LINE WORKS ID column: read, checked by line, kept when absent, written back
by the export, and shown on the person's own page."""

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from renraku.directory.importing import plan_import
from renraku.directory.models import Staff
from renraku.directory.tests.test_import import HEADER, csv_bytes, row, run_import
from renraku.testing import sign_in


@pytest.fixture(autouse=True)
def _english_messages():
    with translation.override("en"):
        yield


def line_works_id(number: str) -> str:
    return Staff.objects.get(employee_number=number).line_works_id


def test_the_hr_file_sets_each_persons_line_works_id(org, tmp_path):
    rows = [
        row("700001", **{"LINE WORKS ID": "taro.yamada@ward.example"}),
        # typed in full width: folded as the other columns are
        row("700002", **{"LINE WORKS ID": "ｈａｎａｋｏ＠ｗａｒｄ．ｅｘａｍｐｌｅ"}),
        row("700003"),  # optional: nobody has to have one
    ]
    status, _out, err = run_import(tmp_path, csv_bytes(rows))
    assert status == 0, err
    assert line_works_id("700001") == "taro.yamada@ward.example"
    assert line_works_id("700002") == "hanako@ward.example"
    assert line_works_id("700003") == ""


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (
            "taro yamada",
            "line 3: malformed LINE WORKS ID 'taro yamada' (letters, digits and . _ @ + - only)",
        ),
        ("山田@ward.example", "line 3: malformed LINE WORKS ID '山田@ward.example'"),
        ("a/../bots", "line 3: malformed LINE WORKS ID 'a/../bots'"),
        ("-taro@ward.example", "line 3: malformed LINE WORKS ID '-taro@ward.example'"),
        ("a" * 101, "line 3: LINE WORKS ID is 101 characters long; at most 100 fit"),
    ],
)
def test_a_bad_line_works_id_is_a_line_error_and_nothing_changes(org, tmp_path, value, problem):
    first = csv_bytes([row("700001", **{"LINE WORKS ID": "taro@ward.example"})])
    assert run_import(tmp_path, first)[0] == 0
    rows = [
        row("700001", **{"LINE WORKS ID": "new.taro@ward.example"}),
        row("700002", **{"LINE WORKS ID": value}),
    ]
    status, _out, err = run_import(tmp_path, csv_bytes(rows))
    assert status == 1 and problem in err, err
    assert "nothing was changed" in err
    assert line_works_id("700001") == "taro@ward.example"
    assert not Staff.objects.filter(employee_number="700002").exists()


def test_a_file_without_the_column_keeps_everyones_id(org, tmp_path):
    first = csv_bytes([row("700001", **{"LINE WORKS ID": "taro@ward.example"})])
    assert run_import(tmp_path, first)[0] == 0
    without = [h for h in HEADER if h != "LINE WORKS ID"]
    status, _out, _ = run_import(tmp_path, csv_bytes([row("700001", 氏="佐藤")], header=without))
    assert status == 0
    assert line_works_id("700001") == "taro@ward.example"
    assert Staff.objects.get(employee_number="700001").family_name == "佐藤"


def test_a_changed_id_is_counted_as_an_update(org, tmp_path):
    assert run_import(tmp_path, csv_bytes([row("700001"), row("700002")]))[0] == 0
    changed = csv_bytes([row("700001", **{"LINE WORKS ID": "taro@ward.example"}), row("700002")])
    _status, out, _ = run_import(tmp_path, changed, "--dry-run", "--json")
    assert (json.loads(out)["updated"], json.loads(out)["unchanged"]) == (1, 1)
    assert line_works_id("700001") == ""  # a dry run
    assert run_import(tmp_path, changed)[0] == 0
    assert line_works_id("700001") == "taro@ward.example"


def test_the_export_writes_the_ids_back_and_imports_unchanged(org, tmp_path):
    rows = [
        row("700001", **{"LINE WORKS ID": "taro.yamada@ward.example"}),
        row("700002", **{"LINE WORKS ID": "userf7da-f82c-4284-13e7-030f3b4c756x"}),
        row("700003"),
    ]
    assert run_import(tmp_path, csv_bytes(rows))[0] == 0
    exported = tmp_path / "export.csv"
    call_command("org", "export", str(exported), stderr=io.StringIO())
    data = exported.read_bytes()
    read = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert {r["職員番号"]: r["LINE WORKS ID"] for r in read} == {
        "700001": "taro.yamada@ward.example",
        "700002": "userf7da-f82c-4284-13e7-030f3b4c756x",
        "700003": "",
    }
    plan = plan_import(data)
    assert plan.ok and plan.unchanged == 3
    assert (plan.joined, plan.moved, plan.updated, plan.left) == ([], [], [], [])


def test_the_id_is_shown_to_the_person_and_to_administrators_only(client, people, tmp_path):
    # HR exports the directory, fills in Alice's id and imports the file again.
    exported = tmp_path / "export.csv"
    call_command("org", "export", str(exported), stderr=io.StringIO())
    read = list(csv.DictReader(io.StringIO(exported.read_bytes().decode("utf-8-sig"))))
    for r in read:
        if r["職員番号"] == people.alice.staff.employee_number:
            r["LINE WORKS ID"] = "alice@ward.example"
    status, _out, err = run_import(tmp_path, csv_bytes(read, header=list(read[0])))
    assert status == 0, err
    page = reverse("directory:staff_detail", args=[people.alice.staff.employee_number])
    for user, shown in ((people.alice, True), (people.dave, True), (people.bob, False)):
        sign_in(client, user)
        assert ("alice@ward.example" in client.get(page).text) is shown, user
