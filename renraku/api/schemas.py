"""What the API takes and answers, as the OpenAPI schema (/api/v1/openapi.json) shows it.

Values that have a fixed list (reply, category, severity, channels) are documented here but
checked by broadcast.actions.check_draft, so the API refuses exactly what the compose page
refuses, in the same words.
"""

from typing import Any, Literal

from ninja import Field, Schema

from renraku.broadcast.models import AlertCategory, ChannelChoice, ReplyForm, Severity


class EscalationStep(Schema):
    after_minutes: int = Field(
        description="Minutes after sending (1 to 1440) at which the step runs, for those "
        "who have not answered by then."
    )
    action: Literal["channel", "supervisor"] = Field(
        description="`channel`: send again on `channel`; `supervisor`: list the unanswered "
        "to each one's supervisor."
    )
    channel: str | None = Field(
        None,
        description="For `action: channel`: the channel to send on.",
        json_schema_extra={"enum": list(ChannelChoice.values)},
    )


class AlertIn(Schema):
    title: str = Field(description="One line, at most 100 characters.", examples=["地震発生"])
    body: str = Field(description="The message.", examples=["安否を回答してください。"])
    audience: Literal["all"] | dict[str, Any] | str = Field(
        description='Who it goes to: `"all"`, or an object of selectors, any of which puts a '
        "person in: `domains`, `departments`, `sections`, `sites`, `titles`, `groups` "
        "(lists of codes or names), `staff` (employee numbers), `ranks` (numbers). The "
        'command line\'s text (`"departments=SOM,KIK;sites=S001"`) is taken as well. The '
        "audience must lie within the token user's sending scope.",
        examples=[{"departments": ["SOM", "KIK"]}, "all"],
    )
    channels: list[str] | str = Field(
        description="Channels in the order each person is tried, as a list or a comma "
        "list (`email,sms`).",
        json_schema_extra={"items": {"enum": list(ChannelChoice.values)}},
        examples=[["webpush", "email"]],
    )
    reply: str = Field(
        ReplyForm.SAFETY.value,
        description="The answer asked for.",
        json_schema_extra={"enum": list(ReplyForm.values)},
    )
    drill: bool = Field(False, description="A drill: marked as such wherever it is shown.")
    escalate: list[EscalationStep] | str | None = Field(
        None,
        description="Steps for the unanswered (at most 5): a list, or the command line's "
        'text (`"5:email,15:supervisor"`).',
        examples=["5:email,15:supervisor"],
    )
    category: str = Field(
        AlertCategory.NOTICE.value,
        description="What kind of alert it is.",
        json_schema_extra={"enum": list(AlertCategory.values)},
    )
    severity: str = Field(
        Severity.INFORMATION.value,
        description="How serious.",
        json_schema_extra={"enum": list(Severity.values)},
    )


class AlertCreated(Schema):
    id: int = Field(description="The alert's id, for GET /api/v1/alerts/{id}.")
    title: str = Field(description="The title as sent (surrounding spaces removed).")
    recipients: int = Field(description="How many people it was sent to.")


class AlertStatus(Schema):
    """The counts `renraku alert status --json` prints."""

    id: int = Field(description="The alert's id.")
    title: str = Field(description="Its title.")
    open: bool = Field(description="False once closed: no more sending, no more answers.")
    recipients: int = Field(description="People it went to.")
    sent: int = Field(description="Reached on some channel.")
    pending: int = Field(description="Not reached yet, channels still to try.")
    failed: int = Field(description="Every channel tried has failed for good.")
    unreachable: int = Field(description="No channel of the alert has an address for them.")
    read: int = Field(description="Opened the alert.")
    answered: int = Field(description="Answered.")
    unanswered: int = Field(description="recipients − answered.")
    answer_rate: int = Field(description="answered / recipients, in percent, rounded.")
    by_channel: dict[str, int] = Field(
        description="The channel that reached each person first: channel → people."
    )
    answers: dict[str, int] = Field(description="Answer → people (answers given only).")
    attendance: dict[str, int] = Field(
        description="Whether they can come to work (safety alerts): answer → people."
    )


# An Idempotency-Key: printable ASCII, as the IETF httpapi draft and Stripe take it.
KEY_PATTERN = r"^[\x20-\x7e]+$"
KEY_MAX_LENGTH = 100


class Problems(Schema):
    errors: list[str] = Field(description="Every problem found; nothing was done.")


class Error(Schema):
    error: str = Field(description="What went wrong.")


class ScopeError(Schema):
    error: str = Field(description="What went wrong.")
    scope: str = Field(description="The scope the token would need.")


class OrgSummary(Schema):
    """The counts `renraku org summary` prints."""

    domains: int = Field(description="Domains (部門).")
    departments: int = Field(description="Departments (部局).")
    sections: int = Field(description="Sections (課).")
    sites: int = Field(description="Sites (勤務地).")
    staff: int = Field(description="Active staff.")
    directors: int = Field(description="Active staff of director rank and above.")
    by_rank: dict[str, int] = Field(description="Active staff by rank name.")


class StaffOut(Schema):
    employee_number: str = Field(description="Employee number.")
    name: str = Field(description="Full name, family name first.")
    kana: str = Field(description="The name in kana.")
    position: str = Field(description="Position (職).")
    department: str = Field(description="Department (部局).")
    section: str | None = Field(description="Section (課), if any.")
    site: str = Field(description="Where they work.")
    work_email: str = Field(description="Work e-mail address.")
    work_phone: str = Field(description="Work telephone.")


class StaffList(Schema):
    results: list[StaffOut] = Field(
        description="Active staff matching `q`, at most 100: work contacts only."
    )
