"""Facility reports (施設報告) through the doors people use: the phone page (the site's lead,
someone who arrived there, the headquarters; a stranger refused with the reason), the
headquarters' page of every site (the unreported first), the photo, and `renraku site`."""

import json
import struct
import zlib
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from renraku.accounts.models import Role
from renraku.audit.models import AuditEntry
from renraku.broadcast import actions as alerts
from renraku.broadcast import links
from renraku.directory.models import Site
from renraku.mobilise import actions, facilities
from renraku.mobilise.models import SiteReport
from renraku.mobilise.queries import callup_of
from renraku.notices.models import Recipient
from renraku.testing import make_staff, make_user, sign_in


def tiny_png() -> bytes:
    """A real 1×1 PNG."""

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def photo(data=None, name="site.png", content_type="image/png"):
    return SimpleUploadedFile(name, tiny_png() if data is None else data, content_type)


@pytest.fixture
def started(ward, people):
    """Level 3 from the command line's side: Alice (post: the school), Bob, Carol (post:
    the head office) and Fumi are called."""
    return actions.start(3, drill=True)


@pytest.fixture
def lead(ward):
    """Hana leads the school (named in the directory) and is not called at level 3."""
    hana = make_staff(ward, family="林", given="花子", site=ward.school)
    Site.objects.filter(pk=ward.school.pk).update(lead=hana)
    ward.school.refresh_from_db()
    return make_user(hana)


def page_url(m, code="S003"):
    return reverse("mobilise:site_report", args=[m.pk, code])


FORM = {
    "status": "partly",
    "power": "no",
    "water": "yes",
    "injured": "2",
    "note": "体育館の天井が一部落下。校舎は使える。",
}


def test_the_site_lead_reports_the_building_from_the_phone_page(client, started, lead):
    sign_in(client, lead)
    page = client.get(page_url(started))
    assert page.status_code == 200
    assert "区立池尻小学校" in page.text and "一部使用可" in page.text
    response = client.post(page_url(started), {**FORM, "photo": photo()})
    assert response.status_code == 200 and 'data-testid="reported"' in response.text
    report = SiteReport.objects.get()
    assert (report.site.code, report.status, report.power, report.water, report.injured) == (
        "S003",
        "partly",
        False,
        True,
        2,
    )
    assert report.note == FORM["note"] and report.reported_by == lead and report.via == "web"
    assert report.photo.name.endswith(".png")
    # Audited: who reported what state of which site; the note (it may name the injured)
    # stays out of the log.
    entry = AuditEntry.objects.get(action="mobilise.site_reported")
    assert entry.detail == {"site": "S003", "status": "partly", "report": report.pk}
    assert entry.actor_user_id == lead.pk
    # The site's history on its page, the newest first.
    assert "体育館の天井が一部落下" in client.get(page_url(started)).text


def test_someone_who_has_arrived_there_may_report_and_no_one_before(client, started, people):
    sign_in(client, people.alice)
    refused = client.post(page_url(started), FORM)
    assert refused.status_code == 403
    assert "施設責任者、この参集でこの施設に到着した人、災害対策本部だけ" in refused.text
    assert not SiteReport.objects.exists()
    actions.arrive(callup_of(started.pk, people.alice.staff.pk), via="qr")
    assert client.post(page_url(started), FORM).status_code == 200
    assert SiteReport.objects.get().reported_by == people.alice


@pytest.mark.parametrize("who", ["bob", "dave"])
def test_the_headquarters_reports_any_site(client, started, people, who):
    sign_in(client, getattr(people, who))
    response = client.post(page_url(started, "S002"), {"status": "unusable"})
    assert response.status_code == 200
    report = SiteReport.objects.get()
    assert report.site.code == "S002" and report.power is None and report.injured is None


def test_a_stranger_is_refused_with_the_reason_and_signed_out_people_sign_in(
    client, started, people, lead
):
    # Carol is called (post: the head office) but has not arrived at the school, leads
    # nothing and may not manage the call-up; Erin is the auditor.
    for stranger in (people.carol, people.erin):
        sign_in(client, stranger)
        for response in (client.get(page_url(started)), client.post(page_url(started), FORM)):
            assert response.status_code == 403
            assert "区立池尻小学校の状況を報告できるのは" in response.text
    assert not SiteReport.objects.exists()
    client.logout()
    response = client.get(page_url(started))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_a_photo_that_is_not_an_image_is_refused_and_the_input_kept(client, started, lead):
    sign_in(client, lead)
    fake = photo(b"<html><script>alert(1)</script></html>", name="damage.jpg")
    response = client.post(page_url(started), {**FORM, "photo": fake})
    assert response.status_code == 400
    assert "写真はJPEGまたはPNGの画像を選んでください。" in response.text
    assert "写真はもう一度選んでください" in response.text
    # What was typed and chosen is still there.
    assert FORM["note"] in response.text
    assert 'value="partly" required checked' in response.text
    assert 'name="power" value="no" checked' in response.text
    assert 'value="2"' in response.text
    assert not SiteReport.objects.exists()
    assert not AuditEntry.objects.filter(action="mobilise.site_reported").exists()


