"""Administrators keep the kinds of dialogue (their rules are data) and name the hosts."""

from django.contrib import admin

from .models import Host, Kind


@admin.register(Kind)
class KindAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "open_signup", "default_seats", "is_break_time"]
    list_editable = ["open_signup", "default_seats", "is_break_time"]


@admin.register(Host)
class HostAdmin(admin.ModelAdmin):
    list_display = ["staff", "visits_directors", "lottery"]
    raw_id_fields = ["staff"]
    filter_horizontal = ["kinds"]
