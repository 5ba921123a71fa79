"""A mobilisation through the doors people use: started and raised on the command line and
the page, answered with an expected arrival on the one-tap page, arrivals by the QR page
and the signed link, status by post and by team, standing down, reassigning."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from renraku.broadcast import links
from renraku.mobilise.models import Arrival, Callup, Mobilisation
from renraku.notices.models import Recipient
from renraku.testing import sign_in

_after_commit = None


@pytest.fixture(autouse=True)
def _deliver_after_each_command(django_capture_on_commit_callbacks):
    """Each command's notices go out once it commits, as in production."""
    global _after_commit
    _after_commit = django_capture_on_commit_callbacks


def cli(*args) -> list:
    from io import StringIO

    out = StringIO()
    with _after_commit(execute=True):
        call_command("mobilise", *args, "--json", stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines() if line]


def start(level=3):
    [result] = cli("start", "--level", str(level), "--drill")
    return result


def link(mobilisation_id, staff) -> str:
    recipient = Recipient.objects.get(notice_id=mobilisation_id, staff=staff)
    return reverse("broadcast:answer", args=[links.token_for(recipient.pk)])


def post_link(mobilisation_id, staff) -> str:
    recipient = Recipient.objects.get(notice_id=mobilisation_id, staff=staff)
    return reverse("mobilise:answer", args=[links.token_for(recipient.pk)])


def lines(mobilisation_id, by) -> dict:
    return {line["code"]: line for line in cli("status", str(mobilisation_id), "--by", by)}


def test_levels_are_listed(db):
    assert cli("levels") == [
        [
            {"level": 1, "name": "警戒配備"},
            {"level": 2, "name": "第1次非常配備"},
            {"level": 3, "name": "第2次非常配備"},
            {"level": 4, "name": "全職員配備"},
        ]
    ]


def test_starting_at_level_3_calls_those_of_levels_1_to_3_once_each(ward, people, smtp):
    result = start(3)
    assert result["level"] == 3 and result["called"] == 4
    called = set(Callup.objects.values_list("staff__employee_number", flat=True))
    assert called == {
        p.employee_number
        for p in (people.bob.staff, people.alice.staff, people.carol.staff, ward.fumi)
    }
    [mail] = smtp.to("alice@city.example")
    assert "第2次非常配備" in mail["Subject"]
    assert smtp.to("dave@city.example") == []
    assert Mobilisation.objects.get(pk=result["id"]).auto is False


def test_raising_extends_the_same_alert_to_the_newly_called_only(ward, people, smtp):
    m = start(3)
    [raised] = cli("raise", str(m["id"]), "--level", "4")
    assert raised == {"id": m["id"], "level": 4, "called": 2}  # Dave and Erin
    assert Recipient.objects.filter(notice_id=m["id"]).count() == 6
    assert len(smtp.to("alice@city.example")) == 1  # not asked twice
    [dave_mail] = smtp.to("dave@city.example")
    assert Mobilisation.objects.get(pk=m["id"]).auto is True  # the highest level: 自動参集
    # The newly called read the level now ordered and that they set out unasked.
    assert "全職員配備" in dave_mail["Subject"] and "第2次非常配備" not in dave_mail["Subject"]
    assert "自動参集" in dave_mail.get_body(("plain",)).get_content()
    by_site = lines(m["id"], "site")
    assert by_site["S003"]["called"] == 2 and by_site["S001"]["called"] == 3
    assert by_site[None]["called"] == 1  # Fumi, without a post
    with pytest.raises(CommandError):
        cli("raise", str(m["id"]), "--level", "4")  # not above the current level


def test_answering_with_an_eta_on_the_one_tap_page(client, ward, people):
    m = start(3)
    alice = people.alice.staff
    page = client.get(link(m["id"], alice))
    assert "区立池尻小学校" in page.text and 'data-testid="post"' in page.text
    assert 'name="attendance"' not in page.text  # 参集 replaces 出勤可否
    assert 'name="eta"' not in page.text  # safety comes first
    client.post(link(m["id"], alice), {"value": "safe"})
    page = client.post(post_link(m["id"], alice), {"eta": "30"})
    assert page.status_code == 200 and 'data-testid="callup-answer"' in page.text
    callup = Callup.objects.get(staff=alice)
    first = callup.answered_at
    assert callup.coming is True and callup.eta == "30" and first is not None
    assert Recipient.objects.get(notice_id=m["id"], staff=alice).attendance == "can"
    client.post(post_link(m["id"], alice), {"reason": "transport"})
    callup.refresh_from_db()
    assert (callup.coming, callup.eta, callup.reason) == (False, "", "transport")
    assert callup.answered_at == first  # the first answer's time is kept
    assert Recipient.objects.get(notice_id=m["id"], staff=alice).attendance == "cannot"
    line = lines(m["id"], "site")["S003"]
    assert line["answered"] == 1 and line["cannot"] == 1 and line["coming"] == 0


