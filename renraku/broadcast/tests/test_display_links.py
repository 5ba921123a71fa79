"""Display links: the wall display opened without signing in, for as long as the link is
valid; made, revoked and opened on the record; department heads sent their own."""

import datetime as dt
import hashlib
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from renraku.accounts.models import Role
from renraku.audit.models import AuditEntry
from renraku.broadcast.actions import Draft
from renraku.broadcast.models import Alert, DisplayLink
from renraku.notices.models import Recipient
from renraku.testing import make_staff, make_user, sign_in


@pytest.fixture
def alert(people, send, smtp):
    return send(
        Draft(
            title="震度6弱 安否確認",
            body="安否を",
            audience={"all": True},
            channels=["email"],
            reply_form="safety",
        ),
        sender=people.bob,
    )


def answer(alert, user, value, attendance="", at=None):
    Recipient.objects.filter(notice=alert, staff=user.staff).update(
        answer=value, attendance=attendance, answered_at=at or timezone.now()
    )


def make_link(client, alert, **fields) -> str:
    """Made through the page, as a duty officer does; returns the wall's path."""
    response = client.post(reverse("broadcast:display_create", args=[alert.pk]), fields)
    assert response.status_code == 200, response.content.decode()[:2000]
    url = re.search(r'data-testid="new-link-url">([^<]+)<', response.content.decode())[1]
    return url.split("//", 1)[1].split("/", 1)[1].join(["/", ""])


def test_a_manager_makes_a_link_that_opens_without_sign_in_and_shows_the_ward(
    client, people, alert
):
    answer(alert, people.alice, "safe", "can")
    answer(alert, people.carol, "serious", "cannot")
    path = make_link(sign_in(client, people.bob), alert, label="本部 1")
    client.logout()
    response = client.get(path)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="wall-answered">2<' in page
    assert 'data-testid="wall-rate">40%<' in page  # 2 of the 5 active people
    assert 'data-testid="wall-serious">1<' in page
    assert 'data-testid="wall-cannot">1<' in page
    assert 'data-testid="wall-worst-department"' in page and "総務部" in page
    assert "<svg" in page and 'hx-trigger="every 5s"' in page
    live = client.get(f"{path}live/")
    assert live.status_code == 200 and 'id="wall-live"' in live.content.decode()
    assert "<html" not in live.content.decode()  # the partial alone


def test_only_the_digest_is_kept_and_the_link_appears_in_the_list(client, people, alert):
    path = make_link(sign_in(client, people.bob), alert, label="本部 1")
    token = path.strip("/").split("/")[1]
    link = DisplayLink.objects.get()
    assert link.digest == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(DisplayLink.objects.values().get())
    assert token not in str(list(AuditEntry.objects.values("detail", "target")))
    assert link.expires_at - timezone.now() > dt.timedelta(hours=23)
    assert link.expires_at - timezone.now() <= dt.timedelta(days=1)
    listing = client.get(reverse("broadcast:displays", args=[alert.pk])).content.decode()
    assert "本部 1" in listing and token not in listing  # shown once, never again


def test_opening_is_audited_once_per_page_load_not_per_refresh(client, people, alert):
    path = make_link(sign_in(client, people.bob), alert)
    client.logout()
    client.get(path)
    for _ in range(3):
        client.get(f"{path}live/")
    opened = AuditEntry.objects.filter(action="broadcast.display_opened")
    assert opened.count() == 1
    assert opened.get().target == f"alert:{alert.pk}"
    assert AuditEntry.objects.filter(
        action="broadcast.display_created", target=f"alert:{alert.pk}", actor=people.bob.username
    ).exists()
    client.get(path)
    assert opened.count() == 2


def test_a_revoked_link_answers_410_and_the_running_wall_reloads(client, people, alert):
    path = make_link(sign_in(client, people.bob), alert)
    link = DisplayLink.objects.get()
    response = client.post(reverse("broadcast:display_revoke", args=[alert.pk, link.pk]))
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="broadcast.display_revoked").count() == 1
    client.logout()
    gone = client.get(path, headers={"Accept-Language": "en"})
    assert gone.status_code == 410
    assert "This display link has been revoked" in gone.content.decode()
    assert "wall-answered" not in gone.content.decode()
    live = client.get(f"{path}live/", headers={"HX-Request": "true"})
    assert live.status_code == 410 and live["HX-Refresh"] == "true"


def test_an_expired_link_answers_410(client, people, alert):
    path = make_link(sign_in(client, people.bob), alert, days="7")
    link = DisplayLink.objects.get()
    assert link.expires_at - timezone.now() > dt.timedelta(days=6, hours=23)
    DisplayLink.objects.filter(pk=link.pk).update(expires_at=timezone.now())
    client.logout()
    assert client.get(path).status_code == 410
    assert client.get(f"{path}live/").status_code == 410
    assert client.get("/wall/not-a-token/").status_code == 404


