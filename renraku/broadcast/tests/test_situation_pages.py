"""The headquarters' pages: the ward by department and site, drill-down, who sees what,
several alerts as one, the printed report and the CSV files."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import timezone, translation

from renraku.accounts.models import Role
from renraku.audit.models import AuditEntry
from renraku.broadcast.actions import Draft
from renraku.broadcast.models import Alert
from renraku.directory.models import Department
from renraku.notices.models import Recipient
from renraku.testing import make_staff, make_user, sign_in


def draft(title="震度6弱", **audience):
    return Draft(title=title, body="安否を", audience=audience or {"all": True}, channels=["email"])


@pytest.fixture
def alert(people, send, smtp):
    return send(draft(), sender=people.bob)


@pytest.fixture
def sam(org):
    """A sender whose scope is 総務部 only."""
    user = make_user(
        make_staff(org, family="佐藤", family_kana="サトウ", section=org.somu_ka), Role.SENDER
    )
    user.scope_departments.add(org.som)
    return user


def answer(alert, user, value, attendance=""):
    Recipient.objects.filter(notice=alert, staff=user.staff).update(
        answer=value, attendance=attendance, answered_at=timezone.now()
    )


def url(alert, *args, name="situation"):
    return reverse(f"broadcast:{name}", args=[alert.pk, *args])


def codes(html, by):
    """The codes of a table's rows, in the order shown."""
    table = html.split(f'data-testid="table-{by}"')[1].split("</section>")[0]
    return re.findall(r'data-code="([^"]+)"', table)


def text(response):
    return response.content.decode()


# --- The ward's page ---------------------------------------------------------------------


def test_ward_page_shows_totals_then_every_department_and_site_lowest_answer_rate_first(
    client, alert, people, org
):
    answer(alert, people.alice, "safe", "can")
    answer(alert, people.carol, "serious", "cannot")
    sign_in(client, people.bob)
    html = text(client.get(url(alert)))
    assert 'data-testid="total-recipients">5<' in html
    assert 'data-testid="total-answered">2<' in html
    assert 'data-testid="total-rate">40%<' in html
    assert 'data-testid="total-serious">1<' in html
    assert 'data-testid="total-unknown">3<' in html
    assert codes(html, "department") == ["KIK", "SOM"]  # 0 % before 100 %
    assert codes(html, "site") == ["S001"]
    # Each name leads to its drill-down page.
    assert f'href="{url(alert, "department", "SOM", name="situation_area")}"' in html
    assert f'href="{url(alert, "site", "S001", name="situation_area")}"' in html


def test_places_with_injured_people_or_too_few_who_can_come_are_marked_in_words(
    client, alert, people
):
    answer(alert, people.alice, "minor", "cannot")  # 総務部: hurt, and nobody can come
    answer(alert, people.carol, "safe", "cannot")
    answer(alert, people.dave, "safe", "can")  # 危機管理部: fine so far
    sign_in(client, people.bob)
    html = text(client.get(url(alert)))
    som = html.split('data-code="SOM"')[1].split("</tr>")[0]
    kik = html.split('data-code="KIK"')[1].split("</tr>")[0]
    assert "負傷者あり" in som and "参集可能者少" in som
    assert 'aria-hidden="true">✚' in som  # the icon is decoration; the word is read out
    assert "data-flag" not in kik


def test_the_live_part_alone_answers_htmx_and_polls_every_5_seconds_while_open(
    client, alert, people
):
    sign_in(client, people.bob)
    html = text(client.get(url(alert), headers={"HX-Request": "true"}))
    assert html.lstrip().startswith('<div id="hq-live"')
    assert 'hx-trigger="every 5s"' in html
    assert "<nav" not in html and 'data-testid="same-day"' not in html
    answer(alert, people.alice, "safe", "can")
    from django.core.cache import cache

    cache.clear()  # the figures every screen shares for LIVE_FIGURES_SECONDS have expired
    assert 'data-testid="total-answered">1<' in text(
        client.get(url(alert), headers={"HX-Request": "true"})
    )
    Alert.objects.filter(pk=alert.pk).update(finished_at=timezone.now())
    assert "every 5s" not in text(client.get(url(alert), headers={"HX-Request": "true"}))


