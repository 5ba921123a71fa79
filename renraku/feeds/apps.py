from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedsConfig(AppConfig):
    name = "renraku.feeds"
    verbose_name = _("JMA feeds")
