"""Publishing, reading, acknowledging and reminding, through the one pipeline."""

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from renraku.audit.models import AuditEntry
from renraku.bulletin import actions, queries, responses
from renraku.bulletin.models import Post, Series
from renraku.notices.models import Delivery, Preference, QuietHours, Recipient
from renraku.notices.tasks import sweep_deliveries
from renraku.testing import subscribe_push as subscribe


@pytest.fixture(autouse=True)
def _deliver_in_the_test(tasks_run_at_once):
    """Huey's tasks run as they are enqueued."""


@pytest.fixture
def publish(django_capture_on_commit_callbacks, people):
    def _publish(**kw):
        values = {
            "title": "庁内ペーパーレスの進め方",
            "body": "**会議資料**は電子で。",
            "audience": {"all": True},
        }
        with django_capture_on_commit_callbacks(execute=True):
            post = actions.save_draft(people.dave, **(values | kw))
            return actions.publish(post, by=people.dave)

    return _publish


def test_publishing_pushes_everyday_news_that_does_not_look_like_an_alert(
    people, publish, push_service, smtp
):
    alice = subscribe(people.alice.staff, push_service)
    post = publish()
    [message] = push_service.messages(alice)
    assert message["title"] == "庁内ペーパーレスの進め方"
    assert message["body"] == "会議資料は電子で。"  # Markdown made plain
    assert message["url"].endswith(f"/bulletin/{post.pk}/")
    assert message["urgency"] == "normal" and message["requireInteraction"] is False
    assert "drill" not in message
    assert smtp.to("alice@city.example") == []  # push reached her
    assert len(smtp.to("bob@city.example")) == 1  # no device: e-mail instead
    assert queries.stats(post)["recipients"] == 5


def test_a_series_numbers_itself(people, publish, smtp):
    series = Series.objects.create(name="松副のDXだより")
    numbers = [publish(series=series, title=f"第{i}回").number for i in range(3)]
    assert numbers == [1, 2, 3]
    assert Post.objects.get(number=2).series == series


def test_each_person_chooses_push_email_or_only_the_app(people, publish, push_service, smtp):
    series = Series.objects.create(name="松副のDXだより")
    alice = subscribe(people.alice.staff, push_service)
    Preference.objects.create(staff=people.alice.staff, topic=f"series:{series.pk}", choice="app")
    Preference.objects.create(staff=people.bob.staff, topic=f"series:{series.pk}", choice="email")
    carol = subscribe(people.carol.staff, push_service)
    Preference.objects.create(staff=people.carol.staff, topic=f"series:{series.pk}", choice="email")
    post = publish(series=series)
    assert push_service.messages(alice) == [] and smtp.to("alice@city.example") == []
    assert len(smtp.to("bob@city.example")) == 1
    assert push_service.messages(carol) == []  # e-mail only, though she has a device
    assert len(smtp.to("carol@city.example")) == 1
    # She still counts among those it was sent to: it is on her home page.
    assert Recipient.objects.get(notice_id=post.notice_id, staff=people.alice.staff).reach == "app"


def test_quiet_hours_hold_a_post_but_never_an_alert(people, publish, push_service, smtp, send):
    from renraku.broadcast.actions import Draft

    alice = subscribe(people.alice.staff, push_service)
    now = timezone.localtime()
    QuietHours.objects.create(
        staff=people.alice.staff,
        start=(now - dt.timedelta(hours=1)).time(),
        end=(now + dt.timedelta(hours=2)).time(),
    )
    post = publish()
    assert push_service.messages(alice) == []
    held = Delivery.objects.get(
        recipient__notice_id=post.notice_id, recipient__staff=people.alice.staff
    )
    assert held.status == "queued" and held.not_before > timezone.now() + dt.timedelta(hours=1)
    sweep_deliveries()  # still quiet: nothing goes
    assert push_service.messages(alice) == []
    send(
        Draft(title="震度5強", body="回答を", audience={"all": True}, channels=["push"],
              reply_form="safety", category="earthquake", severity="emergency"),
        sender=people.bob,
    )  # fmt: skip
    assert [m["title"] for m in push_service.messages(alice)] == ["震度5強"]
    Delivery.objects.filter(pk=held.pk).update(not_before=timezone.now())  # the hours end
    sweep_deliveries()
    assert {m["title"] for m in push_service.messages(alice)} == {"震度5強", post.title}


