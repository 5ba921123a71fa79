import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from renraku.channels import vapid
from renraku.demo.devices import DemoDevices
from renraku.readiness.demo import demo_push_port


class Command(BaseCommand):
    help = (
        "The demo ward's phones: a push service on loopback for the demo's devices that "
        "checks and decrypts each push, and posts most devices' display receipts back to "
        "RENRAKU_BASE_URL, as their phones would. Demo only; runs until interrupted."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--port",
            type=int,
            default=demo_push_port(),
            help="where the demo's devices' endpoints point (RENRAKU_DEMO_PUSH_PORT, 8081)",
        )
        parser.add_argument(
            "--delay",
            type=float,
            nargs=2,
            default=(1.0, 30.0),
            metavar=("SHORTEST", "LONGEST"),
            help="seconds from a push to its display receipt, drawn between these (1 30)",
        )

    def handle(self, *args, port, delay, **options):
        low, high = delay
        if not 0 <= low <= high:
            raise CommandError("--delay needs 0 ≤ SHORTEST ≤ LONGEST")
        devices = DemoDevices(
            _application_server_key(), port=port, receipts_to=settings.BASE_URL, delay=delay
        )
        try:
            devices.start()
        except OSError as exc:
            raise CommandError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror}") from None
        self.stdout.write(
            f"demo devices on {devices.origin}/push/ (display receipts to "
            f"{devices.receipt_url}, after {low:g}–{high:g} s)"
        )
        self.stdout.flush()
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
        finally:
            self.stdout.write(devices.summary())
            devices.stop()


def _application_server_key() -> str:
    """The server's VAPID public key, made now if the server has not made it yet (the
    server may be making it at this very moment: then it is read)."""
    try:
        return vapid.application_server_key()
    except FileExistsError:
        vapid.key.cache_clear()
        return vapid.application_server_key()
