"""Each role against each page: what Alice, Bob, Carol, Dave and Erin may open."""

import pytest
from django.urls import reverse

from renraku.testing import sign_in

EVERYONE = {"alice", "bob", "carol", "dave", "erin"}

# page → the people allowed (everyone else gets 403). Alice also hosts dialogues here (the
# `world` fixture), so the host pages open for her and for Dave, who administers.
PAGES = {
    "directory": (EVERYONE, lambda p: reverse("directory:staff_list")),
    "staff detail": (
        EVERYONE,
        lambda p: reverse("directory:staff_detail", args=[p.alice.username]),
    ),
    "edit 総務部 staff": (
        {"carol", "dave"},
        lambda p: reverse("directory:staff_edit", args=[p.alice.username]),
    ),
    "edit 危機管理部 staff": (
        {"dave"},
        lambda p: reverse("directory:staff_edit", args=[p.bob.username]),
    ),
    "HR import": ({"dave"}, lambda p: reverse("directory:import")),
    "audit log": ({"erin"}, lambda p: reverse("audit:log")),
    "alerts": ({"bob", "dave"}, lambda p: reverse("broadcast:list")),
    "compose an alert": ({"bob"}, lambda p: reverse("broadcast:compose")),
    "call-ups": ({"bob", "dave"}, lambda p: reverse("mobilise:index")),
    "JMA messages": ({"bob", "dave"}, lambda p: reverse("feeds:list")),
    "home": (EVERYONE, lambda p: reverse("home")),
    "bulletin": (EVERYONE, lambda p: reverse("bulletin:index")),
    "bulletin search": (EVERYONE, lambda p: reverse("bulletin:search")),
    "bulletin settings": (EVERYONE, lambda p: reverse("bulletin:preferences")),
    "my posts": ({"carol", "dave"}, lambda p: reverse("bulletin:mine")),
    "write a post": ({"carol", "dave"}, lambda p: reverse("bulletin:compose")),
    "dialogues": (EVERYONE, lambda p: reverse("dialogues:index")),
    "my bookings": (EVERYONE, lambda p: reverse("dialogues:mine")),
    "concerns": (EVERYONE, lambda p: reverse("dialogues:concerns")),
    "calendar": (EVERYONE, lambda p: reverse("dialogues:calendar")),
    "host's slots": ({"alice", "dave"}, lambda p: reverse("dialogues:host")),
    "add a slot": ({"alice", "dave"}, lambda p: reverse("dialogues:add_slot")),
    "add recurring slots": ({"alice", "dave"}, lambda p: reverse("dialogues:add_recurring")),
    "director visits": ({"alice", "dave"}, lambda p: reverse("dialogues:directors")),
    "reach": ({"alice", "dave"}, lambda p: reverse("dialogues:reach")),
    "reach CSV": ({"alice", "dave"}, lambda p: reverse("dialogues:reach_csv")),
}
PEOPLE = ["alice", "bob", "carol", "dave", "erin"]

