import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from renraku.broadcast import actions, escalation, queries, situation
from renraku.broadcast.models import Alert, AlertCategory, ReplyForm, Severity
from renraku.directory import audience


class Command(BaseCommand):
    help = "Send, inspect and close alerts from the command line (integrations, tests)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        send = sub.add_parser("send")
        send.add_argument("--title", required=True)
        send.add_argument("--body", required=True)
        send.add_argument(
            "--audience", required=True, help="all, or e.g. departments=SOM,KIK;sites=S001;ranks=3"
        )
        send.add_argument("--channels", required=True, help="in order, e.g. email")
        send.add_argument("--reply", default=ReplyForm.SAFETY, choices=ReplyForm.values)
        send.add_argument("--category", default=AlertCategory.NOTICE, choices=AlertCategory.values)
        send.add_argument("--severity", default=Severity.INFORMATION, choices=Severity.values)
        send.add_argument("--drill", action="store_true")
        send.add_argument(
            "--escalate", default="", help="steps for the unanswered, e.g. 5:email,15:supervisor"
        )
        send.add_argument("--json", action="store_true")
        status = sub.add_parser("status")
        status.add_argument("id", type=int)
        status.add_argument("--json", action="store_true")
        status.add_argument(
            "--by",
            choices=["department", "site", "section", "domain"],
            help="one JSON object per line for each department (or site …), lowest rate first",
        )
        close = sub.add_parser("close")
        close.add_argument("id", type=int)

    def handle(self, *args, subcommand, **options):
        if subcommand == "send":
            draft = actions.Draft(
                title=options["title"],
                body=options["body"],
                audience=audience.parse_cli(options["audience"]),
                channels=[c.strip() for c in options["channels"].split(",") if c.strip()],
                reply_form=options["reply"],
                category=options["category"],
                severity=options["severity"],
                is_drill=options["drill"],
                escalation=escalation.parse_cli(options["escalate"]),
            )
            try:
                alert = actions.send_alert(draft, source="cli")
            except ValidationError as exc:
                raise CommandError("; ".join(exc.messages)) from None
            count = alert.recipients.count()
            self.stdout.write(
                json.dumps({"id": alert.pk, "recipients": count})
                if options["json"]
                else str(alert.pk)
            )
            return
        try:
            alert = Alert.objects.get(pk=options["id"])
        except Alert.DoesNotExist:
            raise CommandError(f"no alert {options['id']}") from None
        if subcommand == "close":
            actions.close_alert(alert)
            self.stdout.write("closed")
            return
        if options["by"]:
            for row in situation.table(situation.recipients([alert]), options["by"]):
                self.stdout.write(json.dumps(row.as_json(), ensure_ascii=False))
            return
        result = {"id": alert.pk, "open": alert.is_open, **queries.status(alert)}
        if options["json"]:
            self.stdout.write(json.dumps(result))
        else:
            for key, value in result.items():
                self.stdout.write(f"{key}: {value}")