def test_tables_scroll_inside_the_page_on_a_phone(client, alert, people):
    sign_in(client, people.bob)
    html = text(client.get(url(alert)))
    assert html.count('<div class="table-wrap" tabindex="0"><table>') == 2
    # The place, then its answer rate, are the first columns a phone shows.
    head = html.split('data-testid="table-department"')[1].split("</thead>")[0]
    with translation.override("ja"):
        assert head.index("部局") < head.index("回答率") < head.index("受信者")


# --- Who sees what -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("person", "status", "departments"),
    [
        ("alice", 403, None),
        ("erin", 403, None),
        ("carol", 200, ["SOM"]),
        ("bob", 200, ["KIK", "SOM"]),
        ("dave", 200, ["KIK", "SOM"]),
        ("sam", 403, None),  # a sender of 総務部 only: this alert went to the whole ward
    ],
)
def test_who_sees_the_ward_page_of_an_alert_to_everyone(
    client, alert, people, sam, person, status, departments
):
    user = sam if person == "sam" else getattr(people, person)
    sign_in(client, user)
    response = client.get(url(alert))
    assert response.status_code == status
    if departments:
        assert codes(text(response), "department") == departments
    assert client.get(url(alert, name="situation_print")).status_code == status
    assert client.get(url(alert, "department", name="situation_csv")).status_code == status


def test_a_scoped_sender_sees_all_of_an_alert_they_may_manage(client, people, sam, send, smtp):
    som_only = send(draft(departments=["SOM"]), sender=sam)
    sign_in(client, sam)
    response = client.get(url(som_only))
    assert response.status_code == 200
    assert 'data-testid="scoped"' not in text(response)


def test_a_department_administrator_sees_only_her_departments(client, alert, people):
    answer(alert, people.dave, "serious", "cannot")  # 危機管理部: not hers to see
    sign_in(client, people.carol)
    html = text(client.get(url(alert)))
    assert 'data-testid="total-recipients">2<' in html
    assert 'data-testid="total-serious">0<' in html
    assert 'data-testid="scoped"' in html
    assert 'data-testid="same-day"' not in html

    def status(area, code):
        return client.get(url(alert, area, code, name="situation_area")).status_code

    assert status("department", "SOM") == 200
    assert status("section", "SOM-02") == 200
    assert status("department", "KIK") == 403
    assert status("section", "KIK-01") == 403
    assert status("domain", "BK") == 403  # none of her people there
    site = text(client.get(url(alert, "site", "S001", name="situation_area")))
    assert 'data-testid="total-recipients">2<' in site  # of 5 there, her 2


def test_a_department_administrator_none_of_whose_people_were_asked_is_refused(
    client, people, send, smtp
):
    kik_only = send(draft(departments=["KIK"]), sender=people.bob)
    sign_in(client, people.carol)
    assert client.get(url(kik_only)).status_code == 403


# --- Drill-down --------------------------------------------------------------------------


def test_a_domain_shows_its_departments_and_the_way_back(client, alert, people):
    sign_in(client, people.bob)
    response = client.get(url(alert, "domain", "KS", name="situation_area"))
    html = text(response)
    assert response.status_code == 200
    assert 'data-testid="total-recipients">5<' in html
    assert sorted(codes(html, "department")) == ["KIK", "SOM"]
    assert f'href="{url(alert)}"' in html


def test_a_department_shows_its_sections_and_sites_and_breadcrumbs(client, alert, people):
    sign_in(client, people.bob)
    html = text(client.get(url(alert, "department", "SOM", name="situation_area")))
    assert sorted(codes(html, "section")) == ["SOM-01", "SOM-02"]
    assert codes(html, "site") == ["S001"]
    crumbs = html.split('class="hq-crumbs"')[1].split("</nav>")[0]
    assert re.findall(r">([^<>]+)</a>", crumbs)[1:] == ["企画総務", "総務部"]


