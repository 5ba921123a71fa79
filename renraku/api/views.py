"""The HTTP API for the ward's other systems, at /api/v1/ (schema: openapi.json, docs: docs).

A request carries `Authorization: Bearer rk_…` (accounts.ApiToken, checked by
ApiTokenMiddleware) and acts as the token's user, within that user's role and department
scope, for the token's scopes only. Thin, like every view: parse, authorise, call an action.
"""

import functools

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404
from ninja import Header, NinjaAPI, Status
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as RequestInvalid
from ninja.renderers import JSONRenderer
from ninja.security import HttpBearer, django_auth

from renraku.accounts.models import ApiScope
from renraku.broadcast import actions as broadcast
from renraku.broadcast import escalation, queries
from renraku.broadcast.models import Alert
from renraku.directory import audience
from renraku.directory.models import Staff
from renraku.directory.queries import org_summary
from renraku.parsing import ascii_int

from . import actions, drills, mobilise, posts, readiness
from .schemas import (
    KEY_MAX_LENGTH,
    KEY_PATTERN,
    AlertCreated,
    AlertIn,
    AlertStatus,
    Error,
    OrgSummary,
    Problems,
    ScopeError,
    StaffList,
)


class MissingScope(Exception):
    def __init__(self, scope):
        self.scope = scope


class Token(HttpBearer):
    """A token ApiTokenMiddleware has accepted (it answers 401 for an unknown, expired or
    revoked one, or one whose user has left), holding `scope`."""

    def __init__(self, scope: str):
        self.scope = scope
        super().__init__()

    def __call__(self, request):
        token = getattr(request, "api_token", None)
        if token is None:
            return None
        if not token.allows(self.scope):
            raise MissingScope(self.scope)
        return token

    def authenticate(self, request, token):  # the middleware has done it
        return None


def metered(run):
    """Around every operation: a token's requests are counted against its limit, and each
    is audited with its outcome. Past the limit only the first refusal is audited, so a
    runaway script cannot flood the audit log."""

    @functools.wraps(run)
    def wrapper(request, *args, **kwargs):
        token = getattr(request, "api_token", None)
        if token is None:
            return run(request, *args, **kwargs)
        count, retry_after = actions.count_request(token)
        if actions.over_limit(count):
            response = _json({"error": "rate limit exceeded"}, 429)
            response["Retry-After"] = str(retry_after)
            if actions.over_limit(count - 1):
                return response
        else:
            response = run(request, *args, **kwargs)
        actions.record_use(request, token, response.status_code)
        return response

    return wrapper


class Renderer(JSONRenderer):
    json_dumps_params = {"ensure_ascii": False}  # names as written, as the API always gave


api = NinjaAPI(
    title="renraku API",
    version="1",
    description=(
        "Send and follow alerts, list and publish bulletin posts, and read the directory "
        "from the ward's other systems. "
        "Authenticate with `Authorization: Bearer rk_…` (`renraku token create … --scope "
        "alerts`). A token acts as its user: a sender's token sends within the sender's "
        "scope; each endpoint also needs its scope on the token (403 otherwise). "
        "Rate limited per token (429 with Retry-After); every use is audited."
    ),
    urls_namespace="api",
    renderer=Renderer(),
    # The docs page is ninja's Swagger UI from its own static files (ninja is an installed
    # app): no CDN, and no inline script, so it runs under the site's strict CSP as is.
)
api.add_decorator(metered, mode="view")


def _json(data, status):
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


@api.exception_handler(MissingScope)
def _missing_scope(request, exc):
    return _json({"error": f"this token lacks the {exc.scope} scope", "scope": exc.scope}, 403)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return _json({"error": "authentication required"}, 401)


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return _json({"error": str(exc) or "forbidden"}, 403)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return _json({"error": "not found"}, 404)


@api.exception_handler(ValidationError)
def _invalid(request, exc):
    return _json({"errors": exc.messages}, 400)


@api.exception_handler(RequestInvalid)
def _malformed(request, exc):
    """A body that is not the schema (a missing field, a number for a title): 400 with
    one line per problem, like the problems check_draft finds."""
    problems = []
    for error in exc.errors:
        where = ".".join(str(part) for part in error.get("loc", ())[1:] if part != "payload")
        problems.append(f"{where}: {error.get('msg', 'invalid')}" if where else error["msg"])
    return _json({"errors": problems}, 400)


DIRECTORY = [Token(ApiScope.DIRECTORY), django_auth]
ALERTS = [Token(ApiScope.ALERTS)]
FAILURES = {401: Error, 403: ScopeError | Error, 429: Error}


# --- Directory (as it was before the API had scopes: a signed-in session reads it too) ---

_STAFF_LIMIT = 100


@api.get(
    "/org/summary",
    auth=DIRECTORY,
    response={200: OrgSummary, **FAILURES},
    tags=["directory"],
    summary="Counts of the organisation",
)
def summary(request):
    return org_summary()


