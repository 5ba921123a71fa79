"""What the headquarters sees of a mobilisation: the status by post and team (live, with
bars and the arrivals chart), each post's and team's lists, a person's family status on
request (audited), the summary on the alert's headquarters' view and wall, the family
step of the answer page, and the alert's audience said as what it is."""

import pytest
from django.urls import reverse

from renraku.accounts.models import Role
from renraku.audit.models import AuditEntry
from renraku.broadcast import actions as alerts
from renraku.broadcast import display, links
from renraku.directory.models import Staff
from renraku.mobilise import actions, rosters
from renraku.mobilise.models import Callup, Mobilisation, SiteReport
from renraku.notices.models import Recipient
from renraku.testing import make_staff, make_user, sign_in


@pytest.fixture
def started(client, ward, people):
    sign_in(client, people.bob)
    client.post(reverse("mobilise:start"), {"level": "3"})
    return Mobilisation.objects.get()


def _callup(m, person) -> Callup:
    return Callup.objects.select_related("recipient", "mobilisation__alert", "staff").get(
        mobilisation=m, staff=person
    )


def _answer(m, staff, *, eta="", reason="", safe=True):
    callup = _callup(m, staff)
    if safe:
        alerts.record_answer(callup.recipient, value="safe", via="link")
        callup.recipient.refresh_from_db()
    actions.record_answer(callup, eta=eta, reason=reason, via="link")
    return callup


def _answer_link(m, staff, name="mobilise:answer") -> str:
    recipient = Recipient.objects.get(notice_id=m.pk, staff=staff)
    return reverse(name, args=[links.token_for(recipient.pk)])


# --- The status page ---------------------------------------------------------------------


def test_the_status_says_who_is_coming_and_how_far_short_with_bars_and_a_chart(
    client, started, people, ward, django_assert_max_num_queries
):
    _answer(started, people.alice.staff, eta="30")
    _answer(started, people.carol.staff, reason="transport")
    actions.arrive(_callup(started, ward.fumi), site=ward.school, via="cli")
    with django_assert_max_num_queries(20):
        page = client.get(reverse("mobilise:status", args=[started.pk]))
    text = page.text
    assert 'data-testid="total-called">4<' in text
    assert 'data-testid="total-arrived">1<' in text
    assert 'data-testid="total-cannot">1<' in text
    # School: 2 needed, 1 arrived (Fumi, who has no post, arrived there): 1人不足; head
    # office: 1 needed, Carol cannot come: 1人不足.
    assert text.count("1人不足") >= 2
    assert 'aria-label="到着 1、30分以内 1、最低 2"' in text  # the school's bar in words
    assert 'data-testid="arrivals-chart"' in text and "1人到着、最低 3" in text
    assert f'href="/mobilise/{started.pk}/posts/S003/"' in text
    assert f'href="/mobilise/{started.pk}/teams/SHELTER/"' in text


def test_the_status_refreshes_its_figures_alone(client, started):
    page = client.get(reverse("mobilise:status", args=[started.pk]), HTTP_HX_REQUEST="true")
    assert page.status_code == 200
    assert page.text.startswith('<div id="mob-live"') and 'hx-trigger="every 5s"' in page.text
    assert "<form" not in page.text  # the level and reassign forms stay put


def test_the_status_costs_the_same_queries_for_more_people(
    client, started, people, ward, django_assert_max_num_queries
):
    for i in range(30):
        staff = make_staff(ward, family="多人数", given=f"{i}")
        Staff.objects.filter(pk=staff.pk).update(callup_level=1, callup_site=ward.school)
    actions.raise_level(started, 4)
    with django_assert_max_num_queries(20):
        client.get(reverse("mobilise:status", args=[started.pk]))
    with django_assert_max_num_queries(22):
        page = client.get(reverse("mobilise:post", args=[started.pk, "S003"]))
    assert "多人数" in page.text


# --- A post's and a team's page ----------------------------------------------------------


