import argparse
import datetime as dt
import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from renraku.dialogues import actions, directors, ics, reach
from renraku.dialogues.models import Booking, Host, Kind, Slot
from renraku.directory.models import Staff


def _when(text: str) -> dt.datetime:
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(f"not an ISO date and time: {text}") from None
    return when if when.tzinfo else when.replace(tzinfo=actions.TOKYO)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text}") from None


def _staff(number: str) -> Staff:
    staff = Staff.objects.filter(employee_number=number.strip()).first()
    if staff is None:
        raise CommandError(f"no member of staff {number}")
    return staff


def _host(number: str) -> Host:
    host = Host.objects.filter(staff__employee_number=number).select_related("staff").first()
    if host is None:
        raise CommandError(f"{number} is not a host (an administrator names hosts)")
    return host


class Command(BaseCommand):
    help = "Offer slots, book, cancel and count the dialogues (integrations, tests)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        slot = sub.add_parser("slot").add_subparsers(dest="slot_command", required=True)
        add = slot.add_parser("add")
        add.add_argument("--kind", required=True, help="a kind's code, e.g. lunch")
        add.add_argument("--host", required=True, help="the host's employee number")
        add.add_argument("--start", required=True, help="ISO date and time (Tokyo unless given)")
        add.add_argument("--minutes", type=int, default=60)
        add.add_argument("--seats", type=int)
        add.add_argument("--place", default="")
        add.add_argument("--json", action="store_true")
        show = slot.add_parser("show")
        show.add_argument("slot", type=int)
        show.add_argument("--json", action="store_true")
        move = slot.add_parser("move")
        move.add_argument("slot", type=int)
        move.add_argument("--start", required=True)
        move.add_argument("--json", action="store_true")
        cancel_slot = slot.add_parser("cancel")
        cancel_slot.add_argument("slot", type=int)
        book = sub.add_parser("book")
        book.add_argument("slot", type=int)
        book.add_argument("--staff", required=True, help="employee numbers; the first books")
        book.add_argument("--topic", default="", help="「話したいこと」")
        book.add_argument("--json", action="store_true")
        cancel = sub.add_parser("cancel")
        cancel.add_argument("booking", type=int)
        cancel.add_argument("--json", action="store_true")
        calendar = sub.add_parser("ics")
        calendar.add_argument("slot", type=int)
        total = sub.add_parser("summary")
        total.add_argument("--host", required=True)
        when = total.add_mutually_exclusive_group()
        when.add_argument("--year", type=int, help="fiscal year (April to March)")
        when.add_argument(
            "--since",
            type=_date,
            help="from this date (YYYY-MM-DD, Tokyo) until now; default: this fiscal year",
        )
        total.add_argument("--json", action="store_true")
        visits = sub.add_parser("directors")
        visits.add_argument("--host", required=True, help="the host's employee number")
        visits.add_argument("--year", type=int, help="fiscal year (April to March)")
        visits.add_argument("--json", action="store_true")

    def handle(self, *args, subcommand, **options):
        name = subcommand if subcommand != "slot" else f"slot_{options['slot_command']}"
        try:
            getattr(self, f"do_{name}")(options)
        except (ValidationError, PermissionDenied) as exc:
            messages = getattr(exc, "messages", None) or [str(exc)]
            raise CommandError("; ".join(messages)) from None

    def _out(self, options, data, plain=None):
        if options.get("json"):
            self.stdout.write(json.dumps(data, ensure_ascii=False))
        else:
            self.stdout.write(plain if plain is not None else str(data))

    def _slot(self, pk) -> Slot:
        slot = Slot.objects.select_related("kind", "host__staff").filter(pk=pk).first()
        if slot is None:
            raise CommandError(f"no slot {pk}")
        return slot

    def do_slot_add(self, options):
        kind = Kind.objects.filter(code=options["kind"]).first()
        if kind is None:
            known = ", ".join(Kind.objects.values_list("code", flat=True))
            raise CommandError(f"no kind {options['kind']} (known: {known})")
        slot = actions.add_slot(
            kind=kind,
            host=_host(options["host"]),
            start=_when(options["start"]),
            minutes=options["minutes"],
            seats=options["seats"],
            place=options["place"],
        )
        self._out(options, {"id": slot.pk}, str(slot.pk))

    def do_slot_show(self, options):
        self._out(options, actions.show(self._slot(options["slot"])))

    def do_slot_move(self, options):
        slot = actions.move_slot(self._slot(options["slot"]), _when(options["start"]))
        self._out(options, actions.show(slot))

    def do_slot_cancel(self, options):
        actions.cancel_slot(self._slot(options["slot"]))
        self.stdout.write("cancelled")

    def do_book(self, options):
        numbers = [n for n in options["staff"].split(",") if n.strip()]
        if not numbers:
            raise CommandError("give at least one employee number")
        people = [_staff(n) for n in numbers]
        slot = self._slot(options["slot"])
        booking = actions.book(slot, people[0], members=people[1:], topic=options["topic"])
        data = {
            "booking": booking.pk,
            "status": booking.status,
            "seats_left": actions.seats_left(slot),
        }
        self._out(options, data, f"{booking.pk} {booking.status}")

    def do_cancel(self, options):
        booking = Booking.objects.filter(pk=options["booking"]).first()
        if booking is None:
            raise CommandError(f"no booking {options['booking']}")
        promoted = actions.cancel_booking(booking)
        data = {"booking": booking.pk, "status": "cancelled", "promoted": [b.pk for b in promoted]}
        self._out(options, data, "cancelled")

    def do_ics(self, options):
        slot = self._slot(options["slot"])
        text = ics.cancellation(slot) if slot.status == "cancelled" else ics.invitation(slot)
        self.stdout.write(text, ending="")

    def do_summary(self, options):
        figures = reach.summary(_host(options["host"]), options["year"], since=options["since"])
        self._out(options, figures)

    def do_directors(self, options):
        rows = directors.as_rows(_host(options["host"]), options["year"])
        plain = "\n".join(
            "\t".join(
                [
                    r["staff"],
                    r["name"],
                    r["department"],
                    r["visited_at"] or r["scheduled_at"] or "-",
                ]
                + (["新任"] if r["new"] else [])
            )
            for r in rows
        )
        self._out(options, rows, plain)
