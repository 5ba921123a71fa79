from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BulletinConfig(AppConfig):
    name = "renraku.bulletin"
    label = "bulletin"
    verbose_name = _("Bulletin")

    def ready(self):
        from renraku.notices.wording import register

        from .messages import wording

        register("post", wording)
