"""POST /api/v1/posts with an Idempotency-Key publishes once, as alerts are sent once."""

from renraku.api.models import IdempotencyKey
from renraku.audit.models import AuditEntry
from renraku.bulletin.models import Post, Series
from renraku.notices.models import Recipient

BODY = {"title": "脱FAXの進め方", "body": "**FAX**をやめます。", "series": "松副のDXだより"}


def author(api, people):
    Series.objects.create(name="松副のDXだより").authors.add(people.alice)
    return api.token(people.alice, "bulletin")


def test_a_retried_post_is_published_once_and_answered_the_same(api, people, smtp):
    raw = author(api, people)
    first = api.post("/api/v1/posts", raw, BODY, key="dx-76")
    again = api.post("/api/v1/posts", raw, BODY, key="dx-76")
    assert (first.status_code, again.status_code) == (201, 200), again.content
    assert again.json() == first.json()
    assert first.json()["recipients"] == 5
    assert Post.objects.count() == 1
    assert Recipient.objects.filter(notice_id=Post.objects.get().notice_id).count() == 5
    assert AuditEntry.objects.filter(action="bulletin.published").count() == 1


def test_the_same_key_with_another_post_is_refused_and_publishes_nothing(api, people, smtp):
    raw = author(api, people)
    api.post("/api/v1/posts", raw, BODY, key="dx-76")
    other = api.post("/api/v1/posts", raw, BODY | {"title": "次の号"}, key="dx-76")
    assert other.status_code == 422 and "Idempotency-Key" in other.json()["error"]
    assert Post.objects.count() == 1


def test_the_audiences_text_and_its_selectors_are_the_same_request(api, people, smtp):
    raw = author(api, people)
    first = api.post("/api/v1/posts", raw, BODY | {"audience": "departments=SOM"}, key="k")
    again = api.post("/api/v1/posts", raw, BODY | {"audience": {"departments": ["SOM"]}}, key="k")
    assert (first.status_code, again.status_code) == (201, 200)
    assert Post.objects.count() == 1


def test_a_key_used_for_an_alert_is_not_a_post(api, people, smtp):
    alice = author(api, people)
    Series.objects.get().authors.add(people.bob)
    raw = api.token(people.bob, "bulletin", "alerts")
    sent = api.post(
        "/api/v1/alerts", raw,
        {"title": "訓練", "body": "b", "audience": "all", "channels": ["email"]}, key="k",
    )  # fmt: skip
    assert sent.status_code == 201, sent.content
    assert api.post("/api/v1/posts", raw, BODY, key="k").status_code == 422
    assert not Post.objects.exists()
    # another token's key is its own
    assert api.post("/api/v1/posts", alice, BODY, key="k").status_code == 201


def test_a_refused_post_keeps_no_key_and_without_a_key_each_request_publishes(api, people, smtp):
    raw = author(api, people)
    bad = api.post("/api/v1/posts", raw, BODY | {"title": "a\nb"}, key="k")
    assert bad.status_code == 400
    assert not IdempotencyKey.objects.exists()
    assert api.post("/api/v1/posts", raw, BODY, key="k").status_code == 201
    assert api.post("/api/v1/posts", raw, BODY).status_code == 201
    assert api.post("/api/v1/posts", raw, BODY).status_code == 201
    assert Post.objects.count() == 3
