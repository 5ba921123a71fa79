from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    default = True
    name = "renraku.web"
    label = "web"
    verbose_name = _("Web")


class RenrakuAdminConfig(admin_apps.AdminConfig):
    default = False  # AdminConfig says True; WebConfig is this module's default
    default_site = "renraku.web.admin_site.RenrakuAdminSite"