@api.get(
    "/staff",
    auth=DIRECTORY,
    response={200: StaffList, **FAILURES},
    tags=["directory"],
    summary="Find staff: work contacts only",
)
def staff(request, q: str = ""):
    """Active staff whose name (in kanji or kana) or employee number matches `q`."""
    found = (
        Staff.objects.active()
        .search(q)
        .select_related("position", "department", "section", "site")[:_STAFF_LIMIT]
    )
    return {
        "results": [
            {
                "employee_number": s.employee_number,
                "name": s.full_name,
                "kana": s.full_name_kana,
                "position": s.position.name,
                "department": s.department.name,
                "section": s.section.name if s.section else None,
                "site": s.site.name,
                "work_email": s.work_email,
                "work_phone": s.work_phone,
            }
            for s in found
        ]
    }


# --- Alerts ----------------------------------------------------------------------------


@api.post(
    "/alerts",
    auth=ALERTS,
    response={201: AlertCreated, 200: AlertCreated, 400: Problems, 422: Error, **FAILURES},
    tags=["alerts"],
    summary="Send an alert (once per Idempotency-Key)",
)
def send(
    request,
    payload: AlertIn,
    idempotency_key: str = Header(
        alias="Idempotency-Key",
        max_length=KEY_MAX_LENGTH,
        pattern=KEY_PATTERN,
        description="Any unique text (printable ASCII, at most 100 characters), e.g. a "
        "UUID. The same key from the same token within 24 hours answers 200 with the "
        "alert the first request sent (201) and sends nothing; with a different body, 422. "
        "Older keys may be used again.",
    ),
):
    """Checked, scoped and audited as the compose page: 400 lists every problem, 403 when
    the audience is outside the token user's sending scope; nothing is sent then."""
    draft = _draft(payload)
    try:
        alert, sent_now = actions.send_once(
            draft, token=request.auth, key=idempotency_key, request=request
        )
    except actions.KeyReused:
        return Status(422, {"error": "this Idempotency-Key was used for a different request"})
    created = {"id": alert.pk, "title": alert.title, "recipients": alert.recipients.count()}
    return Status(201 if sent_now else 200, created)


def _draft(payload: AlertIn) -> broadcast.Draft:
    """The payload as a Draft, the command line's shorthands read as the command line
    reads them; what is still wrong is for check_draft to list."""
    spec = payload.audience
    if spec == "all":
        spec = {"all": True}
    elif isinstance(spec, str):
        spec = audience.parse_cli(spec)
    problems = _audience_shape(spec)
    if problems:
        raise ValidationError(problems)
    channels = payload.channels
    if isinstance(channels, str):
        channels = [c.strip() for c in channels.split(",") if c.strip()]
    steps = payload.escalate
    if isinstance(steps, str):
        steps = escalation.parse_cli(steps)
    elif steps is not None:
        steps = [s.model_dump(exclude_none=True) for s in steps]
    return broadcast.Draft(
        title=payload.title,
        body=payload.body,
        audience=spec,
        channels=channels,
        reply_form=payload.reply,
        category=payload.category,
        severity=payload.severity,
        is_drill=payload.drill,
        escalation=steps or None,
    )


def _audience_shape(spec: dict) -> list[str]:
    """audience.validate takes lists of codes: a bare string would be read letter by
    letter, and a rank that is not a number would fail past the point of listing it."""
    problems = []
    for key, value in spec.items():
        if key == "all":
            continue
        if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
            problems.append(f"audience.{key}: a list of codes")
        elif key == "ranks" and any(ascii_int(v) is None for v in value):
            problems.append("audience.ranks: numbers")
    return problems


def _manageable(request, pk: int) -> Alert:
    alert = get_object_or_404(Alert, pk=pk)
    broadcast.authorise_manage(request.user, alert)
    return alert


def _status(alert: Alert) -> dict:
    return {"id": alert.pk, "title": alert.title, "open": alert.is_open, **queries.status(alert)}


@api.get(
    "/alerts/{int:alert_id}",
    auth=ALERTS,
    response={200: AlertStatus, 404: Error, **FAILURES},
    tags=["alerts"],
    summary="An alert's counts, as `renraku alert status --json`",
)
def status(request, alert_id: int):
    """Only for a token whose user may manage the alert (its sender, a sender whose scope
    holds all its recipients, an administrator): 403 otherwise."""
    return _status(_manageable(request, alert_id))


@api.post(
    "/alerts/{int:alert_id}/close",
    auth=ALERTS,
    response={200: AlertStatus, 404: Error, **FAILURES},
    tags=["alerts"],
    summary="Close an alert: nothing more is sent, no more answers are taken",
)
def close(request, alert_id: int):
    """Closing a closed alert changes nothing and answers the same."""
    alert = _manageable(request, alert_id)
    broadcast.close_alert(alert, closed_by=request.user, request=request)
    return _status(alert)


# --- Bulletin ----------------------------------------------------------------------------

posts.register(api, [Token(ApiScope.BULLETIN)], FAILURES)

# --- Mobilisation (参集): an alert, so the alerts scope ----------------------------------

mobilise.register(api, ALERTS, FAILURES)

# --- Readiness (who can be reached: counts of the directory) and drills (alerts) ----------

readiness.register(api, [Token(ApiScope.DIRECTORY)], FAILURES)
drills.register(api, ALERTS, FAILURES, _audience_shape)
