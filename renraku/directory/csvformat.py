"""The HR CSV: one row per member of staff, headers in Japanese (or the English keys).

Required columns name the person and place them; optional columns, when absent from a
file, leave that data as it is (a file without 個人携帯 does not wipe everyone's mobile).
Multi-valued columns (役職, 所属団体) separate codes with ";".
"""

from dataclasses import dataclass

# (key, Japanese header), in the order an export writes them.
COLUMNS = [
    ("employee_number", "職員番号"),
    ("family_name", "氏"),
    ("given_name", "名"),
    ("family_name_kana", "氏カナ"),
    ("given_name_kana", "名カナ"),
    ("department", "部局コード"),
    ("section", "課係コード"),
    ("site", "勤務地コード"),
    ("position", "職位コード"),
    ("titles", "役職コード"),
    ("bodies", "所属団体コード"),
    ("work_email", "業務メール"),
    ("work_phone", "業務電話"),
    ("personal_mobile", "個人携帯"),
    ("personal_email", "個人メール"),
    # The person's LINE WORKS user id (their login ID or user id), for the LINE WORKS
    # channel: a work account, so it is not among the personal columns.
    ("line_works_id", "LINE WORKS ID"),
    # 参集: the lowest deployment level that calls the person (a number, empty: only when
    # everyone is called), the site they report to and their team (活動班).
    ("callup_level", "参集区分"),
    ("callup_site", "参集場所コード"),
    ("callup_team", "活動班"),
]
REQUIRED = frozenset(
    {
        "employee_number",
        "family_name",
        "given_name",
        "family_name_kana",
        "given_name_kana",
        "department",
        "site",
        "position",
    }
)
PERSONAL = frozenset({"personal_mobile", "personal_email"})
CALLUP = frozenset({"callup_level", "callup_site", "callup_team"})
HEADER_TO_KEY = {header: key for key, header in COLUMNS} | {key: key for key, _ in COLUMNS}
JAPANESE_HEADER = dict(COLUMNS)
MULTI_SEPARATOR = ";"


@dataclass
class StaffRecord:
    """One person as the file (or the database, for a diff) describes them."""

    employee_number: str
    family_name: str
    given_name: str
    family_name_kana: str
    given_name_kana: str
    department: str
    section: str
    site: str
    position: str
    titles: tuple[str, ...] = ()
    bodies: tuple[str, ...] = ()
    work_email: str = ""
    work_phone: str = ""
    personal_mobile: str = ""
    personal_email: str = ""
    callup_level: str = ""
    callup_site: str = ""
    callup_team: str = ""
    line_works_id: str = ""
    line: int = 0