def test_a_posts_page_lists_who_to_phone_who_is_expected_who_arrived_who_cannot(
    client, started, people, ward
):
    Staff.objects.filter(pk=people.dave.staff.pk).update(work_phone="03-5432-1111")
    actions.raise_level(started, 4)  # Dave (school, no level) is called too
    _answer(started, people.alice.staff, eta="180")
    _answer(started, people.erin.staff, reason="injured")  # Erin's post is the head office
    actions.arrive(_callup(started, ward.fumi), site=ward.school, via="cli")
    page = client.get(reverse("mobilise:post", args=[started.pk, "S003"]))
    assert page.status_code == 200
    unanswered = _section(page.text, "list-unanswered")
    assert "大野 誠" in unanswered and 'href="tel:03-5432-1111"' in unanswered
    assert "青木 愛" in _section(page.text, "list-expected")
    assert "3時間以内" in _section(page.text, "list-expected")
    arrived = _section(page.text, "list-arrived")
    assert "福田 文" in arrived and "区立池尻小学校" in arrived and "（参集場所なし）" in arrived
    assert "江口" not in page.text  # another post's
    head_office = client.get(reverse("mobilise:post", args=[started.pk, "S001"]))
    assert "本人の負傷" in _section(head_office.text, "list-cannot")


def _section(text: str, testid: str) -> str:
    start = text.index(f'data-testid="{testid}"')
    return text[start : text.index("</section>", start)]


def test_a_teams_page_and_those_without_a_post(client, started, people, ward):
    team = client.get(reverse("mobilise:team", args=[started.pk, "SHELTER"]))
    assert team.status_code == 200 and "青木 愛" in team.text and "避難所班" in team.text
    nowhere = client.get(reverse("mobilise:post", args=[started.pk, "-"]))
    assert "福田 文" in _section(nowhere.text, "list-unanswered")
    assert client.get(reverse("mobilise:post", args=[started.pk, "NOPE"])).status_code == 404


def test_the_lists_go_a_page_at_a_time(client, started, ward, monkeypatch):
    monkeypatch.setattr(rosters, "PER_PAGE", 2)
    for i in range(3):
        staff = make_staff(ward, family="頁", given=f"{i}", family_kana="ページ")
        Staff.objects.filter(pk=staff.pk).update(callup_level=1, callup_site=ward.school)
    actions.raise_level(started, 4)
    url = reverse("mobilise:post", args=[started.pk, "S003"])
    first = _section(client.get(url).text, "list-unanswered")
    assert "1 / 3" in first and "u=2" in first
    last = _section(client.get(url, {"u": "3"}).text, "list-unanswered")
    assert "3 / 3" in last and last.count("data-staff=") == 1


@pytest.mark.parametrize("who", ["alice", "carol", "erin"])
def test_only_the_headquarters_sees_the_lists(client, started, people, who):
    client.logout()
    sign_in(client, getattr(people, who))
    assert client.get(reverse("mobilise:post", args=[started.pk, "S003"])).status_code == 403
    assert client.get(reverse("mobilise:team", args=[started.pk, "HONBU"])).status_code == 403
    number = people.alice.staff.employee_number
    assert client.post(reverse("mobilise:family", args=[started.pk, number])).status_code == 403


def test_signed_out_people_go_to_sign_in(client, started, people):
    client.logout()
    for url in (
        reverse("mobilise:post", args=[started.pk, "S003"]),
        reverse("mobilise:team", args=[started.pk, "HONBU"]),
    ):
        assert reverse("accounts:login") in client.get(url)["Location"]
    number = people.alice.staff.employee_number
    response = client.post(reverse("mobilise:family", args=[started.pk, number]))
    assert reverse("accounts:login") in response["Location"]


# --- Family status -----------------------------------------------------------------------


