from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BroadcastConfig(AppConfig):
    name = "renraku.broadcast"
    label = "broadcast"
    verbose_name = _("Broadcast")

    def ready(self):
        from renraku.notices.wording import register

        from .messages import wording

        register("alert", wording)
