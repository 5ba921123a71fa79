"""A small read-only JSON API for integrations (Bearer token, see accounts.ApiToken)."""

from django.http import JsonResponse
from django.views.decorators.http import require_GET

from renraku.accounts.permissions import can_view_directory

from .models import Staff
from .queries import org_summary

_LIMIT = 100


def _refuse(request):
    if not can_view_directory(request.user):
        return JsonResponse({"error": "authentication required"}, status=401)
    return None


@require_GET
def summary(request):
    return _refuse(request) or JsonResponse(
        org_summary(), json_dumps_params={"ensure_ascii": False}
    )


@require_GET
def staff(request):
    """Active staff matching ?q= (name in kanji or kana, or employee number): work contacts only."""
    if refused := _refuse(request):
        return refused
    found = (
        Staff.objects.active()
        .search(request.GET.get("q", ""))
        .select_related("position", "department", "section", "site")[:_LIMIT]
    )
    return JsonResponse(
        {
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
        },
        json_dumps_params={"ensure_ascii": False},
    )
