"""Drills and reception tests over the API with real tokens: schedule a drill in a window
(once per Idempotency-Key), list and cancel scheduled drills, the drill report as `renraku
drill report --json` prints it, send a reception test and read its report. Senders
schedule and send within their scope; senders and administrators read; everyone else is
refused, and so is a token without the `alerts` scope. The moment a drill goes out is in
no answer."""

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.utils import timezone, translation
from django.utils.translation import gettext

from renraku.accounts.models import Role
from renraku.api.models import IdempotencyKey
from renraku.audit.models import AuditEntry
from renraku.broadcast.models import Alert
from renraku.drills import schedule
from renraku.drills.models import ReceptionTest, ScheduledDrill
from renraku.notices.models import Recipient
from renraku.testing import make_staff, make_user, sign_in

DRILLS = "/api/v1/drills"
TESTS = "/api/v1/reception-tests"


@pytest.fixture(autouse=True)
def _mail(smtp):
    """Drills and tests go out by e-mail to the SMTP stand-in on loopback."""


@pytest.fixture
def kik_sender(org):
    """A sender whose scope is 危機管理部 only."""
    staff = make_staff(org, family="防災", department=org.kik, work_email="kik@city.example")
    user = make_user(staff, Role.SENDER)
    user.scope_departments.add(org.kik)
    return user


def tomorrow(hour, minute=0) -> str:
    """Tomorrow at hour:minute, Tokyo time, as an integration would write it (no zone)."""
    day = timezone.localdate() + dt.timedelta(days=1)
    return f"{day.isoformat()}T{hour:02d}:{minute:02d}"


def between(start_hour=6, end_hour=8) -> list[str]:
    return [tomorrow(start_hour), tomorrow(end_hour)]


def moment_texts(drill: ScheduledDrill) -> list[str]:
    """The ways a moment could be written in an answer, unless it happens to be an end of
    the window (which answers show, rightly)."""
    if drill.send_at in (drill.window_start, drill.window_end):
        return []
    local = timezone.localtime(drill.send_at)
    utc = drill.send_at.astimezone(dt.UTC)
    return [local.isoformat(), utc.isoformat(), f"{local:%H:%M:%S}", f"{utc:%H:%M:%S}"]


def assert_no_moment(response, drills=None):
    text = response.content.decode()
    assert "send_at" not in text
    for drill in drills if drills is not None else ScheduledDrill.objects.all():
        for written in moment_texts(drill):
            assert written not in text, f"the moment {written} is in {text}"


def in_japanese(message: str) -> str:
    """What the API says (in Japanese, the office's language) for one of the drills app's
    messages; the request checks' own words (field names, codes) are as given."""
    with translation.override("ja"):
        return gettext(message)