@pytest.mark.parametrize("days", ["0", "8", "x"])
def test_a_link_is_valid_for_one_to_seven_days(client, people, alert, days):
    sign_in(client, people.bob)
    response = client.post(reverse("broadcast:display_create", args=[alert.pk]), {"days": days})
    assert response.status_code == 400
    assert not DisplayLink.objects.exists()


@pytest.mark.parametrize("person", ["alice", "carol", "erin"])
def test_only_those_who_may_manage_the_alert_make_or_list_links(client, people, alert, person):
    sign_in(client, getattr(people, person))
    create = reverse("broadcast:display_create", args=[alert.pk])
    assert client.post(create, {}).status_code == 403
    assert client.get(reverse("broadcast:displays", args=[alert.pk])).status_code == 403
    heads = reverse("broadcast:display_send_heads", args=[alert.pk])
    assert client.post(heads).status_code == 403
    assert not DisplayLink.objects.exists()


def test_a_link_to_an_alert_outside_the_managers_scope_is_refused(client, org, people, alert, send):
    """Bob manages the earthquake; a sender of 総務部 only does not, so cannot add it."""
    sender = make_user(make_staff(org, position="CHF"), Role.SENDER)
    sender.scope_departments.add(org.som)
    own = send(
        Draft(title="総務部", body="安否", audience={"departments": ["SOM"]}, channels=["email"]),
        sender=sender,
    )
    sign_in(client, sender)
    response = client.post(
        reverse("broadcast:display_create", args=[own.pk]), {"with": str(alert.pk)}
    )
    assert response.status_code == 403
    assert not DisplayLink.objects.exists()


def test_combined_alerts_count_each_person_once_with_the_latest_answer(client, people, alert, send):
    aftershock = send(
        Draft(title="余震", body="安否", audience={"all": True}, channels=["email"]),
        sender=people.bob,
    )
    answer(alert, people.alice, "safe", "can")
    answer(aftershock, people.alice, "minor", "late")
    path = make_link(sign_in(client, people.bob), alert, **{"with": str(aftershock.pk)})
    assert set(DisplayLink.objects.get().alerts.all()) == {alert, aftershock}
    page = client.get(path).content.decode()
    assert 'data-testid="wall-answered">1<' in page
    assert 'data-testid="wall-minor">1<' in page and 'data-testid="wall-safe">0<' in page
    assert "余震" in page


def test_the_curve_has_a_second_line_for_a_department_on_request(client, people, alert):
    start = alert.issued_at
    answer(alert, people.alice, "safe", at=start + dt.timedelta(minutes=3))  # 総務部
    answer(alert, people.dave, "safe", at=start + dt.timedelta(minutes=12))  # 危機管理部
    path = make_link(sign_in(client, people.bob), alert)
    ward = client.get(path).content.decode()
    assert 'data-testid="wall-line-1">40%<' in ward and "wall-line-2" not in ward
    both = client.get(f"{path}live/?department=SOM").content.decode()
    assert 'data-testid="wall-line-1">40%<' in both
    assert 'data-testid="wall-line-2">50%<' in both  # 1 of 総務部's 2
    assert "?department=SOM" in both  # the next refresh keeps it


def test_the_curve_reads_a_bounded_number_of_rows_whatever_the_answers(alert, people):
    from renraku.broadcast import queries, situation

    Recipient.objects.filter(notice=alert).update(answered_at=timezone.now(), answer="safe")
    rows = situation.recipients([alert])
    assert queries.curve_of(rows, alert.issued_at, points=2)[-1][1] == 5
    assert len(queries.curve_of(rows, alert.issued_at, points=2)) <= 3


def test_the_wall_refresh_takes_a_fixed_number_of_queries(
    client, people, alert, django_assert_max_num_queries
):
    path = make_link(sign_in(client, people.bob), alert)
    client.logout()
    with django_assert_max_num_queries(12):
        client.get(f"{path}live/?department=SOM")


@pytest.fixture
def directors(org, people):
    kik, gak = org.kik, org.gak
    som_head = make_staff(org, family="総務", given="部長", position="DIR", number="900101")
    kik_head = make_staff(
        org, family="危機", given="部長", position="DIR", department=kik, number="900102"
    )
    make_staff(org, family="元", given="部長", position="DIR", number="900103", is_active=False)
    gak_staff = make_staff(org, family="学校", given="主事", department=gak, number="900104")
    return {"SOM": som_head, "KIK": kik_head, "GAK": gak_staff}


