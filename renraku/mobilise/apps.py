from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MobiliseConfig(AppConfig):
    name = "renraku.mobilise"
    label = "mobilise"
    verbose_name = _("Staff call-up")

    def ready(self):
        from renraku.broadcast import answer_views, panels
        from renraku.broadcast import phone as broadcast_phone

        from . import answers, panel, phone

        # The answer page asks 参集 in place of 出勤可否 for a mobilisation's alert.
        answer_views.register_extra(answers.extra_for)
        # So do a voice call's keypad and an SMS reply.
        broadcast_phone.register_follow_up(phone.CALLUP_BY_PHONE)
        # The headquarters' view and the wall show its posts short of staff.
        panels.register(panel.panel)
