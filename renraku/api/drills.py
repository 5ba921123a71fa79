"""Drills and reception tests over the API (`alerts` scope: both are alerts). Schedule a
drill in a window, list and cancel scheduled drills, read the drill report as `renraku
drill report --json` prints it, send a reception test and read its report. Everything is
the drills app's own actions and queries, checked as its pages check them: senders
schedule and send within their sending scope; senders and administrators see the lists
and reports. The moment a drill goes out is never in an answer: a drill is its window."""

from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from ninja import Field, Header, Query, Schema, Status

from renraku.accounts import permissions
from renraku.broadcast import actions as alerts
from renraku.broadcast.models import Alert
from renraku.directory import audience
from renraku.drills import reception, report, schedule
from renraku.drills.models import ScheduledDrill

from . import actions as api_actions
from .schemas import KEY_MAX_LENGTH, KEY_PATTERN, Error, Problems

AUDIENCE = (
    'Who: `"all"`, an object of selectors (as for alerts: `departments`, `sections`, '
    "`sites`, …, lists of codes), or the command line's text "
    '(`"departments=KIK;sites=S001"`). Within the token user\'s sending scope.'
)
KEY = (
    "Optional, as for posts: the same key from the same token within 24 hours answers 200 "
    "with what the first request made and makes nothing; with a different body, 422."
)


class DrillIn(Schema):
    audience: Literal["all"] | dict[str, Any] | str = Field(description=AUDIENCE)
    between: list[str] = Field(
        min_length=2,
        max_length=2,
        description="The window, [start, end], ISO 8601 date-times (without a zone: Tokyo "
        "time). It may not start in the past, end before it starts, last over 7 days or "
        "start more than a year ahead.",
        examples=[["2026-12-15T06:00", "2026-12-15T08:00"]],
    )
    title: str = Field("", description="One line, at most 100 characters; else 安否確認訓練.")


class DrillScheduled(Schema):
    id: int = Field(description="The scheduled drill's id.")
    between: list[str] = Field(description="Its window, [start, end], in Tokyo time.")


class Drill(Schema):
    id: int = Field(description="The scheduled drill's id.")
    title: str = Field(description="Its title.")
    between: list[str] = Field(description="Its window, [start, end], in Tokyo time.")
    state: Literal["scheduled", "sent", "cancelled"] = Field(description="Where it stands.")
    alert: int | None = Field(description="Once sent, its alert's id (GET /api/v1/alerts/{id}).")


class DrillList(Schema):
    results: list[Drill] = Field(
        description="The drills scheduled that the token's user sees (all of them for "
        "administrators and senders to the whole office, a sender's own otherwise), by "
        "window, as `renraku drill scheduled --json`."
    )


class DrillLine(Schema):
    id: int = Field(description="The drill's alert id.")
    sent_at: str = Field(description="When it was sent (ISO 8601, Tokyo time).")
    department: str | None = Field(None, description="With by=department: its code.")
    site: str | None = Field(None, description="With by=site: its code.")
    name: str | None = Field(None, description="With by: the department's or site's name.")
    recipients: int = Field(description="People it went to (there, with by).")
    answered: int = Field(description="Of them, those who answered.")
    t25_s: float | None = Field(description="Seconds to the first answer of the ⌈25 %⌉-th.")
    t50_s: float | None = Field(description="Seconds to 50 % answered; null if not reached.")
    t75_s: float | None = Field(description="Seconds to 75 % answered; null if not reached.")
    t90_s: float | None = Field(description="Seconds to 90 % answered; null if not reached.")
    answered_10m: float = Field(description="Share answered within 10 minutes, 0 to 1.")
    answered_30m: float = Field(description="Share answered within 30 minutes, 0 to 1.")
    answered_60m: float = Field(description="Share answered within 60 minutes, 0 to 1.")


