from django.contrib import admin

from .models import Body, Department, Domain, Position, Section, Site, Staff, Title


@admin.register(Body, Title)
class CodeNameAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "order", "overseen_by"]
    raw_id_fields = ["overseen_by"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "domain", "body"]
    list_filter = ["domain", "body"]
    search_fields = ["code", "name"]


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "department"]
    list_filter = ["department__domain"]
    search_fields = ["code", "name"]
    list_select_related = ["department"]


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]


@admin.register(Position)
class PositionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "rank"]


@admin.register(Staff)
class StaffAdmin(admin.ModelAdmin):
    """Work data only: personal contacts are not in the admin, so that every look at them
    goes through the audited page."""

    list_display = [
        "employee_number",
        "family_name",
        "given_name",
        "position",
        "department",
        "site",
        "is_active",
    ]
    list_filter = ["is_active", "position__rank", "department__domain"]
    search_fields = [
        "employee_number",
        "family_name",
        "given_name",
        "family_name_kana",
        "given_name_kana",
    ]
    list_select_related = ["position", "department", "site"]
    raw_id_fields = ["section", "site"]
    filter_horizontal = ["titles", "bodies"]
