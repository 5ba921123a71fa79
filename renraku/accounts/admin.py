from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from .models import ApiToken, User


@admin.register(User)
class RenrakuUserAdmin(UserAdmin):
    list_display = ["username", "email", "last_name", "first_name", "role", "is_active"]
    list_filter = ["role", "is_active"]
    raw_id_fields = ["staff"]
    filter_horizontal = ["scope_departments"]
    fieldsets = [
        *UserAdmin.fieldsets[:2],
        (_("Role and scope"), {"fields": ["role", "staff", "scope_all", "scope_departments"]}),
        (_("Status"), {"fields": ["is_active", "last_login", "date_joined"]}),
    ]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "hint",
        "user",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    readonly_fields = ["digest", "hint", "created_at", "last_used_at"]
    raw_id_fields = ["user"]

    def has_add_permission(self, request):
        return False  # made with `renraku token create`, which shows the token once
