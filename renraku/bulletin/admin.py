"""Administrators name who may post in each series and category. Posts, comments and
feedback are managed from the bulletin's own pages (hiding a comment needs a reason and is
audited there), not edited here."""

from django.contrib import admin

from .models import Category, Series


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]
    filter_horizontal = ["authors"]


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    list_display = ["name", "category"]
    search_fields = ["name"]
    filter_horizontal = ["authors"]
