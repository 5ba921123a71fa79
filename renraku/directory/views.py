import secrets
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from renraku.accounts import permissions
from renraku.http import no_store

from . import actions
from .forms import ImportForm, SearchForm, StaffEditForm
from .importing import UnreadableFile, more_errors_line, plan_import, shown_errors
from .models import Staff
from .queries import callup_sentence, supervisor_of

PAGE_SIZE = 50
IMPORT_UPLOAD_DIR = Path(settings.VAR_DIR) / "imports"


@login_required
def staff_list(request):
    form = SearchForm(request.GET or None)
    staff = Staff.objects.active().select_related("position", "department", "section", "site")
    if form.is_valid():
        staff = staff.search(form.cleaned_data["q"] or "")
        if department := form.cleaned_data["department"]:
            staff = staff.filter(department=department)
        if site := form.cleaned_data["site"]:
            staff = staff.filter(site=site)
    page = Paginator(staff, PAGE_SIZE).get_page(request.GET.get("page"))
    template = "directory/_results.html" if request.htmx else "directory/staff_list.html"
    return render(request, template, {"form": form, "page": page})


@login_required
def staff_detail(request, number):
    staff = get_object_or_404(
        Staff.objects.select_related(
            "position",
            "department__domain",
            "section",
            "site",
            "callup_level",
            "callup_site",
            "callup_team",
        ),
        employee_number=number,
    )
    return render(
        request,
        "directory/staff_detail.html",
        {
            "staff": staff,
            "supervisor": supervisor_of(staff) if staff.is_active else None,
            "titles": staff.titles.all(),
            "callup": callup_sentence(staff),
            "can_view_personal": permissions.can_view_personal_contact(request.user),
            "can_edit": permissions.can_edit_staff(request.user, staff),
        },
    )


@login_required
@require_POST
@no_store
def personal_contact(request, number):
    """Shown on request, not with the page, so that every look is a deliberate, audited act."""
    staff = get_object_or_404(Staff, employee_number=number)
    contact = actions.reveal_personal_contact(
        request.user, staff, request=request, reason=request.POST.get("reason", "")
    )
    return render(request, "directory/_personal_contact.html", {"contact": contact})


@login_required
def staff_edit(request, number):
    staff = get_object_or_404(Staff, employee_number=number)
    if not permissions.can_edit_staff(request.user, staff):
        raise PermissionDenied
    form = StaffEditForm(request.POST or None, instance=staff)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        if changes:
            fresh = Staff.objects.get(pk=staff.pk)
            actions.update_staff(request.user, fresh, changes, request=request)
        messages.success(request, _("Saved."))
        return redirect("directory:staff_detail", number=number)
    return render(request, "directory/staff_edit.html", {"form": form, "staff": staff})


@login_required
def import_upload(request):
    """Step 1: upload and see the difference. The file waits under var/ for step 2."""
    if not permissions.can_import_directory(request.user):
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None)
    context = {"form": form}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data["file"].read()
        encoding = form.cleaned_data["encoding"]
        try:
            plan = plan_import(data, encoding, actor=request.user)
        except UnreadableFile as exc:
            return _refused(request, context, exc.errors)
        if not plan.ok:
            context["plan"] = plan
            return _refused(request, context, plan.errors)
        token = secrets.token_urlsafe(16)
        IMPORT_UPLOAD_DIR.mkdir(parents=True, exist_ok=True)
        (IMPORT_UPLOAD_DIR / f"{token}.csv").write_bytes(data)
        request.session["pending_import"] = {
            "token": token,
            "encoding": encoding,
            "name": form.cleaned_data["file"].name,
        }
        context |= _preview(request, plan)
    return render(request, "directory/import.html", context)


def _refused(request, context, errors, status=400):
    context["errors"], context["more_errors"] = shown_errors(errors)
    context["error_count"] = len(errors)
    if context["more_errors"]:
        context["more_errors_line"] = more_errors_line(context["more_errors"])
    return render(request, "directory/import.html", context, status=status)


def _preview(request, plan) -> dict:
    """What the preview shows, and whether applying needs the number of leavers typed."""
    names = {r.employee_number: f"{r.family_name} {r.given_name}" for r in plan.records}
    warnings = []
    if plan.kept:
        warnings.append(plan.kept_warning(str(request.user.staff)))
    if plan.too_many_leave:
        warnings.append(
            " ".join(
                (
                    plan.mass_leave_warning(),
                    _("To apply it anyway, type the number of people who would leave below."),
                )
            )
        )
    return {
        "plan": plan,
        "pending": True,
        "warnings": warnings,
        "confirm_leavers": plan.too_many_leave,
        "new_directors": [(n, names[n]) for n in plan.new_directors],
    }


@login_required
@require_POST
def import_apply(request):
    """Step 2: apply what was previewed, re-checked against the directory as it is now."""
    if not permissions.can_import_directory(request.user):
        raise PermissionDenied
    pending = request.session.pop("pending_import", None)
    if not pending:
        messages.error(request, _("Nothing to apply: upload the file again."))
        return redirect("directory:import")
    path = IMPORT_UPLOAD_DIR / f"{pending['token']}.csv"
    try:
        data = path.read_bytes()
    except FileNotFoundError:  # swept after an hour (directory.tasks)
        messages.error(request, _("The upload has expired: upload the file again."))
        return redirect("directory:import")
    plan = plan_import(data, pending["encoding"], actor=request.user)
    if not plan.ok:
        path.unlink(missing_ok=True)
        messages.error(request, _("The directory changed since the preview: upload again."))
        return redirect("directory:import")
    if plan.too_many_leave and request.POST.get("leavers", "").strip() != str(len(plan.left)):
        # A typed number, not a checkbox: it makes the administrator read how many leave.
        # The upload stays for another try.
        request.session["pending_import"] = pending
        context = {"form": ImportForm()} | _preview(request, plan)
        return _refused(
            request,
            context,
            [
                _("Type %(count)d, the number of people who would leave, to apply this file.")
                % {"count": len(plan.left)}
            ],
        )
    path.unlink(missing_ok=True)
    counts = actions.apply_import(
        plan,
        actor=request.user,
        request=request,
        source=pending["name"],
        data=data,
        allow_mass_leave=True,  # confirmed just above, when it was needed
    )
    messages.success(
        request, _("Import applied: %(joined)d joined, %(moved)d moved, %(left)d left.") % counts
    )
    if counts["accounts_restored"]:
        messages.info(
            request,
            ngettext(
                "%(count)d account that an earlier import switched off is on again.",
                "%(count)d accounts that an earlier import switched off are on again.",
                counts["accounts_restored"],
            )
            % {"count": counts["accounts_restored"]},
        )
    return redirect("directory:import")
