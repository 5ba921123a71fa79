"""The pages senders and the headquarters use: start, status, raise and stand down,
reassign, the post's QR code; and who may use them."""

import pytest
from django.urls import reverse

from renraku.audit.models import AuditEntry
from renraku.mobilise.models import Callup, Mobilisation
from renraku.testing import sign_in


def test_a_sender_starts_a_drill_at_level_3_from_the_page(
    client, ward, people, smtp, django_capture_on_commit_callbacks
):
    sign_in(client, people.bob)
    page = client.get(reverse("mobilise:start"))
    assert page.status_code == 200 and "第2次非常配備" in page.text
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("mobilise:start"), {"level": "3", "drill": "on"})
    assert len(smtp.to("alice@city.example")) == 1
    m = Mobilisation.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "mobilise:status", args=[m.pk]
    )
    assert m.alert.is_drill and m.started_by == people.bob and m.callups.count() == 4
    assert AuditEntry.objects.filter(action="mobilise.started").exists()


@pytest.mark.parametrize("level", ["9", "x", "", "３"])
def test_an_unknown_level_is_refused_and_starts_nothing(client, ward, people, level):
    sign_in(client, people.bob)
    response = client.post(reverse("mobilise:start"), {"level": level})
    assert response.status_code == 400
    assert not Mobilisation.objects.exists()


@pytest.mark.parametrize("who", ["alice", "carol", "dave", "erin"])
def test_only_those_who_may_alert_everyone_start_one(client, ward, people, who):
    sign_in(client, getattr(people, who))
    assert client.post(reverse("mobilise:start"), {"level": "3"}).status_code == 403
    assert not Mobilisation.objects.exists()


@pytest.fixture
def started(client, ward, people):
    sign_in(client, people.bob)
    client.post(reverse("mobilise:start"), {"level": "3"})
    return Mobilisation.objects.get()


def test_the_status_page_lists_posts_and_teams_short_first(
    client, started, people, django_assert_max_num_queries
):
    with django_assert_max_num_queries(20):
        page = client.get(reverse("mobilise:status", args=[started.pk]))
    assert page.status_code == 200
    text = page.text
    assert 'data-testid="mobilise-site"' in text and 'data-testid="mobilise-team"' in text
    assert text.index("区立池尻小学校") < text.index("本庁舎")  # short by 2 before short by 1


@pytest.mark.parametrize(
    "who, code", [("alice", 403), ("carol", 403), ("erin", 403), ("dave", 200)]
)
def test_who_sees_the_status(client, started, people, who, code):
    sign_in(client, getattr(people, who))
    assert client.get(reverse("mobilise:status", args=[started.pk])).status_code == code
    assert client.get(reverse("mobilise:poster", args=[started.pk, "S001"])).status_code == code


def test_raising_and_standing_down_from_the_page(client, started, people, smtp):
    client.post(reverse("mobilise:raise", args=[started.pk]), {"level": "4"})
    started.refresh_from_db()
    assert started.level == 4 and started.callups.count() == 6
    client.post(reverse("mobilise:stand_down", args=[started.pk]), {"level": "3"})
    started.refresh_from_db()
    assert started.level == 3
    assert started.callups.filter(stood_down_at__isnull=False).count() == 2
    response = client.post(
        reverse("mobilise:raise", args=[started.pk]), {"level": "2"}, follow=True
    )
    assert started.callups.count() == 6 and "notice error" in response.text


def test_someone_who_may_not_mobilise_cannot_raise(client, started, people):
    sign_in(client, people.dave)  # an administrator, not a sender
    client.post(reverse("mobilise:raise", args=[started.pk]), {"level": "4"})
    started.refresh_from_db()
    assert started.level == 3 and started.callups.count() == 4


def test_reassigning_from_the_page(
    client, started, people, smtp, django_capture_on_commit_callbacks
):
    alice = people.alice.staff
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("mobilise:assign", args=[started.pk]),
            {"staff": alice.employee_number, "site": "S001"},
        )
    assert Callup.objects.get(staff=alice).site.code == "S001"
    assert len(smtp.to("alice@city.example")) == 1  # the start was not sent here
    assert AuditEntry.objects.filter(action="mobilise.reassigned").exists()
    client.post(reverse("mobilise:assign", args=[started.pk]), {"staff": "nobody", "site": "S003"})
    assert Callup.objects.get(staff=alice).site.code == "S001"


def test_the_poster_carries_the_qr_code_of_the_arrival_page(client, started):
    page = client.get(reverse("mobilise:poster", args=[started.pk, "S003"]))
    assert "<svg" in page.text and "<?xml" not in page.text
    assert reverse("mobilise:arrive", args=[started.pk, "S003"]) in page.text


def test_the_menu_leads_to_the_call_ups_and_from_there_to_each_and_to_start_one(
    client, started, people
):
    sign_in(client, people.bob)
    home = client.get(reverse("home")).text
    assert reverse("mobilise:index") in home
    page = client.get(reverse("mobilise:index"))
    assert page.status_code == 200
    assert reverse("mobilise:status", args=[started.pk]) in page.text
    assert reverse("mobilise:start") in page.text
    # Who may watch but not call up (an administrator here) sees no button to start one.
    sign_in(client, people.dave)
    page = client.get(reverse("mobilise:index"))
    assert reverse("mobilise:status", args=[started.pk]) in page.text
    assert reverse("mobilise:start") not in page.text