def test_a_photo_over_10_mb_is_refused(client, started, lead):
    sign_in(client, lead)
    big = photo(tiny_png() + b"\x00" * (10 * 1024 * 1024))
    response = client.post(page_url(started), {**FORM, "photo": big})
    assert response.status_code == 400 and "10 MB" in response.text
    assert not SiteReport.objects.exists()


@pytest.mark.parametrize(
    "change, says",
    [
        ({"status": ""}, "使用可・一部使用可・使用不可のどれか"),
        ({"status": "fine"}, "使用可・一部使用可・使用不可のどれか"),
        ({"power": "maybe"}, "電気はあり・なし・不明"),
        ({"water": "1"}, "水道はあり・なし・不明"),
        ({"injured": "-1"}, "0以上の整数"),
        ({"injured": "２"}, "0以上の整数"),
        ({"note": "x" * 2001}, "2000文字以内"),
        ({"note": "a\x00b"}, "制御文字"),
    ],
)
def test_bad_input_is_refused_with_the_reason_and_keeps_nothing(
    client, started, lead, change, says
):
    sign_in(client, lead)
    response = client.post(page_url(started), {**FORM, **change})
    assert response.status_code == 400 and says in response.text
    assert not SiteReport.objects.exists()


def test_an_ended_mobilisation_takes_no_report(client, started, people):
    alerts.close_alert(started.alert, closed_by=people.bob)
    sign_in(client, people.bob)
    response = client.post(page_url(started), FORM)
    assert response.status_code == 400 and "終了" in response.text
    assert not SiteReport.objects.exists()


def _report(m, code, status, **fields):
    site = Site.objects.get(code=code)
    return facilities.report(m, site, status=status, via="cli", **fields)


def test_the_headquarters_page_lists_every_site_unreported_first(
    client, started, people, django_assert_max_num_queries
):
    for code in (f"S{n:03d}" for n in range(4, 40)):  # many sites, as a ward has
        Site.objects.create(code=code, name=f"区民集会所{code}")
    _report(started, "S001", "usable")
    _report(started, "S002", "partly", power="no")
    _report(started, "S003", "usable")
    _report(started, "S003", "unusable", injured="3", note="校舎に亀裂")  # the latest counts
    sign_in(client, people.bob)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("mobilise:sites", args=[started.pk]))
    assert page.status_code == 200
    text = page.text
    order = [text.index(f'data-code="{code}"') for code in ("S004", "S039", "S003", "S002", "S001")]
    assert order == sorted(order)  # unreported, unusable, partly, usable
    counts = text[text.index('data-testid="site-counts"') :]
    assert "<strong>36</strong>未報告" in counts and "<strong>1</strong>使用不可" in counts
    assert "<strong>39</strong>全施設" in counts
    assert "校舎に亀裂" in text and "3人" in text and "報告2件" in text
    assert "災害対策本部（コマンド）" in text


@pytest.mark.parametrize("who", ["alice", "carol", "erin"])
def test_only_the_headquarters_sees_every_site(client, started, people, who):
    sign_in(client, getattr(people, who))
    response = client.get(reverse("mobilise:sites", args=[started.pk]))
    assert response.status_code == 403 and "災害対策本部" in response.text


def test_the_sites_page_sends_signed_out_people_to_sign_in(client, started):
    response = client.get(reverse("mobilise:sites", args=[started.pk]))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_the_photo_is_served_only_to_those_who_may_see_the_reports(client, started, people, lead):
    sign_in(client, lead)
    client.post(page_url(started), {**FORM, "photo": photo()})
    report = SiteReport.objects.get()
    url = reverse("mobilise:site_photo", args=[started.pk, report.pk])
    for allowed in (lead, people.bob, people.dave):
        sign_in(client, allowed)
        response = client.get(url)
        assert response.status_code == 200 and response["Content-Type"] == "image/png"
        assert b"".join(response.streaming_content) == tiny_png()
        assert response["X-Content-Type-Options"] == "nosniff"
    for stranger in (people.alice, people.carol):
        sign_in(client, stranger)
        assert client.get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302


