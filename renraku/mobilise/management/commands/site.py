import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from renraku.directory.models import Site
from renraku.mobilise import facilities
from renraku.mobilise.models import Mobilisation, SiteStatus


class Command(BaseCommand):
    help = (
        "Facility reports (施設報告) during a mobilisation: report a site, list every site's state."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        report = sub.add_parser("report")
        report.add_argument("id", type=int, help="the mobilisation (its alert's id)")
        report.add_argument("--site", required=True, help="site code")
        report.add_argument("--status", required=True, choices=SiteStatus.values)
        report.add_argument("--note", default="")
        report.add_argument("--power", choices=("yes", "no"), default="")
        report.add_argument("--water", choices=("yes", "no"), default="")
        report.add_argument("--injured", default="", help="injured people there")
        report.add_argument("--json", action="store_true")
        status = sub.add_parser("status")
        status.add_argument("id", type=int)
        status.add_argument("--json", action="store_true")

    def handle(self, *args, subcommand, **options):
        try:
            m = Mobilisation.objects.select_related("alert").get(pk=options["id"])
        except Mobilisation.DoesNotExist:
            raise CommandError(f"no mobilisation {options['id']}") from None
        if subcommand == "status":
            for line in facilities.sites_status(m):
                self._out(line)
            return
        site = Site.objects.filter(code=options["site"]).first()
        if site is None:
            raise CommandError(f"no site {options['site']}")
        try:
            entry = facilities.report(
                m,
                site,
                status=options["status"],
                power=options["power"],
                water=options["water"],
                injured=options["injured"],
                note=options["note"],
                via="cli",
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self._out(
            {
                "id": m.pk,
                "report": entry.pk,
                "site": site.code,
                "name": site.name,
                "status": entry.status,
                "power": entry.power,
                "water": entry.water,
                "injured": entry.injured,
                "note": entry.note,
                "reported_at": entry.reported_at.isoformat(),
            }
        )

    def _out(self, data: dict) -> None:
        self.stdout.write(json.dumps(data, ensure_ascii=False))