def test_the_post_shows_its_address_and_a_map_link(client, ward, people):
    m = start(3)
    page = client.get(link(m["id"], people.carol.staff))
    assert "東京都世田谷区世田谷4-21-27" in page.text and "google.com/maps" in page.text


@pytest.mark.parametrize(
    "data",
    [{"eta": "15"}, {"eta": "30", "reason": "family"}, {"reason": "x"}, {}, {"eta": "３０"}],
)
def test_crafted_answers_are_refused_and_change_nothing(client, ward, people, data):
    m = start(3)
    alice = people.alice.staff
    client.post(link(m["id"], alice), {"value": "safe"})
    page = client.post(post_link(m["id"], alice), data)
    assert page.status_code == 400
    callup = Callup.objects.get(staff=alice)
    assert callup.answered_at is None and callup.coming is None


def test_an_eta_before_the_safety_answer_is_refused(client, ward, people):
    m = start(3)
    page = client.post(post_link(m["id"], people.alice.staff), {"eta": "60"})
    assert page.status_code == 400
    assert Callup.objects.get(staff=people.alice.staff).answered_at is None


def test_a_forged_link_answers_404_and_a_get_leads_back_to_the_answer_page(client, ward, people):
    m = start(3)
    assert client.post("/mobilise/a/1:forged/", {"eta": "30"}).status_code == 404
    tapped = post_link(m["id"], people.alice.staff)  # left in the browser by a tap
    reopened = client.get(tapped)
    assert reopened.status_code == 302
    assert reopened["Location"] == tapped.replace("/mobilise/a/", "/a/")
    assert not Callup.objects.filter(answered_at__isnull=False).exists()


def test_arriving_from_the_one_tap_page_without_signing_in(client, ward, people):
    m = start(3)
    page = client.post(post_link(m["id"], people.alice.staff), {"arrive": "1"})
    assert page.status_code == 200 and 'data-testid="arrived"' in page.text
    [arrival] = Arrival.objects.all()
    assert arrival.site == ward.school and arrival.via == "link" and arrival.by is None
    assert lines(m["id"], "site")["S003"]["arrived"] == 1


def test_arriving_by_the_qr_page_elsewhere_is_recorded_where_they_are(client, ward, people):
    m = start(3)
    sign_in(client, people.alice)
    url = reverse("mobilise:arrive", args=[m["id"], "S001"])
    page = client.get(url)
    assert page.status_code == 200 and 'data-testid="elsewhere"' in page.text
    page = client.post(url)
    assert page.status_code == 200 and 'data-testid="arrived"' in page.text
    [arrival] = Arrival.objects.all()
    assert arrival.site == ward.honcho and arrival.by == people.alice
    by_site = lines(m["id"], "site")
    assert by_site["S001"]["arrived"] == 1 and by_site["S003"]["arrived"] == 0
    assert by_site["S003"]["called"] == 1  # still counted at her post as called


def test_the_qr_page_is_for_the_called_only(client, ward, people):
    m = start(3)
    sign_in(client, people.dave)  # called only when everyone is
    assert client.post(reverse("mobilise:arrive", args=[m["id"], "S001"])).status_code == 403
    sign_in(client, people.alice)
    assert client.post(reverse("mobilise:arrive", args=[m["id"], "NOPE"])).status_code == 404
    assert not Arrival.objects.exists()


def test_status_by_site_and_team_says_how_far_short_furthest_first(ward, people):
    m = start(3)
    cli("arrive", str(m["id"]), "--staff", people.carol.staff.employee_number)
    by_site = cli("status", str(m["id"]), "--by", "site")
    assert [line["code"] for line in by_site] == ["S003", "S001", None]
    school = by_site[0]
    assert school == {
        "code": "S003",
        "name": "区立池尻小学校",
        "called": 1,
        "answered": 0,
        "coming": 0,
        "eta": {"30": 0, "60": 0, "180": 0, "day": 0},
        "arrived": 0,
        "cannot": 0,
        "required": 2,
        "short_by": 2,
    }
    assert by_site[1]["arrived"] == 1 and by_site[1]["short_by"] == 0
    assert by_site[2]["required"] is None and by_site[2]["short_by"] is None
    by_team = {line["code"]: line for line in cli("status", str(m["id"]), "--by", "team")}
    assert by_team["SHELTER"]["short_by"] == 2 and by_team["HONBU"]["arrived"] == 1
    assert by_team["HONBU"]["required"] is None


