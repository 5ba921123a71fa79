"""The study-session video: served in ranges to a phone's player from storage, only to
those who may read the post, and each person's viewing record and the rates by
department.

The post is for 総務部 (SOM): Alice and Carol may read it, Bob and Erin (危機管理部) may
not, Dave administers and may.
"""

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import include, path
from django.utils import timezone

from renraku.bulletin import video
from renraku.bulletin.models import Attachment, AudienceEntry, Post, Status, VideoView
from renraku.directory.models import Staff
from renraku.testing import sign_in

# The test's URLs: the video's under /bulletin/ (as the bulletin includes them) before the
# site's own, so the sign-in redirect and the rest resolve as in production.
urlpatterns = [
    path("bulletin/", include("renraku.bulletin.video_urls")),
    path("", include("renraku.urls")),
]
pytestmark = pytest.mark.urls(__name__)

DATA = bytes(range(256)) * 40 + b"tail"  # 10,244 bytes, each offset recognisable
SIZE = len(DATA)
NAME = "第1回DX勉強会.mp4"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    return tmp_path / "media"


def make_post(author, *, departments=("SOM",), status=Status.PUBLISHED):
    post = Post.objects.create(
        title="DX勉強会の録画",
        body="録画です。",
        author=author,
        audience={"departments": list(departments)},
        status=status,
        published_at=timezone.now() if status == Status.PUBLISHED else None,
    )
    for code in departments:
        AudienceEntry.objects.create(post=post, key="departments", code=code)
    return post


def attach(post, data=DATA, *, name=NAME, kind="video", content_type="video/mp4", duration=600):
    attachment = Attachment(
        post=post,
        name=name,
        kind=kind,
        content_type=content_type,
        size=len(data),
        duration_seconds=duration,
    )
    attachment.file.save("session.mp4", ContentFile(data), save=False)
    attachment.save()
    return attachment


@pytest.fixture
def clip(people):
    return attach(make_post(people.dave))


def file_url(attachment):
    return f"/bulletin/attachments/{attachment.pk}/file"


def progress_url(attachment):
    return f"/bulletin/attachments/{attachment.pk}/progress"


def get(client, user, attachment, **headers):
    response = sign_in(client, user).get(file_url(attachment), headers=headers)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


# --- Serving the file -------------------------------------------------------------------


def test_without_range_the_whole_file_is_sent_as_a_stream(client, people, clip):
    response, body = get(client, people.alice, clip)

    assert response.status_code == 200
    assert response.streaming  # read a chunk at a time, never the whole file at once
    assert body == DATA
    assert response["Content-Length"] == str(SIZE)
    assert response["Content-Type"] == "video/mp4"
    assert response["Accept-Ranges"] == "bytes"
    assert response["Cache-Control"] == "private"
    assert response["X-Content-Type-Options"] == "nosniff"
    # The Japanese name survives, RFC 5987-encoded.
    assert response["Content-Disposition"] == (
        "inline; filename*=utf-8''%E7%AC%AC1%E5%9B%9EDX%E5%8B%89%E5%BC%B7%E4%BC%9A.mp4"
    )


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [
        ("bytes=0-1", 0, 1),  # Safari's first question
        ("bytes=0-99", 0, 99),
        ("bytes=10000-", 10000, SIZE - 1),
        ("bytes=-100", SIZE - 100, SIZE - 1),
        ("bytes=100-99999999", 100, SIZE - 1),  # past the end: up to the end
        ("bytes=-99999999", 0, SIZE - 1),
        (f"bytes={SIZE - 1}-", SIZE - 1, SIZE - 1),
    ],
)
def test_a_range_gets_exactly_those_bytes(client, people, clip, header, first, last):
    response, body = get(client, people.alice, clip, Range=header)

    assert response.status_code == 206
    assert body == DATA[first : last + 1]
    assert response["Content-Range"] == f"bytes {first}-{last}/{SIZE}"
    assert response["Content-Length"] == str(last - first + 1)
    assert response["Content-Type"] == "video/mp4"


@pytest.mark.parametrize("header", [f"bytes={SIZE}-", f"bytes={SIZE + 5}-{SIZE + 10}", "bytes=-0"])
def test_a_range_past_the_end_is_unsatisfiable(client, people, clip, header):
    response, _ = get(client, people.alice, clip, Range=header)

    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{SIZE}"


@pytest.mark.parametrize("header", ["bytes=0-1,5-9", "bytes=9-3", "bytes=a-b", "items=0-1"])
def test_several_or_malformed_ranges_get_the_whole_file(client, people, clip, header):
    response, body = get(client, people.alice, clip, Range=header)

    assert response.status_code == 200
    assert body == DATA


