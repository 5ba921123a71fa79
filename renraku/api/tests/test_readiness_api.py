"""GET /api/v1/readiness with real tokens: the lines `renraku readiness --json` prints, for
administrators (the whole office) and department administrators (their departments, not
by site), and for nobody else; the `directory` scope, never a session."""

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.utils import timezone

from renraku.directory.models import PushSubscription
from renraku.testing import make_staff, sign_in

URL = "/api/v1/readiness"


def cli(by) -> list[dict]:
    out = io.StringIO()
    call_command("readiness", "--json", "--by", by, stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def showed(staff, days_ago):
    """A device of `staff` that last showed a notice `days_ago` days ago."""
    PushSubscription.objects.create(
        staff=staff,
        endpoint=f"https://push.example/{staff.pk}",
        p256dh="x",
        auth="y",
        last_shown_at=timezone.now() - dt.timedelta(days=days_ago),
    )


@pytest.fixture
def ward(people, org):
    """Alice's device showed a notice two days ago, Carol's fifty (silent); one person at
    the school whom nothing reaches."""
    showed(people.alice.staff, 2)
    showed(people.carol.staff, 50)
    make_staff(org, family="学校", department=org.gak, site=org.school)
    return people


def token_create(user, scope) -> str:
    """A token as the server's operator makes one: `renraku token create`."""
    out = io.StringIO()
    args = ["--user", user.username, "--name", "防災システム", "--scope", scope]
    call_command("token", "create", *args, stdout=out)
    return out.getvalue().strip()


@pytest.mark.parametrize("by", ["department", "site"])
def test_an_administrator_gets_the_lines_the_command_prints(api, ward, by):
    raw = token_create(ward.dave, "directory")
    response = api.get(URL, raw, data={"by": by})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body == {"by": by, "lines": cli(by)}
    assert sum(line["staff"] for line in body["lines"]) == 6
    assert sum(line["push"] for line in body["lines"]) == 1  # Carol's device is silent
    assert sum(line["none"] for line in body["lines"]) == 1  # the school's one


def test_by_department_is_the_default(api, ward):
    raw = api.token(ward.dave, "directory")
    assert api.get(URL, raw).json() == {"by": "department", "lines": cli("department")}


def test_a_department_administrator_gets_their_own_departments_only(api, ward):
    raw = api.token(ward.carol, "directory")  # 総務部
    response = api.get(URL, raw)
    assert response.status_code == 200
    [som] = [line for line in cli("department") if line["code"] == "SOM"]
    assert response.json() == {"by": "department", "lines": [som]}
    assert "危機管理部" not in response.content.decode()
    # Sites cut across departments: as on the page, only the whole office by site.
    by_site = api.get(URL, raw, data={"by": "site"})
    assert by_site.status_code == 403 and "site" in by_site.json()["error"]


@pytest.mark.parametrize("person", ["alice", "bob", "erin"])
def test_staff_senders_and_the_auditor_are_refused(api, ward, person):
    raw = api.token(getattr(ward, person), "directory")
    response = api.get(URL, raw)
    assert response.status_code == 403
    assert "administrators" in response.json()["error"]
    assert "lines" not in response.json()


def test_a_token_without_the_directory_scope_is_refused(api, ward):
    raw = api.token(ward.dave, "alerts", "bulletin")
    response = api.get(URL, raw)
    assert response.status_code == 403 and response.json()["scope"] == "directory"


def test_a_revoked_token_or_none_or_a_session_gets_401(api, client, ward):
    raw = api.token(ward.dave, "directory")
    call_command("token", "revoke", raw[:10], stdout=io.StringIO())
    assert api.get(URL, raw).status_code == 401
    assert client.get(URL).status_code == 401
    sign_in(client, ward.dave)  # past two-factor: still a token's endpoint only
    assert client.get(URL).status_code == 401


def test_an_unknown_grouping_is_refused_with_the_reason(api, ward):
    raw = api.token(ward.dave, "directory")
    response = api.get(URL, raw, data={"by": "section"})
    assert response.status_code == 400
    [problem] = response.json()["errors"]
    assert "department" in problem and "site" in problem


def test_the_schema_describes_the_readiness_endpoint(client, ward):
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"][URL]["get"]
    assert {"200", "401", "403", "429"} <= set(operation["responses"])
    [by] = [p for p in operation["parameters"] if p["name"] == "by"]
    assert by["schema"]["enum"] == ["department", "site"]
    line = schema["components"]["schemas"]["ReadinessLine"]["properties"]
    assert set(line) == set(cli("department")[0])
