"""HR import: every bad row reported by line, all or nothing, and the diff HR expects."""

import csv
import io

import pytest
from django.core.management import call_command
from django.utils import translation

from renraku.accounts.models import User
from renraku.audit.models import AuditEntry
from renraku.directory import actions
from renraku.directory.csvformat import COLUMNS
from renraku.directory.exporting import export_csv
from renraku.directory.importing import plan_import
from renraku.directory.models import PersonalContact, Staff
from renraku.testing import make_staff

HEADER = [header for _key, header in COLUMNS]


@pytest.fixture(autouse=True)
def _english_messages():
    """Messages are asserted in English here; Japanese (the default) has its own test."""
    with translation.override("en"):
        yield


def row(number="700001", **values):
    base = {
        "職員番号": number,
        "氏": "山田",
        "名": "太郎",
        "氏カナ": "ヤマダ",
        "名カナ": "タロウ",
        "部局コード": "SOM",
        "課係コード": "SOM-01",
        "勤務地コード": "S001",
        "職位コード": "STF",
        "役職コード": "",
        "所属団体コード": "",
        "業務メール": f"s{number}@city.example",
        "業務電話": "03-5432-1111",
        "個人携帯": "090-1234-5678",
        "個人メール": "",
        "LINE WORKS ID": "",
        "参集区分": "",
        "参集場所コード": "",
        "活動班": "",
    }
    base.update(values)
    return base


def csv_bytes(rows, header=HEADER, encoding="utf-8"):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def run_import(tmp_path, data, *args):
    """Run `renraku org import` and return (exit status, stdout, stderr)."""
    path = tmp_path / "hr.csv"
    path.write_bytes(data)
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("org", "import", str(path), *args, stdout=out, stderr=err)
        status = 0
    except SystemExit as exc:
        status = exc.code
    return status, out.getvalue(), err.getvalue()


def test_new_people_join_with_their_contacts(org, tmp_path):
    status, out, _ = run_import(tmp_path, csv_bytes([row("700001"), row("700002", 氏="佐藤")]))
    assert status == 0
    assert "joined 2" in out
    yamada = Staff.objects.get(employee_number="700001")
    assert (yamada.department, yamada.section, yamada.site) == (org.som, org.somu_ka, org.honcho)
    assert list(yamada.bodies.all()) == [org.ward]  # the department's body when none is given
    assert PersonalContact.objects.get(staff=yamada).mobile == "090-1234-5678"


def test_cp932_file_with_half_width_kana_imports(org, tmp_path):
    data = csv_bytes([row(氏カナ="ﾔﾏﾀﾞ", 名カナ="ﾀﾛｳ")], encoding="cp932")
    status, _, err = run_import(tmp_path, data, "--encoding", "utf-8")
    assert status == 1 and "cp932" in err  # read as UTF-8 it fails, with the hint
    assert not Staff.objects.exists()
    status, _, _ = run_import(tmp_path, data)  # detected, as the series import does
    assert status == 0
    assert Staff.objects.get().full_name_kana == "ヤマダ タロウ"


def test_english_column_keys_are_accepted(org, tmp_path):
    keys = [key for key, _header in COLUMNS]
    data = csv_bytes([dict(zip(keys, row().values(), strict=True))], header=keys)
    status, _, _ = run_import(tmp_path, data)
    assert status == 0 and Staff.objects.count() == 1


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"部局コード": "NOPE"}, "unknown department code 'NOPE'"),
        ({"勤務地コード": "S999"}, "unknown site code 'S999'"),
        ({"課係コード": "ZZZ-01"}, "unknown section code 'ZZZ-01'"),
        ({"課係コード": "GAK-01"}, "section GAK-01 is not in department SOM"),
        ({"職位コード": "KING"}, "unknown position code 'KING'"),
        ({"役職コード": "CEO"}, "unknown title code 'CEO'"),
        ({"業務電話": "03-12"}, "malformed work phone '03-12'"),
        ({"個人携帯": "mobile"}, "malformed personal mobile 'mobile'"),
        ({"業務メール": "not-an-address"}, "malformed work e-mail 'not-an-address'"),
        ({"氏": ""}, "the name is missing"),
        ({"氏カナ": "山田"}, "the kana reading must be kana"),
        ({"職員番号": ""}, "employee number '' is missing or malformed"),
    ],
)
def test_each_kind_of_bad_row_is_named_with_its_line_and_nothing_changes(
    org, tmp_path, bad, message
):
    existing = make_staff(org, number="600001")
    rows = [row("700001"), row("700002", **bad), row("700003")]
    status, _, err = run_import(tmp_path, csv_bytes(rows))
    assert status == 1
    assert f"line 3: {message}" in err
    assert "nothing was changed" in err
    assert list(Staff.objects.values_list("employee_number", flat=True)) == ["600001"]
    assert Staff.objects.get(pk=existing.pk).is_active  # not "left" either


def test_every_bad_row_is_listed_not_just_the_first(org, tmp_path):
    rows = [
        row("700001", 部局コード="X"),
        row("700002"),
        row("700003", 勤務地コード="Y"),
        row("700001"),
    ]
    status, _, err = run_import(tmp_path, csv_bytes(rows))
    assert status == 1
    assert "line 2: unknown department code 'X'" in err
    assert "line 4: unknown site code 'Y'" in err
    assert "line 5: employee number 700001 is also on line 2" in err
    assert "3 problem(s)" in err


def test_a_row_with_the_wrong_number_of_fields_is_reported(org, tmp_path):
    data = csv_bytes([row()]) + b"700009,only,three\n"
    status, _, err = run_import(tmp_path, data)
    assert status == 1 and f"line 3: 3 fields where the header has {len(HEADER)}" in err


