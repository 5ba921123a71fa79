"""Each role against each page: what Alice, Bob, Carol, Dave and Erin may open."""

import pytest
from django.urls import reverse

from renraku.testing import sign_in

# page → the people allowed (everyone else gets 403)
PAGES = {
    "directory": (
        {"alice", "bob", "carol", "dave", "erin"},
        lambda p: reverse("directory:staff_list"),
    ),
    "staff detail": (
        {"alice", "bob", "carol", "dave", "erin"},
        lambda p: reverse("directory:staff_detail", args=[p.alice.username]),
    ),
    "edit 総務部 staff": (
        {"carol", "dave"},
        lambda p: reverse("directory:staff_edit", args=[p.alice.username]),
    ),
    "edit 危機管理部 staff": (
        {"dave"},
        lambda p: reverse("directory:staff_edit", args=[p.bob.username]),
    ),
    "HR import": ({"dave"}, lambda p: reverse("directory:import")),
    "audit log": ({"erin"}, lambda p: reverse("audit:log")),
    "alerts": ({"bob", "dave"}, lambda p: reverse("broadcast:list")),
    "JMA messages": ({"bob", "dave"}, lambda p: reverse("feeds:list")),
}
PEOPLE = ["alice", "bob", "carol", "dave", "erin"]


@pytest.mark.parametrize("person", PEOPLE)
@pytest.mark.parametrize("page", PAGES)
def test_role_matrix(client, people, person, page):
    allowed, url = PAGES[page]
    sign_in(client, getattr(people, person))
    response = client.get(url(people))
    assert response.status_code == (200 if person in allowed else 403)


@pytest.mark.parametrize("person", PEOPLE)
def test_only_administrators_reach_the_django_admin(client, people, person):
    sign_in(client, getattr(people, person))
    response = client.get("/admin/directory/staff/")
    if person == "dave":
        assert response.status_code == 200
    else:
        assert response.status_code == 302 and "/admin/login/" in response.url


@pytest.mark.parametrize("person", PEOPLE)
def test_only_administrators_may_reveal_personal_contacts(client, people, person):
    sign_in(client, getattr(people, person))
    url = reverse("directory:personal_contact", args=[people.alice.username])
    assert client.post(url).status_code == (200 if person == "dave" else 403)


def test_administrator_without_a_verified_code_cannot_use_the_admin(client, people):
    sign_in(client, people.dave, verified=False)
    response = client.get("/admin/directory/staff/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:two_factor_verify"))


def test_the_audit_log_is_not_in_the_django_admin(client, people):
    sign_in(client, people.dave)
    assert client.get("/admin/audit/auditentry/").status_code == 404


def test_admin_changes_are_audited(client, people, org):
    sign_in(client, people.dave)
    response = client.post(
        f"/admin/directory/site/{org.sancha.pk}/change/",
        {
            "code": "S002",
            "name": "三軒茶屋まちづくりセンター（仮庁舎）",
            "kind": "community_center",
            "address": "",
        },
    )
    assert response.status_code == 302
    from renraku.audit.models import AuditEntry

    entry = AuditEntry.objects.get(action="admin.changed")
    assert entry.target == f"directory.site:{org.sancha.pk}"
    assert entry.actor == people.dave.username


def test_administrators_maintain_groups_and_templates_but_not_alerts(client, people):
    sign_in(client, people.dave)
    assert client.get("/admin/broadcast/group/").status_code == 200
    assert client.get("/admin/broadcast/template/add/").status_code == 200
    assert client.get("/admin/broadcast/alert/").status_code == 404
    sign_in(client, people.bob)  # a sender uses them, but does not edit them
    assert client.get("/admin/broadcast/template/").status_code == 302
