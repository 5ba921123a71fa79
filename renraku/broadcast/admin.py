"""Administrators maintain the saved groups and the templates; alerts themselves are
records of what happened and are not edited here."""

from django.contrib import admin

from .models import Group, Template


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]
    raw_id_fields = ["members"]


@admin.register(Template)
class TemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "category", "severity", "reply_form"]
    list_filter = ["category"]
