from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from renraku.directory.demo import DEMO_DEVICE_NAME


class Command(BaseCommand):
    help = "Print the current two-factor code of the demo accounts (demo devices only)."

    def handle(self, *args, **options):
        device = TOTPDevice.objects.filter(name=DEMO_DEVICE_NAME, confirmed=True).first()
        if device is None:
            raise CommandError("no demo device: run `renraku seed-demo` first")
        code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
        self.stdout.write(f"{code:0{device.digits}d}")
