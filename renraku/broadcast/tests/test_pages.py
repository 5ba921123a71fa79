"""Compose, preview, send, watch: the sender's pages and who may open them."""

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from renraku.broadcast import queries
from renraku.broadcast.actions import Draft
from renraku.broadcast.models import Alert
from renraku.notices.models import Recipient
from renraku.testing import sign_in

FORM = {
    "title": "台風接近 安否確認",
    "body": "回答してください。",
    "category": "weather",
    "severity": "warning",
    "reply_form": "safety",
    "order_email": "1",
    "departments": ["SOM"],
}


def test_a_sender_previews_the_reach_then_sends(
    client, people, smtp, django_capture_on_commit_callbacks
):
    sign_in(client, people.bob)
    preview = client.post(reverse("broadcast:compose"), {**FORM, "confirm": "preview"})
    assert preview.status_code == 200
    assert preview.context["preview"]["people"] == 2
    assert preview.context["preview"]["coverage"] == [
        {"channel": "メール", "covers": 2, "first": 2}
    ]
    assert "部局: 総務部" in preview.text  # names, not codes (SOM)
    assert not Alert.objects.exists()  # a preview sends nothing

    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(reverse("broadcast:compose"), {**FORM, "confirm": "send"})
    alert = Alert.objects.get()
    assert sent.status_code == 302 and sent.url == reverse("broadcast:dashboard", args=[alert.pk])
    assert alert.sender == people.bob
    assert {m["To"] for _r, m in smtp.messages} == {"alice@city.example", "carol@city.example"}


def test_the_form_is_validated_on_the_server(client, people):
    sign_in(client, people.bob)
    response = client.post(
        reverse("broadcast:compose"), {**FORM, "title": "", "departments": [], "confirm": "send"}
    )
    assert response.status_code == 400
    assert "title" in response.context["form"].errors
    assert not Alert.objects.exists()


def test_an_empty_audience_is_refused_before_anything_is_sent(client, people):
    sign_in(client, people.bob)
    response = client.post(
        reverse("broadcast:compose"), {**FORM, "departments": [], "confirm": "send"}
    )
    assert response.status_code == 400
    assert "宛先を選んでください。" in response.text
    assert not Alert.objects.exists()


@pytest.mark.parametrize(
    "person, status", [("alice", 403), ("carol", 403), ("dave", 403), ("erin", 403), ("bob", 200)]
)
def test_only_senders_compose(client, people, person, status):
    sign_in(client, getattr(people, person))
    assert client.get(reverse("broadcast:compose")).status_code == status


@pytest.mark.parametrize(
    "person, status", [("alice", 403), ("carol", 403), ("erin", 403), ("bob", 200), ("dave", 200)]
)
def test_senders_and_administrators_watch_the_dashboard(client, people, send, smtp, person, status):
    alert = send(
        Draft(title="t", body="b", audience={"all": True}, channels=["email"]), sender=people.bob
    )
    sign_in(client, getattr(people, person))
    assert client.get(reverse("broadcast:dashboard", args=[alert.pk])).status_code == status


def test_the_dashboard_counts_by_department_and_answer(
    client, people, send, smtp, django_assert_max_num_queries
):
    alert = send(
        Draft(title="t", body="b", audience={"all": True}, channels=["email"]), sender=people.bob
    )
    Recipient.objects.filter(notice=alert, staff=people.alice.staff).update(
        answer="safe", answered_at=alert.issued_at, read_at=alert.issued_at
    )
    Recipient.objects.filter(notice=alert, staff=people.dave.staff).update(
        answer="serious", answered_at=alert.issued_at, read_at=alert.issued_at
    )
    sign_in(client, people.bob)
    with django_assert_max_num_queries(20):
        live = client.get(reverse("broadcast:dashboard", args=[alert.pk]), HTTP_HX_REQUEST="true")
    status = live.context["status"]
    assert (status["recipients"], status["sent"], status["answered"]) == (5, 5, 2)
    assert status["answers"] == {"safe": 1, "serious": 1}
    rows = {r["name"]: r for r in live.context["departments"]}
    assert (rows["総務部"]["safe"], rows["危機管理部"]["serious"]) == (1, 1)
    assert rows["総務部"]["reached"] == rows["総務部"]["recipients"] > 0
    assert 'hx-trigger="every 2s"' in live.text and "<html" not in live.text
    unanswered = {r.staff.family_name for r in live.context["unanswered"]}
    assert unanswered == {"馬場", "加藤", "江口"}


