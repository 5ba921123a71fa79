from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "renraku.audit"
    label = "audit"
    verbose_name = _("Audit")

    def ready(self):
        from . import signals  # noqa: F401  (records admin changes)
