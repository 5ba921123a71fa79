from django.urls import reverse

from renraku.audit.models import AuditEntry
from renraku.testing import sign_in


def test_an_administrator_sees_a_personal_mobile_and_the_look_is_audited(client, people):
    sign_in(client, people.dave)
    alice = people.alice.staff
    page = client.get(reverse("directory:staff_detail", args=[alice.employee_number]))
    assert "090-1111-2222" not in page.text  # not with the page: only on request
    shown = client.post(
        reverse("directory:personal_contact", args=[alice.employee_number]),
        {"reason": "台風で連絡不通"},
        REMOTE_ADDR="10.0.0.7",
    )
    assert "090-1111-2222" in shown.text
    entry = AuditEntry.objects.get(action="directory.personal_contact_viewed")
    assert entry.actor == people.dave.username
    assert entry.target == f"staff:{alice.employee_number}"
    assert entry.detail == {"reason": "台風で連絡不通"}
    assert entry.ip == "10.0.0.7"


def test_staff_cannot_see_a_personal_mobile_and_the_try_is_recorded(client, people):
    bob_number = people.bob.staff.employee_number
    sign_in(client, people.alice)
    page = client.get(reverse("directory:staff_detail", args=[bob_number]))
    assert reverse("directory:personal_contact", args=[bob_number]) not in page.text
    response = client.post(reverse("directory:personal_contact", args=[people.alice.username]))
    assert response.status_code == 403
    assert "090-1111-2222" not in response.text
    assert AuditEntry.objects.filter(action="directory.personal_contact_refused").count() == 1
    assert not AuditEntry.objects.filter(action="directory.personal_contact_viewed").exists()


def test_personal_contact_is_not_reachable_by_get(client, people):
    sign_in(client, people.dave)
    response = client.get(reverse("directory:personal_contact", args=[people.alice.username]))
    assert response.status_code == 405