def test_a_section_has_breadcrumbs_from_the_ward_down(client, alert, people):
    sign_in(client, people.bob)
    html = text(client.get(url(alert, "section", "SOM-02", name="situation_area")))
    crumbs = html.split('class="hq-crumbs"')[1].split("</nav>")[0]
    assert re.findall(r">([^<>]+)</a>", crumbs)[1:] == ["企画総務", "総務部", "人事課"]
    assert 'aria-current="page">人事課' in crumbs


def test_an_unknown_area_or_place_is_not_found(client, alert, people):
    sign_in(client, people.bob)
    assert client.get(url(alert, "planet", "X", name="situation_area")).status_code == 404
    assert client.get(url(alert, "department", "NOPE", name="situation_area")).status_code == 404


def test_the_unanswered_of_a_place_with_name_section_and_work_phone(client, alert, people):
    answer(alert, people.alice, "safe", "can")
    sign_in(client, people.bob)
    html = text(client.get(url(alert, "department", "SOM", name="situation_area")))
    listed = html.split('data-testid="unanswered"')[1]
    assert "加藤 花" in listed and "人事課" in listed
    assert 'href="tel:03-5432-1111"' in listed
    assert "青木 愛" not in listed  # she answered


@pytest.fixture
def crowd(org, people, send, smtp):
    """An alert to 総務部 with 120 people in it besides Alice and Carol."""
    for i in range(120):
        make_staff(org, family="田中", given=f"{i:03d}", family_kana="タナカ", given_kana="イチ")
    return send(draft(departments=["SOM"]), sender=people.bob)


def test_the_unanswered_come_50_a_page_and_are_found_by_kana_or_kanji(client, crowd, people):
    sign_in(client, people.bob)
    area = url(crowd, "department", "SOM", name="situation_area")
    first = text(client.get(area))
    assert first.count("data-staff=") == 50
    assert "1 / 3" in first and "page=2" in first
    last = text(client.get(area, {"page": 3}))
    assert last.count("data-staff=") == 22
    for query in ("アオキ", "あおき", "青木"):
        found = text(client.get(area, {"q": query}))
        assert found.count("data-staff=") == 1 and "青木 愛" in found


def test_an_administrator_reveals_one_personal_mobile_through_the_audited_view(
    client, alert, people
):
    sign_in(client, people.dave)
    html = text(client.get(url(alert, "department", "SOM", name="situation_area")))
    reveal = reverse("directory:personal_contact", args=[people.alice.staff.employee_number])
    assert f'hx-post="{reveal}"' in html
    assert "090-1111-2222" not in html  # not with the page: one deliberate look at a time
    response = client.post(reveal, {"reason": "未回答"})
    assert 'href="tel:090-1111-2222"' in text(response)
    entry = AuditEntry.objects.get(action="directory.personal_contact_viewed")
    assert entry.target == f"staff:{people.alice.staff.employee_number}"


def test_a_sender_gets_no_personal_contact_buttons(client, alert, people):
    sign_in(client, people.bob)
    html = text(client.get(url(alert, "department", "SOM", name="situation_area")))
    assert reverse("directory:personal_contact", args=[people.alice.username]) not in html


# --- Several alerts as one ---------------------------------------------------------------


def test_several_alerts_count_each_person_once_with_their_latest_answer(
    client, alert, people, send
):
    aftershock = send(draft("余震"), sender=people.bob)
    answer(alert, people.alice, "safe", "can")
    answer(aftershock, people.alice, "minor", "late")
    answer(alert, people.carol, "safe", "can")
    sign_in(client, people.bob)
    response = client.get(url(alert), {"with": str(aftershock.pk)})
    html = text(response)
    assert 'data-testid="total-recipients">5<' in html
    assert 'data-testid="total-answered">2<' in html
    assert 'data-testid="total-minor">1<' in html
    assert 'data-testid="combined"' in html
    # Links carry the combination along.
    assert f'situation/department/SOM/?with={aftershock.pk}"' in html


