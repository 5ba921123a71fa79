"""Crafted query and form values (as an attacker sends them) are refused with a 400 in
Japanese, and nothing changes: "²".isdigit() is True but int("²") fails, so numbers are
parsed as ASCII digits only.

Dave is an administrator and hosts (conftest); Alice and Bob take part."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from renraku.audit.models import AuditEntry
from renraku.dialogues import actions
from renraku.dialogues.models import Concern, Kind, Participant, Slot
from renraku.testing import sign_in

CRAFTED = ["²", "x", "-1", "1.5", "１"]  # superscript, a letter, a sign, a point, full-width


def _refused(response):
    assert response.status_code == 400, response.status_code
    assert 'data-testid="bad-input"' in response.text
    assert "数字で指定してください" in response.text or "年度" in response.text


@pytest.fixture
def held(people, lunch):
    """A lunch chat that has started, with Alice and Bob booked."""
    slot = lunch(seats=4)
    actions.book(slot, people.alice.staff, members=[people.bob.staff])
    Slot.objects.filter(pk=slot.pk).update(start=timezone.now() - dt.timedelta(hours=1))
    return Slot.objects.get(pk=slot.pk)


@pytest.mark.parametrize("value", CRAFTED)
def test_crafted_numbers_in_host_pages_answer_400_in_japanese(client, people, held, value):
    sign_in(client, people.dave)
    for name, query in [
        ("dialogues:host", {"host": value}),
        ("dialogues:directors", {"year": value}),
        ("dialogues:reach", {"year": value}),
        ("dialogues:reach_csv", {"year": value}),
    ]:
        _refused(client.get(reverse(name), query))
    _refused(client.get(reverse("dialogues:manage_slot", args=[held.pk]), {"material": value}))


def test_a_year_out_of_range_is_refused_not_replaced(client, people, host):
    sign_in(client, people.dave)
    _refused(client.get(reverse("dialogues:directors"), {"year": "99999"}))


@pytest.mark.parametrize("value", CRAFTED)
def test_a_crafted_department_on_the_concerns_page_answers_400(client, people, held, value):
    Concern.objects.create(slot=held, text="紙の決裁", topic="DX", published_at=timezone.now())
    sign_in(client, people.alice)
    _refused(client.get(reverse("dialogues:concerns"), {"department": value}))
    assert client.get(reverse("dialogues:concerns"), {"department": ""}).status_code == 200


def test_an_unknown_department_on_the_concerns_page_is_said(client, people, held, org):
    Concern.objects.create(slot=held, text="紙の決裁", topic="DX", published_at=timezone.now())
    sign_in(client, people.alice)
    response = client.get(reverse("dialogues:concerns"), {"department": str(org.som.pk)})
    assert response.status_code == 400 and 'data-testid="bad-input"' in response.text


@pytest.mark.parametrize("value", CRAFTED)
def test_crafted_came_values_change_no_attendance(client, people, held, value):
    alice, _bob = held.participants.order_by("pk")
    sign_in(client, people.dave)
    before = AuditEntry.objects.count()
    response = client.post(
        reverse("dialogues:manage_slot", args=[held.pk]),
        {"action": "attendance", "came": [str(alice.pk), value]},
    )
    _refused(response)
    assert set(Participant.objects.filter(slot=held).values_list("attended", flat=True)) == {True}
    assert AuditEntry.objects.count() == before


def test_someone_elses_participant_is_not_marked_from_this_slot(client, people, held, lunch):
    other = lunch(seats=3, days=9)
    carol = actions.book(other, people.carol.staff).participants.get()
    alice, bob = held.participants.order_by("pk")
    sign_in(client, people.dave)
    response = client.post(
        reverse("dialogues:manage_slot", args=[held.pk]),
        {"action": "attendance", "came": [str(alice.pk), str(carol.pk)]},
    )
    assert response.status_code == 400
    assert Participant.objects.get(pk=bob.pk).attended  # nothing was changed


def test_a_material_that_does_not_exist_is_404_and_a_real_one_downloads(client, people, host):
    council = actions.add_slot(
        kind=Kind.objects.get(code="council"),
        host=host,
        start=timezone.now() + dt.timedelta(days=5),
        seats=10,
    )
    sign_in(client, people.dave)
    url = reverse("dialogues:manage_slot", args=[council.pk])
    pdf = io.BytesIO(b"%PDF-1.4\n%%EOF\n")
    pdf.name = "資料.pdf"
    client.post(url, {"action": "material", "file": pdf})
    material = council.materials.get()
    assert client.get(url, {"material": str(material.pk)}).status_code == 200
    assert client.get(url, {"material": str(material.pk + 1000)}).status_code == 404
