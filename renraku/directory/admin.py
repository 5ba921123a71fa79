from django.contrib import admin

from .models import (
    Body,
    Department,
    DeploymentLevel,
    Domain,
    MinimumStaffing,
    Position,
    Section,
    Site,
    Staff,
    Team,
    Title,
)


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
    list_display = ["code", "name", "kind", "lead"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]
    list_select_related = ["lead"]
    autocomplete_fields = ["lead"]


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
        "callup_level",
        "callup_team",
        "is_active",
    ]
    list_filter = [
        "is_active",
        "position__rank",
        "department__domain",
        "callup_level",
        "callup_team",
    ]
    search_fields = [
        "employee_number",
        "family_name",
        "given_name",
        "family_name_kana",
        "given_name_kana",
        "line_works_id",
    ]
    list_select_related = ["position", "department", "site", "callup_level", "callup_team"]
    raw_id_fields = ["section", "site", "callup_site"]
    filter_horizontal = ["titles", "bodies"]


class MinimumStaffingInline(admin.TabularInline):
    model = MinimumStaffing
    extra = 0
    raw_id_fields = ["site"]


@admin.register(DeploymentLevel)
class DeploymentLevelAdmin(admin.ModelAdmin):
    """The levels and who each calls: staff whose call-up level is at most its number (the
    highest calls everyone), with the minimum each post and team needs at it."""

    list_display = ["number", "name", "started_by"]
    inlines = [MinimumStaffingInline]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "order"]
    search_fields = ["code", "name"]


@admin.register(MinimumStaffing)
class MinimumStaffingAdmin(admin.ModelAdmin):
    list_display = ["level", "site", "team", "minimum"]
    list_filter = ["level", "team"]
    search_fields = ["site__code", "site__name", "team__name"]
    list_select_related = ["level", "site", "team"]
    raw_id_fields = ["site"]
