"""Bringing in a series' past issues (「松副のDXだより」 #1 … #75) with their own numbers and
dates, from a CSV or a folder of Markdown files.

The whole file is read and checked before anything is written, and every problem is
reported with the line or file it is in: an administrator fixes the file once and runs it
again, rather than meeting one problem per attempt. Nothing is half imported.

Past issues were read when they came out, so importing them notifies nobody: they are
published posts without a publishing notice (no recipients, no read counts). New posts
in the series carry on from the highest number.

CSV: a header `number,date,title,body` (optional `until`, the last day it is shown on the
home page), UTF-8 with or without a BOM, or CP932 (what Excel saves in Japan). The body is
Markdown and may span lines inside its quotes.

Folder: one `.md` file per issue, starting with a small front matter block

    ---
    number: 12
    date: 2025-06-02
    title: ペーパーレスの次の一歩
    ---
    本文（Markdown）…

A file without `number:` takes it from its name (`012.md`, `012-paperless.md`). Other keys
(a static site generator's `layout:`, `tags:` …) are ignored.
"""

import csv
import datetime as dt
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from renraku import csvsafe, textcheck
from renraku.audit.actions import record
from renraku.directory.audience import AudienceError, validate
from renraku.directory.importing import SHOWN_ERRORS, more_errors_line

from . import search
from .access import audience_rows
from .models import AudienceEntry, Post, Series, Status

IMPORTED = "bulletin.series_imported"  # the audit action
TOKYO = timezone.get_default_timezone()  # settings.TIME_ZONE: Asia/Tokyo
# Past issues are dated as if published at the start of the working day.
PUBLISHED_AT = dt.time(9, 0)
MAX_TITLE = Post._meta.get_field("title").max_length
MAX_BODY = 100_000
# PositiveIntegerField's ceiling on PostgreSQL: a larger number fails at the INSERT.
MAX_NUMBER = 2_147_483_647
# Header names (and front matter keys) → field. Japanese ones for a file made by hand.
_KEYS = {
    "number": "number",
    "号": "number",
    "番号": "number",
    "date": "date",
    "日付": "date",
    "発行日": "date",
    "title": "title",
    "タイトル": "title",
    "件名": "title",
    "body": "body",
    "本文": "body",
    "until": "until",
    "掲示終了日": "until",
}
_REQUIRED = ("number", "date", "title", "body")
_DATE = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})")
# `012.md`, `012-paperless.md`; not `2025-06-02-paperless.md` (a date, not a number).
_NUMBERED_NAME = re.compile(r"(\d+)(?:[-_ ].*)?")
_DATED_NAME = re.compile(r"\d{4}-\d{1,2}-\d{1,2}(?:\D.*)?")


class SeriesImportError(Exception):
    """The file cannot be imported; `errors` lists why (at most SHOWN_ERRORS of them,
    then a line saying how many more), each naming its CSV line or file."""

    def __init__(self, errors: list[str]):
        shown = errors[:SHOWN_ERRORS]
        if len(errors) > SHOWN_ERRORS:
            shown.append(more_errors_line(len(errors) - SHOWN_ERRORS))
        super().__init__("\n".join(shown))
        self.errors = shown


@dataclass
class Issue:
    """One past issue as read from the file, before it is checked."""

    where: str  # "line 4" or "012.md", for messages
    number: str = ""
    date: str = ""
    title: str = ""
    body: str = ""
    until: str = ""
    # Why the row or file could not be read into fields at all (reported in its place).
    unreadable: str = ""


@dataclass
class ImportResult:
    series: Series
    series_created: bool
    created: int
    first_number: int
    last_number: int

    def counts(self) -> dict:
        return {
            "series": self.series.name,
            "series_created": self.series_created,
            "created": self.created,
            "first_number": self.first_number,
            "last_number": self.last_number,
        }


