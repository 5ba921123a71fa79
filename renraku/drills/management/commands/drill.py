import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from renraku.broadcast.models import Alert
from renraku.directory import audience
from renraku.drills import reception, report, schedule
from renraku.drills.models import ScheduledDrill


class Command(BaseCommand):
    help = (
        "Schedule drills in a window, report what they measured, and send reception tests "
        "(integrations, tests)."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        plan = sub.add_parser("schedule", help="a drill at a hidden moment inside a window")
        plan.add_argument(
            "--audience", required=True, help="all, or e.g. departments=SOM;sites=S001"
        )
        plan.add_argument(
            "--between", nargs=2, required=True, metavar=("START", "END"),
            help="ISO date-times; without a zone, Tokyo time",
        )  # fmt: skip
        plan.add_argument("--title", default="")
        plan.add_argument("--json", action="store_true")
        listing = sub.add_parser("scheduled", help="drills scheduled (their windows only)")
        listing.add_argument("--json", action="store_true")
        cancel = sub.add_parser("cancel")
        cancel.add_argument("id", type=int)
        measured = sub.add_parser("report", help="one line per drill (and department or site)")
        measured.add_argument("--by", choices=report.BY)
        measured.add_argument("--json", action="store_true")
        test = sub.add_parser("test-send", help="a reception test: 届いた, no safety question")
        test.add_argument("--audience", required=True)
        test.add_argument("--title", default="")
        test.add_argument("--json", action="store_true")
        result = sub.add_parser("test-report", help="who a reception test reached, and how")
        result.add_argument("id", type=int)
        result.add_argument("--json", action="store_true")

    def handle(self, *args, subcommand, **options):
        try:
            getattr(self, "_" + subcommand.replace("-", "_"))(options)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None

    def _out(self, data: dict) -> None:
        self.stdout.write(json.dumps(data, ensure_ascii=False))

    def _schedule(self, options):
        start, end = (schedule.parse_moment(t) for t in options["between"])
        drill = schedule.schedule_drill(
            audience=audience.parse_cli(options["audience"]),
            start=start,
            end=end,
            title=options["title"],
        )
        self._out({"id": drill.pk, "between": schedule.window(drill)})

    def _scheduled(self, options):
        for drill in ScheduledDrill.objects.order_by("window_start", "pk"):
            self._out(
                {
                    "id": drill.pk,
                    "title": drill.title,
                    "between": schedule.window(drill),
                    "state": drill.state,
                    "alert": drill.alert_id,
                }
            )

    def _cancel(self, options):
        try:
            drill = ScheduledDrill.objects.get(pk=options["id"])
        except ScheduledDrill.DoesNotExist:
            raise CommandError(f"no scheduled drill {options['id']}") from None
        schedule.cancel_drill(drill)
        self.stdout.write("cancelled")

    def _report(self, options):
        by = options["by"]
        for row in report.figures(report.drills(), by):
            self._out(report.as_json(row, by))

    def _test_send(self, options):
        alert = reception.send_test(audience.parse_cli(options["audience"]), title=options["title"])
        self._out({"id": alert.pk, "recipients": alert.recipients.count()})

    def _test_report(self, options):
        alert = Alert.objects.filter(pk=options["id"], reception_test__isnull=False).first()
        if alert is None:
            raise CommandError(f"no reception test {options['id']}")
        summary = reception.summary(alert)
        summary["by_channel"] = {c["channel"]: c["count"] for c in summary["by_channel"]}
        self._out({"id": alert.pk, **summary})