def test_reading_and_acknowledging_are_counted_separately(people, publish, smtp):
    post = publish(requires_ack=True)
    assert responses.record_read(post, people.alice) is True
    assert responses.record_read(post, people.alice) is False  # the first opening counts
    figures = queries.stats(post)
    assert (figures["read"], figures["acknowledged"]) == (1, 0)
    assert responses.acknowledge(post, people.carol) is True
    figures = queries.stats(post)
    assert (figures["read"], figures["acknowledged"], figures["ack_rate"]) == (2, 1, 0.2)
    som = next(r for r in figures["by_department"] if r["code"] == "SOM")
    assert (som["recipients"], som["read"], som["acknowledged"]) == (2, 2, 1)
    names = {r.staff.family_name for r in queries.not_acknowledged(post)}
    assert people.carol.staff.family_name not in names and len(names) >= 1


def test_a_post_without_acknowledgement_refuses_one_and_names_nobody(people, publish, smtp):
    post = publish()
    with pytest.raises(ValidationError):
        responses.acknowledge(post, people.alice)
    assert queries.not_acknowledged(post) == []
    assert queries.stats(post)["ack_rate"] is None


def test_one_reminder_only_to_those_who_have_not_acknowledged(
    people, publish, smtp, settings, django_capture_on_commit_callbacks
):
    post = publish(requires_ack=True)
    responses.acknowledge(post, people.alice)
    with pytest.raises(PermissionDenied):
        actions.remind(Post.objects.get(pk=post.pk), by=people.bob)  # not the author
    with django_capture_on_commit_callbacks(execute=True):
        count = actions.remind(post, by=people.dave)
    assert count == 4  # everyone but Alice
    with pytest.raises(ValidationError):
        actions.remind(Post.objects.get(pk=post.pk), by=people.dave)  # never a second
    reminded = Recipient.objects.filter(notice__announcement__purpose="reminder")
    assert people.alice.staff_id not in set(reminded.values_list("staff_id", flat=True))


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ("2026-12-01T10:00", "2026-12-01T10:00"),  # Tuesday, in hours: now
        ("2026-12-01T18:00", "2026-12-02T09:00"),  # after hours: next morning
        ("2026-12-01T07:30", "2026-12-01T09:00"),  # before hours: this morning
        ("2026-12-04T19:00", "2026-12-07T09:00"),  # Friday evening: Monday
        ("2026-11-29T12:00", "2026-11-30T09:00"),  # Sunday
    ],
)
def test_reminders_are_delivered_in_working_hours(settings, now, expected):
    settings.BULLETIN_WORKING_HOURS = (dt.time(9, 0), dt.time(17, 30))
    at = dt.datetime.fromisoformat(now).replace(tzinfo=actions.TOKYO)
    assert actions.next_working_time(at) == dt.datetime.fromisoformat(expected).replace(
        tzinfo=actions.TOKYO
    )


def test_reminders_wait_for_working_hours(people, publish, smtp, settings):
    post = publish(requires_ack=True)
    settings.BULLETIN_WORKING_HOURS = (dt.time(0, 0), dt.time(0, 0, 1))  # never, now
    before = len(smtp.messages)
    actions.remind(post, by=people.dave)
    assert len(smtp.messages) == before
    waiting = Delivery.objects.filter(recipient__notice__announcement__purpose="reminder")
    assert waiting.count() == 5 and all(d.not_before > timezone.now() for d in waiting)


def test_a_material_edit_asks_those_who_acknowledged_again_in_working_hours(
    people, publish, smtp, django_capture_on_commit_callbacks
):
    post = publish(requires_ack=True)
    responses.acknowledge(post, people.alice)
    with django_capture_on_commit_callbacks(execute=True):
        actions.edit(
            post,
            by=people.dave,
            title=post.title,
            body="締切は12月1日に変わりました。",
            material=True,
        )
    assert queries.stats(post)["acknowledged"] == 0
    [asked] = Delivery.objects.filter(recipient__notice__announcement__purpose="ack_again")
    assert asked.recipient.staff == people.alice.staff  # Bob had not acknowledged: not asked
    if asked.not_before:  # outside working hours: held until they begin
        assert actions.in_working_hours(asked.not_before)
        Delivery.objects.filter(pk=asked.pk).update(not_before=timezone.now())
        sweep_deliveries()
    again = smtp.to("alice@city.example")[-1]
    assert "12月1日" in again.get_content() and post.title in again["Subject"]
    assert post.revisions.get().body == "**会議資料**は電子で。"
    with pytest.raises(ValidationError):  # asked again less than a day ago
        actions.edit(post, by=people.dave, title=post.title, body="また変更", material=True)
    with pytest.raises(ValidationError):  # nothing changed
        actions.edit(post, by=people.dave, title=post.title, body="締切は12月1日に変わりました。")


