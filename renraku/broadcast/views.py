import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from renraku.accounts import permissions
from renraku.channels import registry

from . import actions, audience, links, queries
from .forms import ComposeForm
from .messages import length_warnings
from .models import Alert, AnswerValue, Attendance, Recipient, Template


@csrf_exempt  # the signed token in the URL is the credential; there is no session to ride
def answer(request, token):
    """The one-tap page: no sign-in, one big button per answer."""
    try:
        recipient_id = links.recipient_id_from(token)
    except signing.SignatureExpired:
        return render(request, "broadcast/answer_gone.html", {"expired": True}, status=410)
    except signing.BadSignature:
        return render(request, "broadcast/answer_gone.html", status=404)
    recipient = get_object_or_404(Recipient.objects.select_related("alert"), pk=recipient_id)
    error = None
    if request.method != "POST":
        actions.mark_read(recipient)  # an answer marks it read too, in the same transaction
    else:
        try:
            actions.record_answer(
                recipient,
                request.POST.get("value", ""),
                via=request.POST.get("via", "link"),
                attendance=request.POST.get("attendance", ""),
                location=request.POST.get("location", ""),
                comment=request.POST.get("comment", ""),
            )
        except ValidationError as exc:
            error = exc.messages[0]
    return render(
        request,
        "broadcast/answer.html",
        {
            "recipient": recipient,
            "alert": recipient.alert,
            "token": token,
            "error": error,
            "choices": _answer_choices(recipient.alert),
            "attendance_choices": Attendance.choices,
        },
        status=400 if error else 200,
    )


def _answer_choices(alert):
    return [
        (v, AnswerValue(v).label)
        for v in AnswerValue.values
        if v in actions.VALUES_FOR[alert.reply_form]
    ]


@login_required
def alert_list(request):
    if not permissions.can_follow_alerts(request.user):
        raise PermissionDenied
    return render(
        request,
        "broadcast/alert_list.html",
        {"alerts": Alert.objects.select_related("sender")[:50]},
    )


@login_required
def compose(request):
    if not permissions.can_compose(request.user):
        raise PermissionDenied
    template = Template.objects.filter(pk=request.GET.get("template") or None).first()
    form = ComposeForm(request.POST or None, initial=_initial_from(template))
    context = {"form": form, "templates": Template.objects.all(), "template": template}
    if request.method == "POST" and form.is_valid():
        draft = actions.Draft(
            title=form.cleaned_data["title"],
            body=form.cleaned_data["body"],
            audience=form.audience(),
            channels=form.cleaned_data["channels"],
            reply_form=form.cleaned_data["reply_form"],
            category=form.cleaned_data["category"],
            severity=form.cleaned_data["severity"],
            is_drill=form.cleaned_data["is_drill"],
        )
        try:
            actions.check_draft(draft)
            actions.authorise_send(request.user, draft.audience)
        except ValidationError as exc:
            context["errors"] = exc.messages
            return render(request, "broadcast/compose.html", context, status=400)
        except PermissionDenied as exc:
            context["errors"] = [str(exc)]
            return render(request, "broadcast/compose.html", context, status=403)
        if request.POST.get("confirm") == "send":
            alert = actions.send_alert(draft, sender=request.user, request=request)
            messages.success(request, _("Sent. Answers appear below as they arrive."))
            return redirect("broadcast:dashboard", pk=alert.pk)
        context["preview"] = _preview(draft)
    return render(request, "broadcast/compose.html", context)


def _initial_from(template) -> dict:
    if template is None:
        return {}
    spec = template.audience
    return {
        "title": template.title,
        "body": template.body,
        "category": template.category,
        "severity": template.severity,
        "reply_form": template.reply_form,
        "channels": template.channels,
        "everyone": bool(spec.get("all")),
        "groups": spec.get("groups", []),
        "departments": spec.get("departments", []),
        "is_drill": template.category == "drill",
    }


def _preview(draft) -> dict:
    """How many people the draft reaches, and how many each channel covers."""
    people = audience.resolve(draft.audience).values("pk")
    ids = set(people.values_list("pk", flat=True))
    coverage, unplaced = [], set(ids)
    for kind in draft.channels:
        reached = set(registry.get(kind).reachable(people))
        first = reached & unplaced
        unplaced -= reached
        coverage.append({"channel": kind, "covers": len(reached), "first": len(first)})
    return {
        "draft": draft,
        "people": len(ids),
        "coverage": coverage,
        "unreachable": len(unplaced),
        "audience": audience.describe(draft.audience),
        "warnings": length_warnings(draft.title, draft.body, draft.channels),
    }


@login_required
def dashboard(request, pk):
    if not permissions.can_follow_alerts(request.user):
        raise PermissionDenied
    alert = get_object_or_404(Alert.objects.select_related("sender", "parent"), pk=pk)
    context = {"alert": alert, "children": alert.children.all(), **queries.dashboard(alert)}
    template = "broadcast/_live.html" if request.htmx else "broadcast/dashboard.html"
    return render(request, template, context)


@login_required
@require_POST
def close(request, pk):
    if not permissions.can_follow_alerts(request.user):
        raise PermissionDenied
    actions.close_alert(get_object_or_404(Alert, pk=pk), closed_by=request.user, request=request)
    return redirect("broadcast:dashboard", pk=pk)


@login_required
@require_POST
def follow_up(request, pk):
    if not permissions.can_follow_alerts(request.user):
        raise PermissionDenied
    parent = get_object_or_404(Alert, pk=pk)
    child = actions.send_follow_up(parent, sender=request.user, request=request)
    messages.success(request, _("Reminder sent to %(n)d people.") % {"n": child.recipients.count()})
    return redirect("broadcast:dashboard", pk=pk)


@login_required
def report(request, pk):
    """The printable summary at the end of an alert or a drill."""
    if not permissions.can_follow_alerts(request.user):
        raise PermissionDenied
    alert = get_object_or_404(Alert.objects.select_related("sender"), pk=pk)
    return render(
        request, "broadcast/report.html", {"alert": alert, "report": queries.report(alert)}
    )


@login_required
def export(request, pk):
    """Every recipient and their answer, for the record and for the report after a drill."""
    if not permissions.can_follow_alerts(request.user):
        raise PermissionDenied
    alert = get_object_or_404(Alert, pk=pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="alert-{alert.pk}.csv"'
    response.write("\ufeff")  # so that Excel reads it as UTF-8
    writer = csv.writer(response)
    writer.writerow(["職員番号", "氏名", "部局", "勤務地", "既読", "回答", "回答日時"])
    rows = (
        Recipient.objects.filter(alert=alert)
        .select_related("staff", "department", "site")
        .order_by("department__order", "pk")
    )
    for r in rows.iterator(chunk_size=2000):
        writer.writerow(
            [
                r.staff.employee_number,
                r.staff.full_name,
                r.department.name,
                r.site.name,
                r.read_at.isoformat() if r.read_at else "",
                r.answer,
                r.answered_at.isoformat() if r.answered_at else "",
            ]
        )
    return response