def test_each_department_head_gets_a_link_to_their_own_department_only(
    client, people, directors, send
):
    alert = send(
        Draft(
            title="震度6強",
            body="安否を",
            audience={"all": True},
            channels=["email"],
            reply_form="safety",
        ),
        sender=people.bob,
    )
    answer(alert, people.alice, "safe", "can")  # 総務部
    answer(alert, people.dave, "minor", "late")  # 危機管理部
    sign_in(client, people.dave)  # an administrator
    response = client.post(reverse("broadcast:display_send_heads", args=[alert.pk]))
    assert response.status_code == 302
    notices = Alert.objects.filter(parent=alert, source="department_link")
    # GAK has nobody of director rank: no link is made for it.
    assert notices.count() == 2
    assert DisplayLink.objects.count() == 2
    client.logout()
    for notice in notices:
        [recipient] = notice.recipients.select_related("staff", "department")
        code = recipient.department.code
        assert recipient.staff == directors[code]
        assert notice.reply_form == "none" and notice.channel_order == alert.channel_order
        path = re.search(r"https?://[^/\s]+(/wall/[^/\s]+/)", notice.body)[1]
        page = client.get(path).content.decode()
        department_rows = Recipient.objects.filter(notice=alert, department__code=code)
        assert 'data-testid="wall-answered">1<' in page
        assert f"{recipient.department.name}" in page
        assert f" / {department_rows.count()}</span>" in page
        assert 'data-testid="wall-worst-section"' in page
        assert 'data-testid="wall-worst-department"' not in page
        other = "危機管理部" if code == "SOM" else "総務部"
        assert other not in page
        # ?department= cannot widen a department's link to another one.
        assert (
            other not in client.get(f"{path}live/?department=SOM&department=KIK").content.decode()
        )
    link = DisplayLink.objects.filter(department__code="SOM").get()
    assert dt.timedelta(days=2, hours=23) < link.expires_at - timezone.now() <= dt.timedelta(days=3)
    created = AuditEntry.objects.filter(
        action="broadcast.display_created", target=f"alert:{alert.pk}"
    )
    assert created.count() == 2


def test_sending_heads_again_replaces_their_links_and_never_by_voice(
    client, people, directors, alert
):
    sign_in(client, people.dave)
    client.post(reverse("broadcast:display_send_heads", args=[alert.pk]))
    first = set(DisplayLink.objects.usable().values_list("pk", flat=True))
    client.post(reverse("broadcast:display_send_heads", args=[alert.pk]))
    usable = set(DisplayLink.objects.usable().values_list("pk", flat=True))
    assert first and not (first & usable)  # the earlier links stopped working
    notice = Alert.objects.filter(parent=alert, source="department_link").last()
    assert "voice" not in notice.channel_order
    assert notice.body.startswith("http")  # the address first: an SMS keeps its start


def test_heads_are_not_sent_links_to_a_closed_alert(client, people, directors, alert):
    from renraku.broadcast.actions import close_alert

    close_alert(alert)
    sign_in(client, people.dave)
    client.post(reverse("broadcast:display_send_heads", args=[alert.pk]))
    assert not DisplayLink.objects.exists()


def test_a_department_the_link_never_reached_adds_no_line_and_no_cache_entry(client, people, alert):
    from django.core.cache import cache

    path = make_link(sign_in(client, people.bob), alert, label="本部")
    client.logout()
    cache.clear()
    client.get(f"{path}live/?department=NOPE")
    client.get(f"{path}live/?department=ALSO-NOPE")
    assert len([k for k in cache._list_cache_files()]) <= 3  # one set of figures, not one each


def test_another_alerts_departments_never_decide_who_manages_this_one(org, people, send):
    """Alert ids start again after a restore: the departments remembered for an alert are
    keyed by when it was sent too."""
    from renraku.accounts.models import Role
    from renraku.broadcast import actions, live

    sam = make_user(make_staff(org, family="佐藤", given="三郎"), Role.SENDER)
    sam.scope_departments.add(org.som)
    alert = send(
        Draft(title="全庁", body="b", audience={"all": True}, channels=["email"]),
        sender=people.bob,
    )
    from django.core.exceptions import PermissionDenied

    # What a previous database's alert with the same id, sent at another time, left behind:
    earlier = alert.issued_at.timestamp() - 3600
    live.frozen("alert-departments", alert.pk, earlier, compute=lambda: [org.som.pk])
    assert set(actions.departments_of(alert)) == {org.som.pk, org.kik.pk}
    with pytest.raises(PermissionDenied):
        actions.authorise_manage(sam, alert)