# Every other URL name, and where who may use it is tested: pages of one object (an alert,
# a post, a slot), POST-only actions, links whose token is the credential, and the pages
# everyone (or no one signed in) reaches. A new URL fails test_every_url_has_its_row until
# it is given a row here or in PAGES.
ELSEWHERE = {
    # one alert: ALERT_PAGES below, and the headquarters' view and the wall
    **dict.fromkeys(
        ["broadcast:" + n for n in ("dashboard", "report", "export", "correct", "close")],
        "renraku/accounts/tests/test_role_matrix.py",
    ),
    "broadcast:remind_unanswered": "renraku/accounts/tests/test_role_matrix.py",
    **dict.fromkeys(
        [
            "broadcast:situation",
            "broadcast:situation_area",
            "broadcast:situation_csv",
            "broadcast:situation_print",
        ],
        "renraku/broadcast/tests/test_situation_pages.py",
    ),
    **dict.fromkeys(
        [
            "broadcast:displays",
            "broadcast:display_create",
            "broadcast:display_revoke",
            "broadcast:display_send_heads",
            "broadcast:wall",
            "broadcast:wall_live",
        ],
        "renraku/broadcast/tests/test_display_links.py",
    ),
    "broadcast:answer": "renraku/broadcast/tests/test_answers.py",
    **dict.fromkeys(
        ["readiness:office", "readiness:department"], "renraku/readiness/tests/test_pages.py"
    ),
    "notices:receipt": "renraku/notices/tests/test_receipts.py",
    # a mobilisation: its status, level changes, reassigning, a post's QR and arrival page
    **dict.fromkeys(
        [
            "mobilise:" + n
            for n in ("start", "status", "raise", "stand_down", "assign", "arrive", "poster")
        ],
        "renraku/mobilise/tests/test_pages.py",
    ),
    "mobilise:answer": "renraku/mobilise/tests/test_mobilise.py",
    **dict.fromkeys(
        [
            "drills:" + n
            for n in (
                "index",
                "schedule",
                "cancel",
                "trend",
                "drill",
                "reception",
                "reception_report",
                "reception_csv",
            )
        ],
        "renraku/drills/tests/test_pages.py",
    ),
    **dict.fromkeys(
        ["mobilise:post", "mobilise:team", "mobilise:family"],
        "renraku/mobilise/tests/test_status.py",
    ),
    **dict.fromkeys(
        ["mobilise:" + n for n in ("sites", "site_report", "site_photo")],
        "renraku/mobilise/tests/test_facilities.py",
    ),
    "broadcast:incoming_sms": "renraku/channels/tests/test_sms.py",
    "broadcast:voice_call": "renraku/channels/tests/test_voice.py",
    # one post, its attachments and comments
    **dict.fromkeys(
        [
            "bulletin:" + n
            for n in (
                "post",
                "edit",
                "acknowledge",
                "comment",
                "react",
                "feedback",
                "figures",
                "figures_live",
                "remind",
                "export",
                "withdraw",
                "attach",
                "detach",
                "hide_comment",
                "series",
            )
        ],
        "renraku/bulletin/tests/test_pages.py",
    ),
    **dict.fromkeys(
        ["bulletin:attachment_download", "bulletin:attachment_file", "bulletin:video_progress"],
        "renraku/bulletin/tests/test_video.py",
    ),
    # one slot, booking or visit
    **dict.fromkeys(
        ["dialogues:" + n for n in ("slot", "book", "cancel", "withdraw", "slot_ics", "feed")],
        "renraku/dialogues/tests/test_staff_pages.py",
    ),
    **dict.fromkeys(
        [
            "dialogues:" + n
            for n in (
                "manage_slot",
                "move",
                "cancel_slot",
                "notes",
                "add_concern",
                "publish_concern",
                "guests",
                "schedule_visit",
                "mark_visited",
                "propose_time",
            )
        ],
        "renraku/dialogues/tests/test_host_pages.py",
    ),
    "directory:personal_contact": "renraku/accounts/tests/test_role_matrix.py",
    "directory:import_apply": "renraku/directory/tests/test_import_page.py",
    # signing in, and what needs no sign-in
    **dict.fromkeys(
        [
            "accounts:login",
            "accounts:logout",
            "accounts:two_factor_setup",
            "accounts:two_factor_verify",
        ],
        "renraku/accounts/tests/test_sign_in.py",
    ),
    **dict.fromkeys(
        ["accounts:password_reset_confirm", "accounts:password_reset_complete"],
        "renraku/accounts/tests/test_admin_passwords.py",
    ),
    **dict.fromkeys(["manifest", "service_worker", "offline"], "renraku/web/tests/test_pwa.py"),
    "set_language": "renraku/web/tests/test_i18n.py",
    **dict.fromkeys(
        ["healthz", "healthz_ready", "metrics"], "renraku/monitoring/tests/test_endpoints.py"
    ),
    **dict.fromkeys(
        ["channels:subscribe", "channels:unsubscribe"],
        "renraku/channels/tests/test_subscriptions.py",
    ),
    # the HTTP API: each operation's token scope and role
    **dict.fromkeys(
        ["api:api-root", "api:openapi-json", "api:openapi-view", "api:summary", "api:staff"],
        "renraku/api/tests/test_schema_and_directory.py",
    ),
    **dict.fromkeys(
        ["api:send", "api:status", "api:close"], "renraku/api/tests/test_send_alerts.py"
    ),
    **dict.fromkeys(
        ["api:list_posts", "api:read_post", "api:publish_post"],
        "renraku/api/tests/test_posts.py",
    ),
    **dict.fromkeys(
        ["api:start_mobilisation", "api:raise_mobilisation", "api:mobilisation_status"],
        "renraku/api/tests/test_mobilisations.py",
    ),
    "api:readiness": "renraku/api/tests/test_readiness_api.py",
    **dict.fromkeys(
        ["api:" + n for n in ("schedule_drill", "list_drills", "cancel_drill", "drill_report")]
        + ["api:send_reception_test", "api:reception_test_report"],
        "renraku/api/tests/test_drills_api.py",
    ),
}
PAGE_NAMES = {
    "directory:staff_list", "directory:staff_detail", "directory:staff_edit", "directory:import",
    "audit:log", "broadcast:list", "broadcast:compose", "feeds:list", "home", "bulletin:index",
    "bulletin:search", "bulletin:preferences", "bulletin:mine", "bulletin:compose",
    "dialogues:index", "dialogues:mine", "dialogues:concerns", "dialogues:calendar",
    "dialogues:host", "dialogues:add_slot", "dialogues:add_recurring", "dialogues:directors",
    "dialogues:reach", "dialogues:reach_csv", "mobilise:index",
}  # fmt: skip