def test_family_status_from_the_one_tap_page_in_one_tap(client, started, people):
    client.logout()
    alice = people.alice.staff
    page = client.get(
        reverse("broadcast:answer", args=[links.token_for(_callup(started, alice).recipient_id)])
    )
    assert 'name="family"' not in page.text  # after the 参集 answer
    _answer(started, alice, eta="60")
    page = client.post(_answer_link(started, alice), {"family": "injured"})
    assert page.status_code == 200 and "けが人あり" in _after(page.text, "family-answer")
    callup = _callup(started, alice)
    assert callup.family == "injured" and callup.family_at is not None
    refused = client.post(_answer_link(started, alice), {"family": "dead"})
    assert refused.status_code == 400
    assert _callup(started, alice).family == "injured"


def test_family_status_from_the_page_signed_in(client, started, people):
    client.logout()
    sign_in(client, people.alice)
    _answer(started, people.alice.staff, eta="30")
    page = client.post(_answer_link(started, people.alice.staff), {"family": "safe"})
    assert "全員無事" in _after(page.text, "family-answer")


def _after(text: str, testid: str) -> str:
    start = text.index(f'data-testid="{testid}"')
    return text[start : start + 200]


def test_family_status_is_counted_never_listed_and_read_one_at_a_time_audited(
    client, started, people
):
    alice = people.alice.staff
    _answer(started, alice, eta="30")
    actions.record_family(_callup(started, alice), "injured")
    status = client.get(reverse("mobilise:status", args=[started.pk])).text
    assert 'data-family="injured">1<' in status and 'data-family="none">3<' in status
    post = client.get(reverse("mobilise:post", args=[started.pk, "S003"])).text
    assert "けが人あり" not in post and "家族の状況を見る" in post
    url = reverse("mobilise:family", args=[started.pk, alice.employee_number])
    assert client.get(url).status_code == 405
    shown = client.post(url, HTTP_HX_REQUEST="true")
    assert shown.status_code == 200 and "青木 愛さんの家族：けが人あり" in shown.text
    entry = AuditEntry.objects.get(action="mobilise.family_viewed")
    assert entry.actor_user_id == people.bob.pk
    assert entry.target == f"staff:{alice.employee_number}"
    assert "injured" not in str(entry.detail)


def test_a_sender_who_may_not_manage_the_alert_is_refused_the_family_and_it_is_audited(
    client, started, people, ward
):
    narrow = make_user(make_staff(ward, family="狭", given="範囲"), Role.SENDER)
    narrow.scope_departments.add(ward.som)
    client.logout()
    sign_in(client, narrow)
    assert client.get(reverse("mobilise:post", args=[started.pk, "S003"])).status_code == 200
    number = people.alice.staff.employee_number
    assert (
        "家族の状況を見る"
        not in client.get(reverse("mobilise:post", args=[started.pk, "S003"])).text
    )
    response = client.post(reverse("mobilise:family", args=[started.pk, number]))
    assert response.status_code == 403
    assert AuditEntry.objects.filter(action="mobilise.family_refused", actor_user_id=narrow.pk)
    assert not AuditEntry.objects.filter(action="mobilise.family_viewed").exists()


# --- The alert's headquarters' view and wall ---------------------------------------------


def test_the_headquarters_view_shows_the_call_up_and_reads_attendance_from_it(
    client, started, people, ward
):
    _answer(started, people.alice.staff, eta="30")
    _answer(started, people.carol.staff, eta="180")
    _answer(started, ward.fumi, reason="family")
    actions.record_family(_callup(started, people.alice.staff), "unreachable")
    SiteReport.objects.create(mobilisation=started, site=ward.school, status="unusable", via="cli")
    page = client.get(reverse("broadcast:situation", args=[started.pk]))
    text = page.text
    # 出勤可能 / 遅れて / 不可 from the 参集 answers
    assert 'data-testid="total-can">1<' in text
    assert 'data-testid="total-late">1<' in text
    assert 'data-testid="total-cannot">1<' in text
    panel = _section(text, "mobilise-panel")
    assert "第2次非常配備" in panel and "2人不足" in panel
    assert panel.index("区立池尻小学校") < panel.index("本庁舎")  # furthest short first
    assert 'data-status="unusable">1<' in panel and 'data-status="none">2<' in panel
    assert "連絡が取れない <strong>1</strong>" in panel
    assert "青木" not in panel  # counts, never names
    assert f'href="/mobilise/{started.pk}/sites/"' in panel
    assert "配信先：第2次非常配備（4人）" in text