def test_the_cli_arrival_at_another_site_and_unknown_people(ward, people):
    m = start(3)
    [out] = cli(
        "arrive", str(m["id"]), "--staff", people.alice.staff.employee_number, "--site", "S001"
    )
    assert out["site"] == "S001" and out["post"] == "S003"
    with pytest.raises(CommandError):
        cli("arrive", str(m["id"]), "--staff", people.dave.staff.employee_number)
    with pytest.raises(CommandError):
        cli("arrive", str(m["id"]), "--staff", ward.fumi.employee_number)  # no post, no site
    assert Arrival.objects.count() == 1


def test_standing_down_tells_those_called_above_the_new_level(ward, people, smtp):
    m = start(3)
    cli("raise", str(m["id"]), "--level", "4")
    [out] = cli("stand-down", str(m["id"]), "--level", "3")
    assert out == {"id": m["id"], "level": 3, "told": 2}
    assert len(smtp.to("dave@city.example")) == 2 and len(smtp.to("erin@city.example")) == 2
    assert len(smtp.to("alice@city.example")) == 1  # still called: not told
    assert sum(line["called"] for line in cli("status", str(m["id"]), "--by", "site")) == 4
    [out] = cli("stand-down", str(m["id"]), "--level", "1")
    assert out["told"] == 3  # Alice, Carol and Fumi
    assert len(smtp.to("alice@city.example")) == 2


def test_reassigning_tells_the_person_at_once(ward, people, smtp):
    m = start(3)
    [out] = cli(
        "assign", str(m["id"]), "--staff", people.alice.staff.employee_number, "--site", "S001"
    )
    assert out["site"] == "S001"
    mails = smtp.to("alice@city.example")
    assert len(mails) == 2 and "本庁舎" in mails[1]["Subject"]
    by_site = lines(m["id"], "site")
    assert by_site["S001"]["called"] == 3 and by_site["S003"]["called"] == 0
    with pytest.raises(CommandError):
        cli("assign", str(m["id"]), "--staff", people.alice.staff.employee_number, "--site", "ZZ")


def test_a_closed_mobilisation_takes_no_answers_or_arrivals(client, ward, people):
    from renraku.broadcast.actions import close_alert

    m = start(3)
    client.post(link(m["id"], people.alice.staff), {"value": "safe"})
    close_alert(Mobilisation.objects.get(pk=m["id"]).alert)
    assert client.post(post_link(m["id"], people.alice.staff), {"eta": "30"}).status_code == 400
    with pytest.raises(CommandError):
        cli("arrive", str(m["id"]), "--staff", people.carol.staff.employee_number)
    assert not Arrival.objects.exists()


def test_arriving_again_at_the_same_place_keeps_the_first_time(client, ward, people):
    """A second tap, a reload or a replayed link adds no arrival and moves no time."""
    m = start(3)
    url = post_link(m["id"], people.alice.staff)
    assert client.post(url, {"arrive": "1"}).status_code == 200
    first = Callup.objects.get(staff=people.alice.staff).arrived_at
    for _ in range(5):
        assert client.post(url, {"arrive": "1"}).status_code == 200
    assert Arrival.objects.count() == 1
    assert Callup.objects.get(staff=people.alice.staff).arrived_at == first
    assert lines(m["id"], "site")["S003"]["arrived"] == 1


def test_arrivals_back_and_forth_are_bounded(client, ward, people):
    from renraku.mobilise.actions import MAX_ARRIVALS_PER_CALLUP

    m = start(3)
    sign_in(client, people.alice)
    elsewhere = reverse("mobilise:arrive", args=[m["id"], "S001"])
    at_post = post_link(m["id"], people.alice.staff)
    for n in range(MAX_ARRIVALS_PER_CALLUP):
        if n % 2:
            assert client.post(at_post, {"arrive": "1"}).status_code == 200
        else:
            assert client.post(elsewhere).status_code == 200
    page = client.post(elsewhere)
    assert page.status_code == 400
    assert "到着の記録回数が上限に達しました。" in page.text
    assert Arrival.objects.count() == MAX_ARRIVALS_PER_CALLUP
