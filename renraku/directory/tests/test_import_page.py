import html

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from renraku.audit.models import AuditEntry
from renraku.directory.models import Staff
from renraku.directory.tests.test_import import csv_bytes, row
from renraku.testing import sign_in


def upload(client, data, encoding="utf-8"):
    return client.post(
        reverse("directory:import"),
        {
            "file": SimpleUploadedFile("hr.csv", data, content_type="text/csv"),
            "encoding": encoding,
        },
    )


def test_administrator_previews_then_applies_an_import(client, people):
    sign_in(client, people.dave)
    before = Staff.objects.count()
    preview = upload(
        client,
        csv_bytes(
            [row("700001"), row("700002", 職位コード="DIR", 課係コード="")], encoding="cp932"
        ),
        encoding="cp932",
    )
    assert preview.status_code == 200
    assert preview.context["plan"].joined == ["700001", "700002"]
    assert preview.context["new_directors"] == [("700002", "山田 太郎")]
    assert Staff.objects.count() == before  # nothing yet: a preview only

    # Four of the five leave (Dave, applying it, stays): that needs the number typed.
    applied = client.post(reverse("directory:import_apply"), {"leavers": "4"})
    assert applied.status_code == 302
    # Everyone else not in the file has left: this file is the whole ward now.
    assert set(Staff.objects.active().values_list("employee_number", flat=True)) == {
        "700001",
        "700002",
        people.dave.staff.employee_number,
    }
    entry = AuditEntry.objects.get(action="directory.imported")
    assert entry.actor == people.dave.username and entry.detail["joined"] == 2


def test_a_bad_file_lists_its_rows_and_offers_nothing_to_apply(client, people):
    sign_in(client, people.dave)
    response = upload(client, csv_bytes([row("700001", 勤務地コード="S999"), row("700002")]))
    assert response.status_code == 400
    assert "2行目：勤務地コード 'S999' は登録されていません" in html.unescape(response.text)
    assert reverse("directory:import_apply") not in response.text
    assert client.post(reverse("directory:import_apply")).status_code == 302
    assert not Staff.objects.filter(employee_number__startswith="7000").exists()


def test_a_file_that_is_not_csv_is_refused_clearly(client, people):
    sign_in(client, people.dave)
    response = upload(client, b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe")
    assert response.status_code == 400
    assert "cp932" in response.text


def test_applying_twice_does_not_apply_twice(client, people):
    sign_in(client, people.dave)
    upload(client, csv_bytes([row("700001")]))
    client.post(reverse("directory:import_apply"), {"leavers": "4"})
    client.post(reverse("directory:import_apply"), {"leavers": "4"})
    assert AuditEntry.objects.filter(action="directory.imported").count() == 1


def test_department_admins_cannot_import(client, people):
    sign_in(client, people.carol)
    assert upload(client, csv_bytes([row()])).status_code == 403
    assert client.post(reverse("directory:import_apply")).status_code == 403


def test_an_upload_never_applied_is_deleted_after_an_hour(client, people):
    import time

    from renraku.directory.tasks import STALE_UPLOAD_SECONDS, remove_stale_import_uploads
    from renraku.directory.views import IMPORT_UPLOAD_DIR

    sign_in(client, people.dave)
    upload(client, csv_bytes([row("700001")]))
    token = client.session["pending_import"]["token"]
    path = IMPORT_UPLOAD_DIR / f"{token}.csv"
    assert path.exists()
    assert remove_stale_import_uploads() == 0
    assert remove_stale_import_uploads(now=time.time() + STALE_UPLOAD_SECONDS + 1) >= 1
    assert not path.exists()
    response = client.post(reverse("directory:import_apply"))
    assert response.status_code == 302  # back to the upload form, nothing applied
    assert not Staff.objects.filter(employee_number="700001").exists()
