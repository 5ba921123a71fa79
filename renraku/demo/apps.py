from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo ward: above every app it seeds, so that none of them imports another's demo
    data. No models; only `renraku seed-demo` and `renraku demo-code`."""

    name = "renraku.demo"
    label = "demo"
    verbose_name = _("Demo")
