"""参集: each person's call-up level, post and team, from the HR file to their page."""

import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from renraku.audit.models import AuditEntry
from renraku.directory.demo_callup import seed_levels, seed_teams
from renraku.directory.models import DeploymentLevel, MinimumStaffing, Staff, Team
from renraku.directory.queries import called_at
from renraku.directory.tests.test_import import csv_bytes, row, run_import
from renraku.directory.tests.test_import_page import upload
from renraku.testing import sign_in


@pytest.fixture
def callup(db):
    """The four levels and the teams (a flush between committed tests empties the rows the
    migration made, so they are made here again)."""
    seed_levels()
    seed_teams()
    return {team.code: team for team in Team.objects.all()}


def callup_of(number):
    staff = Staff.objects.get(employee_number=number)
    return (
        staff.callup_level_id,
        staff.callup_site and staff.callup_site.code,
        staff.callup_team and staff.callup_team.code,
    )


def test_the_hr_file_sets_call_up_level_post_and_team(org, callup, tmp_path):
    status, _out, err = run_import(
        tmp_path,
        csv_bytes(
            [
                row("700001", 参集区分="2", 参集場所コード="S003", 活動班="SHELTER"),
                row("700002", 参集区分="03", 参集場所コード="S001", 活動班="HQ"),
                row("700003"),  # blank: called only when everyone is
            ]
        ),
    )
    assert status == 0, err
    assert callup_of("700001") == (2, "S003", "SHELTER")
    assert callup_of("700002") == (3, "S001", "HQ")
    assert callup_of("700003") == (None, None, None)
    assert set(called_at(2).values_list("employee_number", flat=True)) == {"700001"}
    assert set(called_at(3).values_list("employee_number", flat=True)) == {"700001", "700002"}
    assert called_at(4).count() == 3  # the highest level calls everyone


def test_english_keys_name_the_call_up_columns(org, callup, tmp_path):
    header = ["employee_number", "family_name", "given_name", "family_name_kana"]
    header += ["given_name_kana", "department", "section", "site", "position"]
    header += ["callup_level", "callup_site", "callup_team"]
    values = ["700001", "山田", "太郎", "ヤマダ", "タロウ", "SOM", "", "S001", "STF", "1"]
    data = (",".join(header) + "\n" + ",".join([*values, "S001", "INFO"]) + "\n").encode()
    status, _, err = run_import(tmp_path, data)
    assert status == 0, err
    assert callup_of("700001") == (1, "S001", "INFO")


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ({"参集区分": "9"}, "line 3: unknown call-up level '9' (the levels are 1, 2, 3, 4)"),
        ({"参集区分": "x"}, "line 3: unknown call-up level 'x'"),
        ({"参集区分": "３"}, "line 3: unknown call-up level '３'"),  # full width: not a number
        ({"参集区分": "-1"}, "line 3: unknown call-up level '-1'"),
        ({"参集場所コード": "S999"}, "line 3: unknown call-up site code 'S999'"),
        ({"活動班": "NOPE"}, "line 3: unknown team code 'NOPE'"),
    ],
)
def test_a_bad_call_up_value_is_a_line_error_and_nothing_changes(
    org, callup, tmp_path, values, problem
):
    first = csv_bytes([row("700001", 参集区分="2", 参集場所コード="S003", 活動班="SHELTER")])
    assert run_import(tmp_path, first)[0] == 0
    with translation.override("en"):
        status, _, err = run_import(
            tmp_path, csv_bytes([row("700001", 参集区分="1"), row("700002", **values)])
        )
    assert status == 1 and problem in err, err
    assert callup_of("700001") == (2, "S003", "SHELTER")
    assert not Staff.objects.filter(employee_number="700002").exists()


def test_the_errors_are_in_japanese_by_default(org, callup, tmp_path):
    status, _, err = run_import(tmp_path, csv_bytes([row(活動班="NOPE")]))
    assert status == 1 and "活動班コード 'NOPE' はありません" in err


def test_a_file_without_the_call_up_columns_leaves_them_as_they_are(org, callup, tmp_path):
    first = csv_bytes([row("700001", 参集区分="2", 参集場所コード="S003", 活動班="SHELTER")])
    assert run_import(tmp_path, first)[0] == 0
    header = [h for h in csv_bytes([row()]).decode().splitlines()[0].split(",")]
    without = [h for h in header if h not in ("参集区分", "参集場所コード", "活動班")]
    status, _out, _ = run_import(tmp_path, csv_bytes([row("700001", 氏="佐藤")], header=without))
    assert status == 0
    assert callup_of("700001") == (2, "S003", "SHELTER")
    assert Staff.objects.get(employee_number="700001").family_name == "佐藤"


