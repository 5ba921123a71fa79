"""Who can be reached, over the API (`directory` scope): the lines `renraku readiness --json`
prints, by department or site. Only for those the readiness page is for, with its rule
(readiness.rights.departments_seen_by): administrators see the whole office, a department
administrator their own departments; sites cut across departments, so only the whole
office is counted by site, as on the page."""

from typing import Literal

from django.core.exceptions import PermissionDenied
from ninja import Field, Query, Schema

from renraku.directory.models import Staff
from renraku.readiness import queries
from renraku.readiness.rights import departments_seen_by


class ReadinessLine(Schema):
    code: str = Field(description="The department's or site's code.")
    name: str = Field(description="Its name.")
    staff: int = Field(description="Active staff there (current department or work site).")
    push: int = Field(description="With a device that showed a notice in the last 30 days.")
    email: int = Field(description="With an e-mail address the mail server has not refused.")
    sms: int = Field(description="With a mobile number, once an SMS provider is configured.")
    voice: int = Field(description="With a mobile number, once a voice provider is configured.")
    line_works: int = Field(description="With a LINE WORKS id, once LINE WORKS is configured.")
    none: int = Field(description="Reached by no configured channel.")
    push_share: float = Field(description="push / staff, 0 to 1.")
    reachable_share: float = Field(description="(staff − none) / staff, 0 to 1.")


class Readiness(Schema):
    by: Literal["department", "site"] = Field(description="How the lines are grouped.")
    lines: list[ReadinessLine] = Field(
        description="One per department or site, by code, as `renraku readiness --json` "
        "prints them; a department administrator gets their own departments only."
    )


def register(api, auth, failures) -> None:
    @api.get(
        "/readiness",
        auth=auth,
        response={200: Readiness, **failures},
        tags=["readiness"],
        summary="Who can be reached now, as `renraku readiness --json`",
    )
    def readiness(
        request,
        by: Literal["department", "site"] = Query(
            "department", description="Group by current department or work site."
        ),
    ):
        """For a token whose user may open the readiness page (403 otherwise):
        administrators, and department administrators for their departments (not by
        site)."""
        try:
            seen = departments_seen_by(request.user)
        except PermissionDenied:
            raise PermissionDenied(
                "only administrators and department administrators see readiness"
            ) from None
        people = None
        if seen is not None:
            if by == "site":
                raise PermissionDenied(
                    "sites cut across departments: only administrators see readiness by site"
                )
            people = Staff.objects.active().filter(department_id__in=seen)
        return {"by": by, "lines": queries.counts_by(by, staff=people)}
