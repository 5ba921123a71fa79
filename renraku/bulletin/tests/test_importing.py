"""Bringing in a series' past issues from a CSV or a folder of Markdown files."""

import datetime as dt
import zoneinfo
from pathlib import Path

import pytest
from django.utils import translation

from renraku.audit.models import AuditEntry
from renraku.bulletin.access import readable_posts
from renraku.bulletin.importing import SeriesImportError, import_series
from renraku.bulletin.models import AudienceEntry, Post, Series, Status
from renraku.notices.models import Notice

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
DEMO = Path(__file__).resolve().parent.parent / "demo" / "dx_dayori"
HEADER = "number,date,title,body\r\n"


def write_csv(tmp_path, text, encoding="utf-8-sig"):
    path = tmp_path / "past.csv"
    path.write_bytes(text.encode(encoding))
    return path


def import_failing(*args, **kwargs) -> str:
    """The problems an import reports, in English, having checked it wrote nothing."""
    posts_before = Post.objects.count()
    with translation.override("en"), pytest.raises(SeriesImportError) as failed:
        import_series(*args, **kwargs)
    assert Post.objects.count() == posts_before
    return "\n".join(failed.value.errors)


def test_csv_in_utf8_with_bom_becomes_published_numbered_posts(tmp_path, people):
    path = write_csv(
        tmp_path,
        HEADER + '1,2025-06-02,ペーパーレスのすすめ,"# はじめに\r\n\r\n紙を**減らす**話。"\r\n'
        "2,2025/6/9,FAXをやめる,送信票はもういらない\r\n",
    )

    result = import_series("松副のDXだより", path, author=people.dave)

    assert (result.created, result.first_number, result.last_number) == (2, 1, 2)
    assert result.series_created
    first, second = Post.objects.filter(series__name="松副のDXだより").order_by("number")
    assert first.title == "ペーパーレスのすすめ"
    assert first.body == "# はじめに\r\n\r\n紙を**減らす**話。"
    assert first.status == Status.PUBLISHED
    assert first.author == people.dave
    assert first.published_at == dt.datetime(2025, 6, 2, 9, 0, tzinfo=TOKYO)
    assert second.published_at == dt.datetime(2025, 6, 9, 9, 0, tzinfo=TOKYO)
    assert first.audience == {"all": True}
    # Everyone may read them; nobody is notified of issues read long ago.
    assert readable_posts(people.alice).filter(series=result.series).count() == 2
    assert Notice.objects.count() == 0
    assert AuditEntry.objects.filter(action="bulletin.series_imported").count() == 1


def test_csv_saved_by_excel_in_cp932_reads_its_japanese(tmp_path, people):
    path = write_csv(
        tmp_path,
        "number,date,title,body,until\r\n"
        "３,2025-06-16,脱はんこ　その後,押印欄のない申請書が９割に,2025-06-30\r\n",
        encoding="cp932",
    )

    import_series("松副のDXだより", path, author=people.dave)

    post = Post.objects.get()
    assert (post.number, post.title) == (3, "脱はんこ　その後")
    assert post.body == "押印欄のない申請書が９割に"
    # Shown on the home page until the end of the last day, Tokyo time.
    assert post.visible_until == dt.datetime(2025, 7, 1, 0, 0, tzinfo=TOKYO)


def test_folder_of_markdown_takes_front_matter_and_numbers_from_names(tmp_path, people):
    (tmp_path / "012-paperless.md").write_text(
        "---\ndate: 2025-06-02\ntitle: 会議資料は画面で\n---\n\n## 先週の会議\n\n- 紙ゼロ\n",
        encoding="utf-8",
    )
    (tmp_path / "x.md").write_text(
        '---\nnumber: 13\ndate: 2025/06/09\ntitle: "FAXの日"\nlayout: post\n---\n本文です。\n',
        encoding="utf-8",
    )
    (tmp_path / "notes.txt").write_text("not an issue", encoding="utf-8")

    result = import_series("松副のDXだより", tmp_path, author=people.dave)

    assert (result.created, result.first_number, result.last_number) == (2, 12, 13)
    twelve, thirteen = Post.objects.order_by("number")
    assert twelve.title == "会議資料は画面で"
    assert twelve.body == "## 先週の会議\n\n- 紙ゼロ"
    assert thirteen.title == "FAXの日"
    assert thirteen.published_at == dt.datetime(2025, 6, 9, 9, 0, tzinfo=TOKYO)


def test_one_bad_row_among_good_ones_writes_nothing_and_names_the_row(tmp_path, people):
    path = write_csv(
        tmp_path,
        HEADER + "1,2025-06-02,一,本文\r\n"
        '2,2025-06-09,二,"二行の\r\n本文"\r\n'
        "3,2025-06-16,,本文\r\n"
        "4,2025-06-23,四,本文\r\n",
    )

    errors = import_failing("松副のDXだより", path, author=people.dave)

    # Row 3 starts on line 5: the body before it spans two lines.
    assert errors == "line 5: title is missing"
    assert not Series.objects.exists()


def test_every_problem_is_listed_with_its_line(tmp_path, people):
    long_title = "長" * 151
    path = write_csv(
        tmp_path,
        HEADER + "0,2025-06-02,零,本文\r\n"
        "abc,2025-06-02,英字,本文\r\n"
        f"5,2025-06-02,{long_title},本文\r\n"
        '6,2025-06-02,"改行\nあり",本文\r\n'
        "7,2025-06-02,空,\r\n"
        "8,2025-06-02,ヌル\x00,本文\r\n"
        f"9,2025-06-02,長い,{'あ' * 100_001}\r\n"
        "10,2025-06-02,欄が多い,本文,余分\r\n",
    )

    errors = import_failing("松副のDXだより", path, author=people.dave)

    # In the file's order, rows that could not be split into fields among them.
    assert errors.splitlines() == [
        "line 2: number '0' is not a positive whole number",
        "line 3: number 'abc' is not a positive whole number",
        "line 4: the title has 151 characters; at most 150",
        "line 5: the title contains a line break",
        "line 7: body is missing",
        "line 8: contains a NUL character",
        "line 9: the body has 100,001 characters; at most 100,000",
        "line 10: 5 fields where the header has 4",
    ]