def test_the_diff_counts_call_up_changes(org, callup, tmp_path):
    assert run_import(tmp_path, csv_bytes([row("700001"), row("700002")]))[0] == 0
    _status, out, _ = run_import(
        tmp_path,
        csv_bytes([row("700001", 参集区分="1", 活動班="HQ"), row("700002")]),
        "--dry-run",
        "--json",
    )
    result = json.loads(out)
    assert (result["callup_changed"], result["updated"], result["unchanged"]) == (1, 1, 1)
    assert callup_of("700001") == (None, None, None)  # a dry run
    _status, out, _ = run_import(tmp_path, csv_bytes([row("700001", 参集区分="1"), row("700002")]))
    assert "call-up changed: 700001" in out


def test_the_import_page_shows_call_up_changes(client, people, callup):
    sign_in(client, people.dave)
    alice = people.alice.staff
    rows = [
        row(
            s.employee_number,
            氏=s.family_name,
            名=s.given_name,
            氏カナ=s.family_name_kana,
            名カナ=s.given_name_kana,
            部局コード=s.department.code,
            課係コード=s.section.code if s.section else "",
            勤務地コード=s.site.code,
            職位コード=s.position.code,
            業務メール=s.work_email,
            業務電話=s.work_phone,
            個人携帯="",
        )
        for s in Staff.objects.active()
    ]
    for r in rows:
        if r["職員番号"] == alice.employee_number:
            r.update(参集区分="3", 参集場所コード="S003", 活動班="SHELTER")
    header = [h for h in csv_bytes([row()]).decode().splitlines()[0].split(",")]
    preview = upload(client, csv_bytes(rows, header=[h for h in header if h != "個人携帯"]))
    assert preview.status_code == 200
    assert preview.context["plan"].callup_changed == [alice.employee_number]
    text = preview.content.decode()
    assert "参集の変更" in text
    assert client.post(reverse("directory:import_apply")).status_code == 302
    assert callup_of(alice.employee_number) == (3, "S003", "SHELTER")


def test_export_writes_the_call_up_back_and_imports_unchanged(org, callup, tmp_path):
    first = csv_bytes(
        [row("700001", 参集区分="2", 参集場所コード="S003", 活動班="SHELTER"), row("700002")]
    )
    assert run_import(tmp_path, first)[0] == 0
    exported = tmp_path / "export.csv"
    call_command("org", "export", str(exported), stderr=io.StringIO())
    text = exported.read_bytes().decode("utf-8-sig")
    assert text.splitlines()[0].endswith(",参集区分,参集場所コード,活動班")
    assert ",2,S003,SHELTER\r\n" in text
    _status, out, _ = run_import(tmp_path, exported.read_bytes(), "--json")
    result = json.loads(out)
    assert (result["unchanged"], result["updated"], result["callup_changed"]) == (2, 0, 0)


def test_a_person_sees_where_they_are_called_on_their_own_page(client, people, org, callup):
    alice = people.alice.staff
    Staff.objects.filter(pk=alice.pk).update(
        callup_level=3, callup_site=org.school, callup_team=callup["SHELTER"]
    )
    sign_in(client, people.alice)
    page = client.get(reverse("directory:staff_detail", args=[alice.employee_number]))
    assert "第2次非常配備で、区立池尻小学校に参集（避難所班）" in page.content.decode()


def test_without_a_call_up_level_a_person_is_called_with_everyone(client, people):
    seed_levels()
    sign_in(client, people.alice)
    page = client.get(reverse("directory:staff_detail", args=[people.bob.staff.employee_number]))
    assert "全職員配備で参集" in page.content.decode()


def test_an_administrator_edits_the_call_up_and_it_is_audited(client, people, org, callup):
    sign_in(client, people.dave)
    alice = people.alice.staff
    url = reverse("directory:staff_edit", args=[alice.employee_number])
    response = client.post(
        url,
        {
            "section": org.somu_ka.pk,
            "site": org.honcho.pk,
            "work_email": alice.work_email,
            "work_phone": alice.work_phone,
            "callup_level": "2",
            "callup_site": org.honcho.pk,
            "callup_team": callup["HQ"].pk,
        },
    )
    assert response.status_code == 302
    assert callup_of(alice.employee_number) == (2, "S001", "HQ")
    entry = AuditEntry.objects.get(action="directory.staff_changed")
    assert entry.detail["after"]["callup_level"] == "2 第1次非常配備"
    assert entry.detail["before"]["callup_level"] == "None"
    page = client.get(reverse("directory:staff_detail", args=[alice.employee_number]))
    assert "第1次非常配備で、本庁舎に参集（本部班）" in page.content.decode()