def test_the_other_safety_alerts_of_the_day_are_offered_to_combine(client, alert, people, send):
    aftershock = send(draft("余震"), sender=people.bob)
    yesterday = send(draft("昨日の訓練"), sender=people.bob)
    Alert.objects.filter(pk=yesterday.pk).update(issued_at=alert.issued_at - timedelta(days=1))
    notice = send(
        Draft(
            title="お知らせ",
            body="x",
            audience={"all": True},
            channels=["email"],
            reply_form="none",
        ),
        sender=people.bob,
    )
    sign_in(client, people.bob)
    offered = text(client.get(url(alert))).split('data-testid="same-day"')[1]
    assert f'name="with" value="{aftershock.pk}"' in offered
    assert f'value="{yesterday.pk}"' not in offered
    assert f'value="{notice.pk}"' not in offered
    # The checkboxes' way of asking (with=3&with=4) works too.
    combined = text(client.get(url(alert), {"with": [str(aftershock.pk)]}))
    assert f'value="{aftershock.pk}" checked' in combined


def test_an_added_alert_the_viewer_may_not_manage_is_refused(client, people, sam, send, smtp):
    mine = send(draft(departments=["SOM"]), sender=sam)
    everyone = send(draft(), sender=people.bob)
    sign_in(client, sam)
    assert client.get(url(mine), {"with": str(everyone.pk)}).status_code == 403
    assert client.get(url(mine), {"with": "999999"}).status_code == 404
    assert client.get(url(mine), {"with": "1;DROP"}).status_code == 400
    assert client.get(url(mine), {"with": "²"}).status_code == 400


def test_a_department_administrator_cannot_add_alerts(client, alert, people, send):
    aftershock = send(draft("余震"), sender=people.bob)
    sign_in(client, people.carol)
    assert client.get(url(alert), {"with": str(aftershock.pk)}).status_code == 403


# --- Print -------------------------------------------------------------------------------


def test_the_printed_report_a_domain_a_page_then_the_sites(client, alert, people):
    answer(alert, people.alice, "safe", "can")
    sign_in(client, people.bob)
    with translation.override("ja"):
        html = text(client.get(url(alert, name="situation_print")))
    assert '<html lang="ja">' in html
    assert "<nav" not in html and "Sign out" not in html and "ログアウト" not in html
    assert timezone.localtime().strftime("%Y-%m-%d") in html.split('data-testid="printed-at"')[1]
    assert 'data-testid="total-recipients">5<' in html
    domains = html.split('data-testid="domain"')[1:]
    assert [re.search(r"<h2>([^<]+)</h2>", d)[1] for d in domains] == ["企画総務"]  # 文教: nobody
    assert sorted(codes(domains[0], "department")) == ["KIK", "SOM"]
    assert codes(html, "site") == ["S001"]
    assert html.count('class="hq-page"') == 2
    css = Path(finders.find("web/hq-print.css")).read_text(encoding="utf-8")
    assert "size: A4 portrait; margin: 12mm;" in css
    assert re.search(r"\.hq-page \{ break-before: page; \}", css)
    assert "/static/web/hq-print.css" in html


# --- CSV ---------------------------------------------------------------------------------


