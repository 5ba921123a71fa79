import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from renraku.audit.actions import record
from renraku.directory.actions import apply_import
from renraku.directory.exporting import export_csv
from renraku.directory.importing import UnreadableFile, plan_import
from renraku.directory.models import Staff
from renraku.directory.queries import org_summary


class Command(BaseCommand):
    help = "The ward's organisation: summary, HR import and export."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        summary = sub.add_parser("summary", help="counts of domains, departments, staff …")
        summary.add_argument("--json", action="store_true")
        imp = sub.add_parser("import", help="apply an HR CSV: all of it, or nothing")
        imp.add_argument("file")
        imp.add_argument("--dry-run", action="store_true", help="show the difference only")
        imp.add_argument("--encoding", default="utf-8", help="utf-8 (default) or cp932")
        imp.add_argument("--json", action="store_true")
        exp = sub.add_parser("export", help="write the directory in the import format")
        exp.add_argument("file")
        exp.add_argument("--encoding", default="utf-8")
        exp.add_argument(
            "--without-personal", action="store_true", help="leave out personal mobiles and e-mails"
        )

    def handle(self, *args, subcommand, **options):
        return getattr(self, f"handle_{subcommand}")(**options)

    def handle_summary(self, json, **options):
        summary = org_summary()
        if json:
            self.stdout.write(_json(summary))
            return
        for key, value in summary.items():
            self.stdout.write(f"{key}: {value}")

    def handle_import(self, file, dry_run, encoding, json, **options):
        path = Path(file)
        try:
            data = path.read_bytes()
            plan = plan_import(data, encoding)
        except OSError as exc:
            raise CommandError(f"{file}: {exc.strerror}") from exc
        except UnreadableFile as exc:
            self._fail(exc.errors)
        if not plan.ok:
            self._fail([str(e) for e in plan.errors])
        names = _names(plan)
        if json:
            self.stdout.write(
                _json({"dry_run": dry_run, **plan.counts(), "new_directors": plan.new_directors})
            )
        else:
            self._print_plan(plan, names)
        if dry_run:
            return
        apply_import(plan, source=path.name, data=data, progress=sys.stderr.isatty())
        if not json:
            self.stdout.write(self.style.SUCCESS("applied"))

    def handle_export(self, file, encoding, without_personal, **options):
        text = export_csv(include_personal=not without_personal)
        Path(file).write_bytes(text.encode("utf-8-sig" if encoding == "utf-8" else encoding))
        rows = text.count("\r\n") - 1
        record(
            "directory.exported",
            target=f"file:{Path(file).name}",
            detail={"rows": rows, "personal": not without_personal},
        )
        self.stderr.write(f"{rows} rows written to {file}")

    def _fail(self, errors):
        for error in errors:
            self.stderr.write(str(error))
        self.stderr.write(self.style.ERROR(f"{len(errors)} problem(s); nothing was changed"))
        sys.exit(1)

    def _print_plan(self, plan, names):
        c = plan.counts()
        self.stdout.write(
            f"rows {c['rows']}: joined {c['joined']}, rejoined {c['rejoined']}, "
            f"moved {c['moved']}, position changed {c['position_changed']}, "
            f"updated {c['updated']}, left {c['left']}, unchanged {c['unchanged']}"
        )
        for label, numbers in (
            ("joined", plan.joined),
            ("rejoined", plan.rejoined),
            ("moved", plan.moved),
            ("position changed", plan.position_changed),
            ("left", plan.left),
            ("newly appointed director", plan.new_directors),
        ):
            for number in numbers[:50]:
                self.stdout.write(f"  {label}: {number} {names.get(number, '')}")
            if len(numbers) > 50:
                self.stdout.write(f"  … and {len(numbers) - 50} more {label}")


def _names(plan) -> dict:
    names = {r.employee_number: f"{r.family_name} {r.given_name}" for r in plan.records}
    for number, family, given in Staff.objects.filter(employee_number__in=plan.left).values_list(
        "employee_number", "family_name", "given_name"
    ):
        names[number] = f"{family} {given}"
    return names


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False)
