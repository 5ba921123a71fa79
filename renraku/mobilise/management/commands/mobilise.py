import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from renraku.directory.models import Site, Staff
from renraku.mobilise import actions, queries
from renraku.mobilise.models import Mobilisation


class Command(BaseCommand):
    help = (
        "Call staff to their posts by deployment level, and follow who comes (integrations, tests)."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        levels = sub.add_parser("levels")
        levels.add_argument("--json", action="store_true")
        start = sub.add_parser("start")
        start.add_argument("--level", required=True)
        start.add_argument("--drill", action="store_true")
        start.add_argument("--title", default="")
        start.add_argument("--json", action="store_true")
        for name in ("raise", "stand-down"):
            change = sub.add_parser(name)
            change.add_argument("id", type=int)
            change.add_argument("--level", required=True)
            change.add_argument("--json", action="store_true")
        arrive = sub.add_parser("arrive")
        arrive.add_argument("id", type=int)
        arrive.add_argument("--staff", required=True, help="employee number")
        arrive.add_argument("--site", default="", help="site code, if not their post")
        arrive.add_argument("--json", action="store_true")
        assign = sub.add_parser("assign")
        assign.add_argument("id", type=int)
        assign.add_argument("--staff", required=True, help="employee number")
        assign.add_argument("--site", required=True, help="site code")
        assign.add_argument("--json", action="store_true")
        status = sub.add_parser("status")
        status.add_argument("id", type=int)
        status.add_argument("--by", choices=queries.BY, default="site")
        status.add_argument("--json", action="store_true")

    def handle(self, *args, subcommand, **options):
        try:
            self._handle(subcommand, options)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None

    def _out(self, data: dict) -> None:
        self.stdout.write(json.dumps(data, ensure_ascii=False))

    def _handle(self, subcommand, options):
        if subcommand == "levels":
            self._out_list([{"level": lv.number, "name": lv.name} for lv in actions.levels()])
            return
        if subcommand == "start":
            m = actions.start(options["level"], drill=options["drill"], title=options["title"])
            self._out({"id": m.pk, "level": m.level, "called": m.callups.count()})
            return
        try:
            m = Mobilisation.objects.select_related("alert").get(pk=options["id"])
        except Mobilisation.DoesNotExist:
            raise CommandError(f"no mobilisation {options['id']}") from None
        if subcommand == "raise":
            called = actions.raise_level(m, options["level"])
            self._out({"id": m.pk, "level": m.level, "called": called})
        elif subcommand == "stand-down":
            told = actions.stand_down(m, options["level"])
            self._out({"id": m.pk, "level": m.level, "told": told})
        elif subcommand in ("arrive", "assign"):
            callup = self._callup(m, options["staff"])
            site = self._site(options["site"]) if options["site"] else None
            if subcommand == "arrive":
                arrival = actions.arrive(callup, site=site, via="cli")
                self._out(
                    {
                        "id": m.pk,
                        "staff": callup.staff.employee_number,
                        "site": arrival.site.code,
                        "post": callup.site.code if callup.site else None,
                        "at": arrival.at.isoformat(),
                    }
                )
            else:
                actions.reassign(callup, site)
                self._out({"id": m.pk, "staff": callup.staff.employee_number, "site": site.code})
        else:
            for line in queries.status(m, options["by"]):
                self._out(line.as_json())

    def _out_list(self, rows):
        self.stdout.write(json.dumps(rows, ensure_ascii=False))

    def _callup(self, m, number):
        staff = Staff.objects.filter(employee_number=number).first()
        callup = queries.callup_of(m.pk, staff.pk) if staff else None
        if callup is None:
            raise CommandError(f"staff {number} is not called by mobilisation {m.pk}")
        return callup

    def _site(self, code):
        site = Site.objects.filter(code=code).first()
        if site is None:
            raise CommandError(f"no site {code}")
        return site