def test_the_pages_lead_to_the_report(client, started, people, lead):
    """From the status page to every site; after arriving, from the answer page and the
    arrival page; the lead from the answer page before arriving."""
    sign_in(client, people.bob)
    status = client.get(reverse("mobilise:status", args=[started.pk])).text
    assert reverse("mobilise:sites", args=[started.pk]) in status
    sites = client.get(reverse("mobilise:sites", args=[started.pk])).text
    assert page_url(started) in sites
    sign_in(client, people.alice)
    arrival = client.post(reverse("mobilise:arrive", args=[started.pk, "S003"])).text
    assert page_url(started) in arrival and "この施設の状況を報告" in arrival
    alice = Recipient.objects.get(notice_id=started.pk, staff=people.alice.staff)
    answer_page = client.get(reverse("broadcast:answer", args=[links.token_for(alice.pk)]))
    assert page_url(started) in answer_page.text


def test_the_lead_finds_the_link_on_the_answer_page_of_their_post(client, started, people):
    Site.objects.filter(code="S001").update(lead=people.carol.staff)
    carol = Recipient.objects.get(notice_id=started.pk, staff=people.carol.staff)
    answer_page = client.get(reverse("broadcast:answer", args=[links.token_for(carol.pk)]))
    assert page_url(started, "S001") in answer_page.text


def test_latest_reports_gives_each_sites_latest(started):
    _report(started, "S003", "usable")
    newest = _report(started, "S003", "partly")
    other = _report(started, "S001", "unusable")
    assert facilities.latest_reports(started) == {newest.site_id: newest, other.site_id: other}


# --- the command line ---------------------------------------------------------------


def site_cli(*args) -> list:
    out = StringIO()
    call_command("site", *args, "--json", stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines() if line]


def test_site_report_and_status_on_the_command_line(started):
    [line] = site_cli(
        "report",
        str(started.pk),
        "--site",
        "S003",
        "--status",
        "unusable",
        "--note",
        "停電",
        "--power",
        "no",
        "--water",
        "yes",
        "--injured",
        "4",
    )
    report = SiteReport.objects.get()
    assert line == {
        "id": started.pk,
        "report": report.pk,
        "site": "S003",
        "name": "区立池尻小学校",
        "status": "unusable",
        "power": False,
        "water": True,
        "injured": 4,
        "note": "停電",
        "reported_at": report.reported_at.isoformat(),
    }
    assert report.reported_by is None and report.via == "cli"
    assert AuditEntry.objects.get(action="mobilise.site_reported").detail["site"] == "S003"
    site_cli("report", str(started.pk), "--site", "S001", "--status", "usable")
    lines = site_cli("status", str(started.pk))
    assert [(x["code"], x["status"]) for x in lines] == [
        ("S002", None),
        ("S003", "unusable"),
        ("S001", "usable"),
    ]
    assert lines[0] == {
        "code": "S002",
        "name": "三軒茶屋まちづくりセンター",
        "status": None,
        "reported_at": None,
    }
    assert lines[1]["reported_at"] == report.reported_at.isoformat()


@pytest.mark.parametrize(
    "args, says",
    [
        (["--site", "S999", "--status", "usable"], "no site S999"),
        (["--site", "S003", "--status", "usable", "--injured", "x"], "0以上の整数"),
        (["--site", "S003", "--status", "fine"], "invalid choice"),
        (["--site", "S003", "--status", "usable", "--power", "maybe"], "invalid choice"),
    ],
)
def test_bad_input_on_the_command_line_is_an_error_and_changes_nothing(started, args, says):
    with pytest.raises(CommandError, match=says):
        site_cli("report", str(started.pk), *args)
    assert not SiteReport.objects.exists()


def test_an_unknown_mobilisation_is_an_error(db):
    with pytest.raises(CommandError, match="no mobilisation 999"):
        site_cli("status", "999")


def test_the_command_line_refuses_a_report_on_an_ended_mobilisation(started, people):
    alerts.close_alert(started.alert, closed_by=people.bob)
    with pytest.raises(CommandError, match="終了"):
        site_cli("report", str(started.pk), "--site", "S003", "--status", "usable")
    assert not SiteReport.objects.exists()


def test_a_department_admin_cannot_report_by_role_alone(started, people):
    """Managing the call-up is for administrators and senders; a department admin's role
    gives no right to report a building (only being its lead or having arrived)."""
    assert people.carol.role == Role.DEPARTMENT_ADMIN
    assert not facilities.may_report(people.carol, started, Site.objects.get(code="S003"))


def test_the_photo_is_not_kept_by_any_cache(client, started, people, lead):
    """It may show the injured, and who may see it depends on who asks: a shared PC's
    browser must not keep a copy for the next person."""
    sign_in(client, lead)
    client.post(page_url(started), {**FORM, "photo": photo()})
    report = SiteReport.objects.get()
    sign_in(client, people.bob)
    response = client.get(reverse("mobilise:site_photo", args=[started.pk, report.pk]))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"].startswith("inline")