def url_names(patterns=None, namespace=None) -> set[str]:
    """Every named URL of every app, as `namespace:name` (the Django admin's own left out)."""
    from django.urls import URLResolver, get_resolver

    names = set()
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            names |= url_names(pattern.url_patterns, pattern.namespace or namespace)
        elif pattern.name:
            names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)
    return names


def test_every_url_has_its_row():
    from pathlib import Path

    rows = PAGE_NAMES | set(ELSEWHERE)
    assert not PAGE_NAMES & set(ELSEWHERE)
    assert sorted(url_names() - rows) == [], "add these to PAGES or ELSEWHERE"
    assert sorted(rows - url_names()) == [], "these URL names are gone"
    assert {reverse_name(url) for _allowed, url in PAGES.values()} <= PAGE_NAMES
    root = Path(__file__).resolve().parents[3]
    assert [f for f in set(ELSEWHERE.values()) if not (root / f).exists()] == []


def reverse_name(build) -> str:
    from types import SimpleNamespace

    from django.urls import resolve

    people = SimpleNamespace(**{p: SimpleNamespace(username="1") for p in PEOPLE})
    match = resolve(build(people))
    return match.view_name


@pytest.fixture
def world(people):
    """Alice hosts dialogues (the host pages are hers, and every host's are Dave's)."""
    from renraku.dialogues.models import Host

    return Host.objects.create(staff=people.alice.staff)


@pytest.mark.parametrize("person", PEOPLE)
@pytest.mark.parametrize("page", PAGES)
def test_role_matrix(client, people, world, person, page):
    allowed, url = PAGES[page]
    sign_in(client, getattr(people, person))
    response = client.get(url(people))
    assert response.status_code == (200 if person in allowed else 403)


@pytest.mark.parametrize("person", PEOPLE)
def test_only_administrators_reach_the_django_admin(client, people, person):
    sign_in(client, getattr(people, person))
    response = client.get("/admin/directory/staff/")
    if person == "dave":
        assert response.status_code == 200
    else:
        assert response.status_code == 302 and "/admin/login/" in response.url


@pytest.mark.parametrize("person", PEOPLE)
def test_only_administrators_may_reveal_personal_contacts(client, people, person):
    sign_in(client, getattr(people, person))
    url = reverse("directory:personal_contact", args=[people.alice.username])
    assert client.post(url).status_code == (200 if person == "dave" else 403)


def test_administrator_without_a_verified_code_cannot_use_the_admin(client, people):
    sign_in(client, people.dave, verified=False)
    response = client.get("/admin/directory/staff/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:two_factor_verify"))


def test_the_audit_log_is_not_in_the_django_admin(client, people):
    sign_in(client, people.dave)
    assert client.get("/admin/audit/auditentry/").status_code == 404


def test_admin_changes_are_audited(client, people, org):
    sign_in(client, people.dave)
    response = client.post(
        f"/admin/directory/site/{org.sancha.pk}/change/",
        {
            "code": "S002",
            "name": "三軒茶屋まちづくりセンター（仮庁舎）",
            "kind": "community_center",
            "address": "",
        },
    )
    assert response.status_code == 302
    from renraku.audit.models import AuditEntry

    entry = AuditEntry.objects.get(action="admin.changed")
    assert entry.target == f"directory.site:{org.sancha.pk}"
    assert entry.actor == people.dave.username


def test_administrators_maintain_groups_and_templates_but_not_alerts(client, people):
    sign_in(client, people.dave)
    assert client.get("/admin/broadcast/group/").status_code == 200
    assert client.get("/admin/broadcast/template/add/").status_code == 200
    assert client.get("/admin/broadcast/alert/").status_code == 404
    sign_in(client, people.bob)  # a sender uses them, but does not edit them
    assert client.get("/admin/broadcast/template/").status_code == 302


# --- Per alert: who may view, remind, correct, close and export which alert -------------

ALERT_PAGES = {
    "dashboard": ("get", "broadcast:dashboard"),
    "report": ("get", "broadcast:report"),
    "export": ("get", "broadcast:export"),
    "correction form": ("get", "broadcast:correct"),
    "close (confirm)": ("get", "broadcast:close"),
    "remind": ("post", "broadcast:remind_unanswered"),
    "close": ("post", "broadcast:close"),
}


