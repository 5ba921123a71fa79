"""An export opened in Excel runs no formula from the directory's data, and still imports
back unchanged."""

import io

import pytest
from django.core.management import call_command

from renraku.csvsafe import neutralise, restore
from renraku.directory.importing import plan_import
from renraku.directory.models import Staff
from renraku.directory.tests.test_import import csv_bytes, row, run_import


@pytest.mark.parametrize(
    "value, cell",
    [
        ("=1+2", "'=1+2"),
        ("+81", "'+81"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("山田", "山田"),
        ("a=b", "a=b"),
        ("'quoted", "'quoted"),
        ("'=already", "''=already"),  # one more quote, so restore gives back the quote
        ("", ""),
        (None, ""),
        (42, "42"),
    ],
)
def test_cells_a_spreadsheet_would_run_get_a_quote_and_come_back(value, cell):
    assert neutralise(value) == cell
    assert restore(cell) == ("" if value is None else str(value))


def test_the_export_quotes_formulas_and_imports_back_unchanged(org, tmp_path):
    status, _out, err = run_import(
        tmp_path,
        csv_bytes(
            [
                row("700001", 氏="=1+2", 名="-太郎", 業務メール="+tag@city.example"),
                row("700002", 氏="@山田", 個人メール="-x@mail.example"),
                row("-70003"),
            ]
        ),
    )
    assert status == 0, err
    exported = tmp_path / "export.csv"
    call_command("org", "export", str(exported), stderr=io.StringIO())
    text = exported.read_bytes().decode("utf-8-sig")
    for cell in ("'=1+2", "'-太郎", "'+tag@city.example", "'@山田"):
        assert f",{cell}," in text
    assert ",'-x@mail.example," in text
    assert "\r\n'-70003," in text
    assert ",=" not in text and ",-" not in text and ",+" not in text and ",@" not in text

    plan = plan_import(exported.read_bytes())
    assert plan.ok, plan.errors
    assert (plan.unchanged, plan.joined, plan.updated, plan.left) == (3, [], [], [])
    status, out, _err = run_import(tmp_path, exported.read_bytes())
    assert status == 0 and "unchanged 3" in out
    first = Staff.objects.get(employee_number="700001")
    assert (first.family_name, first.given_name, first.work_email) == (
        "=1+2",
        "-太郎",
        "+tag@city.example",
    )
    assert Staff.objects.get(employee_number="700002").family_name == "@山田"