def test_duplicate_numbers_in_the_file_are_refused(tmp_path, people):
    path = write_csv(
        tmp_path,
        HEADER + "7,2025-06-02,一,本文\r\n8,2025-06-09,二,本文\r\n7,2025-06-16,三,本文\r\n",
    )

    errors = import_failing("松副のDXだより", path, author=people.dave)

    assert errors == "line 4: number 7 is also at line 2"


def test_numbers_already_in_the_series_are_refused_and_kept(tmp_path, people):
    import_series(
        "松副のDXだより",
        write_csv(tmp_path, HEADER + "1,2025-06-02,元の一,本文\r\n"),
        author=people.dave,
    )
    path = write_csv(tmp_path, HEADER + "2,2025-06-09,二,本文\r\n1,2025-06-16,新しい一,本文\r\n")

    errors = import_failing("松副のDXだより", path, author=people.dave)

    assert errors == "line 3: number 1 is already in the series"
    assert list(Post.objects.values_list("number", "title")) == [(1, "元の一")]


def test_the_same_numbers_may_be_used_in_another_series(tmp_path, people):
    path = write_csv(tmp_path, HEADER + "1,2025-06-02,一,本文\r\n")
    import_series("松副のDXだより", path, author=people.dave)

    result = import_series("防災コラム", path, author=people.dave)

    assert result.created == 1
    assert Post.objects.filter(number=1).count() == 2


def test_bad_dates_are_refused(tmp_path, people):
    path = write_csv(
        tmp_path,
        HEADER + "1,2025-02-30,存在しない日,本文\r\n"
        "2,令和7年6月2日,和暦,本文\r\n"
        "3,2099-01-05,未来,本文\r\n"
        "4,2025-06-02 10:00,時刻つき,本文\r\n",
    )

    errors = import_failing("松副のDXだより", path, author=people.dave)

    assert errors.splitlines() == [
        "line 2: date '2025-02-30' is not a date written as YYYY-MM-DD or YYYY/MM/DD",
        "line 3: date '令和7年6月2日' is not a date written as YYYY-MM-DD or YYYY/MM/DD",
        "line 4: date 2099-01-05 is in the future: only past issues are imported",
        "line 5: date '2025-06-02 10:00' is not a date written as YYYY-MM-DD or YYYY/MM/DD",
    ]


def test_markdown_files_name_themselves_in_problems(tmp_path, people):
    (tmp_path / "001.md").write_text("---\ndate: 2025-06-02\ntitle: 一\n---\n本文\n")
    (tmp_path / "2025-06-09-fax.md").write_text("---\ndate: 2025-06-09\ntitle: 二\n---\n本文\n")
    (tmp_path / "003.md").write_text("---\ndate: 2025-06-16\n---\n本文\n")

    errors = import_failing("松副のDXだより", tmp_path, author=people.dave)

    # A date in the file name is not taken for a number.
    assert errors.splitlines() == [
        "003.md: title is missing",
        "2025-06-09-fax.md: number is missing",
    ]


def test_at_most_a_hundred_problems_are_listed(tmp_path, people):
    rows = "".join(f"{n},2025-13-01,題,本文\r\n" for n in range(1, 151))
    path = write_csv(tmp_path, HEADER + rows)

    errors = import_failing("松副のDXだより", path, author=people.dave).splitlines()

    assert len(errors) == 101
    assert errors[-1] == "… and 50 more problems"


def test_unknown_columns_and_unreadable_bytes_are_refused(tmp_path, people):
    headers = write_csv(tmp_path, "number,date,titel,body\r\n1,2025-06-02,一,本文\r\n")
    assert import_failing("松副のDXだより", headers, author=people.dave).splitlines() == [
        "line 1: unknown columns: titel",
        "line 1: missing columns: title",
    ]
    garbage = tmp_path / "bad.csv"
    garbage.write_bytes(HEADER.encode() + b"1,2025-06-02,\x82\xff,x\r\n")
    assert "neither UTF-8 nor CP932" in import_failing("松副", garbage, author=people.dave)


def test_a_department_audience_is_readable_only_by_that_department(tmp_path, org, people):
    path = write_csv(tmp_path, HEADER + "1,2025-06-02,総務部だけ,本文\r\n")

    import_series(
        "総務部だより", path, author=people.dave, audience={"departments": [org.som.code]}
    )

    post = Post.objects.get()
    assert list(AudienceEntry.objects.values_list("key", "code")) == [("departments", "SOM")]
    assert readable_posts(people.alice).filter(pk=post.pk).exists()  # 総務部
    assert not readable_posts(people.bob).filter(pk=post.pk).exists()  # 危機管理部


def test_the_demo_columns_import_as_seventy_five_weekly_issues(people):
    result = import_series("松副のDXだより", DEMO, author=people.dave)

    assert (result.created, result.first_number, result.last_number) == (75, 1, 75)
    posts = list(Post.objects.order_by("number"))
    dates = [p.published_at for p in posts]
    assert dates == sorted(dates)
    assert dates[-1].astimezone(TOKYO).date() <= dt.date(2026, 11, 20)
    assert len({p.title for p in posts}) == 75
    for post in posts:
        assert 400 <= len(post.body) <= 1200, (post.number, len(post.body))