def test_a_range_for_an_older_version_of_the_file_gets_the_whole_file(client, people, clip):
    etag = get(client, people.alice, clip)[0]["ETag"]

    same = get(client, people.alice, clip, Range="bytes=0-9", If_Range=etag)[0]
    other = get(client, people.alice, clip, Range="bytes=0-9", If_Range='"elsewhere"')[0]

    assert same.status_code == 206
    assert other.status_code == 200


def test_head_says_the_length_without_sending_the_file(client, people, clip):
    response = sign_in(client, people.alice).head(file_url(clip), headers={"Range": "bytes=0-99"})

    assert response.status_code == 206
    assert response["Content-Length"] == "100"
    assert response["Content-Range"] == f"bytes 0-99/{SIZE}"
    assert not response.streaming  # the file is not even opened


def test_works_on_storage_without_local_paths(client, people, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    clip = attach(make_post(people.dave))

    response, body = get(client, people.alice, clip, Range="bytes=256-511")

    assert response.status_code == 206
    assert body == DATA[256:512]


def test_an_uploaded_page_is_a_download_never_shown_from_our_site(client, people):
    page = attach(make_post(people.dave), b"<script>steal()</script>", content_type="text/html")

    response, _ = get(client, people.alice, page)

    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")


def test_download_saves_under_its_own_name(client, people, clip):
    response = sign_in(client, people.alice).get(f"/bulletin/attachments/{clip.pk}/download")

    assert response["Content-Disposition"].startswith("attachment; filename*=utf-8''%E7%AC%AC1")


@pytest.mark.parametrize("reader", ["bob", "erin"])
def test_someone_outside_the_audience_gets_404(client, people, clip, reader):
    response, _ = get(client, getattr(people, reader), clip)

    assert response.status_code == 404


def test_a_draft_posts_video_is_404_for_staff_but_served_to_its_author(client, people):
    clip = attach(make_post(people.carol, status=Status.DRAFT))

    assert get(client, people.alice, clip)[0].status_code == 404
    assert get(client, people.carol, clip)[0].status_code == 200


def test_signed_out_is_sent_to_sign_in(client, clip):
    response = client.get(file_url(clip))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/")


def test_a_file_gone_from_storage_is_404(client, people, clip):
    clip.file.storage.delete(clip.file.name)

    assert get(client, people.alice, clip)[0].status_code == 404


# --- Viewing records ----------------------------------------------------------------------


def opened(client, user, attachment, seconds_ago=3600):
    """`user` loads the video in the player (asks for the file), `seconds_ago`."""
    get(client, user, attachment, Range="bytes=0-1")
    VideoView.objects.filter(attachment=attachment, staff=user.staff).update(
        first_requested_at=timezone.now() - dt.timedelta(seconds=seconds_ago)
    )


def report(client, user, attachment, **data):
    if not VideoView.objects.filter(attachment=attachment, staff=user.staff).exists():
        opened(client, user, attachment)
    return sign_in(client, user).post(progress_url(attachment), data)


def watched(attachment, staff, start, end):
    """Through the function the page calls, for someone who opened it an hour ago."""
    video.note_request(attachment, staff, now=timezone.now() - dt.timedelta(hours=1))
    return video.record_progress(attachment, staff, start, end)


def view_of(user, attachment):
    return VideoView.objects.get(staff=user.staff, attachment=attachment)


def test_watching_the_same_part_twice_counts_it_once(client, people, clip):
    assert report(client, people.alice, clip, start=0, end=30).status_code == 204
    assert report(client, people.alice, clip, start=0, end=30).status_code == 204
    assert view_of(people.alice, clip).watched_seconds == 30

    report(client, people.alice, clip, start=20, end=50)  # overlaps
    report(client, people.alice, clip, start=100, end=110.5)  # apart

    view = view_of(people.alice, clip)
    assert view.ranges == [[0, 50], [100, 110.5]]
    assert view.watched_seconds == 60.5


def test_skipping_to_the_end_is_not_watching_it(client, people, clip):
    report(client, people.alice, clip, start=0, end=10)
    report(client, people.alice, clip, start=590, end=600)

    view = view_of(people.alice, clip)
    assert view.watched_seconds == 20
    assert view.completed_at is None


def test_completed_at_ninety_percent_and_not_before(client, people, clip):
    report(client, people.alice, clip, start=0, end=539)  # 89.8 % of 600 s
    assert view_of(people.alice, clip).completed_at is None

    report(client, people.alice, clip, start=539, end=540)
    completed_at = view_of(people.alice, clip).completed_at
    assert completed_at is not None

    report(client, people.alice, clip, start=540, end=600)
    assert view_of(people.alice, clip).completed_at == completed_at  # once


def test_an_end_a_moment_past_the_length_is_the_end(client, people, clip):
    assert report(client, people.alice, clip, start=590, end=600.8).status_code == 204

    assert view_of(people.alice, clip).ranges == [[590, 600]]


@pytest.mark.parametrize(
    "data",
    [
        {"start": "nan", "end": 10},
        {"start": 0, "end": "inf"},
        {"start": -1, "end": 10},
        {"start": "abc", "end": 10},
        {"start": 0},
        {"start": 20, "end": 10},
        {"start": 10, "end": 10},
        {"start": 0, "end": 700},  # past the 600 s video
    ],
)
def test_bad_reports_are_refused_with_a_reason_and_store_nothing(client, people, clip, data):
    response = report(client, people.alice, clip, **data)

    assert response.status_code == 400
    assert response.content  # the reason
    assert view_of(people.alice, clip).ranges == []


def test_a_report_from_someone_who_never_loaded_the_video_is_refused(client, people, clip):
    response = sign_in(client, people.alice).post(progress_url(clip), {"start": 0, "end": 10})

    assert response.status_code == 400
    assert not VideoView.objects.exists()


def test_a_player_cannot_set_the_length_of_a_video(client, people):
    """The server could not read its length: a player saying "1 s" changes nothing for
    anyone, and no viewing is recorded (the author's page says why)."""
    clip = attach(make_post(people.dave), duration=None)

    assert report(client, people.alice, clip, start=0, end=1, duration=1).status_code == 400
    assert report(client, people.carol, clip, start=0, end=90, duration=100).status_code == 400

    clip.refresh_from_db()
    assert clip.duration_seconds is None
    assert not VideoView.objects.exclude(ranges=[]).exists()


def test_a_crafted_report_cannot_complete_a_video_just_opened(client, people):
    """One POST claiming [0, 15] of a 15 s video right after loading it is refused: at
    double speed 15 s of video takes 7.5 s. After 8 s the same report is believable."""
    clip = attach(make_post(people.dave), duration=15)

    opened(client, people.alice, clip, seconds_ago=0.01)
    assert report(client, people.alice, clip, start=0, end=15).status_code == 400
    assert view_of(people.alice, clip).completed_at is None

    opened(client, people.alice, clip, seconds_ago=5)  # 10 s at double speed: not 15
    assert report(client, people.alice, clip, start=0, end=15).status_code == 400
    opened(client, people.alice, clip, seconds_ago=8)
    assert report(client, people.alice, clip, start=0, end=15).status_code == 204
    assert view_of(people.alice, clip).completed_at is not None


def test_reports_add_up_to_no_more_than_the_time_allows(client, people, clip):
    opened(client, people.alice, clip, seconds_ago=60)  # at most 120 s at double speed
    assert report(client, people.alice, clip, start=0, end=100).status_code == 204
    assert report(client, people.alice, clip, start=200, end=250).status_code == 400
    assert view_of(people.alice, clip).watched_seconds == 100


def test_reports_for_a_video_one_may_not_read_are_404(client, people, clip):
    response = report(client, people.bob, clip, start=0, end=10)

    assert response.status_code == 404
    assert not VideoView.objects.exists()


def test_reports_for_a_pdf_are_404(client, people):
    pdf = attach(make_post(people.dave), b"%PDF-1.7", kind="pdf", content_type="application/pdf")

    assert report(client, people.alice, pdf, start=0, end=10).status_code == 404


def test_a_report_needs_the_csrf_token_the_page_sends(people, clip):
    browser = sign_in(Client(enforce_csrf_checks=True), people.alice)
    secret = "a" * 32
    browser.cookies["csrftoken"] = secret
    url = progress_url(clip)
    opened(browser, people.alice, clip)

    forged = browser.post(url, {"start": 0, "end": 10})
    with_header = browser.post(url, {"start": 0, "end": 10}, headers={"X-CSRFToken": secret})
    # A beacon cannot carry headers: the token comes in the form.
    beacon = browser.post(url, {"start": 20, "end": 30, "csrfmiddlewaretoken": secret})

    assert forged.status_code == 403
    assert (with_header.status_code, beacon.status_code) == (204, 204)
    assert view_of(people.alice, clip).watched_seconds == 20


def test_reports_are_posted_not_got(client, people, clip):
    response = sign_in(client, people.alice).get(progress_url(clip), {"start": 0, "end": 10})

    assert response.status_code == 405


# --- Ranges kept and rates by department -------------------------------------------------


def test_ranges_join_when_they_overlap_or_touch():
    assert video.merge_ranges([[0, 10], [20, 30]], [5, 25]) == [[0, 30]]
    assert video.merge_ranges([[0, 10]], [10.2, 12]) == [[0, 12]]
    assert video.merge_ranges([[0, 10]], [20, 30]) == [[0, 10], [20, 30]]


def test_ranges_kept_are_capped_by_joining_the_closest(people, clip):
    for i in range(150):
        watched(clip, people.alice.staff, i * 4, i * 4 + 1 + (i == 7))

    view = view_of(people.alice, clip)
    assert len(view.ranges) == video.MAX_RANGES
    assert view.watched_seconds >= 151
    assert view.ranges == sorted(view.ranges)


def test_rates_by_department_count_people_in_their_current_department(
    people, clip, django_assert_num_queries
):
    watched(clip, people.alice.staff, 0, 600)
    watched(clip, people.carol.staff, 0, 60)
    watched(clip, people.bob.staff, 0, 600)
    watched(clip, people.erin.staff, 0, 10)
    # Erin has moved to 総務部 since she watched.
    Staff.objects.filter(pk=people.erin.staff.pk).update(department=people.carol.staff.department)

    with django_assert_num_queries(1):
        stats = video.stats_by_department(clip)

    assert stats == {
        "viewers": 4,
        "completed": 2,
        "by_department": [
            {"code": "KIK", "name": "危機管理部", "viewers": 1, "completed": 1},
            {"code": "SOM", "name": "総務部", "viewers": 3, "completed": 1},
        ],
    }


def test_rates_by_department_among_recipients(org, people, clip, django_assert_num_queries):
    watched(clip, people.alice.staff, 0, 600)
    watched(clip, people.bob.staff, 0, 600)  # not a recipient
    recipients = Staff.objects.filter(department__code="SOM", is_active=True)

    with django_assert_num_queries(1):
        stats = video.stats_by_department(clip, recipients)

    assert stats == {
        "recipients": 2,
        "viewers": 1,
        "completed": 1,
        "by_department": [
            {"code": "SOM", "name": "総務部", "recipients": 2, "viewers": 1, "completed": 1}
        ],
    }


# --- What the reader and the author see ----------------------------------------------------


def test_after_watching_to_the_end_the_post_says_watched(client, people):
    from renraku.bulletin import actions

    draft = actions.save_draft(
        people.dave, title="DX勉強会", body="録画です。", audience={"departments": ["SOM"]}
    )
    post = actions.publish(draft, by=people.dave)
    clip = attach(post, duration=15)
    page_url = f"/bulletin/{post.pk}/"
    assert "視聴済み" not in sign_in(client, people.alice).get(page_url).text

    opened(client, people.alice, clip, seconds_ago=20)
    report(client, people.alice, clip, start=0, end=6)
    page = client.get(page_url).text
    assert "40% 視聴" in page and "視聴済み" not in page
    report(client, people.alice, clip, start=6, end=15)

    page = client.get(page_url).text
    assert 'data-testid="my-viewing"' in page and "視聴済み" in page
    assert "視聴済み" not in sign_in(client, people.carol).get(page_url).text  # hers alone


def test_the_authors_page_shows_who_watched_by_department(client, people, org):
    from renraku.bulletin import actions
    from renraku.testing import make_staff

    make_staff(org, family="学校", given="一郎", department=org.gak)
    draft = actions.save_draft(
        people.dave, title="DX勉強会", body="録画です。",
        audience={"departments": ["SOM", "GAK"]},
    )  # fmt: skip
    post = actions.publish(draft, by=people.dave)
    clip = attach(post, duration=100)
    watched(clip, people.alice.staff, 0, 95)  # SOM, watched
    watched(clip, people.carol.staff, 0, 20)  # SOM, started
    watched(clip, people.bob.staff, 0, 100)  # 危機管理部: not sent the post

    response = sign_in(client, people.dave).get(f"/bulletin/{post.pk}/follow/")

    assert response.status_code == 200
    [figures] = response.context["videos"]
    rows = {row["code"]: row for row in figures["stats"]["by_department"]}
    assert (rows["SOM"]["recipients"], rows["SOM"]["viewers"], rows["SOM"]["completed"]) == (
        2, 2, 1,
    )  # fmt: skip
    assert (rows["GAK"]["recipients"], rows["GAK"]["viewers"], rows["GAK"]["completed"]) == (
        1, 0, 0,
    )  # fmt: skip
    assert rows["SOM"]["completed_pct"] == 50.0
    assert "KIK" not in rows
    assert "視聴済み 1 / 2人（50.0%）" in response.text
    assert "青木" not in response.text.split('data-testid="video-views"')[1]  # no names
    assert sign_in(client, people.alice).get(f"/bulletin/{post.pk}/follow/").status_code == 403
