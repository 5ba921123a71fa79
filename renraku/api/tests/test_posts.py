"""Listing and publishing bulletin posts over the API (`bulletin` scope)."""

from renraku.audit.models import AuditEntry
from renraku.bulletin.models import Post, Series


def test_an_author_publishes_and_the_series_numbers_it(api, people, smtp):
    series = Series.objects.create(name="松副のDXだより")
    series.authors.add(people.alice)
    raw = api.token(people.alice, "bulletin")
    body = {"title": "脱FAXの進め方", "body": "**FAX**をやめます。", "series": "松副のDXだより"}
    response = api.post("/api/v1/posts", raw, body)
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["number"], created["recipients"], created["status"]) == (1, 5, "published")
    assert AuditEntry.objects.filter(action="bulletin.published").count() == 1
    again = api.post("/api/v1/posts", raw, body | {"title": "次の号"}).json()
    assert again["number"] == 2


def test_a_token_without_the_bulletin_scope_or_rights_changes_nothing(api, people):
    Series.objects.create(name="松副のDXだより")
    body = {"title": "題", "body": "本文", "series": "松副のDXだより"}
    assert api.post("/api/v1/posts", api.token(people.dave, "alerts"), body).status_code == 403
    # Alice is not one of the series' named authors.
    assert api.post("/api/v1/posts", api.token(people.alice, "bulletin"), body).status_code == 403
    bad = api.post("/api/v1/posts", api.token(people.dave, "bulletin"), body | {"title": "a\nb"})
    assert bad.status_code == 400 and bad.json()["errors"]
    assert Post.objects.count() == 0


def test_the_list_holds_only_what_the_user_may_read_and_figures_only_for_the_author(
    api, people, smtp
):
    admin = api.token(people.dave, "bulletin")
    for_som = api.post("/api/v1/posts", admin, {"title": "総務部へ", "body": "本文",
                                                "audience": "departments=SOM"}).json()  # fmt: skip
    everyone = api.post("/api/v1/posts", admin, {"title": "全職員へ", "body": "本文"}).json()
    bob = api.token(people.bob, "bulletin")  # 危機管理部
    listed = [p["id"] for p in api.get("/api/v1/posts", bob).json()["results"]]
    assert listed == [everyone["id"]]
    assert api.get(f"/api/v1/posts/{for_som['id']}", bob).status_code == 404
    mine = api.get(f"/api/v1/posts/{everyone['id']}", admin).json()
    assert mine["figures"]["recipients"] == 5 and mine["figures"]["read"] == 0
    assert api.get(f"/api/v1/posts/{everyone['id']}", bob).json()["figures"] is None
