from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "renraku.notices"
    label = "notices"
    verbose_name = _("Notices")

    def ready(self):
        from .letters import wording
        from .wording import register

        register("letter", wording)