def test_csv_by_department_in_utf8_with_a_bom_and_japanese_header(client, alert, people):
    answer(alert, people.alice, "safe", "can")
    answer(alert, people.carol, "minor", "late")
    sign_in(client, people.bob)
    response = client.get(url(alert, "department", name="situation_csv"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "no-store" in response["Cache-Control"]
    assert re.match(
        rf'attachment; filename="situation-{alert.pk}-department-\d{{8}}-\d{{4}}\.csv"',
        response["Content-Disposition"],
    )
    assert response.content.startswith(b"\xef\xbb\xbf")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("コード,名称,受信者数,送達数,回答数,回答率(%),無事,軽傷,重傷,")
    assert lines[0].endswith("出勤可能,遅れて出勤可能,出勤不可,出勤未回答")
    assert lines[1].startswith("KIK,危機管理部,3,")
    som = lines[2].split(",")
    assert som[:2] == ["SOM", "総務部"]
    assert som[4:] == ["2", "100", "1", "1", "0", "1", "1", "0", "0"]


def test_csv_by_site_in_cp932_replaces_what_it_cannot_carry(client, alert, people, org):
    Department.objects.filter(pk=org.som.pk).update(name="𠮷野総務部")  # 𠮷 is not in CP932
    sign_in(client, people.bob)
    response = client.get(url(alert, "department", name="situation_csv"), {"encoding": "cp932"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=Windows-31J"
    body = response.content.decode("cp932")
    assert "?野総務部" in body and "危機管理部" in body
    sites = client.get(url(alert, "site", name="situation_csv"), {"encoding": "cp932"})
    assert sites.content.decode("cp932").splitlines()[1].startswith("S001,本庁舎,5,")


def test_csv_cells_never_run_as_formulas(client, alert, people, org):
    Department.objects.filter(pk=org.som.pk).update(name='=HYPERLINK("http://x.example")')
    sign_in(client, people.bob)
    body = client.get(url(alert, "department", name="situation_csv")).content.decode("utf-8-sig")
    assert "'=HYPERLINK(" in body


def test_csv_refuses_an_unknown_encoding_or_grouping(client, alert, people):
    sign_in(client, people.bob)
    csv_url = url(alert, "department", name="situation_csv")
    assert client.get(csv_url, {"encoding": "latin-1"}).status_code == 400
    assert client.get(url(alert, "section", name="situation_csv")).status_code == 404


def test_a_department_administrators_csv_has_her_departments_only(client, alert, people):
    sign_in(client, people.carol)
    body = client.get(url(alert, "department", name="situation_csv")).content.decode("utf-8-sig")
    assert [line.split(",")[0] for line in body.splitlines()[1:]] == ["SOM"]


# --- Queries -----------------------------------------------------------------------------


@pytest.mark.parametrize("extra", [0, 120])
def test_the_ward_and_a_department_take_a_bounded_number_of_queries(
    client, org, people, send, smtp, django_assert_max_num_queries, extra
):
    for i in range(extra):
        make_staff(org, family="田中", given=f"{i:03d}", family_kana="タナカ", given_kana="イチ")
    alert = send(draft(), sender=people.bob)
    aftershock = send(draft("余震"), sender=people.bob)
    sign_in(client, people.bob)
    # 13: the ward's figures, and the delivery funnel (one count, one median per stage).
    with django_assert_max_num_queries(13):
        assert client.get(url(alert), {"with": str(aftershock.pk)}).status_code == 200
    with django_assert_max_num_queries(12):
        response = client.get(url(alert, "department", "SOM", name="situation_area"))
        assert response.status_code == 200


def test_screens_share_the_figures_for_a_moment_not_their_permissions(
    client, alert, people, django_assert_max_num_queries
):
    """Twenty screens refreshing the same page count the recipients once per period (see
    broadcast/live.py); who may see them is still checked on every request."""
    sign_in(client, people.bob)
    first = text(client.get(url(alert), headers={"HX-Request": "true"}))
    assert 'data-testid="total-answered">0<' in first
    answer(alert, people.alice, "safe", "can")
    with django_assert_max_num_queries(6):  # the session and the checks, no counting
        again = text(client.get(url(alert), headers={"HX-Request": "true"}))
    assert 'data-testid="total-answered">0<' in again  # within the period: the same figures
    sign_in(client, people.alice)
    assert client.get(url(alert), headers={"HX-Request": "true"}).status_code == 403