def test_a_department_admin_posts_only_to_their_departments(people, org):
    with pytest.raises(PermissionDenied):
        actions.save_draft(people.carol, title="総務部より", body="本文", audience={"all": True})
    post = actions.save_draft(
        people.carol, title="総務部より", body="本文", audience={"departments": ["SOM"]}
    )
    assert post.status == "draft"
    with pytest.raises(PermissionDenied):
        actions.save_draft(people.alice, title="x", body="y", audience={"departments": ["SOM"]})


def test_bad_input_is_refused_and_nothing_is_saved(people):
    for title, body, audience in [
        ("", "本文", {"all": True}),
        ("一行目\n二行目", "本文", {"all": True}),
        ("題", "本文\x00", {"all": True}),
        ("題", "本文", {"departments": ["NOPE"]}),
        ("題" * 151, "本文", {"all": True}),
    ]:
        with pytest.raises(ValidationError):
            actions.save_draft(people.dave, title=title, body=body, audience=audience)
    assert Post.objects.count() == 0


def test_the_cli_posts_comments_reports_and_searches(
    people, tmp_path, capsys, smtp, django_capture_on_commit_callbacks
):
    body = tmp_path / "body.md"
    body.write_text("台風に備えて**防災**の準備を。DX推進も。", encoding="utf-8")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("bulletin", "post", "--title", "台風への備え", "--body-file", str(body),
                     "--series", "松副のDXだより", "--audience", "departments=SOM", "--require-ack",
                     "--json")  # fmt: skip
    out = json.loads(capsys.readouterr().out)
    assert out["series"] == "松副のDXだより" and out["number"] == 1
    assert (out["recipients"], out["status"]) == (2, "published")
    note = tmp_path / "c.txt"
    note.write_text("参考になりました", encoding="utf-8")
    call_command("bulletin", "comment", str(out["id"]), "--author", people.alice.username,
                 "--body-file", str(note), "--json")  # fmt: skip
    assert "id" in json.loads(capsys.readouterr().out)
    call_command("bulletin", "stats", str(out["id"]), "--json")
    stats = json.loads(capsys.readouterr().out)
    assert stats["recipients"] == 2 and stats["by_department"][0]["code"] == "SOM"
    call_command("bulletin", "search", "ぼうさい", "--json")
    assert capsys.readouterr().out == ""  # kana folding is not a reading: 防災 is not ぼうさい
    call_command("bulletin", "search", "防災", "--as", people.alice.username, "--json")
    [hit] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert hit["id"] == out["id"] and hit["number"] == 1
    call_command("bulletin", "search", "防災", "--as", people.bob.username, "--json")
    assert capsys.readouterr().out == ""  # Bob is in 危機管理部: not in the audience


def test_the_cli_refuses_bad_input_with_a_reason(people, tmp_path):
    from django.core.management.base import CommandError

    body = tmp_path / "b.md"
    body.write_text("本文", encoding="utf-8")
    with pytest.raises(CommandError, match="NOPE"):
        call_command(
            "bulletin",
            "post",
            "--title",
            "題",
            "--body-file",
            str(body),
            "--audience",
            "departments=NOPE",
        )
    with pytest.raises(CommandError):
        call_command(
            "bulletin", "post", "--title", "題", "--body-file", str(tmp_path / "missing.md")
        )
    assert Post.objects.count() == 0
    assert not AuditEntry.objects.filter(action="bulletin.published").exists()


def test_named_authors_need_a_second_factor(people):
    assert people.alice.requires_two_factor is False
    series = Series.objects.create(name="松副のDXだより")
    series.authors.add(people.alice)
    assert people.alice.requires_two_factor is True