def import_series(series_name: str, path, *, author, audience=None) -> ImportResult:
    """Create `series_name` if needed and its past issues from `path` (a .csv file or a
    folder of .md files) as published posts by `author`, all or nothing.

    Raises SeriesImportError listing every problem; then nothing has been written.
    """
    name = series_name.strip()
    if not name or len(name) > Series._meta.get_field("name").max_length:
        raise SeriesImportError([_("The series needs a name of at most 100 characters.")])
    try:
        audience = validate(audience) if audience is not None else {"all": True}
    except AudienceError as exc:
        raise SeriesImportError([str(exc)]) from None

    existing = Series.objects.filter(name=name).first()
    taken = set(existing.posts.values_list("number", flat=True)) if existing else set()
    checked, errors = check_issues(read_issues(Path(path)), taken)
    if errors:
        raise SeriesImportError(errors)
    if not checked:
        raise SeriesImportError([_("The file holds no issues.")])
    try:
        with transaction.atomic():
            series, series_created = Series.objects.get_or_create(name=name)
            # The series row is the lock publishing takes too: numbers are given in turn.
            series = Series.objects.select_for_update().get(pk=series.pk)
            posts = Post.objects.bulk_create(
                Post(
                    series=series,
                    category=series.category,
                    author=author,
                    audience=audience,
                    status=Status.PUBLISHED,
                    **c,
                )
                for c, _issue in checked
            )
            rows = audience_rows(audience)
            AudienceEntry.objects.bulk_create(
                AudienceEntry(post=post, key=key, code=code) for post in posts for key, code in rows
            )
            numbers = [post.number for post in posts]
            # Found by search at once, like any published post.
            search.index_posts(Post.objects.filter(series=series, number__in=numbers))
            result = ImportResult(series, series_created, len(posts), min(numbers), max(numbers))
            record(IMPORTED, actor=author, target=f"series:{series.pk}", detail=result.counts())
    except IntegrityError as exc:
        if not _number_taken(exc):
            raise
        # A post was given one of these numbers since we looked: nothing was written.
        raise SeriesImportError(
            [_("Another post took one of these numbers meanwhile; try again.")]
        ) from None
    return result


def _number_taken(exc: IntegrityError) -> bool:
    # PostgreSQL names the constraint; SQLite names its columns.
    text = str(exc)
    return (
        "one_number_per_series" in text or "bulletin_post.series_id, bulletin_post.number" in text
    )


def read_issues(path: Path) -> list[Issue]:
    """The issues in a CSV file or a folder of Markdown files, in order, unchecked.

    Raises SeriesImportError when the file as a whole cannot be read."""
    if path.is_dir():
        return _read_folder(path)
    if path.is_file():
        return _read_csv(path)
    raise SeriesImportError([_("%s: no such file or folder") % path])


def check_issues(
    issues: list[Issue], taken: set[int] = frozenset()
) -> tuple[list[tuple[dict, Issue]], list[str]]:
    """Each valid issue's Post fields with its Issue, and every problem found, in the
    file's order. `taken`: the numbers the series already has."""
    checked, errors, seen = [], [], {}
    today = dt.datetime.now(TOKYO).date()
    for issue in issues:
        if issue.unreadable:
            errors.append(f"{issue.where}: {issue.unreadable}")
            continue
        problems = []
        if any("\x00" in value for value in vars(issue).values()):
            # PostgreSQL cannot store NUL in text: the INSERT would fail.
            problems.append(_("contains a NUL character"))
        for key in _REQUIRED:
            if not getattr(issue, key).strip():
                problems.append(_("%s is missing") % key)
        number = _number(issue.number) if issue.number.strip() else None
        if issue.number.strip() and number is None:
            problems.append(_("number %s is not a positive whole number") % _cut(issue.number))
        elif number in taken:
            problems.append(_("number %d is already in the series") % number)
        elif number is not None and number in seen:
            other = {"number": number, "other": seen[number]}
            problems.append(_("number %(number)d is also at %(other)s") % other)
        if number is not None:
            seen.setdefault(number, issue.where)
        day = _date(issue.date) if issue.date.strip() else None
        if issue.date.strip() and day is None:
            problems.append(
                _("date %s is not a date written as YYYY-MM-DD or YYYY/MM/DD") % _cut(issue.date)
            )
        elif day is not None and day > today:
            problems.append(_("date %s is in the future: only past issues are imported") % day)
        until = _date(issue.until) if issue.until.strip() else None
        if issue.until.strip() and until is None:
            problems.append(
                _("until %s is not a date written as YYYY-MM-DD or YYYY/MM/DD") % _cut(issue.until)
            )
        elif until is not None and day is not None and until < day:
            problems.append(_("until %s is before the date") % until)
        title = issue.title.strip()
        if "\n" in title or "\r" in title:
            problems.append(_("the title contains a line break"))
        elif not textcheck.is_one_line(title.replace("\x00", "")):  # NUL: said above
            problems.append(_("the title must be one line of plain text"))
        if len(title) > MAX_TITLE:
            problems.append(
                _("the title has %(length)d characters; at most %(limit)d")
                % {"length": len(title), "limit": MAX_TITLE}
            )
        body = issue.body.strip("\r\n")
        if len(body) > MAX_BODY:
            problems.append(
                _("the body has %(length)s characters; at most %(limit)s")
                % {"length": f"{len(body):,}", "limit": f"{MAX_BODY:,}"}
            )
        if problems:
            errors += [f"{issue.where}: {p}" for p in problems]
            continue
        published_at = dt.datetime.combine(day, PUBLISHED_AT, tzinfo=TOKYO)
        fields = {
            "number": number,
            "title": title,
            "body": body,
            "published_at": published_at,
            # 掲示期間 ends when that day does, in Tokyo.
            "visible_until": (
                dt.datetime.combine(until + dt.timedelta(days=1), dt.time(0), tzinfo=TOKYO)
                if until
                else None
            ),
        }
        checked.append((fields, issue))
    return checked, errors


