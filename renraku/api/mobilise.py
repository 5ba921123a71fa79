"""Mobilisation (参集) over the API (`alerts` scope: a mobilisation is an alert): start one
at a deployment level, raise it, and read its status by post or team as `renraku mobilise
status --json` prints it. Authorised as the pages: starting and raising for whoever may
alert the whole office, the status for whoever sees the alerts."""

from typing import Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Header, Schema, Status

from renraku.accounts import permissions
from renraku.mobilise import actions, queries
from renraku.mobilise.models import Mobilisation

from . import actions as api_actions
from .schemas import KEY_MAX_LENGTH, KEY_PATTERN, Error, Problems


class MobilisationIn(Schema):
    level: int = Field(description="The deployment level's number (`renraku mobilise levels`).")
    drill: bool = Field(False, description="A drill: marked as one everywhere.")
    title: str = Field("", description="One line, at most 100 characters; else the level's.")


class RaiseIn(Schema):
    level: int = Field(description="A level above the current one.")


class Called(Schema):
    id: int = Field(description="The mobilisation's id: its alert's id (GET /api/v1/alerts/{id}).")
    level: int = Field(description="The deployment level now.")
    called: int = Field(description="Starting: everyone called. Raising: those newly called only.")


class MobilisationLine(Schema):
    code: str | None = Field(description="The post's (site's) or team's code; null: none.")
    name: str = Field(description="Its name; empty for the line with code null.")
    called: int = Field(description="Called so far, counted at their current post or team.")
    answered: int = Field(description="Gave a 参集 answer or arrived.")
    coming: int = Field(description="Can come and not arrived yet.")
    eta: dict[str, int] = Field(description="`coming` by expected arrival: 30, 60, 180, day.")
    arrived: int = Field(description="Arrivals recorded there (a person's latest).")
    cannot: int = Field(description="Cannot come.")
    required: int | None = Field(description="The minimum staffing at the current level.")
    short_by: int | None = Field(description="max(0, required − arrived); null without one.")


class MobilisationStatus(Schema):
    id: int = Field(description="The mobilisation's id (its alert's).")
    level: int = Field(description="The deployment level now.")
    open: bool = Field(description="False once its alert is closed: nothing more changes.")
    by: Literal["site", "team"] = Field(description="By post (site) or by team (活動班).")
    lines: list[MobilisationLine] = Field(
        description="Furthest short first, as the command line prints."
    )


def _called(m: Mobilisation, called: int | None = None) -> dict:
    count = m.callups.filter(stood_down_at__isnull=True).count() if called is None else called
    return {"id": m.pk, "level": m.level, "called": count}


def register(api, auth, failures) -> None:
    @api.post(
        "/mobilisations",
        auth=auth,
        response={201: Called, 200: Called, 400: Problems, 422: Error, **failures},
        tags=["mobilisation"],
        summary="Call staff to their posts at a deployment level (once per Idempotency-Key)",
    )
    def start_mobilisation(
        request,
        payload: MobilisationIn,
        idempotency_key: str | None = Header(
            None,
            alias="Idempotency-Key",
            max_length=KEY_MAX_LENGTH,
            pattern=KEY_PATTERN,
            description="Optional, as for posts: the same key from the same token within 24 "
            "hours answers 200 with the mobilisation the first request started (as it "
            "stands now) and calls nobody; with a different body, 422.",
        ),
    ):
        """For a token whose user may alert the whole office (403 otherwise), as the start
        page; 400 for an unknown level or a bad title, and nothing is sent."""

        def make():
            return actions.start(
                payload.level,
                drill=payload.drill,
                title=payload.title,
                by=request.user,
                request=request,
            ).alert

        if idempotency_key is None:
            return Status(201, _called(make().mobilisation))
        try:
            alert, made_now = api_actions.make_once(
                make,
                kind="alert",
                token=request.auth,
                key=idempotency_key,
                digest=api_actions.fingerprint({"mobilisation": payload.dict()}),
            )
        except api_actions.KeyReused:
            return Status(422, {"error": "this Idempotency-Key was used for a different request"})
        return Status(201 if made_now else 200, _called(alert.mobilisation))

    @api.post(
        "/mobilisations/{int:mobilisation_id}/raise",
        auth=auth,
        response={200: Called, 400: Problems, 404: Error, **failures},
        tags=["mobilisation"],
        summary="Raise the level: the same alert reaches those newly called",
    )
    def raise_mobilisation(request, mobilisation_id: int, payload: RaiseIn):
        """`called` is how many were newly called (nobody is called twice). 400 for a level
        not above the current one, or a mobilisation that has ended."""
        m = get_object_or_404(Mobilisation.objects.select_related("alert"), pk=mobilisation_id)
        called = actions.raise_level(m, payload.level, by=request.user, request=request)
        return _called(m, called)

    @api.get(
        "/mobilisations/{int:mobilisation_id}/status",
        auth=auth,
        response={200: MobilisationStatus, 400: Problems, 404: Error, **failures},
        tags=["mobilisation"],
        summary="Where it stands by post or team, as `renraku mobilise status --json`",
    )
    def mobilisation_status(request, mobilisation_id: int, by: str = "site"):
        """For a token whose user sees the alerts (senders, administrators), as the status
        page."""
        if not permissions.can_view_alerts(request.user):
            raise PermissionDenied(_("Only senders and administrators see mobilisations."))
        if by not in queries.BY:
            raise ValidationError([_("by: site or team")])
        m = get_object_or_404(Mobilisation.objects.select_related("alert"), pk=mobilisation_id)
        return {
            "id": m.pk,
            "level": m.level,
            "open": m.alert.is_open,
            "by": by,
            "lines": [line.as_json() for line in queries.status(m, by)],
        }