def test_a_file_missing_a_required_column_is_refused(org, tmp_path):
    header = [h for h in HEADER if h != "勤務地コード"]
    status, _, err = run_import(tmp_path, csv_bytes([row()], header=header))
    assert status == 1 and "missing columns: site" in err


def test_diff_names_joined_moved_promoted_and_left(org, tmp_path):
    stays = make_staff(org, number="600001", section=org.somu_ka)
    moves = make_staff(org, number="600002", section=org.somu_ka)
    promoted = make_staff(org, number="600003", position="MGR")
    leaves = make_staff(org, number="600004")
    account = User.objects.create_user(username="600004", staff=leaves)
    data = csv_bytes(
        [
            row("600001", 課係コード="SOM-01", 個人携帯=""),
            row("600002", 部局コード="KIK", 課係コード="KIK-01", 個人携帯=""),
            row("600003", 職位コード="DIR", 課係コード="", 個人携帯=""),
            row("700001"),
        ]
    )
    # The rows only keep what make_staff gave the first person; align the unchanged one.
    Staff.objects.filter(pk=stays.pk).update(
        family_name="山田", given_name="太郎", work_email="s600001@city.example"
    )
    plan = plan_import(data)
    assert plan.ok, plan.errors
    assert plan.joined == ["700001"]
    assert plan.moved == ["600002"]
    assert plan.position_changed == ["600003"]
    assert plan.new_directors == ["600003"]
    assert plan.left == ["600004"]
    assert plan.unchanged == 1

    # One of four is more than the default limit on leavers; confirmed here.
    actions.apply_import(plan, source="hr.csv", data=data, allow_mass_leave=True)
    moves.refresh_from_db()
    assert (moves.department, moves.section) == (org.kik, org.kiki_ka)
    assert Staff.objects.get(pk=promoted.pk).position.code == "DIR"
    leaves.refresh_from_db()
    assert not leaves.is_active and leaves.left_on is not None  # deactivated, never deleted
    account.refresh_from_db()
    assert not account.is_active
    entry = AuditEntry.objects.get(action="directory.imported")
    assert entry.detail["joined"] == 1 and entry.detail["left"] == 1


def test_someone_who_left_and_comes_back_is_rejoined(org, tmp_path):
    make_staff(org, number="700001", is_active=False)
    plan = plan_import(csv_bytes([row("700001")]))
    assert plan.rejoined == ["700001"]
    actions.apply_import(plan)
    assert Staff.objects.get(employee_number="700001").is_active


def test_a_file_without_personal_columns_keeps_personal_contacts(org, tmp_path):
    run_import(tmp_path, csv_bytes([row("700001", 個人携帯="090-9999-8888")]))
    header = [h for h in HEADER if h not in ("個人携帯", "個人メール")]
    status, _, _ = run_import(
        tmp_path, csv_bytes([row("700001", 業務電話="03-5432-2222")], header=header)
    )
    assert status == 0
    staff = Staff.objects.get(employee_number="700001")
    assert staff.work_phone == "03-5432-2222"
    assert staff.personal_contact.mobile == "090-9999-8888"


def test_dry_run_changes_nothing(org, tmp_path):
    status, out, _ = run_import(tmp_path, csv_bytes([row()]), "--dry-run")
    assert status == 0 and "joined 1" in out
    assert not Staff.objects.exists()


def test_an_error_while_applying_rolls_everything_back(org, tmp_path, monkeypatch):
    make_staff(org, number="600001")
    plan = plan_import(csv_bytes([row("700001"), row("700002")]))

    def audit_fails(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(actions, "record", audit_fails)
    with pytest.raises(RuntimeError):
        actions.apply_import(plan, allow_mass_leave=True)
    assert list(Staff.objects.values_list("employee_number", "is_active")) == [("600001", True)]


def test_export_imports_back_unchanged(org, tmp_path):
    run_import(
        tmp_path,
        csv_bytes(
            [
                row("700001", 役職コード="CIO", 所属団体コード="WARD;BOE"),
                row("700002", 課係コード="", 個人携帯="", 個人メール="p@mail.example"),
                row("700003", 部局コード="GAK", 課係コード="GAK-01", 勤務地コード="S003"),
            ]
        ),
    )
    exported = tmp_path / "export.csv"
    call_command("org", "export", str(exported), stderr=io.StringIO())
    assert export_csv() == exported.read_bytes().decode("utf-8-sig")
    plan = plan_import(exported.read_bytes())
    assert plan.ok
    assert plan.counts() | {"unchanged": 3, "rows": 3} == plan.counts()
    assert (plan.joined, plan.moved, plan.updated, plan.left) == ([], [], [], [])
    assert AuditEntry.objects.filter(action="directory.exported").exists()


def test_cp932_export_round_trips(org, tmp_path):
    run_import(tmp_path, csv_bytes([row("700001", 氏="髙橋")]))  # 髙 is in CP932's extensions
    exported = tmp_path / "export.csv"
    call_command("org", "export", str(exported), "--encoding", "cp932", stderr=io.StringIO())
    plan = plan_import(exported.read_bytes(), "cp932")
    assert plan.ok and plan.unchanged == 1


def test_bad_rows_are_reported_in_japanese_by_default(org, tmp_path):
    with translation.override("ja"):
        status, _, err = run_import(tmp_path, csv_bytes([row(部局コード="NOPE")]))
    assert status == 1
    assert "2行目：部局コード 'NOPE' は登録されていません" in err