def test_results_export_as_csv(client, people, send, smtp):
    alert = send(
        Draft(title="t", body="b", audience={"all": True}, channels=["email"]), sender=people.bob
    )
    sign_in(client, people.dave)
    response = client.get(reverse("broadcast:export", args=[alert.pk]))
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("職員番号,氏名,部局")
    assert len(lines) == 6


def test_the_command_line_sends_and_reports(people, smtp, django_capture_on_commit_callbacks):
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "alert",
            "send",
            "--title",
            "テスト",
            "--body",
            "本文",
            "--audience",
            "departments=KIK",
            "--channels",
            "email",
            "--reply",
            "safety",
            "--json",
            stdout=out,
        )
    sent = json.loads(out.getvalue())
    assert sent["recipients"] == 3
    out = io.StringIO()
    call_command("alert", "status", str(sent["id"]), "--json", stdout=out)
    status = json.loads(out.getvalue())
    assert (status["recipients"], status["sent"], status["answered"]) == (3, 3, 0)


def test_the_command_line_refuses_a_bad_audience(people):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="sites: S999"):
        call_command(
            "alert",
            "send",
            "--title",
            "t",
            "--body",
            "b",
            "--audience",
            "sites=S999",
            "--channels",
            "email",
        )


def test_a_template_fills_in_the_form(client, people):
    from renraku.broadcast.models import Group, Template

    Group.objects.create(name="災害対策本部員")
    template = Template.objects.create(
        name="台風",
        category="weather",
        severity="warning",
        reply_form="acknowledge",
        title="台風接近",
        body="参集に備えてください。",
        channels=["email"],
        audience={"groups": ["災害対策本部員"]},
    )
    sign_in(client, people.bob)
    page = client.get(reverse("broadcast:compose"), {"template": template.pk})
    form = page.context["form"]
    assert form["title"].value() == "台風接近"
    assert form["reply_form"].value() == "acknowledge"
    assert form["groups"].value() == ["災害対策本部員"]


def test_a_drill_ends_with_a_report(client, people, send, smtp):
    from renraku.broadcast.actions import close_alert

    alert = send(
        Draft(
            title="安否確認訓練",
            body="訓練です",
            audience={"all": True},
            channels=["email"],
            is_drill=True,
        ),
        sender=people.bob,
    )
    for minutes, user in ((2, people.alice), (4, people.carol), (9, people.dave)):
        Recipient.objects.filter(notice=alert, staff=user.staff).update(
            answer="safe", answered_at=alert.issued_at + dt.timedelta(minutes=minutes)
        )
    close_alert(alert)
    sign_in(client, people.bob)
    page = client.get(reverse("broadcast:report", args=[alert.pk]))
    report = page.context["report"]
    assert (report["answered_pct"], report["reached_pct"]) == (60, 100)
    assert (report["minutes_to_half"], report["minutes_to_90"]) == (9.0, None)
    assert report["departments"][0]["name"] == "危機管理部"  # 1 of 3: the slowest first
    assert queries.answer_curve(alert) == [(2.0, 1), (4.0, 2), (9.0, 3)]
    assert queries.answer_curve(alert, points=1) == [(9.0, 3)]  # thinned to every n-th
    assert "訓練" in page.text


def test_escalation_steps_are_set_on_the_page_shown_in_the_preview_and_kept(
    client, people, smtp, django_capture_on_commit_callbacks
):
    sign_in(client, people.bob)
    form = {
        **FORM,
        "step1_minutes": "15",
        "step1_action": "supervisor",
        "step2_minutes": "5",
        "step2_action": "channel:email",
    }
    preview = client.post(reverse("broadcast:compose"), {**form, "confirm": "preview"})
    assert preview.context["preview"]["escalation"] == [
        "5分後 未回答者にメール",
        "15分後 所属長に未回答者一覧",
    ]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("broadcast:compose"), {**form, "confirm": "send"})
    assert Alert.objects.get().escalation == [
        {"after_minutes": 5, "action": "channel", "channel": "email"},
        {"after_minutes": 15, "action": "supervisor"},
    ]


def test_a_step_without_minutes_is_refused(client, people):
    sign_in(client, people.bob)
    response = client.post(
        reverse("broadcast:compose"), {**FORM, "step1_action": "supervisor", "confirm": "send"}
    )
    assert response.status_code == 400 and not Alert.objects.exists()


def test_a_template_brings_its_channel_order_and_steps_to_the_form(client, people):
    from renraku.broadcast.models import Template

    template = Template.objects.create(
        name="地震",
        category="earthquake",
        severity="emergency",
        reply_form="safety",
        title="地震",
        body="安否を回答してください。",
        channels=["email", "push"],
        audience={"all": True},
        escalation=[{"after_minutes": 10, "action": "supervisor"}],
    )
    sign_in(client, people.bob)
    form = client.get(reverse("broadcast:compose"), {"template": template.pk}).context["form"]
    assert (form["order_email"].value(), form["order_push"].value()) == (1, 2)
    assert (form["step1_minutes"].value(), form["step1_action"].value()) == (10, "supervisor")