def test_the_panel_is_not_for_an_ordinary_alert_nor_a_department_administrator(
    client, started, people, ward
):
    plain = alerts.send_alert(
        alerts.Draft(title="安否確認", body="b", audience={"all": True}, channels=["email"]),
        sender=people.bob,
    )
    page = client.get(reverse("broadcast:situation", args=[plain.pk]))
    assert 'data-testid="mobilise-panel"' not in page.text
    assert "配信先：全職員" in page.text
    client.logout()
    sign_in(client, people.carol)  # a department administrator: her people only
    page = client.get(reverse("broadcast:situation", args=[started.pk]))
    assert page.status_code == 200 and 'data-testid="mobilise-panel"' not in page.text


def test_the_wall_shows_posts_short_of_staff(client, started, people, ward):
    _, token = display.create_link(started.alert, by=people.bob)
    wall = client.get(reverse("broadcast:wall", args=[token]))
    panel = _section(wall.text, "mobilise-panel")
    assert "区立池尻小学校" in panel and "2人不足" in panel
    assert 'data-testid="wall-mob-called">4<' in panel
    live = client.get(reverse("broadcast:wall_live", args=[token]))
    assert 'data-testid="mobilise-panel"' in live.text
    _, token = display.create_link(started.alert, by=people.bob, department=ward.som)
    department = client.get(reverse("broadcast:wall", args=[token]))
    assert 'data-testid="mobilise-panel"' not in department.text


# --- The audience ------------------------------------------------------------------------


def test_the_audience_is_the_level_and_follows_it(client, started, people):
    sent = AuditEntry.objects.get(action="broadcast.sent")
    assert sent.detail["audience"] == {"levels": [3]}
    actions.raise_level(started, 4)
    page = client.get(reverse("broadcast:situation", args=[started.pk]))
    assert "配信先：全職員配備（6人）" in page.text
    actions.stand_down(started, 3)
    # A reminder goes to those called now, not those stood down.
    reminder = alerts.remind_unanswered(started.alert, sender=people.bob)
    called = set(reminder.recipients.values_list("staff_id", flat=True))
    assert people.erin.staff.pk not in called and people.alice.staff.pk in called


def test_an_alert_to_a_deployment_level_from_the_command_line(ward, people, smtp):
    """The audience a mobilisation uses is an audience like any: `levels=3` reaches those
    level 3 calls; an unknown level is refused and sends nothing."""
    from django.core.management import CommandError, call_command

    from renraku.broadcast.models import Alert

    common = ["alert", "send", "--title", "訓練", "--body", "b", "--channels", "email"]
    call_command(*common, "--audience", "levels=3")
    alert = Alert.objects.get()
    assert alert.audience == {"levels": [3]}
    called = set(alert.recipients.values_list("staff_id", flat=True))
    assert called == {
        people.bob.staff.pk,
        people.alice.staff.pk,
        people.carol.staff.pk,
        ward.fumi.pk,
    }
    with pytest.raises(CommandError, match="levels: 9"):
        call_command(*common, "--audience", "levels=9")
    assert Alert.objects.count() == 1


def test_a_family_status_shown_is_kept_by_no_cache(client, started, people):
    """Each look is audited: a copy in the browser's cache (a shared PC) would be one that
    is not."""
    alice = people.alice.staff
    _answer(started, alice, eta="30")
    actions.record_family(_callup(started, alice), "injured")
    url = reverse("mobilise:family", args=[started.pk, alice.employee_number])
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        shown = client.post(url, **headers)
        assert shown.status_code == 200 and "けが人あり" in shown.text
        assert "no-store" in shown["Cache-Control"]