class DrillReport(Schema):
    by: Literal["department", "site"] | None = Field(description="How lines are grouped.")
    lines: list[DrillLine] = Field(
        description="As `renraku drill report --json` prints them: one per drill, newest "
        "first (with by, one per drill and department or site), the drills the token's "
        "user may manage."
    )


class ReceptionTestIn(Schema):
    audience: Literal["all"] | dict[str, Any] | str = Field(description=AUDIENCE)
    title: str = Field("", description="One line, at most 100 characters; else 受信テスト.")


class ReceptionTestSent(Schema):
    id: int = Field(description="The test's id: its alert's id.")
    recipients: int = Field(description="How many people it was sent to.")


class ReceptionTestReport(Schema):
    id: int = Field(description="The test's id.")
    recipients: int = Field(description="People it went to.")
    reached: int = Field(description="Reached on some channel.")
    pending: int = Field(description="Not reached yet, channels still to try.")
    not_reached: int = Field(description="Every channel failed, or none reaches them.")
    shown: int = Field(description="Whose device said it showed the notice.")
    pressed: int = Field(description="Pressed 届いた.")
    by_channel: dict[str, int] = Field(description="The channel that reached each: → people.")


def _may_view(user) -> None:
    if not permissions.can_view_alerts(user):
        raise PermissionDenied("only senders and administrators see drills and reception tests")


def _audience(spec, shape_problems) -> tuple[dict, list[str]]:
    """The audience as the alerts endpoint reads it (views._draft): "all", selectors, or
    the command line's text; and the problems of its shape. What is still wrong is for
    check_draft to list."""
    if spec == "all":
        return {"all": True}, []
    if isinstance(spec, str):
        spec = audience.parse_cli(spec)
    return spec, shape_problems(spec)


def _window(between: list[str]) -> tuple[list, list[str]]:
    """The window's two ends, and what is wrong with their text."""
    ends, problems = [], []
    for text in between:
        try:
            ends.append(schedule.parse_moment(text))
        except ValidationError as exc:
            problems += exc.messages
    return ends, problems


def _line(drill: ScheduledDrill) -> dict:
    """A drill as `renraku drill scheduled --json` prints it: its window, never its moment."""
    return {
        "id": drill.pk,
        "title": drill.title,
        "between": schedule.window(drill),
        "state": drill.state,
        "alert": drill.alert_id,
    }


def _once(make, request, key, kind, asked):
    """`make()` once per Idempotency-Key (api.actions.make_once); without a key, now."""
    if key is None:
        return make(), True
    return api_actions.make_once(
        make, kind=kind, token=request.auth, key=key, digest=api_actions.fingerprint(asked)
    )


def _key_reused():
    return Status(422, {"error": "this Idempotency-Key was used for a different request"})


