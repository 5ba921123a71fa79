from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DrillsConfig(AppConfig):
    name = "renraku.drills"
    label = "drills"
    verbose_name = _("Drills")

    def ready(self):
        from renraku.broadcast import answer_views

        from . import reception

        # The answer page of a reception test: 届いた in place of 確認しました, and no safety step.
        answer_views.register_extra(reception.extra_for)
