from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from renraku.accounts.permissions import can_administer


class RenrakuAdminSite(admin.AdminSite):
    """The Django admin, for administrators who have passed two-factor in this session."""

    site_header = _("renraku administration")
    site_title = _("renraku")
    index_title = _("Administration")

    def has_permission(self, request):
        return can_administer(request.user) and request.user.is_verified()
