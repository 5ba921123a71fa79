"""The pipeline on its own, with notices of its own kind (letters): issuing, claiming
under a race, finishing, and what an everyday notice may fall back to."""

import threading

import pytest
from django.db import connections, transaction

from renraku.directory.models import PushSubscription, Staff
from renraku.notices import pipeline, planning
from renraku.notices.models import Choice, Delivery, Notice, Preference, Reach, Urgency


def _staff(*people):
    return Staff.objects.filter(pk__in=[p.staff.pk for p in people])


def test_issuing_freezes_plans_and_sends_once_the_transaction_commits(
    people, smtp, letter, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        count = pipeline.issue(letter(title="防災訓練のお知らせ"), _staff(people.alice, people.bob))
        assert smtp.messages == []  # nothing leaves before the commit
    assert count == 2
    [mail] = smtp.to("alice@city.example")
    assert mail["Subject"] == "防災訓練のお知らせ"
    assert mail["X-Renraku-Notice"] == "test-letter"
    assert len(smtp.to("bob@city.example")) == 1


def test_a_notice_rolled_back_sends_nothing_and_leaves_nothing(
    people, smtp, letter, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        pipeline.issue(letter(), _staff(people.alice))
        raise RuntimeError("the action that issued it failed")
    assert smtp.messages == [] and not Notice.objects.exists()


def test_a_notice_must_say_whose_it_is_and_how_urgent(people, letter):
    with pytest.raises(ValueError):
        pipeline.issue(letter(owner=""), _staff(people.alice))
    with pytest.raises(ValueError):
        pipeline.issue(letter(urgency=""), _staff(people.alice))
    assert not Notice.objects.exists()


def test_a_plain_notice_can_be_printed(people, letter):
    issued = letter()
    pipeline.issue(issued, _staff(people.alice))
    assert str(Notice.objects.get(pk=issued.pk)) == f"letter {issued.pk}"


def test_two_workers_claiming_the_same_batch_take_each_delivery_once(committed_db, letter):
    from renraku.testing import make_org, make_people

    people = make_people(make_org())
    # Frozen and planned but not dispatched: the two workers below are the only senders.
    notice = letter()
    notice.save()
    planning.freeze(notice, Staff.objects.all())
    planning.plan(notice)
    ids = list(Delivery.objects.filter(recipient__notice=notice).values_list("pk", flat=True))
    assert len(ids) >= 5, people
    start, claimed, errors = threading.Barrier(2), [], []

    def worker():
        try:
            start.wait()
            claimed.append([d.pk for d in pipeline.claim(ids)])
        except Exception as exc:  # reported below, not lost in the thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    first, second = claimed
    assert sorted(first + second) == sorted(ids)  # every delivery claimed, none twice
    assert set(first).isdisjoint(second)


def test_finishing_gives_up_what_waits_and_nothing_is_sent_after(
    people, smtp, letter, django_capture_on_commit_callbacks
):
    smtp.stop()  # the first try fails: the deliveries wait for a retry
    with django_capture_on_commit_callbacks(execute=True):
        notice = letter()
        pipeline.issue(notice, _staff(people.alice, people.bob))
    deliveries = Delivery.objects.filter(recipient__notice=notice)
    assert set(deliveries.values_list("status", flat=True)) == {Delivery.Status.FAILED}
    pipeline.finish(Notice.objects.filter(pk=notice.pk), "no longer needed")
    notice.refresh_from_db()
    assert notice.finished_at is not None and not notice.is_open
    assert {(d.status, d.error) for d in deliveries} == {
        (Delivery.Status.PERMANENT, "no longer needed")
    }
    assert set(notice.recipients.values_list("reach", flat=True)) == {Reach.FAILED}
    # Even with the retry due, nothing is taken to be sent again.
    deliveries.update(not_before=None)
    assert pipeline.send("email", list(deliveries.values_list("pk", flat=True))).sent == 0
    assert pipeline.stale_work() == {}
    assert set(deliveries.values_list("status", flat=True)) == {Delivery.Status.PERMANENT}


def _email_fails_for_good_for_alice(people, smtp, notice):
    """Alice's e-mail is refused (no such mailbox) when sent; returns the new deliveries
    the pipeline falls back to."""
    smtp.refuse.add("alice@city.example")
    ids = list(
        Delivery.objects.filter(recipient__notice=notice, channel="email").values_list(
            "pk", flat=True
        )
    )
    return pipeline.send("email", ids).fallback_ids


def _subscribe(person, device=1):
    PushSubscription.objects.create(
        staff=person.staff,
        endpoint=f"https://push.example/{person.staff.pk}/{device}",
        p256dh="k",
        auth="a",
    )


def test_an_everyday_notice_never_falls_back_to_an_earlier_channel(people, smtp, letter):
    # Alice has a phone that takes pushes, and chose e-mail only for this topic.
    _subscribe(people.alice)
    Preference.objects.create(staff=people.alice.staff, topic="news", choice=Choice.EMAIL)
    notice = letter(channel_order=["push", "email"])
    pipeline.issue(notice, _staff(people.alice), topic="news")
    assert _email_fails_for_good_for_alice(people, smtp, notice) == []
    alice = notice.recipients.get()
    assert list(alice.deliveries.values_list("channel", "status")) == [
        ("email", Delivery.Status.PERMANENT)
    ]
    assert alice.reach == Reach.FAILED  # told as such, not pushed against her choice


def test_an_urgent_notice_falls_back_to_any_channel_it_lists_not_yet_tried(people, smtp, letter):
    notice = letter(urgency=Urgency.HIGH, channel_order=["push", "email"])
    pipeline.issue(notice, _staff(people.alice))  # no push subscription yet: e-mail
    _subscribe(people.alice)  # she installs the app meanwhile
    [new] = _email_fails_for_good_for_alice(people, smtp, notice)
    assert Delivery.objects.get(pk=new).channel == "push"
    assert notice.recipients.get().reach == Reach.PENDING


def test_the_reach_preview_counts_what_planning_then_does(people, letter):
    _subscribe(people.alice)
    _subscribe(people.alice, device=2)  # a second device: still one person
    everyone = Staff.objects.filter(is_active=True)
    preview = pipeline.reach(everyone, ["push", "email", "sms"])
    notice = letter(urgency=Urgency.HIGH, channel_order=["push", "email", "sms"])
    pipeline.issue(notice, everyone)
    planned = Delivery.objects.filter(recipient__notice=notice)
    firsts = {row["channel"]: row["first"] for row in preview["coverage"]}
    assert firsts == {
        kind: planned.filter(channel=kind).count() for kind in ("push", "email", "sms")
    }
    assert firsts["push"] == 1
    assert preview["people"] == notice.recipients.count()
    assert preview["unreachable"] == notice.recipients.filter(reach=Reach.NONE).count()


def test_a_further_attempt_goes_to_those_asked_and_reachable_only(people, letter):
    notice = letter(urgency=Urgency.HIGH)
    pipeline.issue(notice, _staff(people.alice, people.bob, people.carol))
    notice.recipients.filter(staff=people.bob.staff).update(answered_at="2025-01-01T00:00Z")
    added = pipeline.add_attempt(notice.recipients.unanswered(), "sms", attempt=2)
    again = Delivery.objects.filter(recipient__notice=notice, attempt=2)
    # Only Alice has a mobile number; Bob has answered; Carol has no number.
    assert added == 1
    assert list(again.values_list("recipient__staff", "channel")) == [
        (people.alice.staff.pk, "sms")
    ]


def test_extending_a_notice_adds_only_the_newcomers_each_once_and_sends_them(
    people, smtp, letter, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        issued = letter(title="参集のお知らせ")
        pipeline.issue(issued, _staff(people.alice))
    assert len(smtp.to("alice@city.example")) == 1
    with django_capture_on_commit_callbacks(execute=True):
        added = pipeline.extend(issued, _staff(people.alice, people.bob, people.carol))
    assert added == 2
    assert issued.recipients.count() == 3
    assert len(smtp.to("alice@city.example")) == 1  # not told twice
    assert len(smtp.to("bob@city.example")) == 1 and len(smtp.to("carol@city.example")) == 1
    assert pipeline.extend(issued, _staff(people.alice, people.bob)) == 0
    assert Delivery.objects.filter(recipient__notice=issued).count() == 3


def test_a_finished_notice_is_not_extended(people, letter):
    issued = letter()
    pipeline.issue(issued, _staff(people.alice))
    pipeline.finish(Notice.objects.filter(pk=issued.pk), "closed")
    with pytest.raises(ValueError):
        pipeline.extend(issued, _staff(people.bob))
    assert issued.recipients.count() == 1