def test_the_channel_order_chosen_on_the_page_is_the_order_sent(
    client, people, django_capture_on_commit_callbacks
):
    sign_in(client, people.bob)
    form = {**FORM, "order_email": "2", "order_push": "1"}
    with django_capture_on_commit_callbacks(execute=False):
        client.post(reverse("broadcast:compose"), {**form, "confirm": "send"})
    assert Alert.objects.get().channel_order == ["push", "email"]
    same_place = {**FORM, "order_email": "1", "order_push": "1", "confirm": "send"}
    assert client.post(reverse("broadcast:compose"), same_place).status_code == 400


def test_a_drill_is_not_an_emergency_unless_chosen(client, people):
    sign_in(client, people.bob)
    form = client.get(reverse("broadcast:compose")).context["form"]
    assert form["severity"].value() == "information"


@pytest.mark.parametrize("title", ["台風\r\nBcc: x@example.com", "台風\n接近", "台風\t接近"])
def test_a_title_with_a_line_break_is_refused_on_the_page_and_the_command_line(
    client, people, title
):
    from django.core.management.base import CommandError

    sign_in(client, people.bob)
    response = client.post(
        reverse("broadcast:compose"), {**FORM, "title": title, "confirm": "send"}
    )
    assert response.status_code == 400
    with pytest.raises(CommandError, match="1行"):
        send_by_command(title=title)
    assert not Alert.objects.exists()


def send_by_command(*options, title="t"):
    """`renraku alert send` to everyone by e-mail, with `options`; returns what it printed."""
    out = io.StringIO()
    call_command(
        "alert",
        "send",
        *("--title", title, "--body", "b", "--audience", "all", "--channels", "email"),
        *options,
        stdout=out,
    )
    return out.getvalue()


def test_the_command_line_honours_escalation_steps(people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        out = send_by_command("--escalate", "5:email,15:supervisor", "--json")
    alert = Alert.objects.get(pk=json.loads(out)["id"])
    assert [s["action"] for s in alert.escalation] == ["channel", "supervisor"]


def test_the_command_line_refuses_bad_steps(people):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="1440"):
        send_by_command("--escalate", "0:email")


def test_closing_asks_first(client, people, send, smtp):
    alert = send(
        Draft(title="t", body="b", audience={"all": True}, channels=["email"]), sender=people.bob
    )
    sign_in(client, people.bob)
    confirm = client.get(reverse("broadcast:close", args=[alert.pk]))
    assert confirm.status_code == 200 and 'method="post"' in confirm.text
    assert Alert.objects.get(pk=alert.pk).is_open  # looking at the question closes nothing


def test_reminding_an_alert_closed_meanwhile_says_so_and_sends_nothing(client, people, send, smtp):
    alert = send(
        Draft(title="t", body="b", audience={"all": True}, channels=["email"]), sender=people.bob
    )
    sign_in(client, people.bob)
    remind = reverse("broadcast:remind_unanswered", args=[alert.pk])
    assert remind in client.get(reverse("broadcast:dashboard", args=[alert.pk])).text
    client.post(reverse("broadcast:close", args=[alert.pk]))  # meanwhile, in another tab
    response = client.post(remind, follow=True)
    assert response.status_code == 200
    assert "この連絡は終了しています。再送はできません。" in response.text
    assert not Alert.objects.filter(parent=alert).exists()


def test_a_correction_goes_to_everyone_who_got_the_alert(client, people, send, smtp):
    alert = send(
        Draft(title="避難所", body="第一小学校", audience={"all": True}, channels=["email"]),
        sender=people.bob,
    )
    sign_in(client, people.bob)
    response = client.post(
        reverse("broadcast:correct", args=[alert.pk]), {"title": "避難所", "body": "第二小学校"}
    )
    assert response.status_code == 302
    correction = Alert.objects.get(parent=alert)
    assert correction.kind == "correction" and correction.recipients.count() == 5


def test_names_are_written_family_name_first(client, people, send, smtp):
    people.bob.first_name, people.bob.last_name = "智子", "高田"
    people.bob.save()
    alert = send(
        Draft(title="t", body="b", audience={"all": True}, channels=["email"]), sender=people.bob
    )
    sign_in(client, people.bob)
    page = client.get(reverse("broadcast:dashboard", args=[alert.pk])).text
    assert "馬場 勉" in page  # the sender's own name from the directory, 氏 名
