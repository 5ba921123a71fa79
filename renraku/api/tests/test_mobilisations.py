"""Mobilisation (参集) over the API with real tokens: start (once per Idempotency-Key), raise,
and the status by post and team as the command line prints it."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from renraku.accounts.models import Role
from renraku.api.models import IdempotencyKey
from renraku.audit.models import AuditEntry
from renraku.broadcast.models import Alert
from renraku.directory.models import DeploymentLevel, MinimumStaffing, Staff, Team
from renraku.mobilise.models import Callup, Mobilisation
from renraku.testing import make_staff, make_user


@pytest.fixture
def ward(org, people):
    """Bob at level 1 (head office), Alice and Carol at 3 (the school, the head office),
    Erin at 4, Dave only when everyone is. Level 3 needs 2 at the school."""
    for number, name in enumerate(["警戒配備", "第1次非常配備", "第2次非常配備", "全職員配備"], 1):
        DeploymentLevel.objects.get_or_create(number=number, defaults={"name": name})
    team = Team.objects.create(code="HONBU", name="本部班", order=1)
    plan = {
        people.bob.staff: (1, org.honcho),
        people.alice.staff: (3, org.school),
        people.carol.staff: (3, org.honcho),
        people.erin.staff: (4, org.honcho),
        people.dave.staff: (None, org.school),
    }
    for staff, (level, site) in plan.items():
        Staff.objects.filter(pk=staff.pk).update(
            callup_level=level, callup_site=site, callup_team=team
        )
    three = DeploymentLevel.objects.get(number=3)
    MinimumStaffing.objects.create(level=three, site=org.school, minimum=2)
    return org


def cli_status(mobilisation_id, by) -> list:
    out = StringIO()
    call_command("mobilise", "status", str(mobilisation_id), "--by", by, "--json", stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def nothing_started():
    return not (Mobilisation.objects.exists() or Alert.objects.exists())


def test_a_sender_starts_a_drill_at_level_3_once_per_key(api, ward, people, smtp):
    raw = api.token(people.bob, "alerts")
    first = api.post("/api/v1/mobilisations", raw, {"level": 3, "drill": True}, key="jma-1")
    assert first.status_code == 201, first.content
    body = first.json()
    assert body == {"id": body["id"], "level": 3, "called": 3}  # Bob, Alice, Carol
    alert = Alert.objects.get(pk=body["id"])
    assert alert.is_drill and alert.sender == people.bob
    assert len(smtp.to("alice@city.example")) == 1
    assert smtp.to("erin@city.example") == []
    [started] = AuditEntry.objects.filter(action="mobilise.started")
    assert started.actor_user_id == people.bob.pk
    again = api.post("/api/v1/mobilisations", raw, {"level": 3, "drill": True}, key="jma-1")
    assert (again.status_code, again.json()) == (200, body)
    assert Mobilisation.objects.count() == 1 and len(smtp.to("alice@city.example")) == 1
    other = api.post("/api/v1/mobilisations", raw, {"level": 4, "drill": True}, key="jma-1")
    assert other.status_code == 422 and "Idempotency-Key" in other.json()["error"]
    assert Mobilisation.objects.count() == 1


@pytest.mark.parametrize(
    "payload, problem",
    [
        ({"level": 9}, "9"),
        ({"level": "三"}, "level"),
        ({}, "level"),
        ({"level": 3, "title": "長" * 101}, "100"),
        ({"level": 3, "title": "一行目\n二行目"}, ""),
        ({"level": 3, "drill": "maybe"}, "drill"),
    ],
)
def test_bad_input_is_refused_with_the_reason_and_starts_nothing(
    api, ward, people, smtp, payload, problem
):
    raw = api.token(people.bob, "alerts")
    response = api.post("/api/v1/mobilisations", raw, payload, key="k")
    assert response.status_code == 400, response.content
    assert response.json()["errors"] and problem in " ".join(response.json()["errors"])
    assert nothing_started() and not IdempotencyKey.objects.exists()
    assert not smtp.messages


def test_only_those_who_may_alert_everyone_start_one(api, client, ward, org, people, smtp):
    scoped = make_user(make_staff(org, family="関", given="涼"), Role.SENDER)
    scoped.scope_departments.add(org.som)
    for user in (people.alice, people.dave, people.erin, scoped):
        raw = api.token(user, "alerts")
        assert api.post("/api/v1/mobilisations", raw, {"level": 3}).status_code == 403
    no_scope = api.token(people.bob, "directory")
    refused = api.post("/api/v1/mobilisations", no_scope, {"level": 3})
    assert refused.status_code == 403 and refused.json()["scope"] == "alerts"
    client.force_login(people.bob)  # a browser session without its second factor
    session = client.post("/api/v1/mobilisations", {"level": 3})
    assert session.status_code == 403 and "two-factor" in session.json()["error"]
    assert nothing_started()


def test_status_by_post_and_team_is_what_the_command_line_prints(api, ward, people, smtp):
    raw = api.token(people.bob, "alerts")
    m = api.post("/api/v1/mobilisations", raw, {"level": 3}).json()
    call_command("mobilise", "arrive", str(m["id"]), "--staff", people.alice.staff.employee_number)
    admin = api.token(people.dave, "alerts")  # administrators see mobilisations too
    for by in ("site", "team"):
        response = api.get(f"/api/v1/mobilisations/{m['id']}/status?by={by}", admin)
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["lines"] == cli_status(m["id"], by)
        assert (body["id"], body["level"], body["open"], body["by"]) == (m["id"], 3, True, by)
    school = api.get(f"/api/v1/mobilisations/{m['id']}/status", raw).json()["lines"][0]
    assert (school["code"], school["arrived"], school["required"], school["short_by"]) == (
        "S003", 1, 2, 1,
    )  # fmt: skip


def test_status_refuses_a_bad_by_an_unknown_id_and_staff(api, ward, people, smtp):
    raw = api.token(people.bob, "alerts")
    m = api.post("/api/v1/mobilisations", raw, {"level": 3}).json()
    bad = api.get(f"/api/v1/mobilisations/{m['id']}/status?by=floor", raw)
    assert bad.status_code == 400 and bad.json()["errors"]
    assert api.get("/api/v1/mobilisations/99999/status", raw).status_code == 404
    alice = api.token(people.alice, "alerts")
    assert api.get(f"/api/v1/mobilisations/{m['id']}/status", alice).status_code == 403


def test_raising_calls_only_those_newly_called_and_a_lower_level_is_refused(
    api, ward, people, smtp
):
    raw = api.token(people.bob, "alerts")
    m = api.post("/api/v1/mobilisations", raw, {"level": 3}).json()
    raised = api.post(f"/api/v1/mobilisations/{m['id']}/raise", raw, {"level": 4})
    assert raised.status_code == 200, raised.content
    assert raised.json() == {"id": m["id"], "level": 4, "called": 2}  # Erin and Dave
    assert len(smtp.to("alice@city.example")) == 1 and len(smtp.to("erin@city.example")) == 1
    again = api.post(f"/api/v1/mobilisations/{m['id']}/raise", raw, {"level": 2})
    assert again.status_code == 400 and again.json()["errors"]
    assert Mobilisation.objects.get().level == 4 and Callup.objects.count() == 5
    alice = api.token(people.alice, "alerts")
    refused = api.post(f"/api/v1/mobilisations/{m['id']}/raise", alice, {"level": 4})
    assert refused.status_code == 403
    assert api.post("/api/v1/mobilisations/99999/raise", raw, {"level": 4}).status_code == 404


def test_the_schema_lists_the_mobilisation_endpoints(client, db):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    start = paths["/api/v1/mobilisations"]["post"]
    assert any(p["name"] == "Idempotency-Key" for p in start["parameters"])
    assert {"201", "200", "400", "403", "422"} <= set(start["responses"])
    assert "/api/v1/mobilisations/{mobilisation_id}/status" in paths
    assert "/api/v1/mobilisations/{mobilisation_id}/raise" in paths
