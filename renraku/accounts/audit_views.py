"""The audit log's page, for auditors: here, above the log, because who may read it is
a role (permissions.can_read_audit) and the log itself imports nothing of accounts."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render

from renraku.audit.actions import record, verify_chain
from renraku.audit.models import AuditEntry

from .permissions import can_read_audit


@login_required
def audit_log(request):
    if not can_read_audit(request.user):
        raise PermissionDenied
    entries = AuditEntry.objects.all()
    if action := request.GET.get("action", "").strip():
        entries = entries.filter(action__startswith=action)
    if target := request.GET.get("target", "").strip():
        entries = entries.filter(target__contains=target)
    page = Paginator(entries, 100).get_page(request.GET.get("page"))
    report = verify_chain() if request.GET.get("verify") else None
    record("audit.read", request=request, detail={"action": action, "target": target})
    return render(
        request,
        "audit/log.html",
        {"page": page, "report": report, "action": action, "target": target},
    )
