import json

from django.core.management.base import BaseCommand

from renraku.readiness import queries


class Command(BaseCommand):
    help = (
        "Who can be reached now, by department or site: staff, push, email, sms, voice,"
        " line_works, none, push_share, reachable_share (active staff)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--by", choices=["department", "site"], default="department")
        parser.add_argument("--json", action="store_true", help="one JSON object per line")

    def handle(self, *args, by, **options):
        rows = queries.counts_by(by)
        if options["json"]:
            for row in rows:
                self.stdout.write(json.dumps(row, ensure_ascii=False))
            return
        kinds = queries.configured()
        self.stdout.write("\t".join(["code", "name", "staff", *kinds, "none", "push%", "any%"]))
        for row in [*rows, {**queries.total(rows), "code": "*", "name": "total"}]:
            self.stdout.write(
                "\t".join(
                    str(v)
                    for v in [
                        row["code"],
                        row["name"],
                        row["staff"],
                        *(row[k] for k in kinds),
                        row["none"],
                        round(row["push_share"] * 100, 1),
                        round(row["reachable_share"] * 100, 1),
                    ]
                )
            )
