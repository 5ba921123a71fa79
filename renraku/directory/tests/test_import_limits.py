"""What the database cannot hold is a row error with its line, found before applying: values
longer than their column, NUL characters, fields too big for the CSV reader. And however
wrong a file is, the problems shown are the first hundred and a count of the rest."""

import html
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from renraku.directory.importing import plan_import
from renraku.directory.models import Staff
from renraku.directory.tests.test_import import csv_bytes, row, run_import
from renraku.testing import sign_in


@pytest.fixture(autouse=True)
def _english_messages():
    with translation.override("en"):
        yield


def upload(client, data):
    return client.post(
        reverse("directory:import"),
        {"file": SimpleUploadedFile("hr.csv", data, content_type="text/csv"), "encoding": "utf-8"},
        HTTP_ACCEPT_LANGUAGE="en",
    )


@pytest.mark.parametrize(
    "too_long, message",
    [
        ({"氏": "山" * 51}, "family name is 51 characters long; at most 50 fit"),
        ({"名": "太" * 51}, "given name is 51 characters long; at most 50 fit"),
        ({"氏カナ": "ヤ" * 101}, "family name (kana) is 101 characters long; at most 100 fit"),
        # Half-width kana is measured as stored: ﾀﾞ becomes one character, ダ.
        ({"名カナ": "ﾀﾞ" * 101}, "given name (kana) is 101 characters long; at most 100 fit"),
        ({"職員番号": "1" * 21}, "employee number '111111111111111111111' is missing or malformed"),
        ({"業務メール": "a" * 242 + "@city.example"}, "work e-mail is 255 characters long"),
        ({"個人メール": "a" * 242 + "@mail.example"}, "personal e-mail is 255 characters long"),
        ({"業務電話": "03-5432-1111" + "1" * 9}, "work phone is 21 characters long"),
        ({"個人携帯": "090-1234-5678" + "-" * 8}, "personal mobile is 21 characters long"),
    ],
)
def test_a_value_longer_than_its_column_is_a_row_error(org, tmp_path, too_long, message):
    status, _out, err = run_import(tmp_path, csv_bytes([row("700001"), row("700002", **too_long)]))
    assert status == 1
    assert f"line 3: {message}" in err
    assert not Staff.objects.exists()


def test_values_that_just_fit_are_imported(org, tmp_path):
    status, _out, _err = run_import(
        tmp_path, csv_bytes([row("7" * 20, 氏="山" * 50, 名="太" * 50, 氏カナ="ヤ" * 100)])
    )
    assert status == 0
    assert Staff.objects.get().family_name == "山" * 50


@pytest.mark.parametrize("column", ["氏", "業務メール", "役職コード", "課係コード"])
def test_a_nul_character_anywhere_in_a_row_is_a_row_error(org, tmp_path, column):
    status, _out, err = run_import(
        tmp_path, csv_bytes([row("700001"), row("700002", **{column: "山\x00田"})])
    )
    assert status == 1
    assert "line 3: contains a NUL character" in err
    assert not Staff.objects.exists()


def test_a_200_kb_field_is_named_by_line_not_a_traceback(org, tmp_path):
    data = csv_bytes([row("700001"), row("700002", 氏="山" * 200_000), row("700003")])
    status, _out, err = run_import(tmp_path, data)
    assert status == 1
    assert "line 3: a field is longer than 131,072 characters" in err
    assert "Traceback" not in err
    assert not Staff.objects.exists()
    plan = plan_import(data)
    assert [e.line for e in plan.errors] == [3]


def test_the_page_names_a_nul_and_a_huge_field_by_line(client, people):
    sign_in(client, people.dave)
    data = csv_bytes([row("700001", 氏="山\x00田"), row("700002", 名="太" * 200_000)])
    response = upload(client, data)
    assert response.status_code == 400
    text = html.unescape(response.text)
    assert "line 2: contains a NUL character" in text
    assert "line 3: a field is longer than 131,072 characters" in text
    assert reverse("directory:import_apply") not in text


def bad_file(rows: int) -> bytes:
    return csv_bytes([row(f"7{n:05d}", 部局コード="NOPE") for n in range(rows)])


def test_the_command_shows_the_first_hundred_problems_and_counts_the_rest(org, tmp_path):
    status, _out, err = run_import(tmp_path, bad_file(1_250))
    assert status == 1
    lines = err.splitlines()
    assert sum(line.startswith("line ") for line in lines) == 100
    assert "line 101: unknown department code 'NOPE'" in err  # the first hundred, in order
    assert "… and 1,150 more problems" in err
    assert "1,250 problem(s); nothing was changed" in err


def test_the_json_errors_are_capped_too(org, tmp_path):
    status, out, _err = run_import(tmp_path, bad_file(250), "--json")
    assert status == 1
    result = json.loads(out)
    assert len(result["errors"]) == 100 and result["more_errors"] == 150


def test_the_page_shows_the_first_hundred_problems_and_counts_the_rest(client, people):
    sign_in(client, people.dave)
    response = upload(client, bad_file(250))
    assert response.status_code == 400
    text = html.unescape(response.text)
    assert text.count("<li>line ") == 100
    assert "250 problems; nothing was changed." in text
    assert "… and 150 more problems" in text
