from django.urls import reverse

from renraku.audit.models import AuditEntry
from renraku.testing import sign_in


def test_department_admin_edits_own_department_and_it_is_audited(client, people, org):
    sign_in(client, people.carol)
    alice = people.alice.staff  # 総務部, Carol's department
    url = reverse("directory:staff_edit", args=[alice.employee_number])
    response = client.post(
        url,
        {
            "section": org.jinji_ka.pk,
            "site": org.sancha.pk,
            "work_email": "alice@city.example",
            "work_phone": "03-5432-9999",
        },
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert (alice.section, alice.site, alice.work_phone) == (
        org.jinji_ka,
        org.sancha,
        "03-5432-9999",
    )
    entry = AuditEntry.objects.get(action="directory.staff_changed")
    assert entry.detail["after"]["work_phone"] == "03-5432-9999"
    assert entry.detail["before"]["work_phone"] == "03-5432-1111"


def test_department_admin_cannot_edit_another_department(client, people):
    sign_in(client, people.carol)
    bob = people.bob.staff  # 危機管理部
    url = reverse("directory:staff_edit", args=[bob.employee_number])
    assert client.get(url).status_code == 403
    assert client.post(url, {"work_phone": "03-0000-0000"}).status_code == 403


def test_edit_refuses_a_section_of_another_department_and_a_bad_phone(client, people, org):
    sign_in(client, people.dave)
    alice = people.alice.staff
    url = reverse("directory:staff_edit", args=[alice.employee_number])
    response = client.post(
        url,
        {"section": org.gakumu_ka.pk, "site": org.honcho.pk, "work_email": "", "work_phone": "12"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"section", "work_phone"}
    alice.refresh_from_db()
    assert alice.section == org.somu_ka and alice.work_phone == "03-5432-1111"
