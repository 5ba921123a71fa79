import json

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from renraku.broadcast.links import token_for
from renraku.broadcast.queries import open_alerts_for
from renraku.bulletin.listing import to_confirm_for, unread_for
from renraku.channels import sms, vapid
from renraku.dialogues import queries as dialogues
from renraku.directory.forms import SearchForm


@login_required
def home(request):
    """The app's first screen: any alert waiting for this person's answer, then the rest."""
    staff = request.user.staff
    waiting = open_alerts_for(staff) if staff else []
    # 「ザツダン」: the next few lunch and evening chats with a seat left, and my next one.
    dialogue_slots = dialogues.next_with_seats()
    for slot in dialogue_slots:
        slot.seats_left = slot.seats - slot.taken
    return render(
        request,
        "web/home.html",
        {
            "form": SearchForm(),
            "waiting": [(r, token_for(r.pk)) for r in waiting],
            # 「確認をお願いします」: posts asking this person to confirm, not yet confirmed;
            # 「新着のお知らせ」: the other current posts sent to them, not yet opened.
            "to_confirm": to_confirm_for(request.user),
            "news": unread_for(request.user),
            "dialogue_slots": dialogue_slots,
            "my_next_booking": dialogues.next_booking(staff) if staff else None,
            "vapid_key": vapid.application_server_key() if staff else "",
            # The push section says which other channels reach this person (no promise of
            # SMS where none is set up) and whether this device's subscription is theirs.
            "sms_configured": sms.configured(),
            "push_endpoints_json": json.dumps(
                list(staff.push_subscriptions.active().values_list("endpoint", flat=True))
                if staff
                else []
            ),
        },
    )


@require_GET
@cache_control(max_age=3600)
def manifest(request):
    return render(request, "web/manifest.webmanifest", content_type="application/manifest+json")


@require_GET
@cache_control(no_cache=True)
def service_worker(request):
    # Served from the root so its scope is the whole app (a worker under /static/ could
    # only control /static/). no-cache: browsers must pick up a new version at once.
    response = render(request, "web/sw.js", content_type="text/javascript")
    response["Service-Worker-Allowed"] = "/"
    return response


def offline(request):
    return render(request, "web/offline.html")


@require_GET
def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"ok": True})