def register(api, auth, failures, shape_problems) -> None:
    """`shape_problems`: the alerts endpoint's check of an audience's shape."""
    refused = {400: Problems, 422: Error, **failures}

    @api.post(
        "/drills",
        auth=auth,
        response={201: DrillScheduled, 200: DrillScheduled, **refused},
        tags=["drills"],
        summary="Schedule a drill at a hidden moment inside a window",
    )
    def schedule_drill(
        request,
        payload: DrillIn,
        idempotency_key: str | None = Header(
            None,
            alias="Idempotency-Key",
            max_length=KEY_MAX_LENGTH,
            pattern=KEY_PATTERN,
            description=KEY,
        ),
    ):
        """As 訓練を予約: a sender, within their sending scope (403 otherwise). It goes out
        at a moment picked at random in the window, which no answer shows; 400 lists every
        problem (window, audience, title) and nothing is scheduled."""
        spec, problems = _audience(payload.audience, shape_problems)
        ends, unreadable = _window(payload.between)
        if problems or unreadable:
            raise ValidationError(problems + unreadable)
        start, end = ends

        def make():
            return schedule.schedule_drill(
                audience=spec,
                start=start,
                end=end,
                title=payload.title,
                by=request.user,
                request=request,
            )

        # The request as understood: a window's text and the same instants are the same.
        asked = {"drill": payload.dict() | {"audience": spec, "between": [start, end]}}
        try:
            drill, made_now = _once(make, request, idempotency_key, "drill", asked)
        except api_actions.KeyReused:
            return _key_reused()
        return Status(201 if made_now else 200, {"id": drill.pk, "between": schedule.window(drill)})

    @api.get(
        "/drills",
        auth=auth,
        response={200: DrillList, **failures},
        tags=["drills"],
        summary="Drills scheduled: their windows and states, never their moments",
    )
    def list_drills(request):
        _may_view(request.user)
        drills = schedule.visible_to(request.user).order_by("window_start", "pk")
        return {"results": [_line(d) for d in drills]}

    @api.post(
        "/drills/{int:drill_id}/cancel",
        auth=auth,
        response={200: Drill, 400: Problems, 404: Error, **failures},
        tags=["drills"],
        summary="Cancel a drill that has not gone out",
    )
    def cancel_drill(request, drill_id: int):
        """By whoever scheduled it, or an administrator or sender to the whole office (404
        for a drill the token's user does not see); 400 once it has gone out or been
        cancelled, and nothing changes."""
        _may_view(request.user)
        drill = get_object_or_404(schedule.visible_to(request.user), pk=drill_id)
        return _line(schedule.cancel_drill(drill, by=request.user, request=request))

    @api.get(
        "/drills/report",
        auth=auth,
        response={200: DrillReport, **failures},
        exclude_unset=True,  # a line has `department` or `site` only when grouped by it
        tags=["drills"],
        summary="What each drill measured, as `renraku drill report --json`",
    )
    def drill_report(
        request,
        by: Literal["department", "site"] | None = Query(
            None, description="One line per drill and department (or site)."
        ),
    ):
        """The drills the token's user may manage (senders and administrators)."""
        _may_view(request.user)
        rows = report.figures(report.drills(request.user), by)
        return {"by": by, "lines": [report.as_json(row, by) for row in rows]}

    @api.post(
        "/reception-tests",
        auth=auth,
        response={201: ReceptionTestSent, 200: ReceptionTestSent, **refused},
        tags=["drills"],
        summary="Send a reception test (受信テスト): 届いた, no safety question",
    )
    def send_reception_test(
        request,
        payload: ReceptionTestIn,
        idempotency_key: str | None = Header(
            None,
            alias="Idempotency-Key",
            max_length=KEY_MAX_LENGTH,
            pattern=KEY_PATTERN,
            description=KEY,
        ),
    ):
        """A sender, within their sending scope (403 otherwise); 400 lists every problem
        and nothing is sent."""
        spec, problems = _audience(payload.audience, shape_problems)
        if problems:
            raise ValidationError(problems)

        def make():
            return reception.send_test(spec, title=payload.title, by=request.user, request=request)

        asked = {"reception_test": payload.dict() | {"audience": spec}}
        try:
            alert, made_now = _once(make, request, idempotency_key, "alert", asked)
        except api_actions.KeyReused:
            return _key_reused()
        sent = {"id": alert.pk, "recipients": alert.recipients.count()}
        return Status(201 if made_now else 200, sent)

    @api.get(
        "/reception-tests/{int:test_id}",
        auth=auth,
        response={200: ReceptionTestReport, 404: Error, **failures},
        tags=["drills"],
        summary="Who a reception test reached, and how, as `renraku drill test-report`",
    )
    def reception_test_report(request, test_id: int):
        """For a token whose user may manage the test's alert, as its report page."""
        _may_view(request.user)
        alert = get_object_or_404(Alert, pk=test_id, reception_test__isnull=False)
        alerts.authorise_manage(request.user, alert)
        summary = reception.summary(alert)
        summary["by_channel"] = {c["channel"]: c["count"] for c in summary["by_channel"]}
        return {"id": alert.pk, **summary}