def test_a_department_admin_edits_only_their_own_departments_call_up(client, people, callup):
    sign_in(client, people.carol)
    alice, bob = people.alice.staff, people.bob.staff  # 総務部 (Carol's), 危機管理部
    form = {"site": alice.site_id, "work_phone": "", "work_email": "", "callup_level": "1"}
    assert (
        client.post(reverse("directory:staff_edit", args=[alice.employee_number]), form).status_code
        == 302
    )
    assert callup_of(alice.employee_number)[0] == 1
    bob_url = reverse("directory:staff_edit", args=[bob.employee_number])
    assert client.post(bob_url, form | {"site": bob.site_id}).status_code == 403
    assert callup_of(bob.employee_number)[0] is None


def test_the_edit_form_refuses_an_unknown_level(client, people, callup):
    sign_in(client, people.dave)
    alice = people.alice.staff
    url = reverse("directory:staff_edit", args=[alice.employee_number])
    response = client.post(url, {"site": alice.site_id, "callup_level": "7"})
    assert response.status_code == 200 and "callup_level" in response.context["form"].errors
    assert callup_of(alice.employee_number)[0] is None


def test_administrators_edit_levels_in_the_admin(client, people, callup):
    sign_in(client, people.dave)
    level = DeploymentLevel.objects.get(number=1)
    url = reverse("admin:directory_deploymentlevel_change", args=[level.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "number": "1",
            "name": "警戒態勢",
            "started_by": "大雨警報",
            "minimums-TOTAL_FORMS": "0",
            "minimums-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    level.refresh_from_db()
    assert level.name == "警戒態勢"


def test_called_at_is_one_query_without_a_join(people, callup, django_assert_num_queries):
    Staff.objects.filter(pk=people.bob.staff.pk).update(callup_level=1)
    everyone = Staff.objects.active().count()
    with django_assert_num_queries(2) as queries:  # the highest level, then the people
        assert list(called_at(1)) == [people.bob.staff]
    assert "JOIN" not in queries.captured_queries[-1]["sql"].upper()
    with django_assert_num_queries(2):
        assert len(called_at(4)) == everyone


# The ward's shape at a small size, as test_commands builds it.
SMALL_WARD = 1_200


def check_the_demo_calls_more_people_at_each_level_and_everyone_only_at_the_last():
    """On the demo ward renraku/demo/tests/test_demo_ward.py seeds (SMALL_WARD people)."""
    out = io.StringIO()
    call_command("org", "summary", "--json", stdout=out)
    by_level = json.loads(out.getvalue())["callup_by_level"]
    counts = [by_level[str(n)] for n in (1, 2, 3, 4)]
    assert 0 < counts[0] < counts[1] < counts[2] < counts[3] == SMALL_WARD, counts
    assert counts[2] < SMALL_WARD * 0.6  # level 3 is far from everyone
    active = Staff.objects.active()
    assert not active.filter(callup_site=None).exists()
    assert not active.filter(callup_team=None).exists()
    assert active.filter(callup_level=None).count() == SMALL_WARD - counts[2]
    # The headquarters' teams report to the main office; shelter staff to schools.
    assert set(
        active.filter(callup_team__code="HQ").values_list("callup_site__kind", flat=True)
    ) == {"head_office"}
    assert set(
        active.filter(callup_team__code="SHELTER").values_list("callup_site__kind", flat=True)
    ) == {"school"}
    # Every post and team has its minimum at level 4; at level 3, if half of those called
    # came, some posts would be short and others not.
    level3 = MinimumStaffing.objects.filter(level__number=3, site__isnull=False)
    short = [
        m for m in level3 if m.minimum > called_at(3).filter(callup_site=m.site_id).count() / 2
    ]
    assert 0 < len(short) < level3.count()
    posts = set(active.values_list("callup_site", flat=True))
    assert (
        set(MinimumStaffing.objects.filter(level__number=4).values_list("site", flat=True)) - {None}
        == posts
    )
    assert MinimumStaffing.objects.filter(level__number=4, team__isnull=False).count() == len(
        set(active.values_list("callup_team", flat=True))
    )
