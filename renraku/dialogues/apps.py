from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DialoguesConfig(AppConfig):
    name = "renraku.dialogues"
    label = "dialogues"
    verbose_name = _("Dialogues")

    def ready(self):
        from renraku.directory.signals import imported
        from renraku.notices.wording import register

        from . import directors
        from .messages import wording

        register("dialogue", wording)
        imported.connect(directors.queue_new_directors, dispatch_uid="dialogues.new_directors")