def cli(*args) -> list[dict]:
    out = io.StringIO()
    call_command("drill", *args, "--json", stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


# --- Scheduling ---------------------------------------------------------------------------


def test_a_sender_schedules_a_drill_once_per_key_and_never_sees_its_moment(api, people):
    raw = api.token(people.bob, "alerts")
    body = {"audience": "departments=SOM", "between": between(), "title": "早朝訓練"}
    first = api.post(DRILLS, raw, body, key="drill-2026-12")
    assert first.status_code == 201, first.content
    drill = ScheduledDrill.objects.get()
    assert first.json() == {"id": drill.pk, "between": schedule.window(drill)}
    assert first.json()["between"][0].startswith(tomorrow(6))
    assert first.json()["between"][0].endswith("+09:00")
    assert (drill.title, drill.audience, drill.created_by) == (
        "早朝訓練",
        {"departments": ["SOM"]},
        people.bob,
    )
    assert drill.window_start <= drill.send_at <= drill.window_end and drill.alert is None
    assert_no_moment(first)
    [audited] = AuditEntry.objects.filter(action="drills.scheduled")
    assert audited.actor_user_id == people.bob.pk

    # The same request again (its audience written as selectors): the same drill.
    again = api.post(
        DRILLS, raw, body | {"audience": {"departments": ["SOM"]}}, key="drill-2026-12"
    )
    assert (again.status_code, again.json()) == (200, first.json())
    assert_no_moment(again)
    other = api.post(DRILLS, raw, body | {"title": "別の訓練"}, key="drill-2026-12")
    assert other.status_code == 422 and "Idempotency-Key" in other.json()["error"]
    assert ScheduledDrill.objects.count() == 1
    # Without a key, each request schedules one.
    assert api.post(DRILLS, raw, body).status_code == 201
    assert ScheduledDrill.objects.count() == 2


def test_the_key_of_a_drill_is_not_the_key_of_an_alert(api, people):
    raw = api.token(people.bob, "alerts")
    test = api.post(TESTS, raw, {"audience": "all"}, key="same")
    assert test.status_code == 201
    drill = api.post(DRILLS, raw, {"audience": "all", "between": between()}, key="same")
    assert drill.status_code == 422
    assert not ScheduledDrill.objects.exists()


@pytest.mark.parametrize(
    "change, problem",
    [
        ({"between": [tomorrow(8), tomorrow(6)]}, "The window must end after it starts."),
        ({"between": [tomorrow(6), tomorrow(6)]}, "The window must end after it starts."),
        ({"between": ["2020-01-01T06:00", "2020-01-01T08:00"]}, "The window starts in the past."),
        ({"between": [tomorrow(6), "2099-01-01T08:00"]}, "The window may be at most 7 days long."),
        (
            {"between": ["2099-01-01T06:00", "2099-01-01T08:00"]},
            "The window must start within a year.",
        ),
        ({"between": ["next tuesday", tomorrow(8)]}, "next tuesday"),
        ({"between": [tomorrow(6)]}, "between"),
        ({"between": [tomorrow(6), tomorrow(7), tomorrow(8)]}, "between"),
        ({"between": "2026-12-08T06:00/08:00"}, "between"),
        ({"audience": {"departments": ["NOPE"]}}, "NOPE"),
        ({"audience": {"departments": "SOM"}}, "audience.departments"),
        ({"audience": "departments=NOPE"}, "NOPE"),
        ({"title": "長" * 101}, "The title is longer than 100 characters."),
        ({"title": "一行目\n二行目"}, ""),
    ],
)
def test_a_bad_window_audience_or_title_is_refused_and_nothing_is_scheduled(
    api, people, change, problem
):
    raw = api.token(people.bob, "alerts")
    body = {"audience": "all", "between": between(), "title": "訓練"} | change
    response = api.post(DRILLS, raw, body, key="k")
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert errors and any(in_japanese(problem) in e for e in errors), errors
    assert not ScheduledDrill.objects.exists() and not IdempotencyKey.objects.exists()
    assert not AuditEntry.objects.filter(action="drills.scheduled").exists()


def test_every_problem_is_listed_at_once(api, people):
    raw = api.token(people.bob, "alerts")
    body = {"audience": {"departments": "SOM"}, "between": ["昨日", "明日"]}
    errors = api.post(DRILLS, raw, body).json()["errors"]
    assert len(errors) == 3 and "昨日" in errors[1] and "明日" in errors[2]


@pytest.mark.parametrize("person", ["alice", "carol", "dave", "erin"])
def test_only_senders_schedule_drills(api, people, person):
    raw = api.token(getattr(people, person), "alerts")
    response = api.post(DRILLS, raw, {"audience": "all", "between": between()})
    assert response.status_code == 403
    assert not ScheduledDrill.objects.exists()


def test_a_sender_schedules_only_within_their_scope(api, people, kik_sender):
    raw = api.token(kik_sender, "alerts")
    outside = api.post(DRILLS, raw, {"audience": "all", "between": between()})
    assert outside.status_code == 403 and outside.json()["error"]
    assert not ScheduledDrill.objects.exists()
    inside = api.post(DRILLS, raw, {"audience": "departments=KIK", "between": between()})
    assert inside.status_code == 201


def test_a_token_without_the_alerts_scope_or_a_session_schedules_nothing(api, client, people):
    raw = api.token(people.bob, "directory", "bulletin")
    response = api.post(DRILLS, raw, {"audience": "all", "between": between()})
    assert response.status_code == 403 and response.json()["scope"] == "alerts"
    sign_in(client, people.bob)  # past two-factor: drills are sent by token only, as alerts
    body = json.dumps({"audience": "all", "between": between()})
    assert client.post(DRILLS, body, content_type="application/json").status_code == 401
    client.logout()
    client.force_login(people.bob)  # not past two-factor
    assert client.post(DRILLS, body, content_type="application/json").status_code == 403
    assert not ScheduledDrill.objects.exists()


# --- The list, and cancelling ---------------------------------------------------------------


def test_the_list_shows_windows_and_states_never_moments(api, people, kik_sender):
    bob = api.token(people.bob, "alerts")
    mine = api.post(DRILLS, bob, {"audience": "all", "between": between()}).json()
    theirs = api.post(
        DRILLS,
        api.token(kik_sender, "alerts"),
        {"audience": "departments=KIK", "between": between(7, 9), "title": "危機管理部訓練"},
    ).json()
    listed = api.get(DRILLS, bob)
    assert listed.status_code == 200
    assert listed.json() == {"results": cli("scheduled")}
    assert [d["id"] for d in listed.json()["results"]] == [mine["id"], theirs["id"]]
    assert listed.json()["results"][0] == {
        "id": mine["id"],
        "title": "安否確認訓練",
        "between": mine["between"],
        "state": "scheduled",
        "alert": None,
    }
    assert_no_moment(listed)
    # A sender to one department sees their own drills only; administrators every one.
    own = api.get(DRILLS, api.token(kik_sender, "alerts")).json()["results"]
    assert [d["id"] for d in own] == [theirs["id"]]
    everyone = api.get(DRILLS, api.token(people.dave, "alerts"))
    assert len(everyone.json()["results"]) == 2
    assert_no_moment(everyone)


@pytest.mark.parametrize("person", ["alice", "carol", "erin"])
def test_staff_department_administrators_and_the_auditor_see_no_drills(api, people, person):
    api.post(DRILLS, api.token(people.bob, "alerts"), {"audience": "all", "between": between()})
    raw = api.token(getattr(people, person), "alerts")
    for path in (DRILLS, f"{DRILLS}/report"):
        response = api.get(path, raw)
        assert response.status_code == 403 and "senders" in response.json()["error"]
    drill = ScheduledDrill.objects.get()
    assert api.post(f"{DRILLS}/{drill.pk}/cancel", raw).status_code == 403
    assert ScheduledDrill.objects.get().state == "scheduled"


def test_a_drill_is_cancelled_once_and_only_by_those_who_may(api, people, kik_sender):
    bob = api.token(people.bob, "alerts")
    made = api.post(DRILLS, bob, {"audience": "all", "between": between()}).json()
    url = f"{DRILLS}/{made['id']}/cancel"
    # A sender to one department does not see Bob's drill.
    assert api.post(url, api.token(kik_sender, "alerts")).status_code == 404
    assert ScheduledDrill.objects.get().state == "scheduled"
    assert api.post(f"{DRILLS}/999999/cancel", bob).status_code == 404

    cancelled = api.post(url, bob)
    assert cancelled.status_code == 200
    assert cancelled.json() == {
        "id": made["id"],
        "title": "安否確認訓練",
        "between": made["between"],
        "state": "cancelled",
        "alert": None,
    }
    assert_no_moment(cancelled)
    [audited] = AuditEntry.objects.filter(action="drills.cancelled")
    assert audited.actor_user_id == people.bob.pk
    again = api.post(url, bob)
    assert again.status_code == 400 and again.json()["errors"]
    assert AuditEntry.objects.filter(action="drills.cancelled").count() == 1


def test_a_drill_that_has_gone_out_cannot_be_cancelled(api, people):
    bob = api.token(people.bob, "alerts")
    made = api.post(DRILLS, bob, {"audience": "all", "between": between()}).json()
    alert = schedule.send_drill(made["id"])  # its moment has come
    response = api.post(f"{DRILLS}/{made['id']}/cancel", bob)
    assert response.status_code == 400 and response.json()["errors"]
    [line] = api.get(DRILLS, bob).json()["results"]
    assert (line["state"], line["alert"]) == ("sent", alert.pk)


# --- The report ---------------------------------------------------------------------------


@pytest.fixture
def drills_sent(api, people, org):
    """Two drills sent (one to everyone, one to 危機管理部) with answers at set times."""
    make_staff(org, family="学校", department=org.gak, site=org.school, work_email="g@c.example")
    bob = api.token(people.bob, "alerts")
    sent = []
    for audience in ("all", "departments=KIK"):
        made = api.post(DRILLS, bob, {"audience": audience, "between": between()}).json()
        sent.append(schedule.send_drill(made["id"]))
    for alert in sent:
        recipients = Recipient.objects.filter(notice=alert).order_by("pk")
        for i, r in enumerate(recipients[: recipients.count() - 1]):
            at = alert.issued_at + dt.timedelta(seconds=40 + 700 * i)
            Recipient.objects.filter(pk=r.pk).update(answered_at=at, answer="safe")
    return sent


@pytest.mark.parametrize("by", [None, "department", "site"])
def test_the_report_is_the_commands_lines(api, people, drills_sent, by):
    raw = api.token(people.bob, "alerts")
    response = api.get(f"{DRILLS}/report", raw, data={"by": by} if by else {})
    assert response.status_code == 200, response.content
    args = ("report", "--by", by) if by else ("report",)
    assert response.json() == {"by": by, "lines": cli(*args)}
    lines = response.json()["lines"]
    assert lines and {line["id"] for line in lines} == {a.pk for a in drills_sent}
    if by is None:
        newest = lines[0]
        assert newest["id"] == drills_sent[1].pk  # newest first
        assert (newest["recipients"], newest["answered"], newest["t25_s"]) == (3, 2, 40.0)
        assert newest["t90_s"] is None and newest["answered_10m"] == round(1 / 3, 4)


def test_the_report_holds_the_drills_a_sender_may_manage(api, people, drills_sent, kik_sender):
    lines = api.get(f"{DRILLS}/report", api.token(kik_sender, "alerts")).json()["lines"]
    assert [line["id"] for line in lines] == [drills_sent[1].pk]  # to 危機管理部 only


def test_an_unknown_grouping_is_refused(api, people):
    response = api.get(f"{DRILLS}/report", api.token(people.bob, "alerts"), data={"by": "x"})
    assert response.status_code == 400 and "department" in response.json()["errors"][0]


# --- Reception tests ------------------------------------------------------------------------


def test_a_reception_test_is_sent_once_per_key_and_reported_as_the_command_does(api, people, smtp):
    raw = api.token(people.bob, "alerts")
    body = {"audience": {"departments": ["SOM"]}, "title": "受信テスト12月"}
    sent = api.post(TESTS, raw, body, key="rt-1")
    assert sent.status_code == 201, sent.content
    alert = Alert.objects.get(reception_test__isnull=False)
    assert sent.json() == {"id": alert.pk, "recipients": 2}  # Alice and Carol
    assert (alert.title, alert.sender, alert.is_drill) == ("受信テスト12月", people.bob, False)
    assert len(smtp.to("alice@city.example")) == 1
    again = api.post(TESTS, raw, body | {"audience": "departments=SOM"}, key="rt-1")
    assert (again.status_code, again.json()) == (200, sent.json())
    assert len(smtp.to("alice@city.example")) == 1 and ReceptionTest.objects.count() == 1
    assert api.post(TESTS, raw, body | {"title": "別"}, key="rt-1").status_code == 422

    Recipient.objects.filter(notice=alert, staff=people.alice.staff).update(
        answered_at=timezone.now(), answer="ack"
    )
    report = api.get(f"{TESTS}/{alert.pk}", raw)
    assert report.status_code == 200
    [printed] = cli("test-report", str(alert.pk))
    assert report.json() == printed
    assert (printed["reached"], printed["pressed"], printed["by_channel"]) == (2, 1, {"email": 2})


@pytest.mark.parametrize(
    "body, problem",
    [
        ({"audience": {"departments": ["NOPE"]}}, "NOPE"),
        ({"audience": {"sites": "S001"}}, "audience.sites"),
        ({"audience": "all", "title": "長" * 101}, "The title is longer than 100 characters."),
        ({"title": "宛先なし"}, "audience: Field required"),
    ],
)
def test_a_bad_reception_test_is_refused_and_nothing_is_sent(api, people, smtp, body, problem):
    response = api.post(TESTS, api.token(people.bob, "alerts"), body, key="rt")
    assert response.status_code == 400
    assert any(in_japanese(problem) in e for e in response.json()["errors"]), response.json()
    assert not Alert.objects.exists() and not IdempotencyKey.objects.exists()
    assert smtp.to("alice@city.example") == []


@pytest.mark.parametrize("person", ["alice", "carol", "dave", "erin"])
def test_only_senders_send_reception_tests(api, people, smtp, person):
    response = api.post(TESTS, api.token(getattr(people, person), "alerts"), {"audience": "all"})
    assert response.status_code == 403
    assert not Alert.objects.exists() and smtp.to("alice@city.example") == []


def test_a_reception_test_outside_the_senders_scope_is_refused(api, people, kik_sender, smtp):
    raw = api.token(kik_sender, "alerts")
    assert api.post(TESTS, raw, {"audience": "departments=SOM"}).status_code == 403
    assert not Alert.objects.exists()


def test_a_test_report_is_for_those_who_may_manage_the_test(api, people, kik_sender):
    sent = api.post(TESTS, api.token(people.bob, "alerts"), {"audience": "departments=SOM"})
    url = f"{TESTS}/{sent.json()['id']}"
    assert api.get(url, api.token(people.dave, "alerts")).status_code == 200  # administrator
    assert api.get(url, api.token(kik_sender, "alerts")).status_code == 403  # not their scope
    for person in ("alice", "carol", "erin"):
        assert api.get(url, api.token(getattr(people, person), "alerts")).status_code == 403
    assert api.get(url, api.token(people.bob, "directory")).status_code == 403
    assert api.get(f"{TESTS}/999999", api.token(people.bob, "alerts")).status_code == 404


def test_an_alert_that_is_not_a_reception_test_has_no_test_report(api, people):
    raw = api.token(people.bob, "alerts")
    made = api.post(DRILLS, raw, {"audience": "all", "between": between()}).json()
    alert = schedule.send_drill(made["id"])
    assert api.get(f"{TESTS}/{alert.pk}", raw).status_code == 404


# --- The schema -----------------------------------------------------------------------------


def test_the_schema_describes_the_drill_endpoints(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    assert {
        DRILLS,
        f"{DRILLS}/{{drill_id}}/cancel",
        f"{DRILLS}/report",
        TESTS,
        f"{TESTS}/{{test_id}}",
    } <= set(paths)
    for path in (DRILLS, TESTS):
        post = paths[path]["post"]
        assert {"201", "200", "400", "403", "422", "429"} <= set(post["responses"])
        assert any(p["name"] == "Idempotency-Key" for p in post["parameters"])
    fields = set(schema["components"]["schemas"]["DrillIn"]["properties"])
    assert fields == {"audience", "between", "title"}
    assert "send_at" not in json.dumps(schema)