def _read_text(path: Path) -> str:
    """UTF-8 (with or without a BOM) or CP932, as every CSV from outside is read
    (csvsafe.decode); csvsafe.Undecodable if neither."""
    return csvsafe.decode(path.read_bytes())


def _read_csv(path: Path) -> list[Issue]:
    try:
        text = _read_text(path)
    except csvsafe.Undecodable:
        raise SeriesImportError(
            [f"{path.name}: " + _("neither UTF-8 nor CP932 (Shift_JIS)")]
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise SeriesImportError([_("The file holds no issues.")]) from None
    except csv.Error as exc:
        raise SeriesImportError([f"{_where(1)}: {csvsafe.read_problem(exc)}"]) from None
    keys = [_KEYS.get(unicodedata.normalize("NFKC", h).strip().lower()) for h in header]
    problems = csvsafe.column_problems(header, keys, _REQUIRED)
    if problems:
        raise SeriesImportError(problems)

    issues = []
    end = reader.line_num
    while True:
        start = end + 1  # a body in quotes spans lines: name the line its row starts on
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:  # the reader carries on with the next line
            issues.append(Issue(_where(start), unreadable=csvsafe.read_problem(exc)))
            end = reader.line_num
            continue
        end = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(keys):
            problem = _("%(got)d fields where the header has %(want)d") % {
                "got": len(row),
                "want": len(keys),
            }
            issues.append(Issue(_where(start), unreadable=problem))
            continue
        values = {k: cell for k, cell in zip(keys, row, strict=True) if k}
        issues.append(Issue(where=_where(start), **{"until": "", **values}))
    return issues


def _read_folder(folder: Path) -> list[Issue]:
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".md" and p.is_file())
    if not files:
        raise SeriesImportError([_("%s holds no .md files") % folder.name])
    issues = []
    for file in files:
        try:
            meta, body = _front_matter(_read_text(file))
        except csvsafe.Undecodable:  # one unreadable file among many: say which, go on
            issues.append(Issue(file.name, unreadable=_("neither UTF-8 nor CP932 (Shift_JIS)")))
            continue
        if not meta.get("number", "").strip():
            meta["number"] = _number_in_name(file.stem)
        issues.append(
            Issue(
                where=file.name,
                number=meta.get("number", ""),
                date=meta.get("date", ""),
                title=meta.get("title", ""),
                body=body,
                until=meta.get("until", ""),
            )
        )
    return issues


def _front_matter(text: str) -> tuple[dict, str]:
    """The `key: value` lines between the opening and closing `---`, and the rest."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return {}, text
    meta = {}
    for i, line in enumerate(lines[1:], start=1):
        if line.strip() == "---":
            return meta, "".join(lines[i + 1 :])
        key, sep, value = line.partition(":")
        field = _KEYS.get(unicodedata.normalize("NFKC", key).strip().lower())
        if sep and field:
            meta[field] = _unquote(value.strip())
    return {}, text  # never closed: not front matter


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def _number_in_name(stem: str) -> str:
    if _DATED_NAME.fullmatch(stem):
        return ""
    match = _NUMBERED_NAME.fullmatch(stem)
    return match.group(1) if match else ""


def _number(text: str) -> int | None:
    # NFKC: Excel in Japan often holds full-width digits (１２); "#12" as the column shows it.
    text = unicodedata.normalize("NFKC", text).strip().removeprefix("#")
    if not text.isascii() or not text.isdigit():
        return None
    number = int(text)
    return number if 0 < number <= MAX_NUMBER else None


def _date(text: str) -> dt.date | None:
    match = _DATE.fullmatch(unicodedata.normalize("NFKC", text).strip())
    if not match:
        return None
    try:
        return dt.date(*(int(g) for g in match.groups()))
    except ValueError:  # 2025-02-30
        return None


def _where(line: int) -> str:
    return _("line %d") % line


def _cut(value: str) -> str:
    """A value quoted in a message, cut short: a wrong column can hold a whole body."""
    value = value.strip()
    return repr(value if len(value) <= 40 else value[:40] + "…")
