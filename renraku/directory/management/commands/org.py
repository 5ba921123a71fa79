import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from renraku.audit.actions import record
from renraku.directory.actions import apply_import
from renraku.directory.exporting import export_csv
from renraku.directory.importing import (
    UnreadableFile,
    more_errors_line,
    plan_import,
    shown_errors,
)
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
        imp.add_argument(
            "--encoding", default="auto", help="auto (UTF-8 or CP932: the default), utf-8, cp932"
        )
        imp.add_argument("--json", action="store_true")
        imp.add_argument(
            "--allow-mass-leave",
            action="store_true",
            help="apply even if more staff leave than RENRAKU_IMPORT_MAX_LEAVERS_PERCENT allows",
        )
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

    def handle_import(self, file, dry_run, encoding, json, allow_mass_leave, **options):
        path = Path(file)
        try:
            data = path.read_bytes()
            plan = plan_import(data, encoding)
        except OSError as exc:
            raise CommandError(f"{file}: {exc.strerror}") from exc
        except UnreadableFile as exc:
            self._fail(exc.errors, json)
        if not plan.ok:
            self._fail(plan.errors, json)
        refused = ""
        if plan.too_many_leave and not allow_mass_leave:
            refused = " ".join(
                (
                    plan.mass_leave_warning(),
                    _("To apply it anyway, run the command again with --allow-mass-leave."),
                )
            )
        if json:
            self.stdout.write(
                _json(
                    {
                        "dry_run": dry_run,
                        **plan.counts(),
                        "new_directors": plan.new_directors,
                        "too_many_leave": plan.too_many_leave,
                        **({"refused": refused} if refused and not dry_run else {}),
                    }
                )
            )
        else:
            self._print_plan(plan, _names(plan))
        if refused:
            self.stderr.write(refused if dry_run else self.style.ERROR(refused))
            if not dry_run:
                self.stderr.write(self.style.ERROR("nothing was changed"))
                sys.exit(1)
        if dry_run:
            return
        apply_import(
            plan,
            source=path.name,
            data=data,
            progress=sys.stderr.isatty(),
            allow_mass_leave=allow_mass_leave,
        )
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

    def _fail(self, errors, json=False):
        shown, more = shown_errors(errors)
        if json:
            self.stdout.write(_json({"errors": shown, "more_errors": more}))
        for error in shown:
            self.stderr.write(error)
        if more:
            self.stderr.write(more_errors_line(more))
        self.stderr.write(self.style.ERROR(f"{len(errors):,} problem(s); nothing was changed"))
        sys.exit(1)

    def _print_plan(self, plan, names):
        c = plan.counts()
        self.stdout.write(
            f"rows {c['rows']}: joined {c['joined']}, rejoined {c['rejoined']}, "
            f"moved {c['moved']}, position changed {c['position_changed']}, "
            f"updated {c['updated']}, call-up changed {c['callup_changed']}, "
            f"left {c['left']}, unchanged {c['unchanged']}, "
            f"accounts switched back on {c['accounts_restored']}"
        )
        for label, numbers in (
            ("joined", plan.joined),
            ("rejoined", plan.rejoined),
            ("moved", plan.moved),
            ("position changed", plan.position_changed),
            ("call-up changed", plan.callup_changed),
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