@pytest.fixture
def sam(people, org):
    """Sam sends for 総務部 only."""
    from renraku.accounts.models import Role
    from renraku.testing import make_staff, make_user

    staff = make_staff(
        org, family="佐藤", given="三郎", family_kana="サトウ", given_kana="サブロウ"
    )
    user = make_user(staff, Role.SENDER)
    user.scope_departments.add(org.som)
    return user


@pytest.fixture
def alerts(people, sam, django_capture_on_commit_callbacks):
    """The office-wide earthquake alert (sent by the JMA rules), and a 総務部 notice that
    Bob sent."""
    from renraku.broadcast.actions import Draft, send_alert

    def draft(title, audience):
        return Draft(title=title, body="b", audience=audience, channels=["email"])

    with django_capture_on_commit_callbacks(execute=False):
        return {
            "office-wide": send_alert(draft("震度6弱", {"all": True}), source="jma"),
            "総務部": send_alert(
                draft("総務部の連絡", {"departments": ["SOM"]}), sender=people.bob
            ),
        }


# alert → the people who may manage it; everyone else gets 403 on every page of it.
MAY_MANAGE = {
    "office-wide": {"bob", "dave"},  # Bob sends to the whole office; Dave administers
    "総務部": {"bob", "dave", "sam"},  # within Sam's scope
}


@pytest.mark.parametrize("person", [*PEOPLE, "sam"])
@pytest.mark.parametrize("which", MAY_MANAGE)
@pytest.mark.parametrize("action", ALERT_PAGES)
def test_per_alert_matrix(client, people, sam, alerts, person, which, action, smtp):
    from renraku.broadcast.models import Alert

    user = sam if person == "sam" else getattr(people, person)
    alert = alerts[which]
    sign_in(client, user)
    method, name = ALERT_PAGES[action]
    response = getattr(client, method)(reverse(name, args=[alert.pk]))
    allowed = person in MAY_MANAGE[which]
    assert response.status_code in ((200, 302) if allowed else (403,))
    if action == "close":
        assert Alert.objects.get(pk=alert.pk).is_open is not allowed
    if action == "remind":
        assert Alert.objects.filter(parent=alert).exists() is allowed


def test_a_scoped_sender_lists_only_the_alerts_within_scope(client, sam, alerts):
    sign_in(client, sam)
    listed = {a.title for a in client.get(reverse("broadcast:list")).context["alerts"]}
    assert listed == {"総務部の連絡"}


def test_the_buttons_shown_are_the_ones_that_work(client, people, alerts, smtp):
    """An administrator sees 未回答者に再送する and it reminds (it used to answer 403)."""
    alert = alerts["office-wide"]
    sign_in(client, people.dave)
    page = client.get(reverse("broadcast:dashboard", args=[alert.pk])).text
    for name in (
        "broadcast:remind_unanswered",
        "broadcast:close",
        "broadcast:export",
        "broadcast:correct",
    ):
        assert reverse(name, args=[alert.pk]) in page
    assert client.post(reverse("broadcast:remind_unanswered", args=[alert.pk])).status_code == 302


def test_a_closed_alert_still_offers_its_csv_but_not_the_actions(client, people, alerts):
    from renraku.broadcast.actions import close_alert

    alert = close_alert(alerts["office-wide"])
    sign_in(client, people.dave)
    page = client.get(reverse("broadcast:dashboard", args=[alert.pk])).text
    assert reverse("broadcast:export", args=[alert.pk]) in page
    assert reverse("broadcast:remind_unanswered", args=[alert.pk]) not in page
    assert reverse("broadcast:close", args=[alert.pk]) not in page


def test_administrators_reach_the_feed_rules(client, people):
    sign_in(client, people.dave)
    assert client.get("/admin/feeds/rule/").status_code == 200
    assert client.get("/admin/feeds/rule/add/").status_code == 200


def test_a_thread_is_decided_on_its_first_alert(client, people, sam, smtp):
    """A supervisor's list of an alert outside Sam's scope goes to someone in his scope:
    it is still not his to open, correct or close (it lists another department's people)."""
    from renraku.broadcast.actions import Draft, send_alert
    from renraku.broadcast.models import AlertKind

    school = send_alert(
        Draft(title="学校の安否", body="b", audience={"departments": ["GAK"]}, channels=["email"]),
        sender=people.bob,
    )
    listing = send_alert(
        Draft(
            title="未回答者",
            body="学校 秘密 03-9999-0000",
            audience={"staff": [people.alice.username]},
            channels=["email"],
            reply_form="none",
        ),
        kind=AlertKind.SUPERVISOR_LIST,
        parent=school,
    )
    sign_in(client, sam)
    for name in ("broadcast:dashboard", "broadcast:correct", "broadcast:export"):
        assert client.get(reverse(name, args=[listing.pk])).status_code == 403
    assert client.post(reverse("broadcast:close", args=[listing.pk])).status_code == 403
